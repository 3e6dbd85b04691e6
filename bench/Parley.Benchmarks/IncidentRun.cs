using System.Diagnostics;
using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Incidents;
using Parley.Core.Model;

namespace Parley.Benchmarks;

/// <summary>
/// <c>incidents</c>: correlates every incident report with a theater of zones and operations, as the center does when a
/// report arrives (the protected sites affected with their disclosure cells, the matching declarations), on both cores;
/// beside it, on a sample, the alternative without the index: every protected zone and every operation tested exactly.
/// </summary>
public static class IncidentRun
{
    public static int Run(int zoneCount, int operationCount, int incidentCount, int scanSample, int seed)
    {
        Console.WriteLine($"# incidents — {Machine.Describe()}");
        Console.WriteLine($"# seed {seed}: {zoneCount:N0} zones, {operationCount:N0} operations, {incidentCount:N0} incidents; load at start {Machine.LoadAverage()}");
        var generator = new TheaterGenerator(seed);
        var zones = generator.Zones(zoneCount).ToArray();
        var (theater, buildSeconds) = LatencyRun.Build(zones, zoneCount);
        var operations = generator.Operations(operationCount).ToArray();
        foreach (var operation in operations)
        {
            theater.Upsert(operation);
        }

        var incidents = generator.Incidents(incidentCount).ToArray();
        Machine.Collect();

        // The batch: both cores, the zones of each disclosure cell found once (the theater does not change meanwhile).
        var correlator = new IncidentCorrelator(theater, cacheCells: true);
        var results = new IncidentCorrelation[incidents.Length];
        long t0 = Stopwatch.GetTimestamp();
        Parallel.For(0, incidents.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => results[i] = correlator.Correlate(incidents[i]));
        double batchSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;

        // The same batch without the cell cache: each report searches its cells in its own window.
        var plain = new IncidentCorrelator(theater);
        t0 = Stopwatch.GetTimestamp();
        Parallel.For(0, incidents.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => _ = plain.Correlate(incidents[i]));
        double plainSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;

        // One at a time, as the server correlates a report on arrival (no cell cache), on a sample.
        int single = Math.Min(incidents.Length, Math.Max(1, incidentCount / 10));
        t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < single; i++)
        {
            _ = IncidentCorrelator.Correlate(theater, incidents[i]);
        }

        double singleMicros = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / single;

        // The alternative: every protected zone and every operation tested exactly against each sampled report.
        var protectedZones = zones.Where(z => z.Kind == ZoneKind.Protected).ToArray();
        int sample = Math.Min(scanSample, incidents.Length), mismatches = 0;
        t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < sample; i++)
        {
            var report = incidents[i];
            var touched = protectedZones.Where(z => z.Volume.Time.Overlaps(report.Window) && ShapeRelations.WithinDistance(z.Volume.Footprint, report.Area))
                .Select(z => z.Id.Value).Order(StringComparer.Ordinal).ToList();
            var matched = operations.Where(o => o.Volume.Time.Overlaps(report.Window) && ShapeRelations.WithinDistance(o.Volume.Footprint, report.Area))
                .Select(o => o.Id.Value).Order(StringComparer.Ordinal).ToList();
            var indexedTouched = results[i].Sites.Where(s => s.Exact).Select(s => s.Zone.Value).Order(StringComparer.Ordinal);
            var indexedMatched = results[i].Declarations.Select(d => d.Operation.Value);
            if (!touched.SequenceEqual(indexedTouched) || !matched.SequenceEqual(indexedMatched))
            {
                mismatches++;
            }
        }

        double scanMicros = sample == 0 ? 0 : Stopwatch.GetElapsedTime(t0).TotalMicroseconds / sample;
        double sites = results.Average(r => r.Sites.Count), exact = results.Average(r => r.Sites.Count(s => s.Exact)), declarations = results.Average(r => r.Declarations.Count);

        Console.WriteLine();
        Console.WriteLine("| zones | operations | incidents | theater build (s) | batch, 2 threads, cell cache (s) | batch, 2 threads, no cache (s) | incidents/s (best) | one report alone (µs) | exact scan of every zone and operation (µs/report, sample) | projected scan of the batch (s) | sites listed / exactly touched / declarations per report | scan ≠ index |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
        Console.WriteLine($"| {zoneCount:N0} | {operationCount:N0} | {incidentCount:N0} | {buildSeconds:F1} | {batchSeconds:F2} | {plainSeconds:F2} | {incidentCount / Math.Min(batchSeconds, plainSeconds):N0} | {singleMicros:F0} | {scanMicros:F0} ({sample:N0}) | " +
                          $"{scanMicros * incidentCount / 1e6 / Environment.ProcessorCount:F0} | {sites:F2} / {exact:F2} / {declarations:F2} | {mismatches} |");
        Console.WriteLine();
        Console.WriteLine($"load average at the end: {Machine.LoadAverage()}");
        return mismatches == 0 ? 0 : 1;
    }
}
