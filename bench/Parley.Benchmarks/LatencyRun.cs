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
        Console.WriteLine("| zones | build (s) | build per zone (µs) | check p50 (µs) | p90 | p99 | p99.9 | max | mean | checks/s (1 thread) | checks/s (2 threads) | alloc/check (B) | GCs while timing gen0 / 1 / 2 (pause) | conflicts/check | coarse candidates/check | coarse filter p50 / p99 / mean (µs) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Theater? theater = null;
        var breakdown = new List<string>();
        var levels = new System.Text.StringBuilder("grid levels in use (level: cell size, entries, occupied cells):");
        foreach (int size in sizes)
        {
            theater = null;
            Machine.Collect();
            var (built, buildSeconds) = Build(zones, size);
            theater = built;
            var row = Measure(theater, operations, size);
            var coarse = Coarse(zones, size, operations, levels);
            breakdown.AddRange(Breakdown(size, row, CandidateCounts(zones, size, operations, theater.Agreement)));
            Console.WriteLine($"| {size:N0} | {buildSeconds:F2} | {buildSeconds * 1e6 / size:F2} | {row.Latency.P50:F1} | {row.Latency.P90:F1} | {row.Latency.P99:F1} | {row.Latency.P999:F1} | {row.Latency.Max:F0} | {row.Latency.Mean:F1} | " +
                              $"{row.Latency.Throughput(operations.Length):N0} | {row.ParallelThroughput:N0} | {row.AllocatedPerCheck:N0} | {row.Collections} | {row.ConflictsPerCheck:F2} | {coarse.PerCheck:F1} | {coarse.Latency.P50:F1} / {coarse.Latency.P99:F1} / {coarse.Latency.Mean:F1} |");
        }

        Console.WriteLine();
        Console.WriteLine("Per-check latency by result size (conflicts found). Coarse candidates: zones whose covering boxes meet the operation's, " +
                          "in the zone kinds the rules forbid to it (the indexes the check visits), and the time of that coarse filter alone on bare per-kind indexes; exact tests: those of them that also pass time, " +
                          "altitude, corridor legs and owner, i.e. that reach the exact geometry.");
        Console.WriteLine();
        Console.WriteLine("| zones | conflicts per check | share of checks | check p50 (µs) | p99 | mean | share of total check time | share of the slowest 1 % | coarse candidates p50 / p99 | coarse filter alone p50 / p99 (µs) | exact tests p50 / p99 | conflicts p50 / p99 |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var line in breakdown)
        {
            Console.WriteLine(line);
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

    /// <summary>Garbage collections (gen0 / gen1 / gen2, and their total pause) during the last <see cref="TimeChecks"/> call's timed checks.</summary>
    public static string Collections { get; private set; } = "";

    /// <summary>The slowest checks of the last <see cref="TimeChecks"/> call, for the report.</summary>
    public static (Operation Operation, double Micros)[] Slowest { get; private set; } = [];

    private sealed record Row(LatencySummary Latency, double ParallelThroughput, double AllocatedPerCheck, string Collections, double ConflictsPerCheck, LatencySample Sample, int[] ConflictsByCheck);

    /// <summary>Times each check; warms up on the first 2 % of the operations first.</summary>
    public static LatencySummary TimeChecks(Theater theater, Operation[] operations, out long conflicts, out long allocated) =>
        TimeChecks(theater, operations, out conflicts, out allocated, null, out _);

    /// <summary>As above; also records each check's conflict count in <paramref name="conflictsByCheck"/> and returns the raw sample.</summary>
    public static LatencySummary TimeChecks(Theater theater, Operation[] operations, out long conflicts, out long allocated, int[]? conflictsByCheck, out LatencySample raw)
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
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var pause = GC.GetTotalPauseDuration();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < operations.Length; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            var found = theater.FindConflicts(operations[i]);
            long t1 = Stopwatch.GetTimestamp();
            sample.Add(t1 - t0);
            conflicts += found.Count;
            if (conflictsByCheck is not null)
            {
                conflictsByCheck[i] = found.Count;
            }

            if ((i & 0x3FFF) == 0)
            {
                progress.Report(i);
            }
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Collections = $"{GC.CollectionCount(0) - gen0} / {GC.CollectionCount(1) - gen1} / {GC.CollectionCount(2) - gen2} ({(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F1} ms)";
        progress.Done();
        Slowest = sample.Slowest(5).Select(x => (operations[x.Index], x.Micros)).ToArray();
        raw = sample;
        return sample.Summarise();
    }

    private static Row Measure(Theater theater, Operation[] operations, int size)
    {
        Console.Error.WriteLine($"{size:N0} zones: timing {operations.Length:N0} checks");
        var conflictsByCheck = new int[operations.Length];
        var latency = TimeChecks(theater, operations, out long conflicts, out long allocated, conflictsByCheck, out var sample);
        string collections = Collections;

        // Reads are safe concurrently while nothing writes: throughput on every core.
        long start = Stopwatch.GetTimestamp();
        Parallel.For(0, operations.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => theater.FindConflicts(operations[i]));
        double parallel = operations.Length / Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new Row(latency, parallel, (double)allocated / operations.Length, collections, (double)conflicts / operations.Length, sample, conflictsByCheck);
    }

    private sealed record CandidateRow(int[] Coarse, int[] Exact, LatencySample CoarseTime);

    /// <summary>
    /// For every operation, the zones the check has to look at: coarse candidates (covering boxes meet) in the kinds the
    /// agreement forbids to the operation, and of those the ones that pass time, altitude, corridor legs and owner as
    /// <c>SpatioTemporalIndex.Query</c> does, so reach the exact geometry. Counted on bare per-kind indexes; the coarse
    /// filter over the forbidden kinds is also timed alone, one operation at a time.
    /// </summary>
    private static CandidateRow CandidateCounts(Zone[] zones, int size, Operation[] operations, Agreement agreement)
    {
        Console.Error.WriteLine($"{size:N0} zones: counting candidates of {operations.Length:N0} checks");
        var byKind = new[] { new SpatioTemporalIndex<Zone>(), new SpatioTemporalIndex<Zone>(), new SpatioTemporalIndex<Zone>() };
        for (int i = 0; i < size; i++)
        {
            byKind[(int)zones[i].Kind].Upsert(zones[i].Id.Value, zones[i], zones[i].Volume);
        }

        var coarse = new int[operations.Length];
        var exact = new int[operations.Length];
        var coarseTime = new LatencySample(operations.Length);
        var kinds = new[] { ZoneKind.Protected, ZoneKind.Restricted, ZoneKind.Designated };
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < Math.Min(operations.Length, 2_000); i++)
            {
                byKind[i % 3].CoarseCandidates(operations[i].Volume.Footprint.CoveringBoxes());
            }
        }

        for (int i = 0; i < operations.Length; i++)
        {
            var op = operations[i];
            var found = new List<Zone>();
            long t0 = Stopwatch.GetTimestamp();
            foreach (var kind in kinds)
            {
                if (agreement.Forbids(op.Kind, kind))
                {
                    found.AddRange(byKind[(int)kind].CoarseCandidates(op.Volume.Footprint.CoveringBoxes()));
                }
            }

            coarseTime.Add(Stopwatch.GetTimestamp() - t0);
        }

        Parallel.For(0, operations.Length, i =>
        {
            var op = operations[i];
            var box = op.Volume.Footprint.CoveringBoxes();
            var legs = op.Volume.Footprint.Kind == Parley.Core.Geometry.ShapeKind.Line ? LegBoxes(op.Volume.Footprint) : null;
            long start = op.Volume.Time.StartTicks, end = op.Volume.Time.EndTicks;
            foreach (var kind in kinds)
            {
                if (!agreement.Forbids(op.Kind, kind))
                {
                    continue;
                }

                foreach (var zone in byKind[(int)kind].CoarseCandidates(box))
                {
                    coarse[i]++;
                    var v = zone.Volume;
                    if (v.Time.StartTicks < end && start < v.Time.EndTicks &&
                        v.Altitude.MinMetres <= op.Volume.Altitude.MaxMetres && op.Volume.Altitude.MinMetres <= v.Altitude.MaxMetres &&
                        (legs is null || legs.Any(l => l.Intersects(v.Footprint.CoveringBoxes()))) &&
                        zone.Owner != op.Owner)
                    {
                        exact[i]++;
                    }
                }
            }
        });

        return new CandidateRow(coarse, exact, coarseTime);
    }

    /// <summary>The boxes of a corridor's legs (pairs of segments), as <c>SpatioTemporalIndex.Query</c> builds them.</summary>
    private static List<Parley.Core.Geometry.GeoBoxPair> LegBoxes(Parley.Core.Geometry.Shape line)
    {
        var legs = new List<Parley.Core.Geometry.GeoBoxPair>();
        foreach (var path in line.Paths)
        {
            for (int i = 0; i + 3 < path.Length || (i == 0 && path.Length == 2); i += 2)
            {
                int j = Math.Min(i + 2, path.Length - 2);
                var box = new Parley.Core.Geometry.GeoBox(Math.Min(path[i], path[j]), Math.Min(path[i + 1], path[j + 1]), Math.Max(path[i], path[j]), Math.Max(path[i + 1], path[j + 1]));
                legs.Add(box.Expand(line.BufferMetres));
            }
        }

        return legs;
    }

    /// <summary>Rows of the breakdown by result size: 0, 1–10 and more than 10 conflicts per check.</summary>
    private static IEnumerable<string> Breakdown(int size, Row row, CandidateRow candidates)
    {
        int n = row.ConflictsByCheck.Length;
        int slowCount = Math.Max(1, n / 100);
        var slowest = new HashSet<int>(row.Sample.Slowest(slowCount).Select(x => x.Index));
        double totalMicros = row.Latency.TotalSeconds * 1e6;
        var groups = new (string Name, Func<int, bool> Has)[]
        {
            ("0", c => c == 0),
            ("1–10", c => c >= 1 && c <= 10),
            ("> 10", c => c > 10),
            ("all", _ => true),
        };
        foreach (var (name, has) in groups)
        {
            var members = Enumerable.Range(0, n).Where(i => has(row.ConflictsByCheck[i])).ToArray();
            if (members.Length == 0)
            {
                yield return $"| {size:N0} | {name} | 0 % | | | | | | | | | |";
                continue;
            }

            var set = new HashSet<int>(members);
            var latency = row.Sample.Where(set.Contains).Summarise();
            double groupMicros = members.Sum(row.Sample.Micros);
            int slowIn = slowest.Count(set.Contains);
            var coarseLatency = candidates.CoarseTime.Where(set.Contains).Summarise();
            yield return $"| {size:N0} | {name} | {100.0 * members.Length / n:F1} % | {latency.P50:F1} | {latency.P99:F1} | {latency.Mean:F1} | " +
                         $"{100 * groupMicros / totalMicros:F1} % | {100.0 * slowIn / slowest.Count:F0} % | " +
                         $"{Counts.Percentile(members.Select(i => candidates.Coarse[i]), 50)} / {Counts.Percentile(members.Select(i => candidates.Coarse[i]), 99)} | " +
                         $"{coarseLatency.P50:F1} / {coarseLatency.P99:F1} | " +
                         $"{Counts.Percentile(members.Select(i => candidates.Exact[i]), 50)} / {Counts.Percentile(members.Select(i => candidates.Exact[i]), 99)} | " +
                         $"{Counts.Percentile(members.Select(i => row.ConflictsByCheck[i]), 50)} / {Counts.Percentile(members.Select(i => row.ConflictsByCheck[i]), 99)} |";
        }
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
