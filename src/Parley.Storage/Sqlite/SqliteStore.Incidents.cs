// Incidents: each as one row holding the whole record (report, correlation, replies, grades, silences), upserted by the
// write that changes it and loaded whole at start-up or by the ids a journal row names.

using Microsoft.Data.Sqlite;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Storage.Rows;

namespace Parley.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored incident no longer reads under <paramref name="agreement"/>'s rules.</exception>
    public Task<IReadOnlyList<Incident>> LoadIncidentsAsync(Agreement agreement, CancellationToken cancellationToken = default) =>
        LoadIncidentsAsync(agreement, null, cancellationToken);

    private async Task<IReadOnlyList<Incident>> LoadIncidentsAsync(Agreement agreement, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, $"SELECT record_json FROM incidents WHERE agreement_id = $agreement{OnlyIds} ORDER BY reported_ticks, id;");
        command.Parameters.AddWithValue("$agreement", agreement.Id.Value);
        BindIds(command, ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await IncidentRows.ReadAsync(reader, agreement, Where, cancellationToken);
    }

    private static async Task UpsertIncidentsAsync(WriterStatements statements, AgreementId agreement, IReadOnlyList<Incident> incidents, CancellationToken cancellationToken)
    {
        if (incidents.Count == 0)
        {
            return;
        }

        var upsert = statements.Command("""
            INSERT INTO incidents (agreement_id, id, reporter, version, reported_ticks, deadline_ticks, record_json)
            VALUES ($agreement, $id, $reporter, $version, $reported, $deadline, $record)
            ON CONFLICT (agreement_id, id) DO UPDATE SET version = excluded.version, record_json = excluded.record_json;
            """);
        upsert.Parameters.AddWithValue("$agreement", agreement.Value);
        var id = upsert.Parameters.Add("$id", SqliteType.Text);
        var reporter = upsert.Parameters.Add("$reporter", SqliteType.Text);
        var version = upsert.Parameters.Add("$version", SqliteType.Integer);
        var reported = upsert.Parameters.Add("$reported", SqliteType.Integer);
        var deadline = upsert.Parameters.Add("$deadline", SqliteType.Integer);
        var record = upsert.Parameters.Add("$record", SqliteType.Text);
        foreach (var incident in incidents)
        {
            cancellationToken.ThrowIfCancellationRequested();
            (id.Value, reporter.Value, version.Value, reported.Value, deadline.Value, record.Value) = IncidentRows.Values(incident);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
