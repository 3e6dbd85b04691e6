using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Npgsql;
using Parley.Benchmarks.Throughput;
using Parley.Core.Model;
using Parley.Server.Security;
using Parley.Storage.Postgres;

namespace Parley.Benchmarks.Soak;

/// <summary>
/// A soak, not a test: three nodes on a durable PostgreSQL cluster under a steady load at half their measured
/// capacity, for minutes, with a node killed (and started again) and PostgreSQL restarted along the way. Reports the
/// acknowledged writes lost (every 201 is looked for in the database at the end: must be 0), the 5xx other than 503,
/// each node's resident memory over time, and per minute the decision p99 (from the nodes' own metrics) and the write
/// latency p99 seen by clients.
/// </summary>
/// <remarks>
/// Clients behave as <c>parley</c> does: a write answered 503 or not answered is sent again under the same idempotency
/// key after <c>Retry-After</c> (a second, when the node is gone, to the next node), at most five times. Load goes only
/// to loopback addresses; every loop is bounded in count and time.
/// </remarks>
internal static class SoakRun
{
    private sealed record Outcome(int Minute, int Status, double Milliseconds, string? Id);

    public static int Run(int minutes, int nodeCount, int capacitySeconds, int clients, double killAt, double restartDbAt)
    {
        Console.Error.WriteLine($"# soak — {Machine.Describe()}");
        using var cluster = PostgresCluster.Start(durable: true);
        string database = "soak";
        using (var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={cluster.Port};Username=postgres;Database=postgres;Timeout=60"))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {database};", connection);
            create.ExecuteNonQuery();
        }

        string connectionString = $"Host=127.0.0.1;Port={cluster.Port};Username=postgres;Database={database};Timeout=10;Command Timeout=30";
        string root = Directory.CreateTempSubdirectory("parley-soak-").FullName;
        var nodes = new List<SoakNode>();
        try
        {
            string agreementFile = Path.Combine(root, "agreement.json");
            File.WriteAllText(agreementFile, DecisionWorkload.AgreementText);
            string first = Path.Combine(root, "node0");
            Directory.CreateDirectory(first);
            DevelopmentKeys.For(first, DecisionWorkload.AgreementId, DecisionWorkload.Parties[0]).Dispose();
            nodes.Add(new SoakNode("node 0", connectionString, first, agreementFile));
            nodes[0].StartAsync().GetAwaiter().GetResult();
            for (int i = 1; i < nodeCount; i++)
            {
                string folder = Path.Combine(root, $"node{i}");
                Directory.CreateDirectory(folder);
                foreach (var secret in new[] { "token-signing-key.pem", "development-submission.key", "ledger-signing.key", "center-secret.key" })
                {
                    File.Copy(Path.Combine(first, secret), Path.Combine(folder, secret));
                }

                nodes.Add(new SoakNode($"node {i}", connectionString, folder, agreementFile));
            }

            Task.WaitAll([.. nodes.Skip(1).Select(n => n.StartAsync())]);
            Console.Error.WriteLine($"{nodeCount} nodes: {string.Join(", ", nodes.Select(n => n.Address))}");
            return RunAsync(cluster, connectionString, nodes, first, minutes, capacitySeconds, clients, killAt, restartDbAt).GetAwaiter().GetResult();
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }

            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean.
            }
        }
    }

    private static async Task<int> RunAsync(PostgresCluster cluster, string connectionString, List<SoakNode> nodes, string secrets, int minutes,
        int capacitySeconds, int clients, double killAt, double restartDbAt)
    {
        var keys = DecisionWorkload.Parties.Select(p => DevelopmentKeys.For(secrets, DecisionWorkload.AgreementId, p)).ToArray();
        var tokens = DecisionWorkload.Parties.Select(p => TokenKeys.Issue(secrets, DecisionWorkload.AgreementId, p, Roles.Operator, TimeSpan.FromDays(1))).ToArray();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, UseProxy = false, UseCookies = false, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            Timeout = TimeSpan.FromSeconds(40),
        };
        int serial = 0;

        // One write as a client makes it: signed, under an idempotency key kept across its retries; its final status.
        async Task<(int Status, string Id)> WriteAsync(int node)
        {
            var submission = DecisionWorkload.Spread(Interlocked.Increment(ref serial), "soak");
            int party = submission.Party;
            byte[] body = Encoding.UTF8.GetBytes(submission.Feature);
            string key = Guid.NewGuid().ToString("N");
            int status = 0;
            for (int attempt = 0; attempt < 5; attempt++)
            {
                var target = nodes[(node + attempt) % nodes.Count];
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target.Address, DecisionWorkload.OperationsPath)) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/geo+json");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[party]);
                request.Headers.Add("Idempotency-Key", key);
                await SignedRequests.SignAsync(request, DecisionWorkload.AgreementId, keys[party], DateTimeOffset.UtcNow);
                try
                {
                    using var response = await http.SendAsync(request);
                    status = (int)response.StatusCode;
                    if (status != 503)
                    {
                        return (status, submission.Id);
                    }

                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    status = 0; // no answer: the node is gone, or the write took too long
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }
            }

            return (status, submission.Id);
        }

        // Capacity: closed loop, every client writing as fast as answers come.
        Console.Error.WriteLine($"measuring capacity for {capacitySeconds} s with {clients} clients");
        var capacityClock = Stopwatch.StartNew();
        int capacityWrites = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            while (capacityClock.Elapsed.TotalSeconds < capacitySeconds)
            {
                if ((await WriteAsync(c % nodes.Count)).Status == 201)
                {
                    Interlocked.Increment(ref capacityWrites);
                }
            }
        })));
        double capacity = capacityWrites / capacityClock.Elapsed.TotalSeconds;
        double rate = capacity / 2;
        Console.Error.WriteLine($"capacity {capacity:F0} writes/s; soaking at {rate:F0}/s for {minutes} min");

        // The soak: open loop at half the capacity, writes spread over the nodes round-robin.
        var outcomes = new ConcurrentQueue<Outcome>();
        var memory = new ConcurrentQueue<(double Minute, int Node, int Start, double? MiB)>();
        var decisionP99 = new List<(int Minute, double? Seconds)>();
        var events = new List<string>();
        var soak = Stopwatch.StartNew();
        var total = TimeSpan.FromMinutes(minutes);
        var inFlight = new List<Task>();
        int skipped = 0, running = 0;
        long issued = 0;
        using var stop = new CancellationTokenSource(total + TimeSpan.FromMinutes(2));

        var sampler = Task.Run(async () =>
        {
            var previous = new Dictionary<(int Node, int Start), SortedDictionary<double, double>>();
            int lastMinute = -1;
            while (soak.Elapsed < total)
            {
                double minute = soak.Elapsed.TotalMinutes;
                for (int i = 0; i < nodes.Count; i++)
                {
                    memory.Enqueue((minute, i, nodes[i].Starts, nodes[i].ResidentMiB()));
                }

                if ((int)minute > lastMinute)
                {
                    lastMinute = (int)minute;
                    decisionP99.Add((lastMinute, await DecisionP99Async(http, nodes, previous)));
                }

                await Task.Delay(TimeSpan.FromSeconds(10));
            }

            decisionP99.Add((minutes, await DecisionP99Async(http, nodes, previous)));
        });

        bool killed = false, restarted = false, dbRestarted = false;
        while (soak.Elapsed < total)
        {
            double elapsedMinutes = soak.Elapsed.TotalMinutes;
            if (!killed && elapsedMinutes >= killAt)
            {
                killed = true;
                nodes[^1].Kill();
                events.Add($"{elapsedMinutes:F1} min: {nodes[^1].Name} killed (SIGKILL)");
                Console.Error.WriteLine(events[^1]);
            }
            else if (killed && !restarted && elapsedMinutes >= killAt + 0.5)
            {
                restarted = true;
                _ = Task.Run(async () =>
                {
                    await nodes[^1].StartAsync();
                    lock (events)
                    {
                        events.Add($"{soak.Elapsed.TotalMinutes:F1} min: {nodes[^1].Name} serving again");
                    }
                });
            }
            else if (!dbRestarted && elapsedMinutes >= restartDbAt)
            {
                dbRestarted = true;
                _ = Task.Run(() =>
                {
                    var clock = Stopwatch.StartNew();
                    cluster.Restart();
                    lock (events)
                    {
                        events.Add($"{restartDbAt:F1} min: PostgreSQL restarted (immediate shutdown, crash recovery) in {clock.Elapsed.TotalSeconds:F1} s");
                    }
                });
            }

            // The next write is due at issued / rate seconds.
            var due = TimeSpan.FromSeconds(issued / rate);
            if (due > soak.Elapsed)
            {
                await Task.Delay(due - soak.Elapsed < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : due - soak.Elapsed);
                continue;
            }

            long n = issued++;
            if (Volatile.Read(ref running) >= 2_000)
            {
                skipped++; // more than 2,000 writes waiting: the load is not held open
                continue;
            }

            int minuteOf = (int)soak.Elapsed.TotalMinutes;
            var node = (int)(n % nodes.Count);
            Interlocked.Increment(ref running);
            inFlight.Add(Task.Run(async () =>
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    var (status, id) = await WriteAsync(nodes[node].Running ? node : (node + 1) % nodes.Count);
                    outcomes.Enqueue(new Outcome(minuteOf, status, clock.Elapsed.TotalMilliseconds, status == 201 ? id : null));
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }
            }));
            if (inFlight.Count > 10_000)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
            }
        }

        await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromMinutes(2));
        await sampler;

        // Every acknowledged write must be in the database.
        await using var store = new PostgresStore(connectionString);
        await store.InitializeAsync();
        var stored = (await store.LoadOperationsAsync(DecisionWorkload.Agreement)).Select(o => o.Id.Value).ToHashSet(StringComparer.Ordinal);
        var acknowledged = outcomes.Where(o => o.Id is not null).Select(o => o.Id!).ToList();
        int lost = acknowledged.Count(id => !stored.Contains(id));

        Report(minutes, nodes, capacity, rate, outcomes, memory, decisionP99, events, acknowledged.Count, lost, skipped);
        foreach (var key in keys)
        {
            key.Dispose();
        }

        return lost == 0 ? 0 : 1;
    }

    /// <summary>The p99 of decisions made since the last call, over every node, from their histograms (an upper bound: the bucket's).</summary>
    private static async Task<double?> DecisionP99Async(HttpClient http, List<SoakNode> nodes, Dictionary<(int Node, int Start), SortedDictionary<double, double>> previous)
    {
        var sum = new SortedDictionary<double, double>();
        for (int i = 0; i < nodes.Count; i++)
        {
            if (!nodes[i].Running)
            {
                continue;
            }

            SortedDictionary<double, double> buckets;
            try
            {
                buckets = Buckets(await http.GetStringAsync(nodes[i].Metrics));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                continue;
            }

            var key = (i, nodes[i].Starts);
            var before = previous.GetValueOrDefault(key) ?? [];
            foreach (var (le, count) in buckets)
            {
                sum[le] = sum.GetValueOrDefault(le) + count - before.GetValueOrDefault(le);
            }

            previous[key] = buckets;
        }

        double all = sum.Count == 0 ? 0 : sum.Last().Value;
        if (all <= 0)
        {
            return null;
        }

        return sum.First(b => b.Value >= 0.99 * all).Key;
    }

    /// <summary>Cumulative bucket counts of <c>parley_decision_duration_seconds</c>, summed over agreements.</summary>
    private static SortedDictionary<double, double> Buckets(string scrape)
    {
        var buckets = new SortedDictionary<double, double>();
        foreach (var line in scrape.Split('\n'))
        {
            if (!line.StartsWith("parley_decision_duration_seconds_bucket{", StringComparison.Ordinal))
            {
                continue;
            }

            int le = line.IndexOf("le=\"", StringComparison.Ordinal) + 4;
            string bound = line[le..line.IndexOf('"', le)];
            double at = bound == "+Inf" ? double.PositiveInfinity : double.Parse(bound, CultureInfo.InvariantCulture);
            buckets[at] = buckets.GetValueOrDefault(at) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }

        return buckets;
    }

    private static void Report(int minutes, List<SoakNode> nodes, double capacity, double rate, ConcurrentQueue<Outcome> outcomes,
        ConcurrentQueue<(double Minute, int Node, int Start, double? MiB)> memory, List<(int Minute, double? Seconds)> decisionP99,
        List<string> events, int acknowledged, int lost, int skipped)
    {
        var all = outcomes.ToList();
        var statuses = all.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "no answer" : g.Key.ToString(CultureInfo.InvariantCulture))}: {g.Count():N0}");
        int serverErrors = all.Count(o => o.Status >= 500 && o.Status != 503);
        Console.WriteLine($"## soak: {nodes.Count} nodes on PostgreSQL (durable), {minutes} min at {rate:F0} writes/s (half the measured {capacity:F0}/s)");
        Console.WriteLine();
        foreach (var e in events)
        {
            Console.WriteLine($"- {e}");
        }

        Console.WriteLine($"- writes: {all.Count:N0} made ({skipped:N0} not sent: too many waiting), final answers {string.Join(", ", statuses)}");
        Console.WriteLine($"- acknowledged writes lost: **{lost}** of {acknowledged:N0} (each 201 looked for in the database after the run)");
        Console.WriteLine($"- 5xx other than 503: **{serverErrors}**");
        Console.WriteLine();
        Console.WriteLine("| minute | writes acknowledged | write latency p99 (client) | decision p99 (nodes' histograms) | " + string.Join(" | ", nodes.Select(n => $"{n.Name} RSS MiB")) + " |");
        Console.WriteLine("| --- | --- | --- | --- | " + string.Join(" | ", nodes.Select(_ => "---")) + " |");
        var samples = memory.ToList();
        for (int m = 0; m < minutes; m++)
        {
            var inMinute = all.Where(o => o.Minute == m).ToList();
            var latencies = inMinute.Where(o => o.Status == 201).Select(o => o.Milliseconds).Order().ToList();
            string p99 = latencies.Count == 0 ? "–" : $"{latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(0.99 * latencies.Count) - 1)]:F0} ms";
            var decided = decisionP99.FirstOrDefault(d => d.Minute == m + 1).Seconds;
            string decision = decided is { } s ? (double.IsPositiveInfinity(s) ? "> 10 s" : $"≤ {s * 1000:G3} ms") : "–";
            var rss = Enumerable.Range(0, nodes.Count).Select(i =>
            {
                var values = samples.Where(x => x.Node == i && (int)x.Minute == m && x.MiB is not null).Select(x => x.MiB!.Value).ToList();
                return values.Count == 0 ? "down" : $"{values.Average():F0}";
            });
            Console.WriteLine($"| {m + 1} | {latencies.Count:N0} | {p99} | {decision} | {string.Join(" | ", rss)} |");
        }

        Console.WriteLine();
        Console.WriteLine($"load: {Machine.LoadAverage()}");
        foreach (var node in nodes.Where(n => n.Errors.Count > 0))
        {
            Console.WriteLine($"{node.Name} logged {node.Errors.Count} errors, the first: {node.Errors[0]}");
        }
    }
}
