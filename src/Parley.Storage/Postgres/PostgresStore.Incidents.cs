// Incidents: each as one row holding the whole record (report, correlation, replies, grades, silences), upserted in the
// write's batch and loaded whole at start-up or by the ids a journal row names (in the catch-up's round trip).

using System.Data.Common;
using Npgsql;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Storage.Rows;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored incident no longer reads under <paramref name="agreement"/>'s rules.</exception>
    public async Task<IReadOnlyList<Incident>> LoadIncidentsAsync(Agreement agreement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT record_json FROM incidents WHERE agreement_id = @agreement ORDER BY reported_ticks, id COLLATE \"C\";");
        Text(command, "agreement", agreement.Id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await IncidentRows.ReadAsync(reader, agreement, Where, cancellationToken);
    }

    private Task<IReadOnlyList<Incident>> ReadIncidentsAsync(DbDataReader reader, Agreement agreement, CancellationToken cancellationToken) =>
        IncidentRows.ReadAsync(reader, agreement, Where, cancellationToken);

    private static void UpsertIncidents(NpgsqlBatch batch, AgreementId agreement, IReadOnlyList<Incident> incidents)
    {
        foreach (var incident in incidents)
        {
            var (id, reporter, version, reported, deadline, record) = IncidentRows.Values(incident);
            var upsert = Add(batch, """
                INSERT INTO incidents (agreement_id, id, reporter, version, reported_ticks, deadline_ticks, record_json)
                VALUES (@agreement, @id, @reporter, @version, @reported, @deadline, @record)
                ON CONFLICT (agreement_id, id) DO UPDATE SET version = excluded.version, record_json = excluded.record_json;
                """);
            Text(upsert, "agreement", agreement.Value);
            Text(upsert, "id", id);
            Text(upsert, "reporter", reporter);
            Long(upsert, "version", version);
            Long(upsert, "reported", reported);
            Long(upsert, "deadline", deadline);
            Text(upsert, "record", record);
        }
    }
}
