using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Parley.Server.Security;
using Parley.Core.Model;

namespace Parley.Server.Tests.MultiNode;

/// <summary>The multi-node tests start processes of their own and measure delivery times: they run alone, one at a time.</summary>
[CollectionDefinition(nameof(MultiNodeCollection), DisableParallelization = true)]
public sealed class MultiNodeCollection;

/// <summary>
/// Three <c>parley serve</c> processes on one PostgreSQL database are one center: the workflow's race-free guarantees
/// hold across them, every node serves the same state and the same ledger, and an event committed through one node
/// reaches subscribers on every node.
/// </summary>
[Trait("Lane", "Slow")]
[Collection(nameof(MultiNodeCollection))]
public sealed class MultiNodeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan DeliveryBound = TimeSpan.FromSeconds(5);

    [Fact]
    public Task clients_spread_over_three_nodes_in_one_hot_area_never_leave_a_conflict_without_concurrence_and_every_node_agrees() => StressAsync(3);

    /// <summary>
    /// The workflow stress test's load (<see cref="HotAreaWorkload"/>) with client i on node i mod <paramref name="nodes"/>, each
    /// party following its events on every node; then every check, each failure listed.
    /// </summary>
    private static async Task StressAsync(int nodes)
    {
        var clock = Stopwatch.StartNew();
        // The request rate limit is one budget per party across the nodes (SharedLimitsTests): off here, where nine
        // workers and the checks after them read and write as the same three parties as fast as the nodes answer.
        await using var cluster = await NodeCluster.StartAsync(nodes, HotAreaWorkload.AgreementId, HotAreaWorkload.Agreement, Ct, ["--rate-limit", "0"]);
        Phase($"{nodes} nodes started", clock);

        // Each party follows its events on every node.
        var streams = new List<(int Node, string Party, EventStream Stream)>();
        foreach (var party in HotAreaWorkload.Parties)
        {
            for (int node = 0; node < nodes; node++)
            {
                int n = node;
                var stream = new EventStream(() => cluster.Client(n, party, Roles.Monitor));
                stream.Start(0);
                streams.Add((node, party, stream));
            }
        }

        var statuses = new ConcurrentDictionary<(int Node, HttpStatusCode Status), int>();
        var acknowledged = new AcknowledgedWrites();
        var errors = new ConcurrentQueue<string>();
        await Task.WhenAll(Enumerable.Range(0, 9).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker * 7919);
            int node = worker % nodes;
            for (int round = 0; round < 36; round++)
            {
                string party = HotAreaWorkload.Parties[random.Next(HotAreaWorkload.Parties.Length)];
                try
                {
                    var status = await HotAreaWorkload.ActAsync(cluster.Clients(node), party, random, $"w{worker}-{round}", acknowledged);
                    statuses.AddOrUpdate((node, status), 1, (_, n) => n + 1);
                }
                catch (HttpRequestException e)
                {
                    errors.Enqueue($"{cluster.Nodes[node].Name}: {e.Message}");
                }
            }
        }, Ct)));
        Phase("load", clock);

        var failures = new List<string>();
        ServerErrors(cluster, statuses, failures);
        NoAnswers(errors, failures);
        int created = statuses.Where(s => s.Key.Status == HttpStatusCode.Created).Sum(s => s.Value);
        if (created <= 50)
        {
            failures.Add($"only {created} declarations were created: the load did not exercise the workflow ({Describe(statuses)})");
        }

        var truth = await ClusterChecks.ReadTruthAsync(cluster, failures);
        ClusterChecks.CheckInvariant(truth, failures);
        if (truth.Theater is { } theater && (!theater.Requests.All.Any(r => r.State == Parley.Core.Model.RequestState.Concurred) ||
            !theater.Operations.Any(o => o.State is Parley.Core.Model.OperationState.AwaitingConcurrence or Parley.Core.Model.OperationState.Concurred)))
        {
            failures.Add("no request was concurred or no operation waits for or holds concurrence: the load did not exercise the workflow");
        }

        ClusterChecks.CheckAcknowledged(truth, acknowledged.All, failures);
        await ClusterChecks.CheckTablesMatchLedgerAsync(cluster, truth, failures);
        Phase("database checks", clock);
        await ClusterChecks.CheckEventsAsync(cluster, streams, truth, DeliveryBound, failures);
        Phase("events", clock);
        await ClusterChecks.CheckNodeViewsAsync(cluster, [.. Enumerable.Range(0, nodes)], truth, failures);
        Phase("node views", clock);
        await ClusterChecks.CheckLedgerOnNodesAsync(cluster, [.. Enumerable.Range(0, nodes)], truth, failures);
        Phase("ledgers", clock);
        foreach (var (_, _, stream) in streams)
        {
            await stream.DisposeAsync();
        }

        Assert.True(failures.Count == 0, Report(cluster, statuses, failures));
    }

    [Fact]
    public Task an_event_committed_through_one_node_reaches_a_subscriber_on_another_within_five_seconds_and_resumes_on_a_third() =>
        EventsAsync(writer: 0, reader: 1, resumer: 2);

    /// <summary>
    /// Every write goes through node <paramref name="writer"/>; blue's events are read on node <paramref name="reader"/>,
    /// each within the bound of its commit, then, after a gap, on node <paramref name="resumer"/> from the last id seen.
    /// </summary>
    private static async Task EventsAsync(int writer, int reader, int resumer)
    {
        await using var cluster = await NodeCluster.StartAsync(3, HotAreaWorkload.AgreementId, HotAreaWorkload.Agreement, Ct);
        var hot = new Parley.Core.Model.AgreementId(HotAreaWorkload.AgreementId);
        var bluePartyId = new Parley.Core.Model.PartyId("blue");
        string through = cluster.Nodes[writer].Name;
        var delays = new List<TimeSpan>();
        using var blue = cluster.Client(writer, "blue");
        using var red = cluster.Client(writer, "red");
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/hot/zones",
            RunningServer.GeoJson(Json.Zone("blue-clinic", "protected", Json.Box(30, 10, 30.5, 10.5))), Ct)).StatusCode);
        int written = 0;

        // One write that raises an event for blue: its own operation decided (operation.state), or red's strike on
        // blue's clinic (request.opened). Returns the event's sequence number as the database holds it.
        async Task<long> WriteAsync()
        {
            int i = written++;
            using var response = i % 2 == 0
                ? await blue.PostAsync("/v1/agreements/hot/operations", RunningServer.GeoJson(Json.Operation($"blue-op-{i}", "flight", Json.Box(40 + i, 20, 40.1 + i, 20.1))), Ct)
                : await red.PostAsync("/v1/agreements/hot/operations", RunningServer.GeoJson(Json.Operation($"red-op-{i}", "strike", Json.Box(30.1, 10.1, 30.2, 10.2))), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"write {i} through {through} answered {(int)response.StatusCode}\n{cluster.ErrorReport()}");
            var events = await cluster.Store.ReadEventsAsync(hot, bluePartyId, 0, 100_000, Ct);
            Assert.NotEmpty(events);
            return events[^1].Sequence;
        }

        async Task DeliveredAsync(EventStream stream, string where, long sequence)
        {
            var clock = Stopwatch.StartNew();
            bool arrived = await stream.WaitForAsync(sequence, DeliveryBound);
            Assert.True(arrived, $"blue's stream on {where} did not receive event {sequence}, committed through {through}, within {DeliveryBound.TotalSeconds:0} s " +
                $"(it has {stream.Received.Count} events, the last {stream.Last}){(stream.Ended is { } ended ? $"; the stream ended: {ended}" : "")}");
            delays.Add(clock.Elapsed);
        }

        var first = new EventStream(() => cluster.Client(reader, "blue", Roles.Monitor));
        List<long> firstIds;
        try
        {
            first.Start(0);
            for (int i = 0; i < 6; i++)
            {
                await DeliveredAsync(first, cluster.Nodes[reader].Name, await WriteAsync());
            }

            firstIds = [.. first.Received.Select(e => e.Id)];
        }
        finally
        {
            await first.DisposeAsync();
        }

        // Writes while blue is away; it comes back on another node with the last id it saw.
        for (int i = 0; i < 4; i++)
        {
            await WriteAsync();
        }

        await using var resumed = new EventStream(() => cluster.Client(resumer, "blue", Roles.Monitor));
        resumed.Start(firstIds[^1]);
        var backlog = await cluster.Store.ReadEventsAsync(hot, bluePartyId, 0, 100_000, Ct);
        await DeliveredAsync(resumed, $"{cluster.Nodes[resumer].Name} (resumed after {firstIds[^1]})", backlog[^1].Sequence);
        for (int i = 0; i < 4; i++)
        {
            await DeliveredAsync(resumed, cluster.Nodes[resumer].Name, await WriteAsync());
        }

        // 7 of blue's operations decided, 7 requests opened by red's strikes on its clinic: each once, in order, across the two streams.
        var all = await cluster.Store.ReadEventsAsync(hot, bluePartyId, 0, 100_000, Ct);
        Assert.Equal(14, all.Count);
        Assert.Equal(all.Select(e => e.Sequence), firstIds.Concat(resumed.Received.Select(e => e.Id)));
        TestContext.Current.TestOutputHelper?.WriteLine($"delivery: {string.Join(", ", delays.Select(d => $"{d.TotalMilliseconds:0} ms"))}");
    }

    [Fact]
    public Task killing_one_of_three_nodes_under_load_loses_no_acknowledged_write_and_the_others_go_on_accepting_writes() => KillAsync([0, 1, 2], 2, [0, 1]);

    private static async Task KillAsync(int[] writerNodes, int victim, int[] survivors)
    {
        await using var cluster = await NodeCluster.StartAsync(3, HotAreaWorkload.AgreementId, HotAreaWorkload.Agreement, Ct);
        var acknowledged = new AcknowledgedWrites();
        var answers = new ConcurrentQueue<(int Node, HttpStatusCode Status, bool AfterKill)>();
        var errors = new ConcurrentQueue<string>();
        int unanswered = 0;
        long killedAt = long.MaxValue;
        using var stop = new CancellationTokenSource();

        // Two writers per node; a writer whose node dies goes on against the next one, as a client with a list of nodes would.
        var writers = Enumerable.Range(0, 2 * writerNodes.Length).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker * 104_729);
            int node = writerNodes[worker % writerNodes.Length];
            for (int round = 0; !stop.IsCancellationRequested; round++)
            {
                string party = HotAreaWorkload.Parties[random.Next(HotAreaWorkload.Parties.Length)];
                try
                {
                    var status = await HotAreaWorkload.ActAsync(cluster.Clients(node), party, random, $"k{worker}-{round}", acknowledged);
                    answers.Enqueue((node, status, Stopwatch.GetTimestamp() > Interlocked.Read(ref killedAt)));
                }
                // A node killed mid-answer ends the response early (an IOException, not an HttpRequestException).
                catch (Exception e) when (e is HttpRequestException or IOException && node == victim && Interlocked.Read(ref killedAt) != long.MaxValue)
                {
                    Interlocked.Increment(ref unanswered);
                    node = (node + 1) % 3;
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    errors.Enqueue($"{cluster.Nodes[node].Name}: {e.Message}");
                }
            }
        }, Ct)).ToList();

        // Phases end on counts of answers, not on time: the load runs until every node has answered writes, the victim is
        // killed, then it runs until every survivor has accepted writes since (or a deadline passes, which the checks report).
        bool Accepted(int node, bool afterKill, int count) =>
            answers.Count(a => a.Node == node && a.AfterKill == afterKill && a.Status is HttpStatusCode.OK or HttpStatusCode.Created) >= count;
        await UntilAsync(() => writerNodes.All(n => Accepted(n, afterKill: false, 10)), TimeSpan.FromSeconds(60));
        Interlocked.Exchange(ref killedAt, Stopwatch.GetTimestamp());
        cluster.Nodes[victim].Kill();
        await UntilAsync(() => survivors.All(n => Accepted(n, afterKill: true, 10)), TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        var failures = new List<string>();
        var statuses = answers.GroupBy(a => (a.Node, a.Status)).ToDictionary(g => g.Key, g => g.Count());
        ServerErrors(cluster, statuses, failures);
        NoAnswers(errors, failures);
        foreach (int node in survivors)
        {
            int accepted = answers.Count(a => a.Node == node && a.AfterKill && a.Status is HttpStatusCode.OK or HttpStatusCode.Created);
            if (accepted == 0)
            {
                failures.Add($"{cluster.Nodes[node].Name} accepted no write after {cluster.Nodes[victim].Name} was killed");
            }
        }

        var truth = await ClusterChecks.ReadTruthAsync(cluster, failures);
        ClusterChecks.CheckInvariant(truth, failures);
        ClusterChecks.CheckAcknowledged(truth, acknowledged.All, failures);
        await ClusterChecks.CheckTablesMatchLedgerAsync(cluster, truth, failures);
        await ClusterChecks.CheckNodeViewsAsync(cluster, survivors, truth, failures);
        await ClusterChecks.CheckLedgerOnNodesAsync(cluster, survivors, truth, failures);
        Assert.True(failures.Count == 0, Report(cluster, statuses, failures) + $"\n{unanswered} calls to the killed node went unanswered");
    }

    // Polls with a deadline: the answers come from server processes of their own, which no clock of the test drives.
    private static async Task UntilAsync(Func<bool> done, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!done() && clock.Elapsed < limit)
        {
            await Task.Delay(50, Ct);
        }
    }

    private static void Phase(string what, Stopwatch clock)
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"{what}: {clock.Elapsed.TotalSeconds:0.0} s");
        clock.Restart();
    }

    private static void ServerErrors(NodeCluster cluster, IReadOnlyDictionary<(int Node, HttpStatusCode Status), int> statuses, List<string> failures)
    {
        for (int node = 0; node < cluster.Nodes.Count; node++)
        {
            int all = statuses.Where(s => s.Key.Node == node).Sum(s => s.Value);
            int errors = statuses.Where(s => s.Key.Node == node && (int)s.Key.Status >= 500).Sum(s => s.Value);
            if (errors > 0)
            {
                failures.Add($"{cluster.Nodes[node].Name} answered {errors} of {all} actions with a server error");
            }
        }
    }

    // A read that failed (its answer not 2xx) or a call that got no answer from a node that was not killed.
    private static void NoAnswers(ConcurrentQueue<string> errors, List<string> failures)
    {
        if (!errors.IsEmpty)
        {
            failures.Add($"{errors.Count} calls failed without an answer to act on, e.g. {string.Join("; ", errors.Take(3))}");
        }
    }

    private static string Describe(IReadOnlyDictionary<(int Node, HttpStatusCode Status), int> statuses) =>
        string.Join(", ", statuses.OrderBy(s => s.Key.Node).ThenBy(s => s.Key.Status).Select(s => $"node {s.Key.Node} {(int)s.Key.Status}: {s.Value}"));

    private static string Report(NodeCluster cluster, IReadOnlyDictionary<(int Node, HttpStatusCode Status), int> statuses, List<string> failures) =>
        $"{failures.Count} failures:\n- {string.Join("\n- ", failures)}\nanswers: {Describe(statuses)}\n{cluster.ErrorReport()}";
}
