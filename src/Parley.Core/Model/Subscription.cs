using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Model;

/// <summary>Identifies a subscription within an agreement.</summary>
public readonly record struct SubscriptionId(string Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value;
}

/// <summary>
/// A party's standing interest in the declarations of the others: an area, a time window and kinds. When a zone or
/// an operation that the party may see changes inside it, the party gets an event; a webhook, when given, receives
/// every event of the party.
/// </summary>
/// <remarks>Immutable. Private to its party: no other party learns that it exists, where it is or where it delivers.</remarks>
public sealed record Subscription
{
    /// <summary>The subscription id, chosen by the center.</summary>
    public required SubscriptionId Id { get; init; }

    /// <summary>The subscribing party: the only one that sees the subscription and its events.</summary>
    public required PartyId Party { get; init; }

    /// <summary>Where: a polygonal area (GeoJSON Polygon or MultiPolygon); closed, like every footprint.</summary>
    public required Shape Area { get; init; }

    /// <summary>When: a half-open window; a declaration matches if its own window shares an instant with it.</summary>
    public required TimeWindow Window { get; init; }

    /// <summary>The operation and zone kinds of interest (wire names); empty means every kind.</summary>
    public IReadOnlyList<string> Kinds { get; init; } = [];

    /// <summary>Where to deliver the party's events by HTTP POST, if anywhere.</summary>
    public Uri? Webhook { get; init; }

    /// <summary>When the subscription was made.</summary>
    public DateTimeOffset Created { get; init; }

    /// <summary>Whether a declaration of kind <paramref name="kind"/> is among the kinds of interest.</summary>
    public bool Covers(string kind) => Kinds.Count == 0 || Kinds.Contains(kind, StringComparer.Ordinal);

    /// <summary>
    /// Whether <paramref name="declaration"/> (of wire kind <paramref name="kind"/>) falls in the subscription: its kind
    /// is of interest, its time window overlaps and its footprint (buffer included) meets the area, at any altitude.
    /// </summary>
    /// <remarks>Says nothing about whether the party may see the declaration: the caller decides that first.</remarks>
    public bool Matches(Declaration declaration, string kind)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        return Covers(kind) && Window.Overlaps(declaration.Volume.Time) && ShapeRelations.WithinDistance(Area, declaration.Volume.Footprint);
    }
}
