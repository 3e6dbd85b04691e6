using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenTelemetry.Metrics;
using Parley.Core.Ports;
using Parley.Server.Security;

namespace Parley.Benchmarks.Throughput;

/// <summary>
/// Decisions per second, end to end: a real server over HTTP (tokens, signed requests, JSON) and the same
/// submissions in process (decide + commit), for spread operations and for a hot spot; the steps of one
/// submission timed alone; and delivery latency from a commit to the event stream.
/// </summary>
internal static class DecisionsRun
{
    public static int Run(Options options, string[] args, int seed)
    {
        var parts = options.Text("parts", "http,inproc,phases,notify").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var scenarios = options.Text("scenarios", "spread,hotspot").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s switch
            {
                "spread" => Scenario.Spread,
                "hotspot" or "hot-spot" => Scenario.HotSpot,
                "hotzone" or "hot-zone" => Scenario.HotZone,
                "hottraffic" or "hot-traffic" => Scenario.HotTraffic,
                _ => throw new ArgumentException($"--scenarios: spread, hotspot, hotzone or hottraffic, not '{s}'"),
            }).ToList();
        var drivers = options.Text("driver", "httpclient").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (drivers.Any(d => d is not ("httpclient" or "raw")))
        {
            throw new ArgumentException("--driver: httpclient, raw or both (comma-separated)");
        }

        var variants = options.Text("inproc", "plain,route").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        // Metrics as a server collects them (on), or no listener at all (off); repeat to interleave: --telemetry off,on,off,on.
        var telemetry = options.Text("telemetry", "on").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (telemetry.Any(t => t is not ("on" or "off")))
        {
            throw new ArgumentException("--telemetry: on or off, or a list of them");
        }

        int clients = options.Int("clients", 16);
        var warmup = TimeSpan.FromSeconds(options.Int("warmup", 3));
        var spreadSeconds = TimeSpan.FromSeconds(options.Int("seconds", 20));
        var hotSeconds = TimeSpan.FromSeconds(options.Int("hot-seconds", 20));
        int maxOps = options.Int("max-ops", 100_000);
        int hotOps = options.Int("hot-ops", 20_000);
        double window = options.Int("window", 5);
        int rate = options.Int("rate", 500);
        int notifySeconds = options.Int("notify-seconds", 12);
        int phaseCalls = options.Int("phase-calls", 2_000);
        bool json = options.Flag("json");
        string store = options.Text("store", "sqlite");
        int nodes = options.Int("nodes", 1);
        if (store is not ("sqlite" or "postgres"))
        {
            throw new ArgumentException($"--store: sqlite or postgres, not '{store}'");
        }

        if (store == "postgres" && parts.Any(p => p != "http"))
        {
            throw new ArgumentException("--store postgres measures the http part only: pass --parts http");
        }

        if (store == "sqlite" && nodes != 1)
        {
            throw new ArgumentException("--nodes: several nodes need a shared store: pass --store postgres");
        }

        string machine = Machine.Describe();
        string command = "dotnet run -c Release --project bench/Parley.Benchmarks -- " + string.Join(' ', args);
        Console.Error.WriteLine($"# decisions — {machine}");
        var results = new List<LoadResult>();
        var exclusions = new List<ExclusionResult>();
        IReadOnlyList<PhaseTiming>? phases = null;
        NotificationResult? notification = null;

        // PostgreSQL: one throwaway cluster for the run, a fresh database per scenario, `nodes` parley serve processes on it.
        using var postgres = store == "postgres" ? PostgresCluster.Start(durable: true) : null;
        Func<Scenario, Task<BenchTarget>> target = postgres is null
            ? async _ => await BenchServer.StartAsync()
            : async scenario => await BenchNodes.StartAsync(postgres, $"bench_{LoadResult.ScenarioName(scenario).Replace('-', '_')}", nodes);

        foreach (var scenario in scenarios)
        {
            int count = scenario == Scenario.Spread ? maxOps : hotOps;
            var measure = scenario == Scenario.Spread ? spreadSeconds : hotSeconds;
            string tag = LoadResult.ScenarioName(scenario);
            var submissions = DecisionWorkload.Operations(scenario, count, seed, tag);
            if (parts.Contains("exclusion"))
            {
                // First, and stopped before Parley starts: the two never share the machine.
                Machine.Collect();
                exclusions.Add(ExclusionLoad.RunAsync(scenario, submissions, clients, warmup, measure).GetAwaiter().GetResult());
            }

            if (parts.Contains("http"))
            {
                foreach (var driver in drivers)
                {
                    Machine.Collect();
                    results.Add(RunHttpAsync(target, scenario, submissions, clients, warmup, measure, window, driver == "raw").GetAwaiter().GetResult());
                }
            }

            if (parts.Contains("inproc"))
            {
                var operations = DecisionWorkload.Parse(submissions);
                foreach (var metrics in telemetry)
                {
                    // The meters a server reads, aggregated as its Prometheus exporter does between scrapes.
                    using var meters = metrics == "on"
                        ? OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter(Parley.Server.Monitoring.Metrics.Meters).AddPrometheusExporter().Build()
                        : null;
                    string label = telemetry.Count > 1 || metrics == "off" ? $" (metrics {metrics})" : "";
                    if (variants.Contains("plain"))
                    {
                        Machine.Collect();
                        results.Add(InProcessLoad.RunAsync(scenario, operations, null, clients, warmup, measure, window, label).GetAwaiter().GetResult());
                    }

                    if (variants.Contains("route"))
                    {
                        var signed = SignInProcess(submissions);
                        Machine.Collect();
                        results.Add(InProcessLoad.RunAsync(scenario, operations, signed, clients, warmup, measure, window, label).GetAwaiter().GetResult());
                    }
                }
            }
        }

        if (parts.Contains("phases"))
        {
            Machine.Collect();
            phases = PhaseProfile.RunAsync(phaseCalls, seed).GetAwaiter().GetResult();
        }

        if (parts.Contains("notify"))
        {
            Machine.Collect();
            var workload = options.Text("notify-events", "requests") switch
            {
                "requests" => NotificationRun.RequestsOpened(rate, notifySeconds),
                "probing" => NotificationRun.ProbingAlerts(rate, notifySeconds),
                var other => throw new ArgumentException($"--notify-events: requests or probing, not '{other}'"),
            };
            notification = NotificationRun.RunAsync(workload, rate, TimeSpan.FromSeconds(Math.Min(2, notifySeconds / 4.0))).GetAwaiter().GetResult();
        }

        string report = Report(machine, command, results, exclusions, phases, notification);
        if (json)
        {
            Console.Error.WriteLine(report);
            var document = new JsonObject
            {
                ["mode"] = "decisions",
                ["machine"] = machine,
                ["command"] = command,
                ["runs"] = new JsonArray([.. results.Select(r => (JsonNode)r.ToJson())]),
                ["exclusion"] = new JsonArray([.. exclusions.Select(e => (JsonNode)new JsonObject
                {
                    ["scenario"] = LoadResult.ScenarioName(e.Scenario), ["clients"] = e.Clients, ["seconds"] = e.Seconds,
                    ["transactions"] = e.Transactions, ["rate"] = e.Rate, ["accepted"] = e.Accepted, ["attempted"] = e.Attempted,
                })]),
                ["phases"] = phases is null ? null : PhaseProfile.ToJson(phases),
                ["notification"] = notification?.ToJson(),
            };
            Console.WriteLine(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            Console.WriteLine(report);
        }

        return 0;
    }

    private static async Task<LoadResult> RunHttpAsync(Func<Scenario, Task<BenchTarget>> target, Scenario scenario, Submission[] submissions, int clients,
        TimeSpan warmup, TimeSpan measure, double window, bool raw)
    {
        await using var server = await target(scenario);
        await DecisionWorkload.DeclareZonesAsync(server, scenario);
        var writes = server.Sign([.. submissions.Select(s => (s.Party, s.Feature))], DecisionWorkload.OperationsPath);
        Machine.Collect();
        return raw
            ? await RawHttpLoad.RunAsync(server, scenario, writes, clients, warmup, measure, window)
            : await HttpLoad.RunAsync(server, scenario, writes, clients, warmup, measure, window);
    }

    /// <summary>Signed submissions as the route keeps them (real messages and signatures), for the in-process route steps.</summary>
    private static SignedSubmission[] SignInProcess(Submission[] submissions)
    {
        string folder = Path.Combine(Path.GetTempPath(), "parley-decisions-keys-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var keys = DecisionWorkload.Parties.Select(p => DevelopmentKeys.For(folder, DecisionWorkload.AgreementId, p)).ToArray();
            var now = DateTimeOffset.UtcNow;
            string timestamp = SignedRequests.Timestamp(now);
            var result = new SignedSubmission[submissions.Length];
            Parallel.For(0, submissions.Length, i =>
            {
                string nonce = SignedRequests.NewNonce();
                byte[] message = SignedRequests.Message(DecisionWorkload.AgreementId, "POST", DecisionWorkload.OperationsPath, timestamp, nonce, Encoding.UTF8.GetBytes(submissions[i].Feature));
                var key = keys[submissions[i].Party];
                result[i] = new SignedSubmission(key.PublicKey, nonce, now, key.Sign(message), message);
            });
            foreach (var key in keys)
            {
                key.Dispose();
            }

            return result;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Report(string machine, string command, List<LoadResult> results, List<ExclusionResult> exclusions,
        IReadOnlyList<PhaseTiming>? phases, NotificationResult? notification)
    {
        var s = new StringBuilder();
        void Line(string text = "") => s.Append(text).Append('\n');
        string F(double v, int d = 1) => LoadResult.F(v, d);
        Line($"# decisions — {machine}");
        Line();
        Line($"`{command}`");
        Line();
        if (results.Count > 0)
        {
            Line("## Decisions per second (measured window, after warm-up)");
            Line();
            Line("| path | scenario | callers | measured (s) | decisions | decisions/s | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | outcomes | CPU cores busy | GC pause % | alloc/decision (KiB) | ended by |");
            Line("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|");
            foreach (var r in results)
            {
                Line($"| {r.Path} | {LoadResult.ScenarioName(r.Scenario)} | {r.Clients} | {F(r.MeasuredSeconds)} | {r.Decisions:N0} | **{F(r.Rate, 0)}** | {F(r.Latency.P50 / 1e3, 2)} | {F(r.Latency.P90 / 1e3, 2)} | {F(r.Latency.P99 / 1e3, 2)} | {F(r.Latency.Max / 1e3, 1)} | {r.OutcomeText} | {F(r.CpuCores, 2)} | {F(r.GcPausePercent)} | {F(r.AllocatedKiBPerDecision)} | {r.Ended} |");
            }

            Line();
            if (results.Any(r => r.Path.Contains("postgres", StringComparison.Ordinal)))
            {
                Line("On PostgreSQL, each node is a `parley serve` process of its own, caller i sending to node i mod n; CPU counts this driver and those processes, " +
                    "not PostgreSQL's; GC pause and allocations are the driver's alone. PostgreSQL runs with its durable defaults " +
                    $"(`{PostgresCluster.Describe(PostgresCluster.DurableSettings)}`): every batch is flushed before it is answered.");
                Line();
            }

            var locked = results.Where(r => r.Phases is not null).ToList();
            if (locked.Count > 0)
            {
                Line("## Under the agreement's lock, per write (in process; mean µs over the measured window, each batch's time shared among its writes)");
                Line();
                Line("| path | scenario | writes per commit | hand-off (answer, release, wake-up) | decide | route steps, ledger entry + apply | store commit | batch commit p99 | total | ceiling (writes/s) |");
                Line("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
                foreach (var r in locked)
                {
                    var p = r.Phases!;
                    Line($"| {r.Path} | {LoadResult.ScenarioName(r.Scenario)} | {F(p.WritesPerCommit)} | {F(p.Handoff)} | {F(p.Decide)} | {F(p.Prepare)} | {F(p.Commit)} | {F(p.CommitP99)} | {F(p.Total)} | {F(p.Ceiling, 0)} |");
                }

                Line();
            }

            foreach (var r in results)
            {
                Line($"### {r.Path}, {LoadResult.ScenarioName(r.Scenario)}: by {r.Windows.FirstOrDefault()?.ToSeconds - r.Windows.FirstOrDefault()?.FromSeconds:F0} s (warm-up {F(r.WarmupSeconds)} s included)");
                Line();
                Line($"| from (s) | to (s) | decisions | per s | p50 (ms) | p99 (ms) | live operations at end | {r.SizeName} (mean) |");
                Line("|---:|---:|---:|---:|---:|---:|---:|---:|");
                foreach (var w in r.Windows)
                {
                    Line($"| {F(w.FromSeconds, 0)} | {F(w.ToSeconds)} | {w.Decisions:N0} | {F(w.Rate, 0)} | {F(w.P50Ms, 2)} | {F(w.P99Ms, 2)} | {w.LiveAtEnd:N0} | {F(w.MeanSize, 0)} |");
                }

                Line();
            }
        }

        if (exclusions.Count > 0)
        {
            Line("## Against the PostGIS exclusion constraint (the same operations, clients and windows; PostgreSQL first, then Parley)");
            Line();
            Line($"PostgreSQL with its durable defaults (`{PostgresCluster.Describe(PostgresCluster.DurableSettings)}`), `pgbench -M prepared`, one insert per transaction: `{ExclusionLoad.Insert}` into `ops` with " +
                "`EXCLUDE USING gist (owner WITH <>, g WITH &&, alt WITH &&, tr WITH &&)`.");
            Line();
            Line("| scenario | clients | exclusion constraint (inserts/s) | rows accepted / attempted | Parley over HTTP (decisions/s) | ratio |");
            Line("|---|---:|---:|---|---:|---:|");
            foreach (var e in exclusions)
            {
                var parley = results.FirstOrDefault(r => r.Scenario == e.Scenario && r.Path.StartsWith("http", StringComparison.Ordinal));
                string ratio = parley is null ? "—" : $"**{F(parley.Rate / e.Rate, 2)}×**";
                Line($"| {LoadResult.ScenarioName(e.Scenario)} | {e.Clients} | {F(e.Rate, 0)} | {e.Accepted:N0} / {e.Attempted:N0} | {(parley is null ? "—" : F(parley.Rate, 0))} | {ratio} |");
            }

            Line();
        }

        if (phases is not null)
        {
            Line("## One submission, step by step (one thread, spread operations)");
            Line();
            Line("| step | runs | p50 (µs) | p99 (µs) | mean (µs) | ceiling on one core (/s) |");
            Line("|---|---|---:|---:|---:|---:|");
            foreach (var p in phases)
            {
                Line($"| {p.Step} | {(p.Where == "lock" ? "under the agreement's lock" : "in parallel")} | {F(p.Latency.P50)} | {F(p.Latency.P99)} | {F(p.Latency.Mean)} | {F(p.CeilingPerCore, 0)} |");
            }

            Line();
        }

        if (notification is { } n)
        {
            string Ms(LatencySummary? l) => l is null ? "—" : $"{F(l.P50 / 1e3, 2)} / {F(l.P99 / 1e3, 2)} / {F(l.Max / 1e3, 2)}";
            Line("## Notification latency (commit to server-sent event)");
            Line();
            Line(n.Description);
            Line();
            Line("| writes/s (target / sent / answered) | writes | max send lag (ms) | write p50 / p99 / max (ms) | outcomes | events expected / received / measured | delivery from event time p50 / p99 / max (ms) | delivery from write's answer p50 / p99 / max (ms) | events before the answer | CPU cores busy |");
            Line("|---|---:|---:|---|---|---|---|---|---:|---:|");
            Line($"| {n.Rate} / {F(n.AchievedRate, 0)} / {F(n.AnsweredRate, 0)} | {n.Writes:N0} | {F(n.MaxSendLagMs)} | {Ms(n.WriteLatency)} | {string.Join(", ", n.Outcomes.OrderBy(o => o.Key).Select(o => $"{o.Value:N0} {LoadResult.Name(o.Key)}"))} | {n.ExpectedEvents:N0} / {n.ReceivedEvents:N0} / {n.MeasuredEvents:N0} | {Ms(n.FromEventTime)} | {Ms(n.FromResponse)} | {n.EventsBeforeResponse:N0} | {F(n.CpuCores, 2)} |");
            Line();
            if (n.StreamCloses.Count > 0)
            {
                Line($"The server ended the subscriber's stream {n.StreamCloses.Count} time(s), after {string.Join(", ", n.StreamCloses.Select(c => F(c) + " s"))}; the reader reconnected with Last-Event-ID each time.");
                Line();
            }
        }

        Line($"load average at the end: {Machine.LoadAverage()}");
        return s.ToString();
    }

    public static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
