using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger;

namespace Parley.Ledger.Entries;

/// <summary>
/// Turns an accepted change into its ledger entry: RFC 8785 canonical JSON naming the agreement, the
/// command, the submitter and the time, with one item per declaration changed.
/// </summary>
/// <remarks>
/// Every item is a commitment: SHA-256 of its opening, the canonical JSON <c>{"content":…,"salt":…}</c> with
/// 16 random bytes of salt. A public item carries its opening inline, so any party can check and replay it;
/// a private or shared one carries only the owner, the visibility and the commitment, and its opening stays
/// with the center (and is shown to those who may see it). The ledger thus proves who declared what and
/// when without publishing what a party keeps private.
/// </remarks>
public static class LedgerEntries
{
    /// <summary>
    /// The ledger entries (and openings) recording <paramref name="decision"/>, asked for by <paramref name="submission"/>,
    /// on <paramref name="theater"/>'s state before it is applied.
    /// </summary>
    public static List<LedgerAppend> Build(long index, AgreementId agreement, Decision decision, SignedSubmission? submission, Theater theater, DateTimeOffset time) =>
        Build(index, agreement, decision, submission, theater, time, NewSalt);

    /// <summary>As <see cref="Build(long, AgreementId, Decision, SignedSubmission?, Theater, DateTimeOffset)"/>, with the salts from <paramref name="salt"/> (tests).</summary>
    internal static List<LedgerAppend> Build(long index, AgreementId agreement, Decision decision, SignedSubmission? submission, Theater theater, DateTimeOffset time, Func<byte[]> salt)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(theater);
        if (decision.AgreementText is { } text)
        {
            return ForAgreement(index, agreement, text, time, salt);
        }

        var changes = decision.State;
        var items = new List<(PartyId Owner, Visibility Visibility, byte[] Content)>();
        foreach (var id in changes.WithdrawnZones)
        {
            var zone = theater.FindZone(id);
            var owner = zone?.Owner ?? decision.Submitter;
            var visibility = zone?.Visibility ?? Visibility.Private;
            items.Add((owner, visibility, CanonicalJson.Serialize(new JsonObject
            {
                ["type"] = "zone-withdrawal", ["id"] = id.Value, ["version"] = (zone?.Version ?? 0) + 1,
                ["owner"] = owner.Value, ["visibility"] = visibility.ToString().ToLowerInvariant(),
                ["shared_with"] = new JsonArray([.. (zone?.SharedWith ?? []).Select(p => (JsonNode?)JsonValue.Create(p.Value))]),
            })));
        }

        foreach (var zone in changes.Zones)
        {
            items.Add((zone.Owner, zone.Visibility, DeclarationContent(FeatureWriter.ToUtf8(zone), null, "zone", zone.Version)));
        }

        foreach (var operation in changes.Operations)
        {
            items.Add((operation.Owner, operation.Visibility,
                DeclarationContent(FeatureWriter.ToUtf8(operation), OperationStates.Name(operation.State), "operation", operation.Version)));
        }

        foreach (var amendment in changes.Amendments)
        {
            // Public, like the agreement it changes: every party reads and can replay every proposal, signature and lapse.
            var content = AmendmentRecords.ToNode(amendment);
            content["type"] = AmendmentItem;
            items.Add((Center, Visibility.Public, CanonicalJson.Serialize(content)));
        }

        foreach (var request in changes.Requests)
        {
            // Kept by the center alone: the record names both parties' items, and each may be hidden from the other.
            // Each party reads its side through the API; its own signed answer is its own item of the entry.
            items.Add((Center, Visibility.Private, CanonicalJson.Serialize(ConcurrenceRecords.ToContent(request))));
        }

        // The compliance facts of the change, then its incidents: what the figures are computed from.
        foreach (var operation in changes.Operations)
        {
            var from = theater.FindOperation(operation.Id)?.State;
            items.Add((operation.Owner, Visibility.Parties, CanonicalJson.Serialize(ComplianceFacts.Operation(operation, from, decision.Time ?? time, theater.Agreement))));
        }

        foreach (var request in changes.Requests)
        {
            items.Add((Center, Visibility.Parties, CanonicalJson.Serialize(ComplianceFacts.Request(request, theater.Agreement))));
        }

        foreach (var incident in changes.Incidents)
        {
            foreach (var (owner, visibility, content) in IncidentRecords.Items(incident, theater.Incidents.Find(incident.Id)))
            {
                items.Add((owner, visibility, CanonicalJson.Serialize(content)));
            }
        }

        if (submission is not null)
        {
            // The signed request, private to its submitter like its geometry: the entry commits to it, the
            // submitter (or a judge it shows the opening to) checks the signature against the agreement's keys.
            items.Add((decision.Submitter, Visibility.Private, CanonicalJson.Serialize(new JsonObject
            {
                ["type"] = "submission", ["owner"] = decision.Submitter.Value, ["visibility"] = "private", ["key"] = submission.Key, ["nonce"] = submission.Nonce,
                ["timestamp"] = FeatureWriter.Time(submission.Timestamp),
                ["signature"] = Convert.ToBase64String(submission.Signature),
                // The exact signed bytes, so the signature is checked on them and not on a re-serialisation.
                ["message"] = Convert.ToBase64String(submission.Message),
            })));
        }

        return Build(index, agreement, decision.Command, decision.Submitter, time, items, salt);
    }

    /// <summary>
    /// A zone's or an operation's content, <c>{"feature":…,"state":…,"type":…,"version":…}</c> (no state for a zone):
    /// the members in key order, the feature canonicalized from its UTF-8 text without building a JSON tree of it.
    /// </summary>
    private static byte[] DeclarationContent(byte[] feature, string? state, string type, long version)
    {
        var content = new ArrayBufferWriter<byte>(1024);
        content.Write("{\"feature\":"u8);
        using (var document = JsonDocument.Parse(feature))
        {
            CanonicalJson.Write(content, document.RootElement);
        }

        if (state is not null)
        {
            content.Write(",\"state\":"u8);
            CanonicalJson.WriteString(content, state);
        }

        content.Write(",\"type\":"u8);
        CanonicalJson.WriteString(content, type);
        content.Write(",\"version\":"u8);
        CanonicalJson.WriteNumber(content, version);
        content.Write("}"u8);
        return content.WrittenSpan.ToArray();
    }

    /// <summary>The entry recording an agreement's text (public: every party must know the rules).</summary>
    public static List<LedgerAppend> ForAgreement(long index, AgreementId agreement, string source, DateTimeOffset time) =>
        ForAgreement(index, agreement, source, time, NewSalt);

    /// <summary>As <see cref="ForAgreement(long, AgreementId, string, DateTimeOffset)"/>, with the salt from <paramref name="salt"/> (tests).</summary>
    internal static List<LedgerAppend> ForAgreement(long index, AgreementId agreement, string source, DateTimeOffset time, Func<byte[]> salt) =>
        Build(index, agreement, Decision.AgreementCommand, Center, time,
            [(new PartyId("center"), Visibility.Public, CanonicalJson.Serialize(new JsonObject { ["type"] = "agreement", ["source"] = source }))], salt);

    // Salts make commitments hiding: a private item's content cannot be guessed and checked against its commitment.
    private static byte[] NewSalt() => RandomNumberGenerator.GetBytes(16);

    /// <summary>The type of an amendment's item: the amendment's record as the change left it.</summary>
    public const string AmendmentItem = "amendment";

    /// <summary>The owner of items no party may open (the center's own records).</summary>
    public static readonly PartyId Center = Decision.Center;

    /// <summary>Largest leaf: the C2SP tlog-tiles entry bundle gives each entry a 16-bit length.</summary>
    public const int MaxEntryBytes = 65_535;

    // Keeps room for the entry's own fields when deciding whether an opening goes inline.
    private const int InlineOpeningBudget = MaxEntryBytes - 4_096;

    // RFC 8785 writes an object as its members in key order, without whitespace, and a canonical value as itself:
    // openings, items and entries are written member by member from canonical pieces, and a public opening is
    // copied into its item as it is (rather than built as JSON trees, canonicalized and parsed back).
    private static List<LedgerAppend> Build(long index, AgreementId agreement, string command, PartyId submitter, DateTimeOffset time,
        List<(PartyId Owner, Visibility Visibility, byte[] Content)> items, Func<byte[]> salt)
    {
        // Items go into consecutive leaves of at most MaxEntryBytes each, in order; a public opening too large to
        // sit inline is served by GET …/openings/{index} like any other (every party may open it).
        var appends = new List<LedgerAppend>();
        var leaf = new List<byte[]>();
        var openings = new List<byte[]>();
        var buffer = new ArrayBufferWriter<byte>(1024);
        int size = 0;
        foreach (var (owner, visibility, content) in items)
        {
            // The opening's members in key order: content, salt.
            buffer.ResetWrittenCount();
            buffer.Write("{\"content\":"u8);
            buffer.Write(content);
            buffer.Write(",\"salt\":"u8);
            CanonicalJson.WriteString(buffer, Convert.ToBase64String(salt()));
            buffer.Write("}"u8);
            byte[] opening = buffer.WrittenSpan.ToArray();

            // The item's members in key order: commitment, opening (a public one, if it fits), owner, visibility.
            buffer.ResetWrittenCount();
            buffer.Write("{\"commitment\":"u8);
            CanonicalJson.WriteString(buffer, Convert.ToBase64String(SHA256.HashData(opening)));
            if (visibility == Visibility.Public && opening.Length <= InlineOpeningBudget)
            {
                buffer.Write(",\"opening\":"u8);
                buffer.Write(opening);
            }

            buffer.Write(",\"owner\":"u8);
            CanonicalJson.WriteString(buffer, owner.Value);
            buffer.Write(",\"visibility\":"u8);
            CanonicalJson.WriteString(buffer, visibility.ToString().ToLowerInvariant());
            buffer.Write("}"u8);
            byte[] item = buffer.WrittenSpan.ToArray();

            int itemSize = item.Length + 1; // with its comma in the items array
            if (leaf.Count > 0 && size + itemSize > InlineOpeningBudget)
            {
                appends.Add(Entry(index + appends.Count, agreement, command, submitter, time, leaf, openings, buffer));
                leaf = [];
                openings = [];
                size = 0;
            }

            leaf.Add(item);
            openings.Add(opening);
            size += itemSize;
        }

        appends.Add(Entry(index + appends.Count, agreement, command, submitter, time, leaf, openings, buffer));
        return appends;
    }

    private static LedgerAppend Entry(long index, AgreementId agreement, string command, PartyId submitter, DateTimeOffset time,
        List<byte[]> items, List<byte[]> openings, ArrayBufferWriter<byte> buffer)
    {
        // The entry's members in key order: agreement, command, items, submitter, time.
        buffer.ResetWrittenCount();
        buffer.Write("{\"agreement\":"u8);
        CanonicalJson.WriteString(buffer, agreement.Value);
        buffer.Write(",\"command\":"u8);
        CanonicalJson.WriteString(buffer, command);
        buffer.Write(",\"items\":["u8);
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                buffer.Write(","u8);
            }

            buffer.Write(items[i]);
        }

        buffer.Write("],\"submitter\":"u8);
        CanonicalJson.WriteString(buffer, submitter.Value);
        buffer.Write(",\"time\":"u8);
        CanonicalJson.WriteString(buffer, FeatureWriter.Time(time));
        buffer.Write("}"u8);
        return new LedgerAppend(index, buffer.WrittenSpan.ToArray(), openings);
    }
}
