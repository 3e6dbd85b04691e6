// Writes: one at a time per file. A write holds the store's write lock and a BEGIN IMMEDIATE transaction (SQLite's
// write lock, taken up front so that another process cannot fail it half-way) from BeginWriteAsync until it is
// committed or disposed; its commit writes every row of the batch (state, submissions, touches, events, ledger
// entries) and the journal row, then commits once. A write disposed without committing rolls back and changes nothing.

using Microsoft.Data.Sqlite;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Holds the store's write lock and a <c>BEGIN IMMEDIATE</c> transaction, which takes SQLite's write lock up front,
    /// so another process cannot make this one fail half-way with SQLITE_BUSY.
    /// </remarks>
    public async Task<IAgreementWrite> BeginWriteAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agreement.Value, nameof(agreement));
        var connection = EnsureInitialized();
        await _writeLock.WaitAsync(cancellationToken);
        SqliteTransaction? transaction = null;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var statements = _statements!.Begin(transaction);
            var read = statements.Command(HeadSql);
            read.Parameters.AddWithValue("$agreement", agreement.Value);
            long head = (long)(await read.ExecuteScalarAsync(cancellationToken))!;
            return new Write(this, statements, agreement, head);
        }
        catch
        {
            _statements?.End();
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            _writeLock.Release();
            throw;
        }
    }

    /// <summary>A write on one agreement: the store's write lock and an immediate transaction, held until committed or disposed.</summary>
    private sealed class Write(SqliteStore store, WriterStatements statements, AgreementId agreement, long head) : StoreWrite
    {
        public override long Head => head;

        public override async Task<CommittedChanges?> ReadChangesAsync(Agreement forAgreement, long since, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(forAgreement);
            // The readers see every commit, and none can land while this write holds the lock.
            var rows = await ReadJournalAsync(statements.Command(JournalSql), agreement, since, head, cancellationToken);
            return await store.ResolveAsync(forAgreement, since, head, rows, cancellationToken);
        }

        protected override async ValueTask<long> ReadLedgerSizeAsync(CancellationToken cancellationToken) =>
            await SqliteStore.ReadLedgerSizeAsync(statements, agreement, cancellationToken);

        protected override async Task CommitAsync(IReadOnlyList<Commit> batch, List<SerialisedChange> serialised, CancellationToken cancellationToken)
        {
            var ledger = new LedgerWriter(statements, agreement);
            long nextEvent = -1, firstEvent = -1;
            foreach (var (changes, zones, operations) in serialised)
            {
                await ApplyAsync(statements, agreement, changes, zones, operations, cancellationToken);
                await RecordRequestAsync(statements, agreement, changes, cancellationToken);
                await UpsertConcurrenceRequestsAsync(statements, agreement, changes.Decision.State.Requests, cancellationToken);
                await UpsertAmendmentsAsync(statements, agreement, changes.Decision.State.Amendments, cancellationToken);
                await UpsertIncidentsAsync(statements, agreement, changes.Decision.State.Incidents, cancellationToken);
                await InsertTouchesAsync(statements, agreement, changes.Decision.Touches, cancellationToken);
                nextEvent = await InsertEventsAsync(statements, agreement, changes.Decision.Events, nextEvent, cancellationToken);
                if (changes.Decision.Events.Length > 0 && firstEvent < 0)
                {
                    firstEvent = nextEvent - changes.Decision.Events.Length;
                }

                foreach (var append in changes.Ledger)
                {
                    await ledger.AppendAsync(append, cancellationToken);
                }
            }

            await AppendJournalAsync(statements, agreement, head + 1,
                firstEvent < 0 ? CommitJournal.Describe(batch, 0, 0) : CommitJournal.Describe(batch, firstEvent, nextEvent), cancellationToken);

            cancellationToken.ThrowIfCancellationRequested();

            // Past this point the commit is not cancellable: stopping inside COMMIT would leave the caller
            // unsure whether it landed. Disposing the transaction without committing rolls it back.
            await statements.Transaction!.CommitAsync(CancellationToken.None);
        }

        protected override async ValueTask ReleaseAsync()
        {
            try
            {
                var transaction = statements.Transaction!;
                statements.End();
                await transaction.DisposeAsync();
            }
            finally
            {
                store._writeLock.Release();
            }
        }
    }
}
