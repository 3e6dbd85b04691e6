// Ledger: each agreement's entries with their openings, appended only in a write's commit at the next index (the
// ledger's size is read under the agreement's lock, StoreWrite checks the order with LedgerOrder, and the primary key
// would refuse a second entry at one index anyway) and never changed; signed checkpoints, one per size (the first
// kept); witnesses' cosignatures, one per signer and checkpoint (a newer replaces the older).

using Npgsql;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Rows;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore : ILedgerStore
{
    /// <summary>Appends ledger entries with their openings (their indexes were checked under the agreement's lock).</summary>
    private static void AppendLedger(NpgsqlBatch batch, AgreementId agreement, IEnumerable<LedgerAppend> appended)
    {
        var entries = appended.ToList();
        if (entries.Count == 0)
        {
            return;
        }

        // Entries before their openings, which refer to them.
        var insert = Add(batch, "INSERT INTO ledger_entries (agreement_id, idx, entry) SELECT @agreement, * FROM unnest(@idx::bigint[], @entry::bytea[]);");
        Text(insert, "agreement", agreement.Value);
        insert.Parameters.Add(new NpgsqlParameter<long[]>("idx", [.. entries.Select(e => e.Index)]));
        insert.Parameters.Add(new NpgsqlParameter<byte[][]>("entry", [.. entries.Select(e => e.Entry)]));
        var openings = entries.SelectMany(e => e.Openings.Select((opening, n) => (e.Index, N: n, Opening: opening))).ToList();
        if (openings.Count > 0)
        {
            var open = Add(batch, """
                INSERT INTO ledger_openings (agreement_id, idx, n, opening)
                SELECT @agreement, * FROM unnest(@idx::bigint[], @n::integer[], @opening::bytea[]);
                """);
            Text(open, "agreement", agreement.Value);
            open.Parameters.Add(new NpgsqlParameter<long[]>("idx", [.. openings.Select(o => o.Index)]));
            open.Parameters.Add(new NpgsqlParameter<int[]>("n", [.. openings.Select(o => o.N)]));
            open.Parameters.Add(new NpgsqlParameter<byte[][]>("opening", [.. openings.Select(o => o.Opening)]));
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<LedgerRecord> ReadLedgerAsync(AgreementId agreement, long fromIndex = 0,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // One statement: entries and openings from the same snapshot. Each entry's openings are looked up by its key,
        // so reading the last few entries never joins the whole table (whatever the statistics say of its size).
        await using var command = Command(connection, """
            SELECT e.idx, e.entry,
                   ARRAY(SELECT o.opening FROM ledger_openings o WHERE o.agreement_id = e.agreement_id AND o.idx = e.idx ORDER BY o.n)
            FROM ledger_entries e
            WHERE e.agreement_id = @agreement AND e.idx >= @from
            ORDER BY e.idx;
            """);
        Text(command, "agreement", agreement.Value);
        Long(command, "from", fromIndex);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new LedgerRecord(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[][]>(2));
        }
    }

    /// <inheritdoc/>
    public async Task<byte[]?> ReadLedgerEntryAsync(AgreementId agreement, long index, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT entry FROM ledger_entries WHERE agreement_id = @agreement AND idx = @idx;");
        Text(command, "agreement", agreement.Value);
        Long(command, "idx", index);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <inheritdoc/>
    public async Task SaveCheckpointAsync(AgreementId agreement, long size, string signedNote, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "INSERT INTO checkpoints (agreement_id, size, note) VALUES (@agreement, @size, @note) ON CONFLICT DO NOTHING;");
        Text(command, "agreement", agreement.Value);
        Long(command, "size", size);
        Text(command, "note", signedNote);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task SetCosignatureAsync(AgreementId agreement, long size, string signer, string signatureLine, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            INSERT INTO cosignatures (agreement_id, size, signer, line) VALUES (@agreement, @size, @signer, @line)
            ON CONFLICT (agreement_id, size, signer) DO UPDATE SET line = excluded.line;
            """);
        Text(command, "agreement", agreement.Value);
        Long(command, "size", size);
        Text(command, "signer", signer);
        Text(command, "line", signatureLine);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<(long Size, string SignedNote)>> LoadCheckpointsAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT size, note FROM checkpoints WHERE agreement_id = @agreement ORDER BY size;");
        Text(command, "agreement", agreement.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, CheckpointRows.Checkpoint, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> LoadCosignaturesAsync(AgreementId agreement, long size, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT line FROM cosignatures WHERE agreement_id = @agreement AND size = @size ORDER BY line COLLATE \"C\";");
        Text(command, "agreement", agreement.Value);
        Long(command, "size", size);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, CheckpointRows.Cosignature, cancellationToken);
    }
}
