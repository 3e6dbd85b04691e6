using System.Diagnostics;
using System.Globalization;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Server.Api;

namespace Parley.Benchmarks;

/// <summary>
/// <c>listing</c>: one page of the zones in a map view of a large theater, through the spatio-temporal index (what
/// <c>GET …/zones?bbox=</c> does) against a scan of every zone with the same filter and the same bounded page, and
/// the whole unfiltered listing as the API answered it before paging (sorted, every feature written).
/// </summary>
public static class ListingRun
{
    public static int Run(int size, int queries, int seed)
    {
        Console.WriteLine($"# listing — {Machine.Describe()}");
        var zones = new TheaterGenerator(seed).Zones(size).ToArray();
        var (theater, buildSeconds) = LatencyRun.Build(zones, size);
        var party = new PartyId("blue");
        var rng = new Random(seed);
        var indexed = new List<double>();
        var scanned = new List<double>();
        long found = 0, bytes = 0;
        for (int q = 0; q < queries; q++)
        {
            // A map view of 20–100 km across somewhere in the generated region.
            double w = 0.2 + (rng.NextDouble() * 0.8), h = 0.15 + (rng.NextDouble() * 0.45);
            double west = TheaterGenerator.Region.MinX + (rng.NextDouble() * (TheaterGenerator.Region.MaxX - TheaterGenerator.Region.MinX - w));
            double south = TheaterGenerator.Region.MinY + (rng.NextDouble() * (TheaterGenerator.Region.MaxY - TheaterGenerator.Region.MinY - h));
            var filter = Listing.Parse(new ZoneListQuery { Bbox = string.Create(CultureInfo.InvariantCulture, $"{west},{south},{west + w},{south + h}"), Limit = "1000" });

            long t0 = Stopwatch.GetTimestamp();
            var (page, _) = Listing.Zones(theater, party, filter);
            foreach (var zone in page)
            {
                bytes += FeatureWriter.ToUtf8(zone).Length;
            }

            indexed.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            found += page.Count;

            // The alternative without the index: every zone read, the same box test on its bounds, the same page.
            if (q < Math.Max(20, queries / 10))
            {
                t0 = Stopwatch.GetTimestamp();
                var box = filter.Boxes![0];
                var (scan, _) = Listing.Page(theater.Zones.Where(z => z.IsVisibleTo(party) && box.Intersects(z.Volume.Footprint.Bounds)), z => z.Id.Value, 1000);
                foreach (var zone in scan)
                {
                    _ = FeatureWriter.ToUtf8(zone);
                }

                scanned.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }

        // Before paging: every visible zone, sorted, each written (and parsed back and written again by the API).
        long whole0 = Stopwatch.GetTimestamp();
        long wholeBytes = 0;
        int wholeCount = 0;
        foreach (var zone in theater.Zones.Where(z => z.IsVisibleTo(party)).OrderBy(z => z.Id.Value, StringComparer.Ordinal))
        {
            wholeBytes += FeatureWriter.ToUtf8(zone).Length;
            wholeCount++;
        }

        double wholeMs = Stopwatch.GetElapsedTime(whole0).TotalMilliseconds;
        Console.WriteLine();
        Console.WriteLine($"{size:N0} zones indexed in {buildSeconds:F1} s; {queries:N0} views of 20–100 km, a page of at most 1,000 zones each ({found / (double)queries:F0} zones per page on average, {bytes / (double)queries / 1024:F0} KiB)");
        Console.WriteLine();
        Console.WriteLine("| listing of one view | n | p50 (ms) | p90 | p99 | max |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Row("through the index (`bbox`)", indexed);
        Row("scan of every zone, same filter and page", scanned);
        Console.WriteLine();
        Console.WriteLine($"the whole listing as before paging: {wholeCount:N0} zones, {wholeBytes / 1048576.0:F0} MiB of features, {wholeMs:F0} ms to sort and write once");
        Console.WriteLine($"load average at the end: {Machine.LoadAverage()}");
        return 0;
    }

    private static void Row(string name, List<double> values)
    {
        var sorted = values.Order().ToArray();
        double P(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        Console.WriteLine($"| {name} | {sorted.Length} | {P(0.5):F2} | {P(0.9):F2} | {P(0.99):F2} | {sorted[^1]:F2} |");
    }
}
