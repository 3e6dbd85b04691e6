using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Server.Security;

namespace Parley.Server.Tests.MultiNode;

/// <summary>
/// An amendment made through one node while two others decide under load: from the commit that brings it into force,
/// every node decides under the new version — no decision of any node breaches the new term without a mark, every node
/// refuses what the term refuses at once, and every node serves the same version and history.
/// </summary>
[Collection(nameof(MultiNodeCollection))]
[Trait("Lane", "Slow")]
public sealed class AmendmentNodeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The hot area's agreement: blue, red and aid sign its amendments.
    private static string Grounding => $$"""
        {"reason":"red's flights grounded over the whole theater","signing_deadline":"{{DateTimeOffset.UtcNow.AddDays(3):yyyy-MM-ddTHH:mm:ssZ}}",
         "add_terms":[{"id":"red-flights-grounded","type":"suspension","parties":["red"],"kinds":["flight"]}]}
        """;

    [Fact]
    public async Task an_amendment_signed_through_one_node_binds_every_decision_the_others_take_from_its_commit_on()
    {
        await using var cluster = await NodeCluster.StartAsync(3, HotAreaWorkload.AgreementId, HotAreaWorkload.Agreement, Ct);
        var statuses = new ConcurrentDictionary<(int Node, HttpStatusCode Status), int>();
        var acknowledged = new AcknowledgedWrites();
        var errors = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();

        // Nodes 1 and 2 decide the hot area's load, without a pause, before, during and after the amendment.
        var workers = Enumerable.Range(0, 6).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker * 31_337);
            int node = 1 + (worker % 2);
            for (int round = 0; !stop.IsCancellationRequested; round++)
            {
                string party = HotAreaWorkload.Parties[random.Next(HotAreaWorkload.Parties.Length)];
                try
                {
                    var status = await HotAreaWorkload.ActAsync(cluster.Clients(node), party, random, $"a{worker}-{round}", acknowledged);
                    statuses.AddOrUpdate((node, status), 1, (_, n) => n + 1);
                }
                catch (HttpRequestException e)
                {
                    errors.Enqueue($"{cluster.Nodes[node].Name}: {e.Message}");
                }
            }
        }, Ct)).ToList();

        // Through node 0: red proposes, blue and aid sign; the last signature brings it into force.
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        var proposed = await PostAsync(cluster, "red", "/v1/agreements/hot/agreement/amendments", Grounding, HttpStatusCode.Created);
        string id = proposed.GetProperty("id").GetString()!;
        await PostAsync(cluster, "blue", $"/v1/agreements/hot/agreement/amendments/{id}/signatures", "{}", HttpStatusCode.OK);
        var inForce = await PostAsync(cluster, "aid", $"/v1/agreements/hot/agreement/amendments/{id}/signatures", "{}", HttpStatusCode.OK);
        Assert.Equal("in-force", inForce.GetProperty("state").GetString());

        // Each deciding node refuses a red flight at once: it decides under the version the commit made.
        var failures = new List<string>();
        foreach (int node in new[] { 1, 2 })
        {
            using var red = cluster.Client(node, "red");
            using var response = await red.PostAsync("/v1/agreements/hot/operations",
                RunningServer.GeoJson(Json.Operation($"after-{node}", "flight", Json.Box(10.001, 45.001, 10.002, 45.002))), Ct);
            string body = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode != HttpStatusCode.Conflict || !body.Contains("red-flights-grounded", StringComparison.Ordinal))
            {
                failures.Add($"{cluster.Nodes[node].Name} answered {(int)response.StatusCode} to a red flight right after the grounding came into force: {body}");
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        foreach (var ((node, status), count) in statuses.Where(s => (int)s.Key.Status >= 500))
        {
            failures.Add($"{cluster.Nodes[node].Name} answered {count} actions with {(int)status}");
        }

        if (!errors.IsEmpty)
        {
            failures.Add($"{errors.Count} calls got no answer, e.g. {errors.First()}");
        }

        // The ledger replays to version 2, and no decision of any node lets a red flight go ahead without a mark.
        var truth = await ClusterChecks.ReadTruthAsync(cluster, failures);
        ClusterChecks.CheckInvariant(truth, failures);
        ClusterChecks.CheckAcknowledged(truth, acknowledged.All, failures);
        await ClusterChecks.CheckTablesMatchLedgerAsync(cluster, truth, failures);
        await ClusterChecks.CheckNodeViewsAsync(cluster, [0, 1, 2], truth, failures);
        if (truth.Theater is { } theater && theater.Agreement.Version != 2)
        {
            failures.Add($"the ledger replays to version {theater.Agreement.Version}, not 2");
        }

        // Every node serves the same version and history.
        var histories = new List<string>();
        for (int node = 0; node < 3; node++)
        {
            using var monitor = cluster.Client(node, "blue", Roles.Monitor);
            var agreement = await monitor.GetFromJsonAsync<JsonElement>("/v1/agreements/hot/agreement", Ct);
            if (agreement.GetProperty("version").GetInt32() != 2)
            {
                failures.Add($"{cluster.Nodes[node].Name} serves version {agreement.GetProperty("version").GetInt32()}");
            }

            histories.Add((await monitor.GetFromJsonAsync<JsonElement>("/v1/agreements/hot/agreement/history", Ct)).GetRawText());
        }

        if (histories.Distinct().Count() != 1)
        {
            failures.Add("the nodes serve different histories");
        }

        int decided = statuses.Where(s => s.Key.Status is HttpStatusCode.Created or HttpStatusCode.OK).Sum(s => s.Value);
        if (decided < 20)
        {
            failures.Add($"only {decided} writes were accepted: the load did not run beside the amendment");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n- {string.Join("\n- ", failures)}\n{cluster.ErrorReport()}");
    }

    private static async Task<JsonElement> PostAsync(NodeCluster cluster, string party, string url, string body, HttpStatusCode expected)
    {
        using var approver = cluster.Client(0, party, Roles.Approver);
        using var response = await approver.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{party} {url}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
