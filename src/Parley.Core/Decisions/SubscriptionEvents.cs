using System.Text.Json.Nodes;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Core.Decisions;

/// <summary>
/// The events that a change raises for the subscriptions it falls in: <c>zone.changed</c> and <c>operation.changed</c>,
/// one per declaration and subscribing party, naming the party's subscriptions it matched.
/// </summary>
/// <remarks>
/// <para>
/// Disclosure first: a party is told of a declaration only when it may see it (<see cref="Declaration.IsVisibleTo"/>),
/// before or after the change. A declaration it may not see raises nothing for it, so that its events betray neither
/// the presence nor the place of what is hidden. A declaration it could see and no longer can (withdrawn, or no longer
/// shared with it) is announced as <c>gone</c>, with nothing but what it knew: the two cases read the same, as they do
/// on <c>GET</c>. The owner's own subscriptions are never told of its own declarations.
/// </para>
/// <para>Pure: reads the theater as it stands before the change is applied, returns the events to commit with it.</para>
/// </remarks>
public static class SubscriptionEvents
{
    /// <summary>The event type for a zone declared, replaced or gone.</summary>
    public const string ZoneChanged = "zone.changed";

    /// <summary>The event type for an operation submitted or changed, or gone.</summary>
    public const string OperationChanged = "operation.changed";

    /// <summary>The <c>state</c> of a zone present and visible.</summary>
    public const string Declared = "declared";

    /// <summary>The <c>state</c> of a declaration the party may no longer see (withdrawn, or no longer shared with it).</summary>
    public const string Gone = "gone";

    /// <summary>
    /// The events <paramref name="changes"/> raises for the subscriptions of <paramref name="theater"/>, which still holds
    /// the state before the change; in the order of the change's zone withdrawals, zones and operations, then by party.
    /// </summary>
    public static List<EventAppend> For(Theater theater, StateChange changes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(changes);
        var events = new List<EventAppend>();
        if (theater.Subscriptions.Count == 0)
        {
            return events;
        }

        var byParty = theater.Subscriptions.All.GroupBy(s => s.Party)
            .OrderBy(g => g.Key.Value, StringComparer.Ordinal)
            .Select(g => (Party: g.Key, Subscriptions: g.OrderBy(s => s.Created).ThenBy(s => s.Id.Value, StringComparer.Ordinal).ToList()))
            .ToList();

        // A declaration named twice in one change ends as its last version.
        var zones = changes.Zones.GroupBy(z => z.Id).Select(g => g.Last()).ToList();
        var upserted = zones.Select(z => z.Id).ToHashSet();
        foreach (var id in changes.WithdrawnZones.Distinct().Where(id => !upserted.Contains(id)))
        {
            if (theater.FindZone(id) is { } before)
            {
                Add(events, byParty, before, ZoneKinds.Name(before.Kind), null, null, now);
            }
        }

        foreach (var zone in zones)
        {
            var before = theater.FindZone(zone.Id);
            Add(events, byParty, before, before is null ? null : ZoneKinds.Name(before.Kind), zone, ZoneKinds.Name(zone.Kind), now);
        }

        foreach (var operation in changes.Operations.GroupBy(o => o.Id).Select(g => g.Last()))
        {
            var before = theater.FindOperation(operation.Id);
            Add(events, byParty, before, before?.Kind, operation, operation.Kind, now);
        }

        return events;
    }

    private static void Add(List<EventAppend> events, List<(PartyId Party, List<Subscription> Subscriptions)> byParty,
        Declaration? before, string? beforeKind, Declaration? after, string? afterKind, DateTimeOffset now)
    {
        var owner = (after ?? before)!.Owner;
        foreach (var (party, subscriptions) in byParty)
        {
            if (party == owner)
            {
                continue;
            }

            bool sawBefore = before is not null && before.IsVisibleTo(party);
            bool seesAfter = after is not null && after.IsVisibleTo(party);
            if (!sawBefore && !seesAfter)
            {
                continue; // hidden from this party throughout: nothing about it may reach it
            }

            var matched = subscriptions
                .Where(s => (sawBefore && s.Matches(before!, beforeKind!)) || (seesAfter && s.Matches(after!, afterKind!)))
                .Select(s => (JsonNode?)JsonValue.Create(s.Id.Value))
                .ToArray();
            if (matched.Length == 0)
            {
                continue;
            }

            var payload = seesAfter ? Describe(after!, afterKind!) : Vanished(before!, beforeKind!);
            payload["subscriptions"] = new JsonArray(matched);
            events.Add(new EventAppend(party, after is Operation || before is Operation ? OperationChanged : ZoneChanged, payload.ToJsonString(), now));
        }
    }

    /// <summary>A declaration as a party that may see it is told of it: id, owner, kind, version and state.</summary>
    private static JsonObject Describe(Declaration declaration, string kind) => declaration switch
    {
        Zone zone => new JsonObject
        {
            ["zone"] = zone.Id.Value, ["owner"] = zone.Owner.Value, ["kind"] = kind, ["version"] = zone.Version, ["state"] = Declared,
        },
        Operation operation => new JsonObject
        {
            ["operation"] = operation.Id.Value, ["owner"] = operation.Owner.Value, ["kind"] = kind, ["version"] = operation.Version,
            ["state"] = OperationStates.Name(operation.State),
        },
        _ => throw new ArgumentException("a zone or an operation", nameof(declaration)),
    };

    /// <summary>A declaration the party saw and may no longer see: only what it knew (no version, which would tell the cases apart).</summary>
    private static JsonObject Vanished(Declaration declaration, string kind) => new()
    {
        [declaration is Zone ? "zone" : "operation"] = declaration is Zone z ? z.Id.Value : ((Operation)declaration).Id.Value,
        ["owner"] = declaration.Owner.Value,
        ["kind"] = kind,
        ["state"] = Gone,
    };
}
