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
[Mutable("holds the theater it indexes for one batch check, a theater of its own that no one else sees or changes")]
public sealed class OfflineCheck
{
    private readonly Theater _theater;
    private readonly Operation[] _operations;
    private readonly Dictionary<string, int> _zonePosition;
    private readonly Dictionary<Operation, int> _position;

    private OfflineCheck(Theater theater, Operation[] operations, Dictionary<string, int> zonePosition, Dictionary<Operation, int> position)
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
        // Each operation's place, found by the operation itself (the index holds these very objects).
        var position = new Dictionary<Operation, int>(operations.Count, ReferenceEqualityComparer.Instance);
        var proposed = new Operation[operations.Count];
        for (int i = 0; i < operations.Count; i++)
        {
            proposed[i] = operations[i].State == OperationState.Proposed ? operations[i] : operations[i] with { State = OperationState.Proposed };
            position[proposed[i]] = i;
        }

        // The zones' places (for the order of the output) are noted while the indexes load.
        var theater = new Theater(agreement);
        var zonePosition = new Dictionary<string, int>(zones.Count, StringComparer.Ordinal);
        Parallel.Invoke(
            () => theater.Load(zones, proposed),
            () =>
            {
                for (int z = 0; z < zones.Count; z++)
                {
                    zonePosition[zones[z].Id.Value] = z;
                }
            });
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
        var found = new CheckedConflict[]?[proposed.Length];
        int done = 0;
        Parallel.For(0, proposed.Length, new ParallelOptions { CancellationToken = cancellationToken }, () => 0, (i, _, local) =>
        {
            var op = proposed[i];
            List<(long Order, CheckedConflict Conflict)>? mine = null;
            // Each pair of operations once, from the earlier: the later ones are told by their place, before their geometry.
            foreach (var conflict in theater.FindConflicts(op, other => position[other] > i))
            {
                // Zones in input order, then the later operations in input order: the same input gives the same output.
                if (conflict.Zone is { } zone)
                {
                    (mine ??= []).Add((zonePosition[zone.Id.Value], new CheckedConflict(op.Id.Value, zone.Id.Value, null)));
                }
                else if (conflict.OtherOperation is { } later && position[later] is int other && other > i)
                {
                    (mine ??= []).Add(((1L << 32) + other, new CheckedConflict(op.Id.Value, null, later.Id.Value)));
                }
            }

            if (mine is not null)
            {
                mine.Sort((a, b) => a.Order.CompareTo(b.Order));
                var sorted = new CheckedConflict[mine.Count];
                for (int k = 0; k < sorted.Length; k++)
                {
                    sorted[k] = mine[k].Conflict;
                }

                found[i] = sorted;
            }

            if (++local == 256)
            {
                progress?.Report(Interlocked.Add(ref done, local));
                local = 0;
            }

            return local;
        }, local => progress?.Report(Interlocked.Add(ref done, local)));

        int total = 0;
        foreach (var list in found)
        {
            total += list?.Length ?? 0;
        }

        var result = new List<CheckedConflict>(total);
        foreach (var list in found)
        {
            if (list is not null)
            {
                result.AddRange(list);
            }
        }

        return result;
    }
}
