using Parley.Core.Agreements;
using Parley.Core.Index;
using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>
/// The live zones and operations of one agreement, indexed, and the conflict rules applied to them.
/// </summary>
/// <remarks>
/// Pure and in memory: it decides, it does not store. Not thread-safe for writes: the caller serialises
/// changes (one writer per agreement); reads may run concurrently when no write does.
/// </remarks>
public sealed class Theater(Agreement agreement)
{
    // One index per zone kind: a query visits only the kinds the agreement forbids to the operation, so the
    // rules prune before any geometry (a flight never looks at protected sites, only at restricted ones).
    private readonly SpatioTemporalIndex<Zone>[] _zonesByKind = [new(), new(), new()];
    private readonly SpatioTemporalIndex<Operation> _operations = new();

    /// <summary>The concurrence requests of the agreement's operations.</summary>
    public Parley.Core.Workflow.ConcurrenceBook Requests { get; } = new();

    /// <summary>The rules in force.</summary>
    public Agreement Agreement { get; } = agreement;

    /// <summary>Number of zones.</summary>
    public int ZoneCount => _zonesByKind.Sum(i => i.Count);

    /// <summary>Number of operations (in any state).</summary>
    public int OperationCount => _operations.Count;

    /// <summary>Every zone.</summary>
    public IEnumerable<Zone> Zones => _zonesByKind.SelectMany(i => i.Items);

    /// <summary>Every operation.</summary>
    public IEnumerable<Operation> Operations => _operations.Items;

    /// <summary>The zone with this id, if any.</summary>
    public Zone? FindZone(ZoneId id) =>
        _zonesByKind[0].Find(id.Value) ?? _zonesByKind[1].Find(id.Value) ?? _zonesByKind[2].Find(id.Value);

    /// <summary>The operation with this id, if any.</summary>
    public Operation? FindOperation(OperationId id) => _operations.Find(id.Value);

    /// <summary>Adds or replaces a zone.</summary>
    public void Upsert(Zone zone)
    {
        Remove(zone.Id); // its kind may have changed
        _zonesByKind[(int)zone.Kind].Upsert(zone.Id.Value, zone, zone.Volume);
    }

    /// <summary>Adds or replaces an operation.</summary>
    public void Upsert(Operation operation) => _operations.Upsert(operation.Id.Value, operation, operation.Volume);

    /// <summary>Removes a zone; false when absent.</summary>
    public bool Remove(ZoneId id) =>
        _zonesByKind[0].Remove(id.Value) | _zonesByKind[1].Remove(id.Value) | _zonesByKind[2].Remove(id.Value);

    /// <summary>Applies a committed change set: deletions, then zones, operations and requests.</summary>
    public void Apply(Parley.Core.Ports.ChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var zone in changes.DeleteZones)
        {
            Remove(zone);
        }

        foreach (var zone in changes.UpsertZones)
        {
            Upsert(zone);
        }

        foreach (var operation in changes.UpsertOperations)
        {
            Upsert(operation);
        }

        foreach (var request in changes.UpsertRequests)
        {
            Requests.Upsert(request);
        }
    }

    /// <summary>Removes an operation; false when absent.</summary>
    public bool Remove(OperationId id) => _operations.Remove(id.Value);

    /// <summary>
    /// Every conflict of <paramref name="operation"/> with the zones and the live operations held here
    /// (the operation itself, under its id, is ignored).
    /// </summary>
    public List<Conflict> FindConflicts(Operation operation)
    {
        var conflicts = new List<Conflict>();
        foreach (var zone in ZonesAffectedBy(operation))
        {
            conflicts.Add(Conflict.WithZone(operation, zone));
        }

        if (Agreement.IsAirborne(operation.Kind))
        {
            var others = new List<Operation>();
            var sep = Agreement.Separation;
            _operations.Query(operation.Volume, sep.LateralMetres, sep.VerticalMetres,
                other => other.Owner != operation.Owner && other.Id != operation.Id && IsLive(other.State) && Agreement.IsAirborne(other.Kind),
                others);
            foreach (var other in others)
            {
                conflicts.Add(Conflict.WithOperation(operation, other));
            }
        }

        return conflicts;
    }

    /// <summary>The zones of other parties that the agreement forbids <paramref name="operation"/> to touch and that it touches.</summary>
    public List<Zone> ZonesAffectedBy(Operation operation)
    {
        var zones = new List<Zone>();
        Func<Zone, bool> otherParty = zone => zone.Owner != operation.Owner;
        foreach (var kind in ZoneKindsInIndexOrder)
        {
            if (Agreement.Forbids(operation.Kind, kind))
            {
                _zonesByKind[(int)kind].Query(operation.Volume, 0, 0, otherParty, zones);
            }
        }

        return zones;
    }

    /// <summary>The live operations of other parties that a new or changed zone touches (they need concurrence again).</summary>
    public List<Operation> OperationsAffectedBy(Zone zone)
    {
        var operations = new List<Operation>();
        _operations.Query(zone.Volume, 0, 0, op => op.Owner != zone.Owner && IsLive(op.State) && Agreement.Forbids(op.Kind, zone.Kind), operations);
        return operations;
    }

    private static readonly ZoneKind[] ZoneKindsInIndexOrder = [ZoneKind.Protected, ZoneKind.Restricted, ZoneKind.Designated];

    /// <summary>Whether operations in this state take part in deconfliction.</summary>
    public static bool IsLive(OperationState state) => state is
        OperationState.Proposed or OperationState.Accepted or OperationState.AwaitingConcurrence or
        OperationState.Concurred or OperationState.Active;
}
