// Webhooks: each subscription's delivery cursor (it only moves forward, and goes with its subscription) and the named
// leases that let one process of several deliver.

using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore : IWebhookStore
{
    /// <inheritdoc/>
    public async Task<bool> HoldLeaseAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        var now = _time.GetUtcNow();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            INSERT INTO leases (name, holder, expires_ticks) VALUES (@name, @holder, @expires)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ticks = excluded.expires_ticks
            WHERE leases.holder = excluded.holder OR leases.expires_ticks <= @now
            RETURNING holder;
            """);
        Text(command, "name", name);
        Text(command, "holder", holder);
        Long(command, "expires", (now + duration).UtcTicks);
        Long(command, "now", now.UtcTicks);
        return await command.ExecuteScalarAsync(cancellationToken) is string held && held == holder;
    }

    /// <inheritdoc/>
    public async Task<long?> ReadWebhookCursorAsync(AgreementId agreement, SubscriptionId subscription, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT webhook_cursor FROM subscriptions WHERE agreement_id = @agreement AND id = @id;");
        Text(command, "agreement", agreement.Value);
        Text(command, "id", subscription.Value);
        return await command.ExecuteScalarAsync(cancellationToken) is long cursor ? cursor : null;
    }

    /// <inheritdoc/>
    public async Task SaveWebhookCursorAsync(AgreementId agreement, SubscriptionId subscription, long sequence, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            UPDATE subscriptions SET webhook_cursor = GREATEST(webhook_cursor, @seq) WHERE agreement_id = @agreement AND id = @id;
            """);
        Text(command, "agreement", agreement.Value);
        Text(command, "id", subscription.Value);
        Long(command, "seq", sequence);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
