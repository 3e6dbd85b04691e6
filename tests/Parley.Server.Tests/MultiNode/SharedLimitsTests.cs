using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Server.Security;

namespace Parley.Server.Tests.MultiNode;

/// <summary>
/// One budget per party, whatever the node: a prober and a request flood spread over three nodes on one PostgreSQL
/// database are refused at the count one node refuses them (exactly for the probing budget and its alert, within the
/// documented tolerance for the request rate).
/// </summary>
[Trait("Lane", "Slow")]
[Collection(nameof(MultiNodeCollection))]
public sealed class SharedLimitsTests
{
    private const string AgreementId = "limits";

    private const int PerHour = 12;

    private static readonly string Agreement =
        $$$"""{"id":"{{{AgreementId}}}","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"},{"id":"green"}],"probing_budget":{"per_hour":{{{PerHour}}},"per_day":100}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DisclosureGrid Grid = new(10_000);
    private static readonly GridCell Cell = Grid.CellAt(9.15, 42.15);

    /// <summary>A point at fractions (fx, fy) of the disclosure cell's width and height from its south-west corner.</summary>
    private static (double Lon, double Lat) Inside(double fx, double fy) =>
        (Grid.West(Cell.Row, Cell.Column) + (fx * (Grid.East(Cell.Row, Cell.Column) - Grid.West(Cell.Row, Cell.Column))),
         Grid.South(Cell.Row) + (fy * (Grid.North(Cell.Row) - Grid.South(Cell.Row))));

    private static string Point(double lon, double lat) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"type":"Point","coordinates":[{{lon:R}},{{lat:R}}]}""");

    /// <summary>
    /// An adaptive prober: small strikes checked around red's private post, each next one moved towards the last that
    /// touched it, on node <c>i mod nodes</c> for its i-th call, until refused; the touching answers it got.
    /// </summary>
    private static async Task<(int Touching, HttpResponseMessage Refusal)> ProbeAsync(NodeCluster cluster, string party, int[] nodes)
    {
        var clients = nodes.Distinct().ToDictionary(n => n, n => cluster.Client(n, party));
        try
        {
            double step = 0;
            int touching = 0;
            for (int call = 0; call < 4 * PerHour; call++)
            {
                var client = clients[nodes[call % nodes.Length]];
                var at = Inside(0.7 - (0.02 * step), 0.3 + (0.01 * step));
                string feature = Json.Operation($"{party}-probe-{call}", "strike", Point(at.Lon, at.Lat), ",\"radius_m\":50");
                var response = await client.PostAsync($"/v1/agreements/{AgreementId}/check", RunningServer.GeoJson(feature), Ct);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    return (touching, response);
                }

                Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
                bool touched = body.RootElement.GetProperty("conflicts").EnumerateArray().Any(c => c.GetProperty("owner").GetString() == "red");
                touching += touched ? 1 : 0;

                // Closer to the post after a touch, half a step back after none: every probe is a distinct small operation.
                step += touched ? 1 : -0.5;
            }

            throw new Xunit.Sdk.XunitException($"{party} was never refused after {4 * PerHour} checks");
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task an_adaptive_prober_spreading_its_checks_over_three_nodes_is_refused_at_the_budget_and_alerted_once_as_on_one_node()
    {
        await using var cluster = await NodeCluster.StartAsync(3, AgreementId, Agreement, Ct);
        using (var red = cluster.Client(0, "red"))
        {
            var post = Inside(0.3, 0.6);
            var zone = Json.Zone("red-post", "protected", Point(post.Lon, post.Lat), ",\"radius_m\":200,\"visibility\":\"private\"");
            var declared = await red.PostAsync($"/v1/agreements/{AgreementId}/zones", RunningServer.GeoJson(zone), Ct);
            Assert.Equal(HttpStatusCode.Created, declared.StatusCode);
        }

        var (alone, aloneRefusal) = await ProbeAsync(cluster, "blue", [0]);
        var (spread, spreadRefusal) = await ProbeAsync(cluster, "aid", [0, 1, 2]);

        Assert.Equal(PerHour, alone);
        Assert.Equal(PerHour, spread);
        foreach (var refusal in new[] { aloneRefusal, spreadRefusal })
        {
            Assert.NotNull(refusal.Headers.RetryAfter?.Delta);
            Assert.Contains("probing-budget", await refusal.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // Each node refuses the spread prober now, whichever it asks.
        for (int node = 0; node < 3; node++)
        {
            using var aid = cluster.Client(node, "aid");
            var late = Inside(0.5, 0.5);
            var feature = Json.Operation($"aid-late-{node}", "strike", Point(late.Lon, late.Lat), ",\"radius_m\":50");
            Assert.Equal(HttpStatusCode.TooManyRequests, (await aid.PostAsync($"/v1/agreements/{AgreementId}/check", RunningServer.GeoJson(feature), Ct)).StatusCode);
        }

        // The mapping alert's window is one too: red is told once per prober, however many nodes it used.
        var alerts = (await cluster.Store.ReadEventsAsync(new AgreementId(AgreementId), new PartyId("red"), 0, 1000, Ct))
            .Where(e => e.Type == "probing.suspected")
            .Select(e => JsonDocument.Parse(e.Payload).RootElement.GetProperty("requester").GetString())
            .ToList();
        Assert.Equal(["aid", "blue"], alerts.Order(StringComparer.Ordinal));
        Assert.True(cluster.Nodes.All(n => n.Errors.Count == 0), cluster.ErrorReport());
    }

    [Fact]
    public async Task a_request_flood_spread_over_three_nodes_is_admitted_as_often_as_on_one_node_within_the_documented_tolerance()
    {
        const int Rate = 2, Burst = 60, Nodes = 3, Flood = 150;
        int chunk = SharedTokenBucket.ChunkFor(Burst);
        await using var cluster = await NodeCluster.StartAsync(Nodes, AgreementId, Agreement, Ct,
            ["--rate-limit", Rate.ToString(CultureInfo.InvariantCulture), "--rate-burst", Burst.ToString(CultureInfo.InvariantCulture)]);

        async Task<(int Admitted, double Seconds, HttpResponseMessage? Refusal)> FloodAsync(string party, int[] nodes)
        {
            var clients = nodes.Distinct().ToDictionary(n => n, n => cluster.Client(n, party));
            var clock = Stopwatch.StartNew();
            int next = -1, admitted = 0;
            HttpResponseMessage? refusal = null;
            await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
            {
                for (int i; (i = Interlocked.Increment(ref next)) < Flood;)
                {
                    var response = await clients[nodes[i % nodes.Length]].GetAsync($"/v1/agreements/{AgreementId}/zones", Ct);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        Interlocked.CompareExchange(ref refusal, response, null);
                    }
                    else
                    {
                        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                        Interlocked.Increment(ref admitted);
                    }
                }
            }, Ct)));
            double seconds = clock.Elapsed.TotalSeconds;
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }

            return (admitted, seconds, refusal);
        }

        var alone = await FloodAsync("blue", [0]);
        var spread = await FloodAsync("aid", [0, 1, 2]);

        // One bucket of Burst tokens refilled at Rate a second: at most Burst + Rate·t + N·chunk admitted (the chunks the
        // nodes may hold), at least Burst − 1 − (N−1)·chunk (what the other nodes hold unspent when one is refused).
        foreach (var (name, run) in new[] { ("one node", alone), ("three nodes", spread) })
        {
            int most = Burst + (int)Math.Ceiling(Rate * run.Seconds) + (Nodes * chunk);
            int least = Burst - 1 - ((Nodes - 1) * chunk);
            Assert.True(run.Admitted >= least && run.Admitted <= most,
                $"{name}: {run.Admitted} of {Flood} admitted in {run.Seconds:F1} s; expected {least}–{most}\n{cluster.ErrorReport()}");
            Assert.NotNull(run.Refusal);
            Assert.NotNull(run.Refusal!.Headers.RetryAfter?.Delta);
            Assert.Contains("rate-limited", await run.Refusal.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // Limits kept per node would have admitted the burst on each of the three.
        Assert.True(spread.Admitted < 2 * Burst, $"three nodes admitted {spread.Admitted}: the limit multiplied");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"admitted of {Flood}: one node {alone.Admitted} in {alone.Seconds:F1} s, three nodes {spread.Admitted} in {spread.Seconds:F1} s (bucket {Burst}, {Rate}/s, chunk {chunk})");
    }
}
