using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Parley.Benchmarks.Throughput;

/// <summary>What became of one submission.</summary>
internal enum Outcome : byte
{
    /// <summary>Not sent (the run ended first).</summary>
    None,

    /// <summary>201, state accepted.</summary>
    Accepted,

    /// <summary>201, state awaiting-concurrence.</summary>
    Awaiting,

    /// <summary>201 with another state.</summary>
    OtherState,

    /// <summary>A 4xx answer.</summary>
    Refused,

    /// <summary>A 5xx answer.</summary>
    Failed,

    /// <summary>No answer (connection error, exception).</summary>
    Error,
}

/// <summary>One submission as the driver saw it: Stopwatch ticks at send and at the end of the answer.</summary>
internal struct RequestRecord
{
    public long Start;
    public long End;
    public Outcome Outcome;

    /// <summary>Bytes of the answer (HTTP) or conflicts found (in process).</summary>
    public int Size;
}

/// <summary>The time spent under the agreement's lock by one in-process batch of writes (group commit), in Stopwatch ticks.</summary>
/// <param name="End">When its commit returned.</param>
/// <param name="Handoff">From the previous batch's commit returning to this batch's first write starting under the lock: answering the previous batch, the lock release and the wake-up of this one.</param>
/// <param name="Decide">Lifecycle.Submit for each write: the decisions.</param>
/// <param name="Prepare">The rest before the store's commit: opening the store write, the route's steps (the spent-nonce check, with route steps), the ledger entries (RFC 8785, SHA-256 commitments) and applying each write to the theater.</param>
/// <param name="Commit">The store's commit: serialising the features, the inserts and the one flush (fsync).</param>
/// <param name="Writes">How many writes the batch committed.</param>
internal readonly record struct LockPhases(long End, long Handoff, long Decide, long Prepare, long Commit, int Writes);

/// <summary>The figures of one run of one scenario on one path.</summary>
internal sealed class LoadResult
{
    public required string Path { get; init; }

    public required Scenario Scenario { get; init; }

    public required int Clients { get; init; }

    public required double WarmupSeconds { get; init; }

    public required double MeasuredSeconds { get; init; }

    public required int Decisions { get; init; }

    public required int TotalDecisions { get; init; }

    public required LatencySummary Latency { get; init; }

    public required IReadOnlyDictionary<Outcome, int> Outcomes { get; init; }

    public required IReadOnlyList<Window> Windows { get; init; }

    public required string Ended { get; init; }

    public required double CpuCores { get; init; }

    public required double GcPausePercent { get; init; }

    public required double AllocatedKiBPerDecision { get; init; }

    public required string SizeName { get; init; }

    public PhaseSummary? Phases { get; init; }

    public double Rate => Decisions / MeasuredSeconds;

    /// <summary>Decisions completed in one slice of the run (warm-up included), with the live operations at its end.</summary>
    public sealed record Window(double FromSeconds, double ToSeconds, int Decisions, double Rate, double P50Ms, double P99Ms, int LiveAtEnd, double MeanSize);

    /// <summary>Mean time per write of each step under the lock, in µs, over the measured window.</summary>
    /// <summary>Mean µs per write of each step; <paramref name="CommitP99"/> per batch; <paramref name="WritesPerCommit"/> the mean batch.</summary>
    public sealed record PhaseSummary(double Handoff, double Decide, double Prepare, double Commit, double CommitP99, int Count, double WritesPerCommit)
    {
        public double Total => Handoff + Decide + Prepare + Commit;

        public double Ceiling => 1e6 / Total;
    }

    /// <summary>Summarises the records of a run.</summary>
    /// <param name="records">One per submission (unsent ones have <see cref="Outcome.None"/>).</param>
    /// <param name="start">When the run started (ticks).</param>
    /// <param name="warmupEnd">When measuring started.</param>
    /// <param name="end">When the run ended.</param>
    /// <param name="window">Width of the rate windows, in seconds.</param>
    public static LoadResult Build(string path, Scenario scenario, int clients, RequestRecord[] records, long start, long warmupEnd, long end,
        double window, string ended, RunCounters counters, string sizeName, IReadOnlyList<LockPhases>? phases = null)
    {
        var done = records.Where(r => r.Outcome != Outcome.None).OrderBy(r => r.End).ToArray();
        var measured = done.Where(r => r.End >= warmupEnd && r.End <= end).ToArray();
        var sample = new LatencySample(Math.Max(1, measured.Length));
        foreach (var r in measured)
        {
            sample.Add(r.End - r.Start);
        }

        if (measured.Length == 0)
        {
            sample.Add(0);
        }

        var windows = new List<Window>();
        double f = Stopwatch.Frequency;
        int live = 0, index = 0;
        for (double from = 0; start + (long)(from * f) < end; from += window)
        {
            long to = Math.Min(end, start + (long)((from + window) * f));
            var slice = new List<RequestRecord>();
            while (index < done.Length && done[index].End <= to)
            {
                slice.Add(done[index++]);
            }

            live += slice.Count(r => r.Outcome is Outcome.Accepted or Outcome.Awaiting or Outcome.OtherState);
            double seconds = (to - (start + (long)(from * f))) / f;
            var ms = slice.Select(r => (r.End - r.Start) * 1e3 / f).Order().ToArray();
            windows.Add(new Window(from, (to - start) / f, slice.Count, slice.Count / Math.Max(seconds, 1e-9),
                ms.Length == 0 ? 0 : Percentile(ms, 50), ms.Length == 0 ? 0 : Percentile(ms, 99), live,
                slice.Count == 0 ? 0 : slice.Average(r => (double)r.Size)));
        }

        PhaseSummary? phaseSummary = null;
        if (phases is { Count: > 0 })
        {
            var p = phases.Where(x => x.End >= warmupEnd && x.End <= end).ToList();
            if (p.Count > 0)
            {
                double us = 1e6 / f;
                var commits = p.Select(x => x.Commit * us).Order().ToArray();
                // Per write: each batch's time shared among its writes.
                double writes = p.Sum(x => x.Writes);
                phaseSummary = new PhaseSummary(p.Sum(x => x.Handoff) * us / writes, p.Sum(x => x.Decide) * us / writes,
                    p.Sum(x => x.Prepare) * us / writes, p.Sum(x => x.Commit) * us / writes, Percentile(commits, 99), p.Count, writes / p.Count);
            }
        }

        double measuredSeconds = (end - warmupEnd) / f;
        return new LoadResult
        {
            Path = path,
            Scenario = scenario,
            Clients = clients,
            WarmupSeconds = (warmupEnd - start) / f,
            MeasuredSeconds = measuredSeconds,
            Decisions = measured.Length,
            TotalDecisions = done.Length,
            Latency = sample.Summarise(),
            Outcomes = measured.GroupBy(r => r.Outcome).ToDictionary(g => g.Key, g => g.Count()),
            Windows = windows,
            Ended = ended,
            CpuCores = counters.CpuSeconds / counters.WallSeconds,
            GcPausePercent = 100 * counters.GcPauseSeconds / counters.WallSeconds,
            AllocatedKiBPerDecision = counters.AllocatedBytes / 1024.0 / Math.Max(1, done.Length),
            SizeName = sizeName,
            Phases = phaseSummary,
        };
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    public static string Name(Outcome outcome) => outcome switch
    {
        Outcome.Accepted => "accepted",
        Outcome.Awaiting => "awaiting-concurrence",
        Outcome.OtherState => "other state",
        Outcome.Refused => "4xx",
        Outcome.Failed => "5xx",
        Outcome.Error => "no answer",
        _ => "not sent",
    };

    public string OutcomeText => string.Join(", ", Outcomes.OrderBy(o => o.Key).Select(o => $"{o.Value:N0} {Name(o.Key)}"));

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["path"] = Path,
            ["scenario"] = ScenarioName(Scenario),
            ["clients"] = Clients,
            ["warmup_s"] = Round(WarmupSeconds),
            ["measured_s"] = Round(MeasuredSeconds),
            ["decisions"] = Decisions,
            ["decisions_total"] = TotalDecisions,
            ["decisions_per_s"] = Round(Rate),
            ["latency_ms"] = new JsonObject
            {
                ["p50"] = Round(Latency.P50 / 1e3), ["p90"] = Round(Latency.P90 / 1e3), ["p99"] = Round(Latency.P99 / 1e3),
                ["max"] = Round(Latency.Max / 1e3), ["mean"] = Round(Latency.Mean / 1e3),
            },
            ["outcomes"] = new JsonObject([.. Outcomes.OrderBy(o => o.Key).Select(o => KeyValuePair.Create(Name(o.Key), (JsonNode?)o.Value))]),
            ["ended"] = Ended,
            ["cpu_cores_busy"] = Round(CpuCores),
            ["gc_pause_percent"] = Round(GcPausePercent),
            ["allocated_kib_per_decision"] = Round(AllocatedKiBPerDecision),
            ["windows"] = new JsonArray([.. Windows.Select(w => (JsonNode)new JsonObject
            {
                ["from_s"] = Round(w.FromSeconds), ["to_s"] = Round(w.ToSeconds), ["decisions"] = w.Decisions, ["per_s"] = Round(w.Rate),
                ["p50_ms"] = Round(w.P50Ms), ["p99_ms"] = Round(w.P99Ms), ["live_operations"] = w.LiveAtEnd, [SizeName.Replace(' ', '_')] = Round(w.MeanSize),
            })]),
        };
        if (Phases is { } p)
        {
            json["lock_us_per_write"] = new JsonObject
            {
                ["handoff"] = Round(p.Handoff), ["decide"] = Round(p.Decide), ["ledger_entry"] = Round(p.Prepare),
                ["writes_per_commit"] = Round(p.WritesPerCommit), ["store_commit"] = Round(p.Commit), ["batch_commit_p99"] = Round(p.CommitP99), ["total"] = Round(p.Total), ["ceiling_per_s"] = Round(p.Ceiling),
            };
        }

        return json;
    }

    public static string ScenarioName(Scenario scenario) => scenario switch
    {
        Scenario.Spread => "spread",
        Scenario.HotSpot => "hot-spot",
        Scenario.HotTraffic => "hot-traffic",
        _ => "hot-zone",
    };

    public static double Round(double value) => Math.Round(value, 3);

    public static string F(double value, int digits = 1) => value.ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}

/// <summary>Process counters over a run: CPU (this process's and the server processes'), GC pauses and allocations (this process's).</summary>
internal sealed class RunCounters
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly IReadOnlyList<Process> _servers;
    private readonly TimeSpan _cpu;
    private readonly TimeSpan _pause;
    private readonly long _allocated;
    private readonly long _start;

    private RunCounters(IReadOnlyList<Process> servers)
    {
        _servers = servers;
        _cpu = Cpu();
        _pause = GC.GetTotalPauseDuration();
        _allocated = GC.GetTotalAllocatedBytes();
        _start = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts counting; <paramref name="servers"/> are server processes whose CPU time counts with this one's.</summary>
    public static RunCounters Start(IReadOnlyList<Process>? servers = null) => new(servers ?? []);

    private TimeSpan Cpu()
    {
        var total = TimeSpan.Zero;
        foreach (var process in _servers.Prepend(_process))
        {
            process.Refresh();
            total += process.TotalProcessorTime;
        }

        return total;
    }

    public double CpuSeconds { get; private set; }

    public double GcPauseSeconds { get; private set; }

    public long AllocatedBytes { get; private set; }

    public double WallSeconds { get; private set; }

    public RunCounters Stop()
    {
        CpuSeconds = (Cpu() - _cpu).TotalSeconds;
        GcPauseSeconds = (GC.GetTotalPauseDuration() - _pause).TotalSeconds;
        AllocatedBytes = GC.GetTotalAllocatedBytes() - _allocated;
        WallSeconds = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        return this;
    }
}
