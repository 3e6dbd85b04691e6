using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace Parley.Benchmarks;

/// <summary>Percentiles over individually timed calls.</summary>
public sealed class LatencySample
{
    private readonly long[] _ticks;
    private int _count;

    public LatencySample(int capacity) => _ticks = new long[capacity];

    public int Count => _count;

    /// <summary>Adds one call's duration in <see cref="Stopwatch"/> ticks.</summary>
    public void Add(long ticks) => _ticks[_count++] = ticks;

    /// <summary>The duration of call <paramref name="index"/> in microseconds.</summary>
    public double Micros(int index) => _ticks[index] * 1e6 / Stopwatch.Frequency;

    /// <summary>The calls whose index <paramref name="keep"/> accepts, as a sample of their own.</summary>
    public LatencySample Where(Func<int, bool> keep)
    {
        var subset = new LatencySample(_count);
        for (int i = 0; i < _count; i++)
        {
            if (keep(i))
            {
                subset.Add(_ticks[i]);
            }
        }

        return subset;
    }

    /// <summary>Indexes and durations (µs) of the slowest calls.</summary>
    public IEnumerable<(int Index, double Micros)> Slowest(int n) =>
        _ticks.Take(_count).Select((t, i) => (i, t * 1e6 / Stopwatch.Frequency)).OrderByDescending(x => x.Item2).Take(n);

    /// <summary>The durations in microseconds at the given percentiles (nearest rank), then the mean and the maximum.</summary>
    public LatencySummary Summarise()
    {
        var sorted = _ticks.AsSpan(0, _count).ToArray();
        Array.Sort(sorted);
        double toMicros = 1e6 / Stopwatch.Frequency;
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)] * toMicros;
        double total = 0;
        foreach (long t in sorted)
        {
            total += t;
        }

        return new LatencySummary(At(50), At(90), At(99), At(99.9), sorted[^1] * toMicros, total * toMicros / sorted.Length, total / Stopwatch.Frequency);
    }
}

/// <summary>Percentiles of counts (nearest rank).</summary>
public static class Counts
{
    public static int Percentile(IEnumerable<int> values, double p)
    {
        var sorted = values.ToArray();
        if (sorted.Length == 0)
        {
            return 0;
        }

        Array.Sort(sorted);
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>Latency figures in microseconds; <see cref="TotalSeconds"/> is the sum of the timed calls.</summary>
public sealed record LatencySummary(double P50, double P90, double P99, double P999, double Max, double Mean, double TotalSeconds)
{
    public double Throughput(int calls) => calls / TotalSeconds;
}

/// <summary>Process and machine facts for the report.</summary>
public static class Machine
{
    /// <summary>Resident set size of this process in bytes (VmRSS).</summary>
    public static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return Environment.WorkingSet;
    }

    /// <summary>Full blocking, compacting collection that also returns free memory to the OS.</summary>
    public static void Collect()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>The 1, 5 and 15 minute load averages: other work on the machine skews the tails.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public static string Describe()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }

        return $"{Environment.ProcessorCount} logical cores, {cpu}, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, " +
               $".NET {Environment.Version}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}";
    }

    public static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):N1} MiB";
}

/// <summary>Progress on stderr, at most every two seconds.</summary>
public sealed class Progress(string what, long total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _next = TimeSpan.FromSeconds(2);

    public void Report(long done)
    {
        if (_clock.Elapsed < _next)
        {
            return;
        }

        _next = _clock.Elapsed + TimeSpan.FromSeconds(2);
        Console.Error.WriteLine($"  {what}: {done:N0}/{total:N0} ({100.0 * done / Math.Max(1, total):F0} %), {_clock.Elapsed.TotalSeconds:F1} s");
    }

    public void Done() => Console.Error.WriteLine($"  {what}: done, {total:N0} in {_clock.Elapsed.TotalSeconds:F1} s");
}
