// Amendments: one row per amendment of an agreement, the whole record as JSON text (AmendmentRecords), written with the
// commit that proposes or changes it and read whole when a state loads. Other processes learn of a change through the
// journal, which marks it as a change of the agreement: they load the state anew.

using Microsoft.Data.Sqlite;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Storage.Rows;

namespace Parley.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored amendment does not read back.</exception>
    public async Task<IReadOnlyList<Amendment>> LoadAmendmentsAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {AmendmentRows.Columns} FROM amendments WHERE agreement_id = $agreement ORDER BY {AmendmentRows.Order};
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await AmendmentRows.ReadAsync(reader, agreement, Where, cancellationToken);
    }

    private static async Task UpsertAmendmentsAsync(WriterStatements statements, AgreementId agreement, IReadOnlyList<Amendment> amendments, CancellationToken cancellationToken)
    {
        if (amendments.Count == 0)
        {
            return;
        }

        var upsert = statements.Command("""
            INSERT INTO amendments (agreement_id, id, state, proposed_ticks, record)
            VALUES ($agreement, $id, $state, $proposed, $record)
            ON CONFLICT (agreement_id, id) DO UPDATE SET state = excluded.state, record = excluded.record;
            """);
        upsert.Parameters.AddWithValue("$agreement", agreement.Value);
        var id = upsert.Parameters.Add("$id", SqliteType.Text);
        var state = upsert.Parameters.Add("$state", SqliteType.Text);
        var proposed = upsert.Parameters.Add("$proposed", SqliteType.Integer);
        var record = upsert.Parameters.Add("$record", SqliteType.Text);
        foreach (var amendment in amendments)
        {
            cancellationToken.ThrowIfCancellationRequested();
            id.Value = amendment.Id;
            state.Value = AmendmentStates.Name(amendment.State);
            proposed.Value = amendment.Proposed.UtcTicks;
            record.Value = AmendmentRecords.ToJson(amendment);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
