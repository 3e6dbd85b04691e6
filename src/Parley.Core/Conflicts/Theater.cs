using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Index;
using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>
/// The live zones and operations of one agreement, indexed, and the conflict rules applied to them.
/// </summary>
/// <remarks>
/// Two relations: <see cref="FindConflicts(Operation)"/> is exact (the offline checker, benchmarks); <see cref="FindConflictsFor"/>
/// is what the operation's owner may learn: exact for the zones it may see, and for the zones it may not see
/// decided on the disclosure grid's cells and time slots (<see cref="DisclosureGrid"/>), so that no sequence
/// of questions locates a hidden zone better than a cell. The latter is a superset of the former.
/// Pure and in memory: it decides, it does not store. Not thread-safe for writes: the caller serialises
/// changes (one writer per agreement); reads may run concurrently when no write does.
/// </remarks>
[Mutable("an agreement's live state: every committed write changes its zones, operations, requests and subscriptions in place, one writer at a time")]
public sealed class Theater(Agreement agreement)
{
    // One index per zone kind: a query visits only the kinds the agreement forbids to the operation, so the
    // rules prune before any geometry (a flight never looks at protected sites, only at restricted ones).
    private readonly SpatioTemporalIndex<Zone>[] _zonesByKind = [new(), new(), new()]; // replaced whole only by Load

    // Operations are mostly hours long and many may crowd one place over weeks: sliced by time, a check reads the
    // operations near its own window, not every one ever planned there.
    private readonly TimeSlicedIndex<Operation> _operations = new(OperationSlice, OperationsFinestLevel(agreement.Separation.LateralMetres));

    /// <summary>
    /// The finest grid level of the operation index: cells at least twice the lateral separation across. An airborne
    /// operation's query reaches that far around it, and over cells finer than its reach it would look up dozens of
    /// mostly empty cells at every level (with 5 NM, level 11's 0.18° cells rather than level 13's 0.04°: a quarter
    /// less CPU for the checks of a large batch, measured; docs/benchmarks.md).
    /// </summary>
    /// <remarks>Degrees of latitude; nearer the poles a degree of longitude is shorter, and a query spans more cells across.</remarks>
    internal static int OperationsFinestLevel(double lateralSeparationMetres) => Math.Min(
        SpatioTemporalIndex<Operation>.DefaultFinestLevel,
        SpatioTemporalIndex<Operation>.LevelCovering(Geodesy.LatitudeSpanCovering(2 * lateralSeparationMetres)));

    /// <summary>The time slice of the operation index: operations up to this long are filed by when they start.</summary>
    public static readonly TimeSpan OperationSlice = TimeSpan.FromHours(6);

    // Zones and operations are filed under their owner's group, so that a query skips the asking party's own
    // entries before reading anything of them.
    private readonly Dictionary<PartyId, int> _ownerGroups = [];

    // The zones one check collects on its way to the conflicts it returns, kept per thread (checks may run
    // concurrently when nothing writes) so that a check allocates only its result.
    [ThreadStatic]
    private static List<Zone>? t_zones;

    /// <summary>The concurrence requests of the agreement's operations.</summary>
    public Parley.Core.Conflicts.ConcurrenceBook Requests { get; } = new();

    /// <summary>The parties' subscriptions.</summary>
    public SubscriptionBook Subscriptions { get; } = new();

    /// <summary>The rules in force: the agreement version decisions apply, changed only by an amendment coming into force.</summary>
    public Agreement Agreement { get; private set; } = agreement;

    /// <summary>The agreement's amendments, in any state.</summary>
    public AmendmentBook Amendments { get; } = new();

    /// <summary>The incidents reported, with their replies, grades and silences.</summary>
    public IncidentBook Incidents { get; } = new();

    /// <summary>The disclosure grid at the agreement's resolution.</summary>
    public DisclosureGrid Grid { get; } = new(agreement.DisclosureResolutionMetres);

    /// <summary>Number of zones.</summary>
    public int ZoneCount => _zonesByKind.Sum(i => i.Count);

    /// <summary>Number of operations (in any state).</summary>
    public int OperationCount => _operations.Count;

    /// <summary>Every zone.</summary>
    public IEnumerable<Zone> Zones => _zonesByKind.SelectMany(i => i.Items);

    /// <summary>Every operation.</summary>
    public IEnumerable<Operation> Operations => _operations.Items;

    /// <summary>Adds to <paramref name="results"/> the zones whose volumes meet <paramref name="volume"/> and that <paramref name="accept"/> accepts, through the index.</summary>
    public void ZonesMeeting(Volume volume, Func<Zone, bool>? accept, List<Zone> results)
    {
        foreach (var index in _zonesByKind)
        {
            index.Query(volume, 0, 0, accept, results);
        }
    }

    /// <summary>Adds to <paramref name="results"/> the zones of <paramref name="kind"/> whose volumes meet <paramref name="volume"/> and that <paramref name="accept"/> accepts, through the index.</summary>
    public void ZonesMeeting(ZoneKind kind, Volume volume, Func<Zone, bool>? accept, List<Zone> results) =>
        _zonesByKind[(int)kind].Query(volume, 0, 0, accept, results);

    /// <summary>Adds to <paramref name="results"/> the operations whose volumes meet <paramref name="volume"/> and that <paramref name="accept"/> accepts, through the index.</summary>
    public void OperationsMeeting(Volume volume, Func<Operation, bool>? accept, List<Operation> results) =>
        _operations.Query(volume, 0, 0, accept, results);

    /// <summary>The zone with this id, if any.</summary>
    public Zone? FindZone(ZoneId id) =>
        _zonesByKind[0].Find(id.Value) ?? _zonesByKind[1].Find(id.Value) ?? _zonesByKind[2].Find(id.Value);

    /// <summary>The operation with this id, if any.</summary>
    public Operation? FindOperation(OperationId id) => _operations.Find(id.Value);

    /// <summary>Adds or replaces a zone.</summary>
    public void Upsert(Zone zone)
    {
        Remove(zone.Id); // its kind may have changed
        _zonesByKind[(int)zone.Kind].Upsert(zone.Id.Value, zone, zone.Volume, GroupFor(zone.Owner));
    }

    /// <summary>
    /// Adds many zones and operations at once: what <see cref="Upsert(Zone)"/> of each zone in turn, then
    /// <see cref="Upsert(Operation)"/> of each operation, would hold; in an empty theater, each index is loaded whole,
    /// in parallel (<see cref="SpatioTemporalIndex{T}.Load"/>).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // run once, on a million entries
    public void Load(IReadOnlyList<Zone> zones, IReadOnlyList<Operation> operations)
    {
        ArgumentNullException.ThrowIfNull(zones);
        ArgumentNullException.ThrowIfNull(operations);
        if (ZoneCount > 0 || OperationCount > 0)
        {
            foreach (var zone in zones)
            {
                Upsert(zone);
            }

            foreach (var operation in operations)
            {
                Upsert(operation);
            }

            return;
        }

        // What was made of the empty theater is made again from what it holds now.
        _days = null;
        _limits = null;

        // Owners get their groups in the order the upserts would give them.
        var counts = new int[3];
        foreach (var zone in zones)
        {
            counts[(int)zone.Kind]++;
        }

        // A million declarations come from a few parties: their groups are kept at hand, found by the very string
        // (a reader gives each party one) before the dictionary is asked.
        var known = new List<(string Owner, int Group)>();
        int Group(PartyId owner)
        {
            foreach (var (name, group) in known)
            {
                if (ReferenceEquals(name, owner.Value))
                {
                    return group;
                }
            }

            int found = GroupFor(owner);
            if (known.Count < 16 && owner.Value is not null)
            {
                known.Add((owner.Value, found));
            }

            return found;
        }

        var byKind = new List<IndexEntry<Zone>>[] { new(counts[0]), new(counts[1]), new(counts[2]) };
        foreach (var zone in zones)
        {
            byKind[(int)zone.Kind].Add(new IndexEntry<Zone>(zone.Id.Value, zone, zone.Volume, Group(zone.Owner)));
        }

        var ops = new List<IndexEntry<Operation>>(operations.Count);
        foreach (var operation in operations)
        {
            ops.Add(new IndexEntry<Operation>(operation.Id.Value, operation, operation.Volume, Group(operation.Owner)));
        }

        Parallel.Invoke(
            () => _zonesByKind[0].Load(byKind[0]),
            () => _zonesByKind[1].Load(byKind[1]),
            () => _zonesByKind[2].Load(byKind[2]),
            () => _operations.Load(ops));

        // Each kind kept the last of its own repeats; an id declared under two kinds belongs to the kind of its last
        // declaration only, as upserting one by one leaves it. Rare: then the zones are upserted one by one.
        if (IdInTwoKinds())
        {
            for (int k = 0; k < _zonesByKind.Length; k++)
            {
                _zonesByKind[k] = new SpatioTemporalIndex<Zone>();
            }

            foreach (var zone in zones)
            {
                Upsert(zone);
            }
        }
    }

    /// <summary>Whether a zone id is held by two kinds' indexes: each smaller index's ids are looked for in the larger, the pairs of kinds in parallel.</summary>
    private bool IdInTwoKinds()
    {
        var pairs = new List<(SpatioTemporalIndex<Zone> Small, SpatioTemporalIndex<Zone> Large)>();
        for (int a = 0; a < _zonesByKind.Length; a++)
        {
            for (int b = a + 1; b < _zonesByKind.Length; b++)
            {
                var (small, large) = _zonesByKind[a].Count <= _zonesByKind[b].Count ? (_zonesByKind[a], _zonesByKind[b]) : (_zonesByKind[b], _zonesByKind[a]);
                if (small.Count > 0)
                {
                    pairs.Add((small, large));
                }
            }
        }

        // Stopped at the first id found: the loop then did not complete.
        var search = Parallel.ForEach(pairs, (pair, state) =>
        {
            foreach (var zone in pair.Small.Items)
            {
                if (state.IsStopped)
                {
                    return;
                }

                if (pair.Large.Find(zone.Id.Value) is not null)
                {
                    state.Stop();
                    return;
                }
            }
        });
        return !search.IsCompleted;
    }

    /// <summary>Adds or replaces an operation.</summary>
    public void Upsert(Operation operation)
    {
        _days?.Move(_operations.Find(operation.Id.Value), operation);
        _limits?.File(operation);
        _operations.Upsert(operation.Id.Value, operation, operation.Volume, GroupFor(operation.Owner));
    }

    // The operations by owner and day of start, for daily limits: made on first use, then kept.
    private OperationDays? _days;

    // The counts of the daily limits of the agreement in force: made on first use, dropped when another version comes into force.
    private LimitCounts? _limits;

    /// <summary>The owner's operations (in any state) whose windows start on the UTC day <paramref name="day"/> (see <see cref="OperationDays.DayOf"/>).</summary>
    public IEnumerable<Operation> OperationsStartingOn(PartyId owner, long day) => Found(Days().On(owner, day));

    /// <summary>Those of <see cref="OperationsStartingOn"/> marked in breach of a term (<see cref="Operation.InBreach"/> not empty).</summary>
    public IEnumerable<Operation> MarkedOperationsStartingOn(PartyId owner, long day) => Found(Days().MarkedOn(owner, day));

    /// <summary>Whether any operation of the owner starting on the day is marked in breach of a term.</summary>
    internal bool AnyMarkedOn(PartyId owner, long day) => Days().MarkedOn(owner, day).Count > 0;

    private IEnumerable<Operation> Found(IReadOnlyCollection<OperationId> ids)
    {
        foreach (var id in ids)
        {
            if (_operations.Find(id.Value) is { } operation)
            {
                yield return operation;
            }
        }
    }

    // Checks may run concurrently when nothing writes: the first to ask builds it, one copy is kept.
    private OperationDays Days()
    {
        if (Volatile.Read(ref _days) is { } days)
        {
            return days;
        }

        var made = new OperationDays();
        foreach (var operation in _operations.Items)
        {
            made.Move(null, operation);
        }

        return Interlocked.CompareExchange(ref _days, made, null) ?? made;
    }

    /// <summary>
    /// The counts of the daily limits of <paramref name="agreement"/>, kept as operations change, when it is the version in
    /// force (else null: a version coming into force is decided by scanning).
    /// </summary>
    internal LimitCounts? LimitCountsFor(Agreement agreement)
    {
        if (!ReferenceEquals(agreement, Agreement))
        {
            return null;
        }

        // Checks may run concurrently when nothing writes: the first to ask builds it, one copy is kept.
        var counts = Volatile.Read(ref _limits);
        if (counts is null)
        {
            var made = new LimitCounts(Agreement, _operations.Items);
            counts = Interlocked.CompareExchange(ref _limits, made, null) ?? made;
        }

        return ReferenceEquals(counts.Agreement, agreement) ? counts : null;
    }

    /// <summary>The owner's group in the indexes, given on first use.</summary>
    private int GroupFor(PartyId owner)
    {
        ref int group = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_ownerGroups, owner, out bool exists);
        if (!exists)
        {
            group = _ownerGroups.Count - 1;
        }

        return group;
    }

    /// <summary>The owner's group, or none when it owns nothing here yet.</summary>
    private int GroupOf(PartyId owner) => _ownerGroups.TryGetValue(owner, out int group) ? group : SpatioTemporalIndex<Zone>.NoGroup;

    /// <summary>Removes a zone; false when absent.</summary>
    public bool Remove(ZoneId id) =>
        _zonesByKind[0].Remove(id.Value) | _zonesByKind[1].Remove(id.Value) | _zonesByKind[2].Remove(id.Value);

    /// <summary>
    /// Applies a committed change: amendments (one coming into force makes the agreement version it amends into the next),
    /// then zone withdrawals, zones, operations, requests and subscriptions.
    /// </summary>
    public void Apply(Parley.Core.Model.StateChange changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var amendment in changes.Amendments)
        {
            bool comesIntoForce = amendment.State == AmendmentState.InForce && Amendments.Find(amendment.Id)?.State != AmendmentState.InForce;
            Amendments.Upsert(amendment);
            if (comesIntoForce)
            {
                Agreement = Features.AmendmentReader.Apply(Agreement, amendment);
                _limits = null; // counted under the terms of the version before
            }
        }

        foreach (var zone in changes.WithdrawnZones)
        {
            Remove(zone);
        }

        foreach (var zone in changes.Zones)
        {
            Upsert(zone);
        }

        foreach (var operation in changes.Operations)
        {
            Upsert(operation);
        }

        foreach (var request in changes.Requests)
        {
            Requests.Upsert(request);
        }

        foreach (var subscription in changes.DeletedSubscriptions)
        {
            Subscriptions.Remove(subscription);
        }

        foreach (var subscription in changes.Subscriptions)
        {
            Subscriptions.Upsert(subscription);
        }

        foreach (var incident in changes.Incidents)
        {
            Incidents.Upsert(incident);
        }
    }

    /// <summary>Removes an operation; false when absent.</summary>
    public bool Remove(OperationId id)
    {
        if (_days is not null && _operations.Find(id.Value) is { } operation)
        {
            _days.Remove(operation);
        }

        _limits?.Remove(id);

        return _operations.Remove(id.Value);
    }

    /// <summary>
    /// Every conflict of <paramref name="operation"/> with the zones and the live operations held here, on
    /// the exact volumes (the operation itself, under its id, is ignored). For the offline checker and the
    /// center; what a party is answered is <see cref="FindConflictsFor"/>.
    /// </summary>
    public List<Conflict> FindConflicts(Operation operation) => FindConflicts(operation, null);

    /// <summary>
    /// As <see cref="FindConflicts(Operation)"/>, with the other operations limited to those <paramref name="others"/>
    /// accepts (tested before their geometry): the offline check asks each operation only for the later ones.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal List<Conflict> FindConflicts(Operation operation, Func<Operation, bool>? others)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var zones = t_zones ??= [];
        try
        {
            CollectZonesAffectedBy(operation, zones);
            var conflicts = new List<Conflict>(zones.Count);
            foreach (var zone in zones)
            {
                conflicts.Add(Conflict.WithZone(operation, zone));
            }

            AddSeparationConflicts(operation, conflicts, others);
            return conflicts;
        }
        finally
        {
            zones.Clear(); // hold no zone past the check
        }
    }

    /// <summary>
    /// Every conflict of <paramref name="operation"/> under the relation its owner may learn: zones it may see
    /// (public, or shared with it) conflict exactly; a zone it may not see conflicts when the agreement forbids
    /// the kinds and the two share a disclosure cell and a disclosure time slot, whatever the altitudes (each
    /// such conflict records in <see cref="Conflict.Exact"/> whether the exact volumes overlap). Separation
    /// conflicts with other operations stay exact. A superset of <see cref="FindConflicts(Operation)"/>.
    /// </summary>
    /// <remarks>Zones it may see come first, in index order; then hidden zones by id; then operations.</remarks>
    public List<Conflict> FindConflictsFor(Operation operation)
    {
        var conflicts = new List<Conflict>();
        HashSet<ZoneId>? exactHidden = null;
        foreach (var zone in ZonesAffectedBy(operation))
        {
            if (zone.IsVisibleTo(operation.Owner))
            {
                conflicts.Add(Conflict.WithZone(operation, zone));
            }
            else
            {
                (exactHidden ??= []).Add(zone.Id);
            }
        }

        foreach (var zone in HiddenZonesMeeting(operation))
        {
            conflicts.Add(Conflict.WithZone(operation, zone, exactHidden?.Contains(zone.Id) == true));
        }

        AddSeparationConflicts(operation, conflicts);
        return conflicts;
    }

    /// <summary>
    /// The zones of other parties, hidden from the operation's owner, of a kind the agreement forbids to the
    /// operation, that share a disclosure cell and slot with it; by id.
    /// </summary>
    public List<Zone> HiddenZonesMeeting(Operation operation)
    {
        var window = DisclosureSlots.Widen(operation.Volume.Time, Agreement.DisclosureTimeResolution);
        var candidates = new List<Zone>();
        int own = GroupOf(operation.Owner);
        Func<Zone, bool> hidden = zone => zone.Owner != operation.Owner && !zone.IsVisibleTo(operation.Owner);
        foreach (var rectangle in Grid.Region(operation.Volume.Footprint))
        {
            var query = new Volume(rectangle, AnyAltitude, window);
            foreach (var kind in ZoneKindsInIndexOrder)
            {
                if (Agreement.Forbids(operation.Kind, kind))
                {
                    _zonesByKind[(int)kind].Query(query, 0, 0, own, hidden, candidates);
                }
            }
        }

        return [.. candidates.DistinctBy(z => z.Id)
            .Where(z => Grid.ShareCell(operation.Volume.Footprint, z.Volume.Footprint))
            .OrderBy(z => z.Id.Value, StringComparer.Ordinal)];
    }

    private static readonly AltitudeBand AnyAltitude = new(double.NegativeInfinity, double.PositiveInfinity);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AddSeparationConflicts(Operation operation, List<Conflict> conflicts, Func<Operation, bool>? only = null)
    {
        if (Agreement.IsAirborne(operation.Kind))
        {
            // The owner's group is skipped (the "other party" rule); the filter is made once per theater, so a check
            // allocates no closure, and the operation itself (filed under its id when it is modified) is left out here.
            var others = new List<Operation>();
            var sep = Agreement.Separation;
            var separable = _separable ??= IsSeparable;
            _operations.Query(operation.Volume, sep.LateralMetres, sep.VerticalMetres, GroupOf(operation.Owner),
                only is null ? separable : other => separable(other) && only(other), others);
            foreach (var other in others)
            {
                if (other.Id != operation.Id)
                {
                    conflicts.Add(Conflict.WithOperation(operation, other));
                }
            }
        }
    }

    private Func<Operation, bool>? _separable;

    private bool IsSeparable(Operation other) => IsLive(other.State) && Agreement.IsAirborne(other.Kind);

    /// <summary>The zones of other parties that the agreement forbids <paramref name="operation"/> to touch and that it touches.</summary>
    public List<Zone> ZonesAffectedBy(Operation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var zones = new List<Zone>();
        CollectZonesAffectedBy(operation, zones);
        return zones;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void CollectZonesAffectedBy(Operation operation, List<Zone> zones)
    {
        // The owner's group holds exactly its own zones: skipping it is the "other party" rule.
        int own = GroupOf(operation.Owner);
        foreach (var kind in ZoneKindsInIndexOrder)
        {
            if (Agreement.Forbids(operation.Kind, kind))
            {
                _zonesByKind[(int)kind].Query(operation.Volume, 0, 0, own, null, zones);
            }
        }
    }

    /// <summary>The live operations of other parties that a new or changed zone touches (they need concurrence again).</summary>
    public List<Operation> OperationsAffectedBy(Zone zone)
    {
        var operations = new List<Operation>();
        _operations.Query(zone.Volume, 0, 0, GroupOf(zone.Owner), op => IsLive(op.State) && Agreement.Forbids(op.Kind, zone.Kind), operations);
        return operations;
    }

    /// <summary>
    /// The live operations of other parties that a new or changed zone conflicts with, each under the relation
    /// its owner would see (<see cref="FindConflictsFor"/>): exact where the owner may see the zone, on
    /// disclosure cells and slots where it may not.
    /// </summary>
    public List<Operation> OperationsConcernedBy(Zone zone)
    {
        var operations = new List<Operation>();
        int own = GroupOf(zone.Owner);
        _operations.Query(zone.Volume, 0, 0, own,
            op => IsLive(op.State) && Agreement.Forbids(op.Kind, zone.Kind) && zone.IsVisibleTo(op.Owner), operations);

        var window = DisclosureSlots.Widen(zone.Volume.Time, Agreement.DisclosureTimeResolution);
        var candidates = new List<Operation>();
        foreach (var rectangle in Grid.Region(zone.Volume.Footprint))
        {
            _operations.Query(new Volume(rectangle, AnyAltitude, window), 0, 0, own,
                op => IsLive(op.State) && Agreement.Forbids(op.Kind, zone.Kind) && !zone.IsVisibleTo(op.Owner), candidates);
        }

        operations.AddRange(candidates.DistinctBy(op => op.Id).Where(op => Grid.ShareCell(op.Volume.Footprint, zone.Volume.Footprint)));
        return operations;
    }

    private static readonly ZoneKind[] ZoneKindsInIndexOrder = [ZoneKind.Protected, ZoneKind.Restricted, ZoneKind.Designated];

    /// <summary>Whether operations in this state take part in deconfliction.</summary>
    public static bool IsLive(OperationState state) => state is
        OperationState.Proposed or OperationState.Accepted or OperationState.AwaitingConcurrence or
        OperationState.Concurred or OperationState.Active;
}
