// Events: each agreement's outbox, appended in the commit of the change that raised them and numbered 1, 2, … in
// commit order without gaps (the next number is read under the agreement's lock); a party reads its own, the center
// every party's.

using Npgsql;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Rows;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore : IEventStore
{
    /// <summary>Appends events numbered from <paramref name="next"/>; returns the number after the last.</summary>
    private static void InsertEvents(NpgsqlBatch batch, AgreementId agreement, IEnumerable<EventAppend> appended, long next)
    {
        var events = appended.ToList();
        if (events.Count == 0)
        {
            return;
        }

        var insert = Add(batch, """
            INSERT INTO events (agreement_id, seq, recipient, type, payload, created_ticks)
            SELECT @agreement, * FROM unnest(@seq::bigint[], @recipient::text[], @type::text[], @payload::text[], @created::bigint[]);
            """);
        Text(insert, "agreement", agreement.Value);
        insert.Parameters.Add(new NpgsqlParameter<long[]>("seq", [.. Enumerable.Range(0, events.Count).Select(i => next + i)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("recipient", [.. events.Select(e => e.Recipient.Value)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("type", [.. events.Select(e => e.Type)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("payload", [.. events.Select(e => e.Payload)]));
        insert.Parameters.Add(new NpgsqlParameter<long[]>("created", [.. events.Select(e => e.Created.UtcTicks)]));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(AgreementId agreement, PartyId? recipient, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {EventRows.Columns} FROM events
            WHERE agreement_id = @agreement AND seq > @after AND (@recipient::text IS NULL OR recipient = @recipient)
            ORDER BY seq LIMIT @limit;
            """);
        Text(command, "agreement", agreement.Value);
        Long(command, "after", afterSequence);
        Text(command, "recipient", recipient?.Value);
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, EventRows.Read, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredEvent>> ReadEventsSinceAsync(AgreementId agreement, string type, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {EventRows.Columns} FROM events
            WHERE agreement_id = @agreement AND type = @type AND created_ticks >= @since
            ORDER BY created_ticks, seq;
            """);
        Text(command, "agreement", agreement.Value);
        Text(command, "type", type);
        Long(command, "since", since.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, EventRows.Read, cancellationToken);
    }
}
