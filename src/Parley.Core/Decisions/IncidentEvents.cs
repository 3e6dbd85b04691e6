using System.Text.Json.Nodes;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Core.Decisions;

/// <summary>
/// The events an incident raises, for every party that may see it but the one whose write raised them: opened (with the
/// reply request for each suspected party), replied, graded.
/// </summary>
/// <remarks>
/// Each payload names the incident, the parties and the kinds of what happened: no place, no time window, no text. The
/// recipient reads the rest through <c>GET …/incidents/{id}</c>, under the disclosure policy.
/// </remarks>
public static class IncidentEvents
{
    /// <summary>The type of the event a report raises.</summary>
    public const string Opened = "incident.opened";

    /// <summary>The type of the event a reply raises.</summary>
    public const string Replied = "incident.replied";

    /// <summary>The type of the event a grade raises.</summary>
    public const string Graded = "incident.graded";

    /// <summary>A report's events: to every party of the audience but the reporter; a suspected party's asks it to reply by the deadline.</summary>
    public static List<EventAppend> ForReport(Incident incident, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var report = incident.Report;
        return [.. incident.Audience.Where(p => p != report.Reporter).Select(p => new EventAppend(p, Opened, new JsonObject
        {
            ["incident"] = report.Id.Value,
            ["kind"] = IncidentNames.Name(report.Kind),
            ["reporter"] = report.Reporter.Value,
            ["suspected"] = Parties(report.Suspected),
            ["reported"] = FeatureWriter.Time(incident.Reported),
            ["reply_requested"] = incident.Suspects(p),
            ["reply_deadline"] = FeatureWriter.Time(incident.ReplyDeadline),
        }.ToJsonString(), now))];
    }

    /// <summary>A reply's events: to every party of the audience but the one replying.</summary>
    public static List<EventAppend> ForReply(Incident incident, IncidentReply reply, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(reply);
        return [.. incident.Audience.Where(p => p != reply.Party).Select(p => new EventAppend(p, Replied, new JsonObject
        {
            ["incident"] = incident.Id.Value,
            ["party"] = reply.Party.Value,
            ["reply"] = IncidentNames.Name(reply.Kind),
            ["late"] = reply.At >= incident.ReplyDeadline,
        }.ToJsonString(), now))];
    }

    /// <summary>A grade's events: to every party of the audience but the one grading.</summary>
    public static List<EventAppend> ForGrade(Incident incident, IncidentGrading grading, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(grading);
        return [.. incident.Audience.Where(p => p != grading.By).Select(p => new EventAppend(p, Graded, new JsonObject
        {
            ["incident"] = incident.Id.Value,
            ["grade"] = IncidentNames.Name(grading.Grade),
            ["by"] = grading.By.Value,
        }.ToJsonString(), now))];
    }

    private static JsonArray Parties(IEnumerable<PartyId> parties) => new([.. parties.Select(p => (JsonNode?)JsonValue.Create(p.Value))]);
}
