using System.Globalization;
using BenchmarkDotNet.Running;
using Parley.Benchmarks;

// dotnet run -c Release --project bench/Parley.Benchmarks -- <mode> [options]; see docs/benchmarks.md.
string mode = args.Length > 0 ? args[0] : "help";
var options = Options.Parse(args.Skip(1).ToArray());
int seed = options.Int("seed", TheaterGenerator.DefaultSeed);
try
{
    return mode switch
    {
        "generate" => GeoJsonExport.Run(options.Int("zones", 1_000_000), options.Int("operations", 100_000), options.Text("out", "bench/data"), seed),
        "latency" => LatencyRun.Run(options.Sizes("sizes", [10_000, 100_000, 1_000_000]), options.Int("checks", 100_000), seed, options.Flag("whole-check")),
        "memory" => MemoryRun.Run(options.Int("zones", 1_000_000), seed),
        "postgis" => PostGisRun.Run(options.Sizes("sizes", [10_000, 100_000, 1_000_000]), options.Int("queries", 20_000), seed),
        "postgis-join" => PostGisJoinRun.Run(options.Int("zones", 1_000_000), options.Int("operations", 100_000), options.Int("runs", 5), options.Text("out", "bench/data/join"), seed),
        "read" => ReadRun.Run(options.Text("zones", "bench/data/zones.geojson"), options.Int("runs", 5), options.Int("passes", 4)),
        "read-child" => ReadRun.RunChild(options.Text("zones", "bench/data/zones.geojson"), options.Text("reader", "streaming"), options.Int("passes", 1)),
        "check-files" => FileCheckRun.Run(options.Text("zones", "bench/data/zones.geojson"), options.Text("operations", "bench/data/operations.geojson")),
        "ledger" => LedgerRun.Run(options.Int("leaves", 10_000_000), options.Int("entries", 1_000_000), options.Int("proofs", 100_000)),
        "decisions" => Parley.Benchmarks.Throughput.DecisionsRun.Run(options, args, seed),
        "startup" => StartupRun.Run(options.Int("events", 1_000_000), options.Int("repeats", 3)),
        "soak" => Parley.Benchmarks.Soak.SoakRun.Run(options.Int("minutes", 10), options.Int("nodes", 3), options.Int("capacity-seconds", 20),
            options.Int("clients", 32), options.Int("kill-at", 3), options.Int("restart-db-at", 6)),
        "terms" => Parley.Benchmarks.Throughput.TermsRun.Run(options, seed),
        "interop" => InteropRun.Run(options.Text("openair", "tests/Parley.Interop.Tests/Files/openair/aerofiles/germany_2026_03_Airspace_Germany_OA1.txt"),
            options.Int("zones", 10_000), options.Int("repeats", 10), options.Int("pushes", 20)),
        "incidents" => IncidentRun.Run(options.Int("zones", 1_000_000), options.Int("operations", 100_000), options.Int("incidents", 100_000), options.Int("scan", 200), seed),
        "compliance" => ComplianceRun.Run(options.Int("entries", 1_000_000), options.Int("reports", 20), seed,
            options.Flag("export") ? options.Text("export", "bench/data/compliance") : null, options.Int("runs", 3)),
        "listing" => ListingRun.Run(options.Int("zones", 1_000_000), options.Int("queries", 2_000), seed),
        "console" => ConsoleRun.Run(options.Int("zones", 10_000), options.Int("loads", 20), options.Int("moves", 100), options.Int("events", 100)),
        "console-screenshots" => ConsoleRun.Screenshots(options.Text("out", "docs/console")),
        "bdn" => RunBenchmarkDotNet(args.Skip(1).ToArray()),
        _ => Help(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

static int RunBenchmarkDotNet(string[] bdnArgs)
{
    BenchmarkSwitcher.FromAssembly(typeof(IndexBuildBenchmarks).Assembly).Run(bdnArgs.Length > 0 ? bdnArgs : ["--filter", "*"]);
    return 0;
}

static int Help()
{
    Console.Error.WriteLine("""
        usage: Parley.Benchmarks <mode> [options]
          generate --zones N --operations M --out DIR   write zones.geojson and operations.geojson
          latency  [--sizes 10000,100000,1000000] [--checks 100000] [--whole-check]
          memory   [--zones 1000000]
          postgis  [--sizes 10000,100000,1000000] [--queries 20000]
          postgis-join [--zones 1000000] [--operations 100000] [--runs 5] [--out bench/data/join]
                   the whole conflict set: PostGIS's indexed join against parley check end to end on the same data, same conflicts asserted
          check-files --zones FILE --operations FILE    read, index and check generated files in process
          read     [--zones FILE] [--runs 5] [--passes 4]   GeoJSON zones read per second, streaming reader and reference, fresh processes
          ledger   [--leaves 10000000] [--entries 1000000] [--proofs 100000]   proofs at 10M leaves, verifying 1M entries
          decisions [--parts exclusion,http,inproc,phases,notify] [--scenarios spread,hotspot,hotzone,hottraffic] [--clients 16] [--warmup 3] [--seconds 20]
                   [--hot-seconds 20] [--hot-ops 20000] [--max-ops 100000] [--inproc plain,route] [--driver httpclient,raw] [--window 5]
                   [--rate 500] [--notify-seconds 12] [--notify-events requests|probing] [--phase-calls 2000] [--json] [--store sqlite|postgres [--nodes 1|3]]
                   [--telemetry on|off|off,on,…] (in-process runs with the server's meters read, or not; repeat to interleave)
                   decisions per second through a real server and in process, steps of one submission, event delivery;
                   --store postgres (with --parts http): N parley serve processes on a throwaway PostgreSQL cluster, callers spread over them;
                   exclusion: first the PostGIS exclusion constraint a user would build instead (pgbench, the same operations), then Parley, and the ratio;
                   --driver raw: requests written as bytes before the run and sent on one socket per caller, as pgbench sends its statements
          soak     [--minutes 10] [--nodes 3] [--capacity-seconds 20] [--clients 32] [--kill-at 3] [--restart-db-at 6]
                   nodes on a durable PostgreSQL at half their measured capacity, a node killed and PostgreSQL restarted on the way:
                   acknowledged writes lost, 5xx other than 503, memory per node, decision p99 per minute
          startup  [--events 1000000] [--repeats 3]   start-up with N events in the outbox: the recent alerts read against every event
          terms    [--load 20000] [--probes 2000] [--rounds 7]
                   in-process decisions of the spread and hot-traffic scenarios with and without 50 terms in force, interleaved
          interop  [--openair FILE] [--zones 10000] [--repeats 10] [--pushes 20]
                   OpenAir import, KML export, TAK initial picture and push latency, beside GeoJSON reads and listings
          incidents [--zones 1000000] [--operations 100000] [--incidents 100000] [--scan 200]
                   correlation of every report with sites and declarations on both cores, beside an exact scan on a sample
          compliance [--entries 1000000] [--reports 20] [--export bench/data/compliance] [--runs 3]
                   the compliance report from the facts kept as entries arrive, beside the recomputation from every entry
          listing  [--zones 1000000] [--queries 2000]   a page of the zones in a map view: through the index against a scan
          console  [--zones 10000] [--loads 20] [--moves 100] [--events 100]
                   the operator console in headless Chromium: navigation to interactive, pan/zoom redraw with N zones in view, event to screen
          console-screenshots [--out docs/console]   the console's main screens, light and dark, 1280×800
          bdn      [BenchmarkDotNet arguments, e.g. --filter *Check*]
        every mode takes --seed N (default 20250301)
        """);
    return 2;
}

internal sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            string name = args[i][2..];
            o._values[name] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
        }

        return o;
    }

    public bool Flag(string name) => _values.ContainsKey(name);

    public string Text(string name, string fallback) => _values.TryGetValue(name, out var v) && v is not null ? v : fallback;

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) && v is not null
            ? int.TryParse(v.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new ArgumentException($"--{name}: expected a positive integer, got '{v}'")
            : fallback;

    public IReadOnlyList<int> Sizes(string name, int[] fallback) =>
        _values.TryGetValue(name, out var v) && v is not null
            ? [.. v.Split(',').Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new ArgumentException($"--{name}: expected sizes like 10000,100000"))]
            : fallback;
}
