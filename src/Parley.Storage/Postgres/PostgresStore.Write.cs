// Writes: one at a time per agreement across every process sharing the database. A write is a transaction that first
// takes the agreement's transaction-scoped advisory lock, then reads the head, the next ledger index and the next
// event number in statements after the lock (so their snapshot holds every commit made before); its commit sends every
// row of the batch, the journal row and the commit's notification in one round trip, then commits once. A write
// disposed without committing rolls back and changes nothing.

using Npgsql;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// A transaction that first takes a transaction-scoped advisory lock on the agreement
    /// (<c>pg_advisory_xact_lock(hashtext(agreement))</c>), so writes of one agreement serialise across processes; the
    /// head is read in a statement after the lock, so its snapshot holds every commit made before.
    /// </remarks>
    public async Task<IAgreementWrite> BeginWriteAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agreement.Value, nameof(agreement));
        var connection = await OpenAsync(cancellationToken);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken);

            // One round trip: the lock, then (in statements after it, so their snapshot holds every commit made before)
            // the head and the next ledger index and event number a commit will need.
            await using var begin = new NpgsqlBatch(connection, transaction);
            Text(Add(begin, "SELECT pg_advisory_xact_lock(hashtext(@agreement));"), "agreement", agreement.Value);
            Text(Add(begin, """
                SELECT (SELECT COALESCE(MAX(seq), 0) FROM commits WHERE agreement_id = @agreement),
                       (SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries WHERE agreement_id = @agreement),
                       (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE agreement_id = @agreement);
                """), "agreement", agreement.Value);
            await using var reader = await begin.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var write = new Write(this, connection, transaction, agreement, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            return write;
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A write on one agreement: a transaction holding its advisory lock, until committed or disposed.</summary>
    private sealed class Write(
        PostgresStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, AgreementId agreement, long head, long nextIndex, long nextEvent) : StoreWrite
    {
        public override long Head => head;

        public override Task<CommittedChanges?> ReadChangesAsync(Agreement forAgreement, long since, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(forAgreement);
            return store.ReadChangesAsync(connection, transaction, forAgreement, since, head, cancellationToken);
        }

        // Read under the agreement's lock when the write began.
        protected override ValueTask<long> ReadLedgerSizeAsync(CancellationToken cancellationToken) => ValueTask.FromResult(nextIndex);

        protected override async Task CommitAsync(IReadOnlyList<Commit> batch, List<SerialisedChange> serialised, CancellationToken cancellationToken)
        {
            // Every write in one round trip; the first that fails aborts the transaction, which is then rolled back.
            await using var writes = new NpgsqlBatch(connection, transaction);
            long next = nextEvent; // the sequence number of the next change's first event
            foreach (var (changes, zones, operations) in serialised)
            {
                Apply(writes, agreement, changes, zones, operations, lastEvent: next - 1);
                next += changes.Decision.Events.Length;
                RecordAnswer(writes, agreement, changes);
                UpsertConcurrenceRequests(writes, agreement, changes.Decision.State.Requests);
                UpsertAmendments(writes, agreement, changes.Decision.State.Amendments);
                UpsertIncidents(writes, agreement, changes.Decision.State.Incidents);
                InsertTouches(writes, agreement, changes.Decision.Touches);
            }

            // The rows every write adds (nonce, events, ledger entry and openings): one statement each for the batch.
            InsertNonces(writes, agreement, batch);
            InsertEvents(writes, agreement, batch.SelectMany(c => c.Decision.Events), nextEvent);
            AppendLedger(writes, agreement, batch.SelectMany(c => c.Ledger));

            AppendJournal(writes, agreement, head + 1, CommitJournal.Describe(batch, nextEvent, next));
            Notify(writes, agreement, head + 1);

            await writes.ExecuteNonQueryAsync(cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();

            // Past this point the commit is not cancellable: stopping inside COMMIT would leave the caller unsure
            // whether it landed. Disposing the transaction without committing rolls it back.
            await transaction.CommitAsync(CancellationToken.None);
        }

        protected override async ValueTask ReleaseAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
