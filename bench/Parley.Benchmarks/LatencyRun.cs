using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Index;
using Parley.Core.Model;

namespace Parley.Benchmarks;

/// <summary>
/// <c>latency</c>: builds the theater at each size and times every conflict check on its own, so that the
/// percentiles are over different operations (BenchmarkDotNet reports the mean of repeated batches).
/// </summary>
public static class LatencyRun
{
    public static int Run(IReadOnlyList<int> sizes, int checks, int seed, bool wholeCheck)
    {
        Console.WriteLine($"# latency — {Machine.Describe()}");
        Console.WriteLine($"# seed {seed}, {checks:N0} checks per size, one thread unless stated");
        var generator = new TheaterGenerator(seed);
        Console.Error.WriteLine($"generating {sizes.Max():N0} zones and {checks:N0} operations");
        var zones = generator.Zones(sizes.Max()).ToArray();
        var operations = generator.Operations(checks).ToArray();

        Console.WriteLine();
        Console.WriteLine("| zones | build (s) | build per zone (µs) | check p50 (µs) | p90 | p99 | p99.9 | max | mean | checks/s (1 thread) | checks/s (2 threads) | alloc/check (B) | conflicts/check | coarse candidates/check | coarse filter p50 / p99 / mean (µs) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Theater? theater = null;
        var levels = new System.Text.StringBuilder("grid levels in use (level: cell size, entries, occupied cells):");
        foreach (int size in sizes)
        {
            theater = null;
            Machine.Collect();
            var (built, buildSeconds) = Build(zones, size);
            theater = built;
            var row = Measure(theater, operations, size);
            var coarse = Coarse(zones, size, operations, levels);
            Console.WriteLine($"| {size:N0} | {buildSeconds:F2} | {buildSeconds * 1e6 / size:F2} | {row.Latency.P50:F1} | {row.Latency.P90:F1} | {row.Latency.P99:F1} | {row.Latency.P999:F1} | {row.Latency.Max:F0} | {row.Latency.Mean:F1} | " +
                              $"{row.Latency.Throughput(operations.Length):N0} | {row.ParallelThroughput:N0} | {row.AllocatedPerCheck:N0} | {row.ConflictsPerCheck:F2} | {coarse.PerCheck:F1} | {coarse.Latency.P50:F1} / {coarse.Latency.P99:F1} / {coarse.Latency.Mean:F1} |");
        }

        Console.WriteLine();
        Console.WriteLine($"load average at the end: {Machine.LoadAverage()}");
        Console.WriteLine(levels);
        if (wholeCheck && theater is not null)
        {
            WholeCheck(theater, operations);
        }

        return 0;
    }

    public static (Theater Theater, double Seconds) Build(Zone[] zones, int size)
    {
        var theater = new Theater(Agreement.Default());
        var progress = new Progress($"indexing {size:N0} zones", size);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < size; i++)
        {
            theater.Upsert(zones[i]);
            if ((i & 0xFFFF) == 0)
            {
                progress.Report(i);
            }
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        progress.Done();
        return (theater, seconds);
    }

    /// <summary>The slowest checks of the last <see cref="TimeChecks"/> call, for the report.</summary>
    public static (Operation Operation, double Micros)[] Slowest { get; private set; } = [];

    private sealed record Row(LatencySummary Latency, double ParallelThroughput, double AllocatedPerCheck, double ConflictsPerCheck);

    /// <summary>Times each check; warms up on the first 2 % of the operations first.</summary>
    public static LatencySummary TimeChecks(Theater theater, Operation[] operations, out long conflicts, out long allocated)
    {
        // Warm up, then give the tiered JIT time to install optimised code before timing.
        var warmup = operations.AsSpan(0, Math.Min(operations.Length, Math.Max(1_000, operations.Length / 50)));
        for (int round = 0; round < 2; round++)
        {
            foreach (var op in warmup)
            {
                theater.FindConflicts(op);
            }

            Thread.Sleep(500);
        }

        var sample = new LatencySample(operations.Length);
        var progress = new Progress("timing checks", operations.Length);
        conflicts = 0;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < operations.Length; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            var found = theater.FindConflicts(operations[i]);
            long t1 = Stopwatch.GetTimestamp();
            sample.Add(t1 - t0);
            conflicts += found.Count;
            if ((i & 0x3FFF) == 0)
            {
                progress.Report(i);
            }
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        progress.Done();
        Slowest = sample.Slowest(5).Select(x => (operations[x.Index], x.Micros)).ToArray();
        return sample.Summarise();
    }

    private static Row Measure(Theater theater, Operation[] operations, int size)
    {
        Console.Error.WriteLine($"{size:N0} zones: timing {operations.Length:N0} checks");
        var latency = TimeChecks(theater, operations, out long conflicts, out long allocated);

        // Reads are safe concurrently while nothing writes: throughput on every core.
        long start = Stopwatch.GetTimestamp();
        Parallel.For(0, operations.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => theater.FindConflicts(operations[i]));
        double parallel = operations.Length / Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new Row(latency, parallel, (double)allocated / operations.Length, (double)conflicts / operations.Length);
    }

    private sealed record CoarseRow(LatencySummary Latency, double PerCheck);

    /// <summary>The coarse grid filter alone (covering boxes meet), on a bare index of the same zones.</summary>
    private static CoarseRow Coarse(Zone[] zones, int size, Operation[] operations, System.Text.StringBuilder levels)
    {
        var index = new SpatioTemporalIndex<Zone>();
        for (int i = 0; i < size; i++)
        {
            index.Upsert(zones[i].Id.Value, zones[i], zones[i].Volume);
        }

        levels.Append(CultureInfo.InvariantCulture, $"\n- {size:N0} zones: ").Append(DescribeLevels(index));
        levels.Append("\n  slowest checks: ").AppendJoin("; ", Slowest.Select(s =>
        {
            var f = s.Operation.Volume.Footprint;
            int candidates = index.CoarseCandidates(f.CoveringBoxes()).Count;
            return $"{s.Micros:F0} µs {s.Operation.Id} {s.Operation.Kind} {f.Kind} {f.Bounds.MaxX - f.Bounds.MinX:F3}°×{f.Bounds.MaxY - f.Bounds.MinY:F3}° buffer {f.BufferMetres} m, {candidates} candidates";
        }));

        int n = Math.Min(operations.Length, 20_000);
        var sample = new LatencySample(n);
        long candidates = 0;
        for (int i = 0; i < n; i++)
        {
            var box = operations[i].Volume.Footprint.CoveringBoxes();
            long t0 = Stopwatch.GetTimestamp();
            var found = index.CoarseCandidates(box);
            sample.Add(Stopwatch.GetTimestamp() - t0);
            candidates += found.Count;
        }

        return new CoarseRow(sample.Summarise(), (double)candidates / n);
    }

    /// <summary>How the entries spread over the grid levels.</summary>
    private static string DescribeLevels(SpatioTemporalIndex<Zone> index) =>
        string.Join("; ", index.LevelStatistics().Select(l =>
            string.Create(CultureInfo.InvariantCulture, $"L{l.Level} ({l.CellDegrees:G3}° ≈ {l.CellDegrees * 111.32:G3} km): {l.Entries:N0} entries, {l.Cells:N0} cells")));

    /// <summary>
    /// The in-process core of <c>parley check</c>: every operation against the zones and against each other,
    /// on every core (no GeoJSON parsing, no output).
    /// </summary>
    private static void WholeCheck(Theater theater, Operation[] operations)
    {
        Console.Error.WriteLine($"whole check: {operations.Length:N0} operations against {theater.ZoneCount:N0} zones and each other");
        long start = Stopwatch.GetTimestamp();
        foreach (var op in operations)
        {
            theater.Upsert(op);
        }

        double indexSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        long zoneConflicts = 0, operationConflicts = 0;
        long checkStart = Stopwatch.GetTimestamp();
        Parallel.For(0, operations.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => (Zones: 0L, Ops: 0L),
            (i, _, acc) =>
            {
                foreach (var c in theater.FindConflicts(operations[i]))
                {
                    if (c.Zone is not null)
                    {
                        acc.Zones++;
                    }
                    else
                    {
                        acc.Ops++;
                    }
                }

                return acc;
            },
            acc =>
            {
                Interlocked.Add(ref zoneConflicts, acc.Zones);
                Interlocked.Add(ref operationConflicts, acc.Ops);
            });
        double checkSeconds = Stopwatch.GetElapsedTime(checkStart).TotalSeconds;
        Console.WriteLine();
        Console.WriteLine("| whole check (in process) | operations | index operations (s) | check all (s), all cores | operation–zone conflicts | operation–operation conflicts (each pair seen from both sides) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {theater.ZoneCount:N0} zones | {operations.Length:N0} | {indexSeconds:F2} | {checkSeconds:F2} | {zoneConflicts:N0} | {operationConflicts:N0} |");
    }
}
