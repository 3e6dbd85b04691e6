// Webhooks: each subscription's delivery cursor (it only moves forward, and goes with its subscription) and the named
// leases that let one process of several deliver.

using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;

namespace Parley.Storage.Sqlite;

public sealed partial class SqliteStore : IWebhookStore
{
    /// <inheritdoc/>
    public async Task<bool> HoldLeaseAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        var connection = EnsureInitialized();
        var now = _time.GetUtcNow();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var command = Command(connection, """
                INSERT INTO leases (name, holder, expires_ticks) VALUES ($name, $holder, $expires)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ticks = excluded.expires_ticks
                WHERE leases.holder = excluded.holder OR leases.expires_ticks <= $now
                RETURNING holder;
                """);
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$holder", holder);
            command.Parameters.AddWithValue("$expires", (now + duration).UtcTicks);
            command.Parameters.AddWithValue("$now", now.UtcTicks);
            return await command.ExecuteScalarAsync(cancellationToken) is string held && held == holder;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc/>
    public async Task<long?> ReadWebhookCursorAsync(AgreementId agreement, SubscriptionId subscription, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, "SELECT webhook_cursor FROM subscriptions WHERE agreement_id = $agreement AND id = $id;");
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$id", subscription.Value);
        return await command.ExecuteScalarAsync(cancellationToken) is long cursor ? cursor : null;
    }

    /// <inheritdoc/>
    public async Task SaveWebhookCursorAsync(AgreementId agreement, SubscriptionId subscription, long sequence, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        var connection = EnsureInitialized();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var command = Command(connection, """
                UPDATE subscriptions SET webhook_cursor = MAX(webhook_cursor, $seq) WHERE agreement_id = $agreement AND id = $id;
                """);
            command.Parameters.AddWithValue("$agreement", agreement.Value);
            command.Parameters.AddWithValue("$id", subscription.Value);
            command.Parameters.AddWithValue("$seq", sequence);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
