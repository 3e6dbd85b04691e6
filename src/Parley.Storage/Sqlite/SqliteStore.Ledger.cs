// Ledger: each agreement's entries with their openings, appended only in a write's commit at the next index (the
// order StoreWrite checks with LedgerOrder before the commit writes a row) and never changed; signed checkpoints, one
// per size (the first kept); witnesses' cosignatures, one per signer and checkpoint (a newer replaces the older).

using Microsoft.Data.Sqlite;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Rows;

namespace Parley.Storage.Sqlite;

public sealed partial class SqliteStore : ILedgerStore
{
    /// <summary>How many entries the agreement's ledger holds, read in the write's transaction.</summary>
    private static async Task<long> ReadLedgerSizeAsync(WriterStatements statements, AgreementId agreement, CancellationToken cancellationToken)
    {
        var size = statements.Command("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries WHERE agreement_id = $agreement;");
        size.Parameters.AddWithValue("$agreement", agreement.Value);
        return (long)(await size.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Appends ledger entries within one transaction, their order already checked (<see cref="LedgerOrder"/>): the statements bound once.</summary>
    private sealed class LedgerWriter(WriterStatements statements, AgreementId agreement)
    {
        private SqliteParameter? _entryIndex, _entry, _openingIndex, _n, _opening;
        private SqliteCommand? _insertEntry, _insertOpening;

        public async Task AppendAsync(LedgerAppend ledger, CancellationToken cancellationToken)
        {
            if (_insertEntry is null)
            {
                _insertEntry = statements.Command("INSERT INTO ledger_entries (agreement_id, idx, entry) VALUES ($agreement, $idx, $entry);");
                _insertEntry.Parameters.AddWithValue("$agreement", agreement.Value);
                _entryIndex = _insertEntry.Parameters.Add("$idx", SqliteType.Integer);
                _entry = _insertEntry.Parameters.Add("$entry", SqliteType.Blob);
                _insertOpening = statements.Command("INSERT INTO ledger_openings (agreement_id, idx, n, opening) VALUES ($agreement, $idx, $n, $opening);");
                _insertOpening.Parameters.AddWithValue("$agreement", agreement.Value);
                _openingIndex = _insertOpening.Parameters.Add("$idx", SqliteType.Integer);
                _n = _insertOpening.Parameters.Add("$n", SqliteType.Integer);
                _opening = _insertOpening.Parameters.Add("$opening", SqliteType.Blob);
            }

            _entryIndex!.Value = ledger.Index;
            _entry!.Value = ledger.Entry;
            await _insertEntry!.ExecuteNonQueryAsync(cancellationToken);
            for (int i = 0; i < ledger.Openings.Count; i++)
            {
                _openingIndex!.Value = ledger.Index;
                _n!.Value = i;
                _opening!.Value = ledger.Openings[i];
                await _insertOpening!.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<LedgerRecord> ReadLedgerAsync(AgreementId agreement, long fromIndex = 0,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);

        // One read transaction: entries and openings from the same snapshot.
        await using var transaction = connection.BeginTransaction(deferred: true);
        await using var command = Command(connection, """
            SELECT e.idx, e.entry, o.opening FROM ledger_entries e
            LEFT JOIN ledger_openings o ON o.agreement_id = e.agreement_id AND o.idx = e.idx
            WHERE e.agreement_id = $agreement AND e.idx >= $from
            ORDER BY e.idx, o.n;
            """, transaction);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$from", fromIndex);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        long current = -1;
        byte[]? entry = null;
        var openings = new List<byte[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            long idx = reader.GetInt64(0);
            if (idx != current)
            {
                if (entry is not null)
                {
                    yield return new LedgerRecord(current, entry, openings);
                }

                current = idx;
                entry = (byte[])reader.GetValue(1);
                openings = [];
            }

            if (!reader.IsDBNull(2))
            {
                openings.Add((byte[])reader.GetValue(2));
            }
        }

        if (entry is not null)
        {
            yield return new LedgerRecord(current, entry, openings);
        }
    }

    /// <inheritdoc/>
    public async Task<byte[]?> ReadLedgerEntryAsync(AgreementId agreement, long index, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, "SELECT entry FROM ledger_entries WHERE agreement_id = $agreement AND idx = $idx;");
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$idx", index);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <inheritdoc/>
    public Task SaveCheckpointAsync(AgreementId agreement, long size, string signedNote, CancellationToken cancellationToken = default) =>
        WriteAsync("INSERT INTO checkpoints (agreement_id, size, note) VALUES ($agreement, $size, $text) ON CONFLICT DO NOTHING;",
            agreement, size, signedNote, cancellationToken);

    /// <inheritdoc/>
    public async Task SetCosignatureAsync(AgreementId agreement, long size, string signer, string signatureLine, CancellationToken cancellationToken = default)
    {
        var connection = EnsureInitialized();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var command = Command(connection, """
                INSERT INTO cosignatures (agreement_id, size, signer, line) VALUES ($agreement, $size, $signer, $line)
                ON CONFLICT (agreement_id, size, signer) DO UPDATE SET line = excluded.line;
                """);
            command.Parameters.AddWithValue("$agreement", agreement.Value);
            command.Parameters.AddWithValue("$size", size);
            command.Parameters.AddWithValue("$signer", signer);
            command.Parameters.AddWithValue("$line", signatureLine);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<(long Size, string SignedNote)>> LoadCheckpointsAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, "SELECT size, note FROM checkpoints WHERE agreement_id = $agreement ORDER BY size;");
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, CheckpointRows.Checkpoint, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> LoadCosignaturesAsync(AgreementId agreement, long size, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, "SELECT line FROM cosignatures WHERE agreement_id = $agreement AND size = $size ORDER BY line;");
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$size", size);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, CheckpointRows.Cosignature, cancellationToken);
    }

    private async Task WriteAsync(string sql, AgreementId agreement, long size, string text, CancellationToken cancellationToken)
    {
        var connection = EnsureInitialized();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var command = Command(connection, sql);
            command.Parameters.AddWithValue("$agreement", agreement.Value);
            command.Parameters.AddWithValue("$size", size);
            command.Parameters.AddWithValue("$text", text);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
