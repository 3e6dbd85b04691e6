using System.Text.Json.Nodes;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Core.Decisions;

/// <summary>
/// The events a change of amendments raises, for every party of the agreement (amendments are public, like the
/// agreement): <c>amendment.proposed</c>, <c>amendment.signed</c>, <c>amendment.in_force</c>, <c>amendment.lapsed</c>.
/// </summary>
public static class AmendmentEvents
{
    /// <summary>The events of a change's amendments, compared with <paramref name="theater"/> before it.</summary>
    public static List<EventAppend> For(Theater theater, StateChange changes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(changes);
        var events = new List<EventAppend>();
        var parties = theater.Agreement.Parties.Select(p => p.Id).ToList();
        foreach (var amendment in changes.Amendments)
        {
            var before = theater.Amendments.Find(amendment.Id);
            if (before is null)
            {
                Add(events, parties, "amendment.proposed", new JsonObject
                {
                    ["amendment"] = amendment.Id, ["proposer"] = amendment.Proposer.Value, ["reason"] = amendment.Reason,
                    ["base_version"] = amendment.BaseVersion, ["version"] = amendment.Version,
                    ["signing_deadline"] = FeatureWriter.Time(amendment.SigningDeadline),
                    ["effective"] = amendment.Effective is { } e ? FeatureWriter.Time(e) : "on_signature",
                    ["signatories"] = new JsonArray([.. amendment.Signatories.Select(p => (JsonNode)p.Value)]),
                }, now);
            }

            foreach (var signature in amendment.Signatures.Where(s => before is null ? s.Party != amendment.Proposer : !before.IsSignedBy(s.Party)))
            {
                Add(events, parties, "amendment.signed", new JsonObject
                {
                    ["amendment"] = amendment.Id, ["party"] = signature.Party.Value, ["signed"] = FeatureWriter.Time(signature.Signed),
                    ["missing"] = new JsonArray([.. amendment.Signatories.Where(p => !amendment.IsSignedBy(p)).Select(p => (JsonNode)p.Value)]),
                }, now);
            }

            if (amendment.State != before?.State)
            {
                if (amendment.State == AmendmentState.InForce)
                {
                    Add(events, parties, "amendment.in_force", new JsonObject
                    {
                        ["amendment"] = amendment.Id, ["version"] = amendment.Version, ["in_force"] = FeatureWriter.Time(amendment.Closed ?? now),
                    }, now);
                }
                else if (amendment.State == AmendmentState.Lapsed)
                {
                    Add(events, parties, "amendment.lapsed", new JsonObject
                    {
                        ["amendment"] = amendment.Id, ["reason"] = amendment.LapseReason, ["refused_by"] = amendment.RefusedBy?.Value,
                    }, now);
                }
            }
        }

        return events;
    }

    private static void Add(List<EventAppend> events, List<PartyId> parties, string type, JsonObject payload, DateTimeOffset now)
    {
        string json = payload.ToJsonString();
        events.AddRange(parties.Select(p => new EventAppend(p, type, json, now)));
    }
}
