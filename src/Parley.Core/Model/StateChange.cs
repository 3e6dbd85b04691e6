using System.Collections.Immutable;

namespace Parley.Core.Model;

/// <summary>
/// What a commit changes in an agreement's state: declarations, concurrence requests, subscriptions, amendments and
/// incidents, each as it is after the change. Applied in this order: amendments (one coming into force changes the
/// agreement), zone withdrawals, zones, operations, requests, subscription deletions, subscriptions, incidents.
/// </summary>
/// <remarks>Operations and requests are never deleted: they end cancelled, completed or closed, and the ledger keeps them.</remarks>
public sealed record StateChange
{
    /// <summary>A change of nothing.</summary>
    public static readonly StateChange None = new();

    /// <summary>A change of the given items (null: none).</summary>
    public StateChange(
        IEnumerable<Zone>? zones = null,
        IEnumerable<ZoneId>? withdrawnZones = null,
        IEnumerable<Operation>? operations = null,
        IEnumerable<ConcurrenceRequest>? requests = null,
        IEnumerable<Subscription>? subscriptions = null,
        IEnumerable<SubscriptionId>? deletedSubscriptions = null,
        IEnumerable<Amendment>? amendments = null,
        IEnumerable<Incident>? incidents = null)
    {
        Amendments = amendments is null ? [] : [.. amendments];
        Zones = zones is null ? [] : [.. zones];
        WithdrawnZones = withdrawnZones is null ? [] : [.. withdrawnZones];
        Operations = operations is null ? [] : [.. operations];
        Requests = requests is null ? [] : [.. requests];
        Subscriptions = subscriptions is null ? [] : [.. subscriptions];
        DeletedSubscriptions = deletedSubscriptions is null ? [] : [.. deletedSubscriptions];
        Incidents = incidents is null ? [] : [.. incidents];
    }

    /// <summary>Zones declared or replaced.</summary>
    public ImmutableArray<Zone> Zones { get; }

    /// <summary>Zones withdrawn.</summary>
    public ImmutableArray<ZoneId> WithdrawnZones { get; }

    /// <summary>Operations submitted or changed.</summary>
    public ImmutableArray<Operation> Operations { get; }

    /// <summary>Concurrence requests opened or changed.</summary>
    public ImmutableArray<ConcurrenceRequest> Requests { get; }

    /// <summary>Subscriptions made.</summary>
    public ImmutableArray<Subscription> Subscriptions { get; }

    /// <summary>Subscriptions deleted.</summary>
    public ImmutableArray<SubscriptionId> DeletedSubscriptions { get; }

    /// <summary>Amendments proposed or changed (signed, refused, lapsed, in force).</summary>
    public ImmutableArray<Amendment> Amendments { get; }

    /// <summary>Whether amendments change (the agreement itself, when one comes into force).</summary>
    public bool HasAmendments => Amendments.Length > 0;

    /// <summary>Incidents reported or changed (a reply, a grade, a silence), each as it is after the change.</summary>
    public ImmutableArray<Incident> Incidents { get; }

    /// <summary>Whether zones, operations or requests change (what the ledger records as declarations).</summary>
    public bool HasDeclarations => Zones.Length > 0 || WithdrawnZones.Length > 0 || Operations.Length > 0 || Requests.Length > 0;

    /// <summary>Whether subscriptions change.</summary>
    public bool HasSubscriptions => Subscriptions.Length > 0 || DeletedSubscriptions.Length > 0;

    /// <summary>Whether incidents change.</summary>
    public bool HasIncidents => Incidents.Length > 0;

    /// <summary>Whether nothing changes.</summary>
    public bool IsEmpty => !HasDeclarations && !HasSubscriptions && !HasAmendments && !HasIncidents;
}
