using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Agreements;

/// <summary>What a term asks of the operations it binds.</summary>
public enum TermType
{
    /// <summary>They must lie within the union of the term's areas (footprint inside, altitude and window within).</summary>
    DesignatedArea,

    /// <summary>They must not touch the term's area (absent: the whole theater): a grounding for the term's window.</summary>
    Suspension,

    /// <summary>At most so many of them a UTC day (optionally within an area): a scale-back.</summary>
    Limit,
}

/// <summary>What a breach of a term gets.</summary>
public enum BreachAction
{
    /// <summary>The submission or modification is refused, naming the term.</summary>
    Refuse,

    /// <summary>The operation awaits the concurrence of every other member party of the agreement, as for a conflict.</summary>
    Concurrence,
}

/// <summary>
/// A term of the pact: it binds the operations of <see cref="Kinds"/> that <see cref="Parties"/> plan, when they overlap the
/// term's altitude band and time window, and says where they must (or must not) be, or how many a day there may be.
/// </summary>
/// <remarks>Immutable. Visible to every party of the agreement: no term is secret, and breaches name it exactly.</remarks>
public sealed record Term
{
    /// <summary>The term id: letters, digits, '-', '_' or '.', unique in the agreement.</summary>
    public required string Id { get; init; }

    /// <summary>Designated area, suspension or limit.</summary>
    public required TermType Type { get; init; }

    /// <summary>The parties whose operations it binds (at least one).</summary>
    public required IReadOnlyList<PartyId> Parties { get; init; }

    /// <summary>The operation kinds it binds (at least one).</summary>
    public required IReadOnlyList<string> Kinds { get; init; }

    /// <summary>An optional human-readable name.</summary>
    public string? Name { get; init; }

    /// <summary>The altitude band it binds in (unbounded when not given); an operation whose band meets it is bound.</summary>
    public AltitudeBand Altitude { get; init; } = TermScope.AnyAltitude;

    /// <summary>The time window it binds in (always when not given); an operation whose window overlaps it is bound.</summary>
    public TimeWindow Window { get; init; } = TermScope.Always;

    /// <summary>What a breach gets.</summary>
    public BreachAction OnBreach { get; init; } = BreachAction.Refuse;

    /// <summary>For a designated area: the areas, each a footprint with its own altitude band and window.</summary>
    public IReadOnlyList<Volume> Areas { get; init; } = [];

    /// <summary>For a suspension or a limit: the footprint it applies in; null means the whole theater.</summary>
    public Shape? Area { get; init; }

    /// <summary>For a limit: the most operations a bound party may have start in one UTC day.</summary>
    public int MaxPerDay { get; init; }

    /// <summary>Whether the term binds <paramref name="operation"/>: its owner, its kind, and a window and band that meet the term's.</summary>
    public bool Binds(Operation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return Contains(Parties, operation.Owner) && Kinds.Contains(operation.Kind) &&
            Window.Overlaps(operation.Volume.Time) && Altitude.GapTo(operation.Volume.Altitude) == 0;
    }

    private static bool Contains(IReadOnlyList<PartyId> parties, PartyId party)
    {
        for (int i = 0; i < parties.Count; i++)
        {
            if (parties[i] == party)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The scopes a term or an area has when none is given.</summary>
public static class TermScope
{
    /// <summary>Every altitude.</summary>
    public static readonly AltitudeBand AnyAltitude = new(double.NegativeInfinity, double.PositiveInfinity);

    /// <summary>All time.</summary>
    public static readonly TimeWindow Always = new(DateTimeOffset.MinValue, null);

    /// <summary>Whether <paramref name="window"/> has no start of its own (it was not given).</summary>
    public static bool StartsAtAnyTime(TimeWindow window) => window.StartTicks == DateTimeOffset.MinValue.UtcTicks;
}

/// <summary>Wire names of term types and breach actions.</summary>
public static class TermNames
{
    /// <summary><c>designated-area</c>, <c>suspension</c> or <c>limit</c>.</summary>
    public static string Name(TermType type) => type switch
    {
        TermType.DesignatedArea => "designated-area",
        TermType.Suspension => "suspension",
        _ => "limit",
    };

    /// <summary>Parses a term type's wire name.</summary>
    public static bool TryParse(string? text, out TermType type)
    {
        switch (text)
        {
            case "designated-area": type = TermType.DesignatedArea; return true;
            case "suspension": type = TermType.Suspension; return true;
            case "limit": type = TermType.Limit; return true;
            default: type = default; return false;
        }
    }

    /// <summary><c>refuse</c> or <c>concurrence</c>.</summary>
    public static string Name(BreachAction action) => action == BreachAction.Refuse ? "refuse" : "concurrence";

    /// <summary>Parses a breach action's wire name.</summary>
    public static bool TryParse(string? text, out BreachAction action)
    {
        switch (text)
        {
            case "refuse": action = BreachAction.Refuse; return true;
            case "concurrence": action = BreachAction.Concurrence; return true;
            default: action = default; return false;
        }
    }
}
