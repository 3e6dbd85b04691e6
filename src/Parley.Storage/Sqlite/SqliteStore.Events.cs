// Events: each agreement's outbox, appended in the commit of the change that raised them and numbered 1, 2, … in
// commit order without gaps; a party reads its own, the center every party's.

using Microsoft.Data.Sqlite;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Rows;

namespace Parley.Storage.Sqlite;

public sealed partial class SqliteStore : IEventStore
{
    /// <summary>Appends events with the next sequence numbers; returns the one after the last (or <paramref name="next"/> when none, -1 meaning not read yet).</summary>
    private static async Task<long> InsertEventsAsync(
        WriterStatements statements, AgreementId agreement, IReadOnlyList<EventAppend> events, long next, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return next;
        }

        if (next < 0)
        {
            var max = statements.Command("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE agreement_id = $agreement;");
            max.Parameters.AddWithValue("$agreement", agreement.Value);
            next = (long)(await max.ExecuteScalarAsync(cancellationToken))!;
        }

        var insert = statements.Command("""
            INSERT INTO events (agreement_id, seq, recipient, type, payload, created_ticks)
            VALUES ($agreement, $seq, $recipient, $type, $payload, $created);
            """);
        insert.Parameters.AddWithValue("$agreement", agreement.Value);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var recipient = insert.Parameters.Add("$recipient", SqliteType.Text);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var payload = insert.Parameters.Add("$payload", SqliteType.Text);
        var created = insert.Parameters.Add("$created", SqliteType.Integer);
        foreach (var e in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            seq.Value = next++;
            recipient.Value = e.Recipient.Value;
            type.Value = e.Type;
            payload.Value = e.Payload;
            created.Value = e.Created.UtcTicks;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        return next;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(AgreementId agreement, PartyId? recipient, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {EventRows.Columns} FROM events
            WHERE agreement_id = $agreement AND seq > $after AND ($recipient IS NULL OR recipient = $recipient)
            ORDER BY seq LIMIT $limit;
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$after", afterSequence);
        command.Parameters.AddWithValue("$recipient", recipient is { } r ? r.Value : DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, EventRows.Read, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredEvent>> ReadEventsSinceAsync(AgreementId agreement, string type, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {EventRows.Columns} FROM events
            WHERE agreement_id = $agreement AND type = $type AND created_ticks >= $since
            ORDER BY created_ticks, seq;
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$type", type);
        command.Parameters.AddWithValue("$since", since.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, EventRows.Read, cancellationToken);
    }
}
