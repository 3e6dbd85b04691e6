using System.Text.Json.Nodes;
using Parley.Core.Model;

namespace Parley.Core.Features;

/// <summary>
/// An amendment as a JSON record, whole: what the stores keep, what the ledger's amendment items hold (with their
/// <c>type</c>), and what every party reads.
/// </summary>
/// <remarks>
/// <c>{"id","proposer","reason","base_version","version","proposed","signing_deadline","effective","signatories",
/// "signatures":[{"party","signed"}],"state","closed","refused_by","lapse_reason","revision","changes"}</c>; absent values
/// are null. Times are RFC 3339 UTC.
/// </remarks>
public static class AmendmentRecords
{
    /// <summary>The record of an amendment.</summary>
    public static JsonObject ToNode(Amendment amendment)
    {
        ArgumentNullException.ThrowIfNull(amendment);
        return new JsonObject
        {
            ["id"] = amendment.Id,
            ["proposer"] = amendment.Proposer.Value,
            ["reason"] = amendment.Reason,
            ["base_version"] = amendment.BaseVersion,
            ["version"] = amendment.Version,
            ["proposed"] = FeatureWriter.Time(amendment.Proposed),
            ["signing_deadline"] = FeatureWriter.Time(amendment.SigningDeadline),
            ["effective"] = amendment.Effective is { } effective ? FeatureWriter.Time(effective) : null,
            ["signatories"] = new JsonArray([.. amendment.Signatories.Select(p => (JsonNode)p.Value)]),
            ["signatures"] = new JsonArray([.. amendment.Signatures.Select(s => (JsonNode)new JsonObject
            {
                ["party"] = s.Party.Value, ["signed"] = FeatureWriter.Time(s.Signed),
            })]),
            ["state"] = AmendmentStates.Name(amendment.State),
            ["closed"] = amendment.Closed is { } closed ? FeatureWriter.Time(closed) : null,
            ["refused_by"] = amendment.RefusedBy?.Value,
            ["lapse_reason"] = amendment.LapseReason,
            ["revision"] = amendment.Revision,
            ["changes"] = JsonNode.Parse(amendment.Changes),
        };
    }

    /// <summary>The record as JSON text.</summary>
    public static string ToJson(Amendment amendment) => ToNode(amendment).ToJsonString();

    /// <summary>Reads a record back.</summary>
    /// <exception cref="FormatException">It is not an amendment record.</exception>
    public static Amendment FromNode(JsonObject o)
    {
        ArgumentNullException.ThrowIfNull(o);
        try
        {
            return new Amendment
            {
                Id = Text(o, "id"),
                Proposer = new PartyId(Text(o, "proposer")),
                Reason = Text(o, "reason"),
                BaseVersion = o["base_version"]!.GetValue<int>(),
                Proposed = TimeOf(o["proposed"])!.Value,
                SigningDeadline = TimeOf(o["signing_deadline"])!.Value,
                Effective = TimeOf(o["effective"]),
                Signatories = [.. o["signatories"]!.AsArray().Select(p => new PartyId(p!.GetValue<string>()))],
                Signatures = [.. o["signatures"]!.AsArray().Select(s => new AmendmentSignature(new PartyId(Text(s!.AsObject(), "party")), TimeOf(s!["signed"])!.Value))],
                State = AmendmentStates.Parse(Text(o, "state")),
                Closed = TimeOf(o["closed"]),
                RefusedBy = o["refused_by"] is { } refused ? new PartyId(refused.GetValue<string>()) : null,
                LapseReason = o["lapse_reason"]?.GetValue<string>(),
                Revision = o["revision"]!.GetValue<long>(),
                Changes = o["changes"]!.AsObject().ToJsonString(),
            };
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new FormatException($"not an amendment record: {e.Message}", e);
        }
    }

    /// <summary>Reads a record back from its text.</summary>
    /// <exception cref="FormatException">It is not an amendment record.</exception>
    public static Amendment FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return FromNode(JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("not an amendment record: null"));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FormatException($"not an amendment record: {e.Message}", e);
        }
    }

    private static string Text(JsonObject o, string name) => o[name]?.GetValue<string>() ?? throw new FormatException($"no {name}");

    private static DateTimeOffset? TimeOf(JsonNode? node) =>
        node is null ? null : FeatureReader.TryParseTime(node.GetValue<string>(), out var t) ? t : throw new FormatException($"not a time: {node}");
}
