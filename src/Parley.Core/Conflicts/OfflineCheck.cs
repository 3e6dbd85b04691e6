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
/// <remarks>Queries run in parallel over the operations; the index is built first and only read after.</remarks>
public static class OfflineCheck
{
    /// <summary>Runs the check; <paramref name="progress"/> receives the number of operations done so far.</summary>
    public static IReadOnlyList<CheckedConflict> Run(
        Agreement agreement, IReadOnlyList<Zone> zones, IReadOnlyList<Operation> operations,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var theater = new Theater(agreement);
        var zonePosition = new Dictionary<ZoneId, int>(zones.Count);
        for (int z = 0; z < zones.Count; z++)
        {
            theater.Upsert(zones[z]);
            zonePosition[zones[z].Id] = z;
        }

        var position = new Dictionary<OperationId, int>(operations.Count);
        for (int i = 0; i < operations.Count; i++)
        {
            var op = operations[i] with { State = OperationState.Proposed };
            position[op.Id] = i;
            theater.Upsert(op);
        }

        var found = new List<CheckedConflict>?[operations.Count];
        int done = 0;
        Parallel.For(0, operations.Count, new ParallelOptions { CancellationToken = cancellationToken }, () => 0, (i, _, local) =>
        {
            var op = operations[i] with { State = OperationState.Proposed };
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
