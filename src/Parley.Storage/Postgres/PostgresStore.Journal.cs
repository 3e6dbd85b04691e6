// Journal: the head and the commit journal. An agreement's head is the number of commits it has had; each commit adds
// one row naming what it wrote (CommitJournal), and rows more than CommitJournal.Retained commits old are pruned. A
// node that missed commits (another node made them) catches up by reading those rows and the rows they name in one
// round trip; when the journal no longer reaches that far, it loads anew.

using Npgsql;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Rows;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore
{
    private const string HeadSql = "SELECT COALESCE(MAX(seq), 0) FROM commits WHERE agreement_id = @agreement;";

    /// <inheritdoc/>
    public async Task<long> ReadHeadAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, HeadSql);
        Text(command, "agreement", agreement.Value);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc/>
    public async Task<CommittedChanges?> ReadChangesAsync(Agreement agreement, long since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        await using var connection = await OpenAsync(cancellationToken);

        // Read only, and one snapshot for the head and the rows it names.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        long head;
        await using (var read = Command(connection, HeadSql, transaction))
        {
            Text(read, "agreement", agreement.Id.Value);
            head = (long)(await read.ExecuteScalarAsync(cancellationToken))!;
        }

        return await ReadChangesAsync(connection, transaction, agreement, since, head, cancellationToken);
    }

    /// <summary>
    /// In one round trip, the journal rows after <paramref name="since"/> up to <paramref name="head"/> and the current
    /// rows of everything they name (inside a write's transaction, no commit of the agreement can land meanwhile).
    /// </summary>
    private async Task<CommittedChanges?> ReadChangesAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Agreement agreement, long since, long head, CancellationToken cancellationToken)
    {
        const string Commits = "FROM commits c WHERE c.agreement_id = @agreement AND c.seq > @since AND c.seq <= @head";
        // ARRAY(...) is computed once, so each table is read through its primary key rather than joined as a whole.
        static string Named(string field) => $"ANY(ARRAY(SELECT jsonb_array_elements_text(c.changes::jsonb -> '{field}') {Commits}))";
        await using var read = new NpgsqlBatch(connection, transaction);

        // Planned for the ids at hand: statements are prepared per connection (Max Auto Prepare), and a plan cached
        // while the tables were small (statistics lag a fast-growing table) would scan every row of the agreement
        // for a few ids.
        Add(read, "SET LOCAL plan_cache_mode = force_custom_plan;");
        foreach (var sql in (string[])[
            "SELECT seq, changes FROM commits WHERE agreement_id = @agreement AND seq > @since AND seq <= @head ORDER BY seq;",
            $"SELECT id, version, NULL::text, feature_json FROM zones WHERE agreement_id = @agreement AND id = {Named("zones")};",
            $"SELECT id, version, state, feature_json FROM operations WHERE agreement_id = @agreement AND id = {Named("operations")};",
            $"SELECT {RequestRows.Columns} FROM concurrence_requests WHERE agreement_id = @agreement AND id = {Named("requests")};",
            $"SELECT {SubscriptionRows.Columns} FROM subscriptions WHERE agreement_id = @agreement AND id = {Named("subscriptions")};",
            $"""
            SELECT seq, recipient, type, payload, created_ticks FROM events WHERE agreement_id = @agreement
              AND seq >= (SELECT MIN((c.changes::jsonb -> 'events' ->> 0)::bigint) {Commits})
              AND seq < (SELECT MAX((c.changes::jsonb -> 'events' ->> 1)::bigint) {Commits})
            ORDER BY seq;
            """,
            $"SELECT record_json FROM incidents WHERE agreement_id = @agreement AND id = {Named("incidents")};"])
        {
            var command = Add(read, sql);
            Text(command, "agreement", agreement.Id.Value);
            Long(command, "since", since);
            Long(command, "head", head);
        }

        var rows = new List<(long Seq, string Changes)>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        await reader.NextResultAsync(cancellationToken);
        var zones = await StoredDeclarations.ReadAsync(reader, Utf8, row => StoredDeclarations.ParseZone(row, agreement, Where), cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var operations = await StoredDeclarations.ReadAsync(reader, Utf8, row => StoredDeclarations.ParseOperation(row, agreement, Where), cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var requests = await RowReader.ReadAllAsync(reader, RequestRows.Read, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var subscriptions = await SubscriptionRows.ReadAsync(reader, agreement.Id, Where, Utf8, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var events = await RowReader.ReadAllAsync(reader, EventRows.Read, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var incidents = await ReadIncidentsAsync(reader, agreement, cancellationToken);
        return await CommitJournal.ResolveAsync(since, head, rows,
            _ => Task.FromResult(zones), _ => Task.FromResult(operations), _ => Task.FromResult(requests), _ => Task.FromResult(subscriptions),
            (after, limit) => Task.FromResult<IReadOnlyList<StoredEvent>>([.. events.Where(e => e.Sequence > after).Take(limit)]),
            _ => Task.FromResult(incidents));
    }

    /// <summary>Adds the journal row of commit <paramref name="seq"/> to the batch and, now and then, prunes the rows too old to catch up from.</summary>
    private static void AppendJournal(NpgsqlBatch batch, AgreementId agreement, long seq, string changes)
    {
        var journal = Add(batch, "INSERT INTO commits (agreement_id, seq, changes) VALUES (@agreement, @seq, @changes);");
        Text(journal, "agreement", agreement.Value);
        Long(journal, "seq", seq);
        Text(journal, "changes", changes);
        if (CommitJournal.PrunesAt(seq))
        {
            var prune = Add(batch, "DELETE FROM commits WHERE agreement_id = @agreement AND seq <= @before;");
            Text(prune, "agreement", agreement.Value);
            Long(prune, "before", seq - CommitJournal.Retained);
        }
    }
}
