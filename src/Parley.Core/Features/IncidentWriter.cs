using System.Buffers;
using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Features;

/// <summary>
/// Writes incidents: the report as the GeoJSON Feature <see cref="IncidentReader"/> reads back to the same report, and
/// the whole incident (report, correlation, audience, replies, grades, silences) as the record the stores keep.
/// </summary>
public static class IncidentWriter
{
    /// <summary>The report as Feature JSON text.</summary>
    public static string ReportJson(IncidentReport report) => Text(w => WriteReport(w, report));

    /// <summary>The report as Feature JSON, UTF-8 encoded.</summary>
    public static byte[] ReportUtf8(IncidentReport report) => Written(w => WriteReport(w, report)).WrittenSpan.ToArray();

    /// <summary>The whole incident as the record the stores keep.</summary>
    public static string RecordJson(Incident incident) => Text(w => WriteRecord(w, incident));

    /// <summary>The correlation as JSON text (the center's record of it).</summary>
    public static string CorrelationJson(IncidentCorrelation correlation) => Text(w => WriteCorrelation(w, correlation));

    /// <summary>Writes the report as a GeoJSON Feature, in the form the reader takes.</summary>
    public static void WriteReport(Utf8JsonWriter w, IncidentReport report)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(report);
        w.WriteStartObject();
        w.WriteString("type", "Feature");
        w.WriteString("id", report.Id.Value);
        w.WritePropertyName("geometry");
        FeatureWriter.WriteGeometry(w, report.Area);
        w.WritePropertyName("properties");
        w.WriteStartObject();
        w.WriteString("kind", IncidentNames.Name(report.Kind));
        w.WriteString("reporter", report.Reporter.Value);
        if (report.LocationPrecision != LocationPrecision.Exact)
        {
            w.WriteString("location_precision", IncidentNames.Name(report.LocationPrecision));
        }
        else if (report.Area.Kind != ShapeKind.Polygonal)
        {
            w.WriteNumber("uncertainty_m", report.Area.BufferMetres);
        }

        if (report.TimePrecision == TimePrecision.Exact)
        {
            w.WriteString("start", FeatureWriter.Time(report.Window.Start));
            w.WriteString("end", FeatureWriter.Time(report.Window.End!.Value));
        }
        else
        {
            w.WriteString("time_precision", IncidentNames.Name(report.TimePrecision));
            w.WriteString("at", report.Window.Start.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        }

        Parties(w, "suspected", report.Suspected);
        if (report.AffectedZone is { } zone)
        {
            w.WriteString("affected_zone", zone.Value);
        }

        if (report.Description is not null)
        {
            w.WriteString("description", report.Description);
        }

        w.WriteStartArray("sources");
        foreach (var source in report.Sources)
        {
            w.WriteStartObject();
            w.WriteString("type", source.Type);
            w.WriteNumber("count", source.Count);
            if (source.Reference is not null)
            {
                w.WriteString("ref", source.Reference);
            }

            if (source.Evidence.Count > 0)
            {
                w.WriteStartArray("sha256");
                foreach (var hash in source.Evidence)
                {
                    w.WriteStringValue(hash);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("visibility", report.Visibility.ToString().ToLowerInvariant());
        if (report.SharedWith.Count > 0)
        {
            Parties(w, "shared_with", report.SharedWith);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Writes the whole incident as the record the stores keep.</summary>
    public static void WriteRecord(Utf8JsonWriter w, Incident incident)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(incident);
        w.WriteStartObject();
        w.WritePropertyName("report");
        WriteReport(w, incident.Report);
        w.WriteString("reported", FeatureWriter.Time(incident.Reported));
        w.WriteString("reply_deadline", FeatureWriter.Time(incident.ReplyDeadline));
        Parties(w, "audience", incident.Audience);
        w.WritePropertyName("correlation");
        WriteCorrelation(w, incident.Correlation);
        w.WriteStartArray("replies");
        foreach (var reply in incident.Replies)
        {
            WriteReply(w, reply);
        }

        w.WriteEndArray();
        w.WriteStartArray("grades");
        foreach (var grade in incident.Grades)
        {
            w.WriteStartObject();
            w.WriteString("by", grade.By.Value);
            w.WriteString("grade", IncidentNames.Name(grade.Grade));
            w.WriteString("reason", grade.Reason);
            w.WriteString("at", FeatureWriter.Time(grade.At));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("silences");
        foreach (var silence in incident.Silences)
        {
            w.WriteStartObject();
            w.WriteString("party", silence.Party.Value);
            w.WriteString("recorded", FeatureWriter.Time(silence.Recorded));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteNumber("version", incident.Version);
        w.WriteEndObject();
    }

    /// <summary>Writes a reply: party, reply, reason, operation and time.</summary>
    public static void WriteReply(Utf8JsonWriter w, IncidentReply reply)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(reply);
        w.WriteStartObject();
        w.WriteString("party", reply.Party.Value);
        w.WriteString("reply", IncidentNames.Name(reply.Kind));
        if (reply.Reason is not null)
        {
            w.WriteString("reason", reply.Reason);
        }

        if (reply.Operation is { } operation)
        {
            w.WriteString("operation", operation.Value);
        }

        w.WriteString("at", FeatureWriter.Time(reply.At));
        w.WriteEndObject();
    }

    /// <summary>Writes the correlation whole (zone and operation ids included): for the center's record only.</summary>
    public static void WriteCorrelation(Utf8JsonWriter w, IncidentCorrelation correlation)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(correlation);
        w.WriteStartObject();
        w.WriteStartArray("sites");
        foreach (var site in correlation.Sites)
        {
            w.WriteStartObject();
            w.WriteString("zone", site.Zone.Value);
            w.WriteString("owner", site.Owner.Value);
            w.WriteString("kind", ZoneKinds.Name(site.Kind));
            w.WriteString("visibility", site.Visibility.ToString().ToLowerInvariant());
            Parties(w, "shared_with", site.SharedWith);
            w.WriteBoolean("exact", site.Exact);
            w.WriteBoolean("named", site.Named);
            Box(w, site.Cell);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("declarations");
        foreach (var match in correlation.Declarations)
        {
            w.WriteStartObject();
            w.WriteString("operation", match.Operation.Value);
            w.WriteString("owner", match.Owner.Value);
            w.WriteString("kind", match.Kind);
            w.WriteString("state", OperationStates.Name(match.State));
            w.WriteString("visibility", match.Visibility.ToString().ToLowerInvariant());
            Parties(w, "shared_with", match.SharedWith);
            Box(w, match.Cell);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("terms");
        foreach (var term in correlation.Terms)
        {
            w.WriteStartObject();
            w.WriteString("term", term.Term);
            w.WriteString("reason", term.Reason);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Box(Utf8JsonWriter w, GeoBox cell)
    {
        w.WriteStartArray("cell");
        w.WriteNumberValue(cell.MinX);
        w.WriteNumberValue(cell.MinY);
        w.WriteNumberValue(cell.MaxX);
        w.WriteNumberValue(cell.MaxY);
        w.WriteEndArray();
    }

    private static void Parties(Utf8JsonWriter w, string name, IEnumerable<PartyId> parties)
    {
        w.WriteStartArray(name);
        foreach (var party in parties)
        {
            w.WriteStringValue(party.Value);
        }

        w.WriteEndArray();
    }

    private static string Text(Action<Utf8JsonWriter> write) => System.Text.Encoding.UTF8.GetString(Written(write).WrittenSpan);

    private static ArrayBufferWriter<byte> Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        return buffer;
    }
}
