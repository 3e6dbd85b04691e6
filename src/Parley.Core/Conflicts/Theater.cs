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
    private readonly SpatioTemporalIndex<Zone> _zones = new();
    private readonly SpatioTemporalIndex<Operation> _operations = new();

    /// <summary>The rules in force.</summary>
    public Agreement Agreement { get; } = agreement;

    /// <summary>Number of zones.</summary>
    public int ZoneCount => _zones.Count;

    /// <summary>Number of operations (in any state).</summary>
    public int OperationCount => _operations.Count;

    /// <summary>Every zone.</summary>
    public IEnumerable<Zone> Zones => _zones.Items;

    /// <summary>Every operation.</summary>
    public IEnumerable<Operation> Operations => _operations.Items;

    /// <summary>The zone with this id, if any.</summary>
    public Zone? FindZone(ZoneId id) => _zones.Find(id.Value);

    /// <summary>The operation with this id, if any.</summary>
    public Operation? FindOperation(OperationId id) => _operations.Find(id.Value);

    /// <summary>Adds or replaces a zone.</summary>
    public void Upsert(Zone zone) => _zones.Upsert(zone.Id.Value, zone, zone.Volume);

    /// <summary>Adds or replaces an operation.</summary>
    public void Upsert(Operation operation) => _operations.Upsert(operation.Id.Value, operation, operation.Volume);

    /// <summary>Removes a zone; false when absent.</summary>
    public bool Remove(ZoneId id) => _zones.Remove(id.Value);

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
        _zones.Query(operation.Volume, 0, 0, zone => zone.Owner != operation.Owner && Agreement.Forbids(operation.Kind, zone.Kind), zones);
        return zones;
    }

    /// <summary>The live operations of other parties that a new or changed zone touches (they need concurrence again).</summary>
    public List<Operation> OperationsAffectedBy(Zone zone)
    {
        var operations = new List<Operation>();
        _operations.Query(zone.Volume, 0, 0, op => op.Owner != zone.Owner && IsLive(op.State) && Agreement.Forbids(op.Kind, zone.Kind), operations);
        return operations;
    }

    /// <summary>Whether operations in this state take part in deconfliction.</summary>
    public static bool IsLive(OperationState state) => state is
        OperationState.Proposed or OperationState.Accepted or OperationState.AwaitingConcurrence or
        OperationState.Concurred or OperationState.Active;
}
