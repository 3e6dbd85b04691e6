using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Model;

namespace Parley.Benchmarks;

/// <summary>
/// <c>memory</c>: managed heap and resident memory of a theater of N zones, split into the zone objects
/// themselves (ids, records, shapes, coordinates) and the index over them.
/// </summary>
public static class MemoryRun
{
    public static int Run(int size, int seed)
    {
        Console.WriteLine($"# memory — {Machine.Describe()}");
        Console.WriteLine($"# seed {seed}, {size:N0} zones (90 % 10-vertex polygons, 10 % circles)");
        Machine.Collect();
        long heap0 = GC.GetTotalMemory(true), rss0 = Machine.ResidentBytes();

        Console.Error.WriteLine($"generating {size:N0} zones");
        var zones = new TheaterGenerator(seed).Zones(size).ToArray();
        Machine.Collect();
        long heap1 = GC.GetTotalMemory(true), rss1 = Machine.ResidentBytes();

        var theater = new Theater(Agreement.Default());
        var progress = new Progress("indexing", size);
        for (int i = 0; i < zones.Length; i++)
        {
            theater.Upsert(zones[i]);
            if ((i & 0xFFFF) == 0)
            {
                progress.Report(i);
            }
        }

        progress.Done();
        Machine.Collect();
        long heap2 = GC.GetTotalMemory(true), rss2 = Machine.ResidentBytes();

        // Only the theater holds the zones now, as a server would.
        Array.Clear(zones);
        zones = null;
        Machine.Collect();
        long heap3 = GC.GetTotalMemory(true), rss3 = Machine.ResidentBytes();
        GC.KeepAlive(theater);

        double n = size;
        Console.WriteLine();
        Console.WriteLine("| what | managed heap | per zone (B) | resident (RSS) | per zone (B) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine($"| baseline (runtime, no zones) | {Machine.Mib(heap0)} | | {Machine.Mib(rss0)} | |");
        Console.WriteLine($"| zone objects alone (ids, records, shapes, coordinates) | +{Machine.Mib(heap1 - heap0)} | {(heap1 - heap0) / n:F0} | +{Machine.Mib(rss1 - rss0)} | {(rss1 - rss0) / n:F0} |");
        Console.WriteLine($"| index over them (entries, id map, grid cells, links) | +{Machine.Mib(heap2 - heap1)} | {(heap2 - heap1) / n:F0} | +{Machine.Mib(rss2 - rss1)} | {(rss2 - rss1) / n:F0} |");
        Console.WriteLine($"| **theater total** (zones held only by the theater) | +{Machine.Mib(heap3 - heap0)} | **{(heap3 - heap0) / n:F0}** | +{Machine.Mib(rss3 - rss0)} | **{(rss3 - rss0) / n:F0}** |");
        Console.WriteLine();
        Console.WriteLine($"process RSS at the end: {Machine.Mib(rss3)}; target below 1 KiB (1,024 B) resident per 10-vertex zone");
        return 0;
    }
}
