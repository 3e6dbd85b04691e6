// Journal: the head and the commit journal. An agreement's head is the number of commits it has had; each commit adds
// one row naming what it wrote (CommitJournal), and rows more than CommitJournal.Retained commits old are pruned. A
// state that missed commits catches up by reading those rows back; when they no longer reach that far, it loads anew.

using Microsoft.Data.Sqlite;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Storage.Sqlite;

public sealed partial class SqliteStore
{
    private const string HeadSql = "SELECT COALESCE(MAX(seq), 0) FROM commits WHERE agreement_id = $agreement;";

    /// <inheritdoc/>
    public async Task<long> ReadHeadAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, HeadSql);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc/>
    public async Task<CommittedChanges?> ReadChangesAsync(Agreement agreement, long since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        EnsureInitialized();
        List<(long Seq, string Changes)> rows;
        long head;
        await using (var connection = await OpenReaderAsync(cancellationToken))
        {
            // The head and the rows up to it from one snapshot.
            await using var transaction = connection.BeginTransaction(deferred: true);
            await using (var read = Command(connection, HeadSql, transaction))
            {
                read.Parameters.AddWithValue("$agreement", agreement.Id.Value);
                head = (long)(await read.ExecuteScalarAsync(cancellationToken))!;
            }

            await using var journal = Command(connection, JournalSql, transaction);
            rows = await ReadJournalAsync(journal, agreement.Id, since, head, cancellationToken);
        }

        return await ResolveAsync(agreement, since, head, rows, cancellationToken);
    }

    private const string JournalSql = "SELECT seq, changes FROM commits WHERE agreement_id = $agreement AND seq > $since AND seq <= $head ORDER BY seq;";

    private static async Task<List<(long Seq, string Changes)>> ReadJournalAsync(
        SqliteCommand read, AgreementId agreement, long since, long head, CancellationToken cancellationToken)
    {
        var rows = new List<(long Seq, string Changes)>();
        read.Parameters.AddWithValue("$agreement", agreement.Value);
        read.Parameters.AddWithValue("$since", since);
        read.Parameters.AddWithValue("$head", head);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return rows;
    }

    private Task<CommittedChanges?> ResolveAsync(Agreement agreement, long since, long head, List<(long Seq, string Changes)> rows, CancellationToken cancellationToken) =>
        CommitJournal.ResolveAsync(since, head, rows,
            ids => LoadZonesAsync(agreement, ids, cancellationToken),
            ids => LoadOperationsAsync(agreement, ids, cancellationToken),
            ids => LoadRequestsAsync(agreement.Id, ids, cancellationToken),
            ids => LoadSubscriptionsAsync(agreement.Id, ids, cancellationToken),
            (after, limit) => ReadEventsAsync(agreement.Id, null, after, limit, cancellationToken),
            ids => LoadIncidentsAsync(agreement, ids, cancellationToken));

    /// <summary>Adds the journal row of commit <paramref name="seq"/> and, now and then, prunes the rows too old to catch up from.</summary>
    private static async Task AppendJournalAsync(WriterStatements statements, AgreementId agreement, long seq, string changes, CancellationToken cancellationToken)
    {
        var journal = statements.Command("INSERT INTO commits (agreement_id, seq, changes) VALUES ($agreement, $seq, $changes);");
        journal.Parameters.AddWithValue("$agreement", agreement.Value);
        journal.Parameters.AddWithValue("$seq", seq);
        journal.Parameters.AddWithValue("$changes", changes);
        await journal.ExecuteNonQueryAsync(cancellationToken);

        if (CommitJournal.PrunesAt(seq))
        {
            var prune = statements.Command("DELETE FROM commits WHERE agreement_id = $agreement AND seq <= $before;");
            prune.Parameters.AddWithValue("$agreement", agreement.Value);
            prune.Parameters.AddWithValue("$before", seq - CommitJournal.Retained);
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
