using System.Data.Common;
using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Storage.Rows;

/// <summary>An incident's row in both stores: the whole incident as one record (which is what loads), with columns for queries.</summary>
internal static class IncidentRows
{
    /// <summary>The incidents of a reader whose first column is the record, read back under <paramref name="agreement"/>'s rules.</summary>
    /// <exception cref="InvalidDataException">A record no longer reads (the message names the store and the incident).</exception>
    public static async Task<IReadOnlyList<Incident>> ReadAsync(DbDataReader reader, Agreement agreement, string where, CancellationToken cancellationToken)
    {
        var incidents = new List<Incident>();
        while (await reader.ReadAsync(cancellationToken))
        {
            incidents.Add(Parse(reader.GetString(0), agreement, where));
        }

        return incidents;
    }

    /// <summary>One record read back.</summary>
    /// <exception cref="InvalidDataException">It does not read (the message names the store).</exception>
    public static Incident Parse(string record, Agreement agreement, string where)
    {
        try
        {
            using var document = JsonDocument.Parse(record);
            return IncidentReader.ReadRecord(document.RootElement, agreement);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"An incident stored in {where} does not read back under agreement '{agreement.Id}': {e.Message}", e);
        }
    }

    /// <summary>The values of an incident's row, in the columns' order after the agreement id.</summary>
    public static (string Id, string Reporter, long Version, long Reported, long Deadline, string Record) Values(Incident incident) =>
        (incident.Id.Value, incident.Report.Reporter.Value, incident.Version, incident.Reported.UtcTicks, incident.ReplyDeadline.UtcTicks,
         IncidentWriter.RecordJson(incident));
}
