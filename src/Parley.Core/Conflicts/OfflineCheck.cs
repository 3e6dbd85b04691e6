using Parley.Core.Agreements;
using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>One conflict found by the offline check: an operation against a zone, or two operations.</summary>
/// <param name="Operation">The operation (for two operations, the one earlier in the input).</param>
/// <param name="Zone">The zone, for an operation–zone conflict.</param>
/// <param name="Operation2">The later operation, for an operation–operation conflict.</param>
public sealed record CheckedConflict(string Operation, string? Zone, string? Operation2);

/// <summary>
/// Checks a batch of operations against a batch of zones and against each other, with no store and no
/// server: every pair is reported once; operations in input order, each with its zones in input order,
/// then the later operations it conflicts with.
/// </summary>
/// <remarks>The indexes are loaded whole (<see cref="Theater.Load"/>), then only read: queries run in parallel over the operations.</remarks>
public sealed class OfflineCheck
{
    private readonly Theater _theater;
    private readonly Operation[] _operations;
    private readonly Dictionary<ZoneId, int> _zonePosition;
    private readonly Dictionary<OperationId, int> _position;

    private OfflineCheck(Theater theater, Operation[] operations, Dictionary<ZoneId, int> zonePosition, Dictionary<OperationId, int> position)
    {
        _theater = theater;
        _operations = operations;
        _zonePosition = zonePosition;
        _position = position;
    }

    /// <summary>Indexes the zones and the operations (all as proposed) for <see cref="Run(IProgress{int}?, CancellationToken)"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // run once, on a million entries
    public static OfflineCheck Prepare(Agreement agreement, IReadOnlyList<Zone> zones, IReadOnlyList<Operation> operations)
    {
        ArgumentNullException.ThrowIfNull(zones);
        ArgumentNullException.ThrowIfNull(operations);
        var zonePosition = new Dictionary<ZoneId, int>(zones.Count);
        for (int z = 0; z < zones.Count; z++)
        {
            zonePosition[zones[z].Id] = z;
        }

        var position = new Dictionary<OperationId, int>(operations.Count);
        var proposed = new Operation[operations.Count];
        for (int i = 0; i < operations.Count; i++)
        {
            proposed[i] = operations[i].State == OperationState.Proposed ? operations[i] : operations[i] with { State = OperationState.Proposed };
            position[proposed[i].Id] = i;
        }

        var theater = new Theater(agreement);
        theater.Load(zones, proposed);
        return new OfflineCheck(theater, proposed, zonePosition, position);
    }

    /// <summary>Indexes, then runs the check; <paramref name="progress"/> receives the number of operations done so far.</summary>
    public static IReadOnlyList<CheckedConflict> Run(
        Agreement agreement, IReadOnlyList<Zone> zones, IReadOnlyList<Operation> operations,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        Prepare(agreement, zones, operations).Run(progress, cancellationToken);

    /// <summary>Runs the check; <paramref name="progress"/> receives the number of operations done so far.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // run once, on a million entries
    public IReadOnlyList<CheckedConflict> Run(IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        // Locals, for the closures below.
        var theater = _theater;
        var proposed = _operations;
        var position = _position;
        var zonePosition = _zonePosition;
        var found = new List<CheckedConflict>?[proposed.Length];
        int done = 0;
        Parallel.For(0, proposed.Length, new ParallelOptions { CancellationToken = cancellationToken }, () => 0, (i, _, local) =>
        {
            var op = proposed[i];
            List<CheckedConflict>? mine = null;
            foreach (var conflict in theater.FindConflicts(op))
            {
                if (conflict.Zone is { } zone)
                {
                    (mine ??= []).Add(new CheckedConflict(op.Id.Value, zone.Id.Value, null));
                }
                else if (position[conflict.OtherOperation!.Id] > i)
                {
                    // Each pair once: reported by the earlier operation.
                    (mine ??= []).Add(new CheckedConflict(op.Id.Value, null, conflict.OtherOperation.Id.Value));
                }
            }

            found[i] = mine;
            if (++local == 256)
            {
                progress?.Report(Interlocked.Add(ref done, local));
                local = 0;
            }

            return local;
        }, local => progress?.Report(Interlocked.Add(ref done, local)));

        var result = new List<CheckedConflict>();
        foreach (var list in found)
        {
            if (list is not null)
            {
                // Zones in input order, then the later operations in input order: the same input gives the same output.
                result.AddRange(list.OrderBy(c => c.Zone is null ? 1 : 0)
                    .ThenBy(c => c.Zone is null ? position[new OperationId(c.Operation2!)] : zonePosition[new ZoneId(c.Zone)]));
            }
        }

        return result;
    }
}
