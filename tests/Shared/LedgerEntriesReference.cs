using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger.Entries;

namespace Parley.Tests.Reference;

/// <summary>
/// The reference model of the ledger entries: Parley's first <c>LedgerEntries</c>, kept as it was (JSON trees
/// canonicalized by <see cref="CanonicalJsonReference"/>, a public opening parsed back to sit inline, each item
/// canonicalized to measure it), with the salts given. Stored ledgers were written by it.
/// </summary>
internal static class LedgerEntriesReference
{
    /// <summary>The ledger entry (and openings) for a commit's decision applied to <paramref name="theater"/>'s current state.</summary>
    public static List<LedgerAppend> Build(long index, AgreementId agreement, Commit commit, Theater theater, DateTimeOffset time, Func<byte[]> salt)
    {
        var changes = commit.Decision.State;
        var decision = commit.Decision;
        var items = new List<(PartyId Owner, Visibility Visibility, JsonObject Content)>();
        foreach (var id in changes.WithdrawnZones)
        {
            var zone = theater.FindZone(id);
            var owner = zone?.Owner ?? decision.Submitter;
            var visibility = zone?.Visibility ?? Visibility.Private;
            items.Add((owner, visibility, new JsonObject
            {
                ["type"] = "zone-withdrawal", ["id"] = id.Value, ["version"] = (zone?.Version ?? 0) + 1,
                ["owner"] = owner.Value, ["visibility"] = visibility.ToString().ToLowerInvariant(),
                ["shared_with"] = new JsonArray([.. (zone?.SharedWith ?? []).Select(p => (JsonNode?)JsonValue.Create(p.Value))]),
            }));
        }

        foreach (var zone in changes.Zones)
        {
            items.Add((zone.Owner, zone.Visibility, new JsonObject
            {
                ["type"] = "zone", ["version"] = zone.Version, ["feature"] = JsonNode.Parse(FeatureWriter.ToJson(zone)),
            }));
        }

        foreach (var operation in changes.Operations)
        {
            items.Add((operation.Owner, operation.Visibility, new JsonObject
            {
                ["type"] = "operation", ["version"] = operation.Version, ["state"] = OperationStates.Name(operation.State),
                ["feature"] = JsonNode.Parse(FeatureWriter.ToJson(operation)),
            }));
        }

        foreach (var amendment in changes.Amendments)
        {
            // Public, like the agreement it changes: the record whole, typed.
            var content = AmendmentRecords.ToNode(amendment);
            content["type"] = "amendment";
            items.Add((Center, Visibility.Public, content));
        }

        foreach (var request in changes.Requests)
        {
            // Kept by the center alone: the record names both parties' items, and each may be hidden from the other.
            // Each party reads its side through the API; its own signed answer is its own item of the entry.
            items.Add((Center, Visibility.Private, ConcurrenceRecords.ToContent(request)));
        }

        // The compliance facts (one per operation and per request), then the incidents' items, each written out field by field.
        var observers = theater.Agreement.Parties.Where(p => p.Role == Parley.Core.Agreements.PartyRole.Observer).Select(p => p.Id.Value).ToList();
        foreach (var operation in changes.Operations)
        {
            var before = theater.FindOperation(operation.Id);
            items.Add((operation.Owner, Visibility.Parties, new JsonObject
            {
                ["type"] = "operation-fact", ["owner"] = operation.Owner.Value, ["visibility"] = "parties", ["shared_with"] = Sorted(observers),
                ["from"] = before is null ? null : OperationStates.Name(before.State), ["state"] = OperationStates.Name(operation.State),
                ["at"] = FeatureWriter.Time(decision.Time ?? time),
            }));
        }

        foreach (var request in changes.Requests)
        {
            items.Add((Center, Visibility.Parties, new JsonObject
            {
                ["type"] = "request-fact", ["owner"] = "center", ["visibility"] = "parties",
                ["shared_with"] = Sorted([request.Submitter.Value, request.Affected.Value, .. observers]),
                ["id"] = request.Id, ["submitter"] = request.Submitter.Value, ["affected"] = request.Affected.Value, ["target_type"] = request.TargetType,
                ["opened"] = FeatureWriter.Time(request.Opened), ["deadline"] = FeatureWriter.Time(request.Deadline),
                ["state"] = RequestStates.Name(request.State), ["closed"] = request.Closed is { } closed ? FeatureWriter.Time(closed) : null,
                ["version"] = request.Version,
            }));
        }

        foreach (var incident in changes.Incidents)
        {
            var before = theater.Incidents.Find(incident.Id);
            var visibility = incident.Report.Visibility == Visibility.Public ? Visibility.Public : Visibility.Parties;
            JsonObject Shared(string type, string owner) => new()
            {
                ["type"] = type, ["owner"] = owner, ["visibility"] = visibility == Visibility.Public ? "public" : "parties",
                ["shared_with"] = Sorted([.. incident.Audience.Select(p => p.Value)]), ["incident"] = incident.Id.Value, ["version"] = incident.Version,
            };

            if (before is null)
            {
                var report = Shared("incident", incident.Report.Reporter.Value);
                report["report"] = JsonNode.Parse(IncidentWriter.ReportJson(incident.Report));
                report["reported"] = FeatureWriter.Time(incident.Reported);
                report["reply_deadline"] = FeatureWriter.Time(incident.ReplyDeadline);
                items.Add((incident.Report.Reporter, visibility, report));
                items.Add((Center, Visibility.Private, new JsonObject
                {
                    ["type"] = "incident-correlation", ["owner"] = "center", ["visibility"] = "private", ["incident"] = incident.Id.Value,
                    ["correlation"] = JsonNode.Parse(IncidentWriter.CorrelationJson(incident.Correlation)),
                }));
                var fact = Shared("incident-fact", "center");
                fact["kind"] = IncidentNames.Name(incident.Report.Kind);
                fact["reporter"] = incident.Report.Reporter.Value;
                fact["suspected"] = new JsonArray([.. incident.Report.Suspected.Select(p => (JsonNode?)p.Value)]);
                fact["reported"] = FeatureWriter.Time(incident.Reported);
                fact["reply_deadline"] = FeatureWriter.Time(incident.ReplyDeadline);
                fact["sites"] = new JsonArray([.. incident.Correlation.Sites
                    .Select(x => (Owner: x.Owner.Value, Relation: x.Named ? "named" : x.Visibility == Visibility.Public ? "exact" : "cell"))
                    .OrderBy(x => x.Owner, StringComparer.Ordinal).ThenBy(x => x.Relation, StringComparer.Ordinal)
                    .Select(x => (JsonNode?)new JsonObject { ["owner"] = x.Owner, ["relation"] = x.Relation })]);
                fact["terms"] = new JsonArray([.. incident.Correlation.Terms.Select(t => (JsonNode?)t.Term)]);
                items.Add((Center, visibility, fact));
            }

            foreach (var reply in incident.Replies.Skip(before?.Replies.Count ?? 0))
            {
                var item = Shared("incident-reply", reply.Party.Value);
                var body = new JsonObject { ["party"] = reply.Party.Value, ["reply"] = IncidentNames.Name(reply.Kind) };
                if (reply.Reason is not null)
                {
                    body["reason"] = reply.Reason;
                }

                if (reply.Operation is { } operation)
                {
                    body["operation"] = operation.Value;
                }

                body["at"] = FeatureWriter.Time(reply.At);
                item["reply"] = body;
                item["late"] = reply.At >= incident.ReplyDeadline;
                items.Add((reply.Party, visibility, item));
            }

            foreach (var grade in incident.Grades.Skip(before?.Grades.Count ?? 0))
            {
                var item = Shared("incident-grade", grade.By.Value);
                item["by"] = grade.By.Value;
                item["grade"] = IncidentNames.Name(grade.Grade);
                item["reason"] = grade.Reason;
                item["at"] = FeatureWriter.Time(grade.At);
                items.Add((grade.By, visibility, item));
            }

            foreach (var silence in incident.Silences.Skip(before?.Silences.Count ?? 0))
            {
                var item = Shared("incident-silence", "center");
                item["party"] = silence.Party.Value;
                item["recorded"] = FeatureWriter.Time(silence.Recorded);
                items.Add((Center, visibility, item));
            }
        }

        if (commit.Submission is { } submission)
        {
            // The signed request, private to its submitter like its geometry: the entry commits to it, the
            // submitter (or a judge it shows the opening to) checks the signature against the agreement's keys.
            items.Add((decision.Submitter, Visibility.Private, new JsonObject
            {
                ["type"] = "submission", ["owner"] = decision.Submitter.Value, ["visibility"] = "private", ["key"] = submission.Key, ["nonce"] = submission.Nonce,
                ["timestamp"] = FeatureWriter.Time(submission.Timestamp),
                ["signature"] = Convert.ToBase64String(submission.Signature),
                // The exact signed bytes, so the signature is checked on them and not on a re-serialisation.
                ["message"] = Convert.ToBase64String(submission.Message),
            }));
        }

        return Build(index, agreement, decision.Command, decision.Submitter, time, items, salt);
    }

    /// <summary>The entry recording an agreement's text (public: every party must know the rules).</summary>
    public static List<LedgerAppend> ForAgreement(long index, AgreementId agreement, string source, DateTimeOffset time, Func<byte[]> salt) =>
        Build(index, agreement, "agreement.put", new PartyId("center"), time,
            [(new PartyId("center"), Visibility.Public, new JsonObject { ["type"] = "agreement", ["source"] = source })], salt);

    private static readonly PartyId Center = new("center");

    private static JsonArray Sorted(IEnumerable<string> parties) =>
        new([.. parties.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(p => (JsonNode?)p)]);

    private const int MaxEntryBytes = 65_535;

    // Keeps room for the entry's own fields when deciding whether an opening goes inline.
    private const int InlineOpeningBudget = MaxEntryBytes - 4_096;

    private static List<LedgerAppend> Build(long index, AgreementId agreement, string command, PartyId submitter, DateTimeOffset time,
        List<(PartyId Owner, Visibility Visibility, JsonObject Content)> items, Func<byte[]> salt)
    {
        // Items go into consecutive leaves of at most MaxEntryBytes each, in order; a public opening too large to
        // sit inline is served by GET …/openings/{index} like any other (every party may open it).
        var appends = new List<LedgerAppend>();
        var array = new JsonArray();
        var openings = new List<byte[]>();
        int size = 0;
        foreach (var (owner, visibility, content) in items)
        {
            var openingNode = new JsonObject { ["content"] = content, ["salt"] = Convert.ToBase64String(salt()) };
            byte[] opening = CanonicalJsonReference.Serialize(openingNode);
            var item = new JsonObject
            {
                ["owner"] = owner.Value,
                ["visibility"] = visibility.ToString().ToLowerInvariant(),
                ["commitment"] = Convert.ToBase64String(SHA256.HashData(opening)),
            };
            if (visibility == Visibility.Public && opening.Length <= InlineOpeningBudget)
            {
                item["opening"] = JsonNode.Parse(opening);
            }

            int itemSize = CanonicalJsonReference.Serialize(item).Length + 1;
            if (array.Count > 0 && size + itemSize > InlineOpeningBudget)
            {
                appends.Add(Entry(index + appends.Count, agreement, command, submitter, time, array, openings));
                array = [];
                openings = [];
                size = 0;
            }

            array.Add(item);
            openings.Add(opening);
            size += itemSize;
        }

        appends.Add(Entry(index + appends.Count, agreement, command, submitter, time, array, openings));
        return appends;
    }

    private static LedgerAppend Entry(long index, AgreementId agreement, string command, PartyId submitter, DateTimeOffset time, JsonArray items, List<byte[]> openings)
    {
        var entry = new JsonObject
        {
            ["agreement"] = agreement.Value,
            ["command"] = command,
            ["submitter"] = submitter.Value,
            ["time"] = FeatureWriter.Time(time),
            ["items"] = items,
        };
        return new LedgerAppend(index, CanonicalJsonReference.Serialize(entry), openings);
    }
}
