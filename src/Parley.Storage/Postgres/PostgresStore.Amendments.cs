// Amendments: one row per amendment of an agreement, the whole record as JSON text (AmendmentRecords), written in the
// batch of the commit that proposes or changes it and read whole when a state loads. Other nodes learn of a change
// through the journal, which marks it as a change of the agreement: they load the state anew.

using Npgsql;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Storage.Rows;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored amendment does not read back.</exception>
    public async Task<IReadOnlyList<Amendment>> LoadAmendmentsAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {AmendmentRows.Columns} FROM amendments WHERE agreement_id = @agreement ORDER BY proposed_ticks, length(id), id COLLATE "C";
            """);
        Text(command, "agreement", agreement.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await AmendmentRows.ReadAsync(reader, agreement, Where, cancellationToken);
    }

    private static void UpsertAmendments(NpgsqlBatch batch, AgreementId agreement, IReadOnlyList<Amendment> amendments)
    {
        foreach (var amendment in amendments)
        {
            var upsert = Add(batch, """
                INSERT INTO amendments (agreement_id, id, state, proposed_ticks, record)
                VALUES (@agreement, @id, @state, @proposed, @record)
                ON CONFLICT (agreement_id, id) DO UPDATE SET state = excluded.state, record = excluded.record;
                """);
            Text(upsert, "agreement", agreement.Value);
            Text(upsert, "id", amendment.Id);
            Text(upsert, "state", AmendmentStates.Name(amendment.State));
            Long(upsert, "proposed", amendment.Proposed.UtcTicks);
            Text(upsert, "record", AmendmentRecords.ToJson(amendment));
        }
    }
}
