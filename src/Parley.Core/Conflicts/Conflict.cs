using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>
/// A conflict of an operation: with another party's zone (the agreement forbids the operation kind there)
/// or with another party's operation (separation minima broken). Exactly one of <see cref="Zone"/> and
/// <see cref="OtherOperation"/> is set.
/// </summary>
/// <remarks>Holds full details; what a requester may see of it is decided by <see cref="Disclosure"/>.</remarks>
public sealed record Conflict
{
    private Conflict(Operation operation, Zone? zone, Operation? other, bool exact)
    {
        Operation = operation;
        Zone = zone;
        OtherOperation = other;
        Exact = exact;
    }

    /// <summary>The operation that conflicts.</summary>
    public Operation Operation { get; }

    /// <summary>The zone it conflicts with, if that is the kind of conflict.</summary>
    public Zone? Zone { get; }

    /// <summary>The other party's operation it conflicts with, if that is the kind of conflict.</summary>
    public Operation? OtherOperation { get; }

    /// <summary>
    /// Whether the exact volumes conflict. False only for a zone the operation's owner may not see that
    /// shares a disclosure cell and slot with the operation without an exact overlap; only the zone's owner
    /// may learn it.
    /// </summary>
    public bool Exact { get; }

    /// <summary>The party that must be asked to concur.</summary>
    public PartyId AffectedParty => Zone?.Owner ?? OtherOperation!.Owner;

    /// <summary>The id of the zone or operation conflicted with.</summary>
    public string TargetId => Zone?.Id.Value ?? OtherOperation!.Id.Value;

    /// <summary>An operation against a zone; <paramref name="exact"/> false when only their disclosure cells and slots meet.</summary>
    public static Conflict WithZone(Operation operation, Zone zone, bool exact = true) => new(operation, zone, null, exact);

    /// <summary>An operation against another party's operation.</summary>
    public static Conflict WithOperation(Operation operation, Operation other) => new(operation, null, other, true);
}
