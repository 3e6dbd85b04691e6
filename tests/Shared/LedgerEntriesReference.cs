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
