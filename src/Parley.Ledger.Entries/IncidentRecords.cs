using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Ledger.Entries;

/// <summary>
/// An incident as ledger items, and back (for replay). A report records three items: the report as its reporter signed
/// it with the center's stamp (when it arrived, the reply deadline, who may see it), the center's correlation (private:
/// it names every site it found), and the incident's compliance fact. Each reply, grade and silence records one item.
/// </summary>
/// <remarks>
/// The report, its fact and every later item are shared with the incident's audience (public when the report is); the
/// compliance fact says of the sites affected only whose they are and how they were found — exactly for a public site,
/// on disclosure cells for any other, or named by the reporter — so that nobody in the audience learns from it more
/// than its own view of the incident tells it.
/// </remarks>
public static class IncidentRecords
{
    /// <summary>The item type of a report.</summary>
    public const string Type = "incident";

    /// <summary>The item type of the center's correlation of a report.</summary>
    public const string CorrelationType = "incident-correlation";

    /// <summary>The item type of an incident's compliance fact.</summary>
    public const string FactType = "incident-fact";

    /// <summary>The item type of a reply.</summary>
    public const string ReplyType = "incident-reply";

    /// <summary>The item type of a grade.</summary>
    public const string GradeType = "incident-grade";

    /// <summary>The item type of a silence.</summary>
    public const string SilenceType = "incident-silence";

    /// <summary>Whether a content type is one of an incident's.</summary>
    public static bool IsIncidentType(string? type) => type is Type or CorrelationType or FactType or ReplyType or GradeType or SilenceType;

    /// <summary>The items recording <paramref name="incident"/> as a change decided on its previous state <paramref name="before"/> (null when new).</summary>
    public static IEnumerable<(PartyId Owner, Visibility Visibility, JsonObject Content)> Items(Incident incident, Incident? before)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var visibility = incident.Report.Visibility == Visibility.Public ? Visibility.Public : Visibility.Parties;
        if (before is null)
        {
            yield return (incident.Report.Reporter, visibility, Shared(Type, incident.Report.Reporter, incident, new JsonObject
            {
                ["report"] = JsonNode.Parse(IncidentWriter.ReportJson(incident.Report)),
                ["reported"] = FeatureWriter.Time(incident.Reported),
                ["reply_deadline"] = FeatureWriter.Time(incident.ReplyDeadline),
            }));
            yield return (LedgerEntries.Center, Visibility.Private, new JsonObject
            {
                ["type"] = CorrelationType, ["owner"] = LedgerEntries.Center.Value, ["visibility"] = "private", ["incident"] = incident.Id.Value,
                ["correlation"] = JsonNode.Parse(IncidentWriter.CorrelationJson(incident.Correlation)),
            });
            yield return (LedgerEntries.Center, visibility, Fact(incident));
            before = incident with { Replies = [], Grades = [], Silences = [] };
        }

        foreach (var reply in incident.Replies.Skip(before.Replies.Count))
        {
            yield return (reply.Party, visibility, Shared(ReplyType, reply.Party, incident, new JsonObject
            {
                ["reply"] = JsonNode.Parse(Written(w => IncidentWriter.WriteReply(w, reply))),
                ["late"] = reply.At >= incident.ReplyDeadline,
            }));
        }

        foreach (var grade in incident.Grades.Skip(before.Grades.Count))
        {
            yield return (grade.By, visibility, Shared(GradeType, grade.By, incident, new JsonObject
            {
                ["by"] = grade.By.Value, ["grade"] = IncidentNames.Name(grade.Grade), ["reason"] = grade.Reason, ["at"] = FeatureWriter.Time(grade.At),
            }));
        }

        foreach (var silence in incident.Silences.Skip(before.Silences.Count))
        {
            yield return (LedgerEntries.Center, visibility, Shared(SilenceType, LedgerEntries.Center, incident, new JsonObject
            {
                ["party"] = silence.Party.Value, ["recorded"] = FeatureWriter.Time(silence.Recorded),
            }));
        }
    }

    /// <summary>The incident's compliance fact: who reported it, whom it names, when, and whose sites it affects and how they were found.</summary>
    public static JsonObject Fact(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var sites = new JsonArray();
        foreach (var site in incident.Correlation.Sites
            .Select(s => (Owner: s.Owner.Value, Relation: s.Named ? "named" : s.Visibility == Visibility.Public ? "exact" : "cell"))
            .OrderBy(s => s.Owner, StringComparer.Ordinal).ThenBy(s => s.Relation, StringComparer.Ordinal))
        {
            sites.Add(new JsonObject { ["owner"] = site.Owner, ["relation"] = site.Relation });
        }

        return Shared(FactType, LedgerEntries.Center, incident, new JsonObject
        {
            ["kind"] = IncidentNames.Name(incident.Report.Kind),
            ["reporter"] = incident.Report.Reporter.Value,
            ["suspected"] = new JsonArray([.. incident.Report.Suspected.Select(p => (JsonNode?)JsonValue.Create(p.Value))]),
            ["reported"] = FeatureWriter.Time(incident.Reported),
            ["reply_deadline"] = FeatureWriter.Time(incident.ReplyDeadline),
            ["sites"] = sites,
            ["terms"] = new JsonArray([.. incident.Correlation.Terms.Select(t => (JsonNode?)JsonValue.Create(t.Term))]),
        });
    }

    /// <summary>Applies one incident item's content to <paramref name="theater"/> (a fact changes no state).</summary>
    /// <exception cref="FormatException">The content does not read, or names an incident the replay has not met.</exception>
    public static void Apply(Theater theater, JsonObject content)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(content);
        try
        {
            string type = (string)content["type"]!;
            if (type == FactType)
            {
                return;
            }

            if (type == Type)
            {
                using var report = JsonDocument.Parse(content["report"]!.ToJsonString());
                var reporter = new PartyId((string)content["owner"]!);
                theater.Incidents.Upsert(new Incident
                {
                    Report = IncidentReader.Read(report.RootElement, theater.Agreement, reporter, stored: true),
                    Reported = Time(content["reported"]),
                    ReplyDeadline = Time(content["reply_deadline"]),
                    Audience = [.. content["shared_with"]!.AsArray().Select(p => new PartyId((string)p!))],
                    Version = (long)content["version"]!,
                });
                return;
            }

            var id = new IncidentId((string)content["incident"]!);
            var incident = theater.Incidents.Find(id) ?? throw new FormatException($"it names incident '{id}', which no earlier item reports");
            using var document = JsonDocument.Parse(content.ToJsonString());
            var root = document.RootElement;
            theater.Incidents.Upsert(type switch
            {
                CorrelationType => incident with { Correlation = IncidentReader.ReadCorrelation(root.GetProperty("correlation")) },
                ReplyType => incident with { Replies = [.. incident.Replies, IncidentReader.ReadReply(root.GetProperty("reply"))], Version = (long)content["version"]! },
                GradeType => incident with
                {
                    Grades = [.. incident.Grades, new IncidentGrading(new PartyId((string)content["by"]!),
                        IncidentNames.TryParse((string?)content["grade"], out IncidentGrade grade) ? grade : throw new FormatException("an unknown grade"),
                        (string)content["reason"]!, Time(content["at"]))],
                    Version = (long)content["version"]!,
                },
                SilenceType => incident with
                {
                    Silences = [.. incident.Silences, new IncidentSilence(new PartyId((string)content["party"]!), Time(content["recorded"]))],
                    Version = (long)content["version"]!,
                },
                _ => throw new FormatException($"'{type}' is not an incident item"),
            });
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or KeyNotFoundException or JsonException or Parley.Core.InputRejectedException)
        {
            throw new FormatException($"not an incident item: {e.Message}", e);
        }
    }

    /// <summary>An item shared as the incident is (its audience), with the incident's id and its version after the change.</summary>
    private static JsonObject Shared(string type, PartyId owner, Incident incident, JsonObject fields)
    {
        var content = new JsonObject
        {
            ["type"] = type,
            ["owner"] = owner.Value,
            ["visibility"] = incident.Report.Visibility == Visibility.Public ? "public" : "parties",
            ["shared_with"] = ComplianceFacts.Parties(incident.Audience),
            ["incident"] = incident.Id.Value,
            ["version"] = incident.Version,
        };
        foreach (var (name, value) in fields.ToList())
        {
            fields.Remove(name);
            content[name] = value;
        }

        return content;
    }

    private static string Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static DateTimeOffset Time(JsonNode? node) =>
        DateTimeOffset.Parse((string?)node ?? throw new FormatException("a time is missing"), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal);
}
