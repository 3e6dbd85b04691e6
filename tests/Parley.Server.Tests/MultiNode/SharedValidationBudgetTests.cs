using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace Parley.Server.Tests.MultiNode;

/// <summary>
/// One validation budget per party, whatever the node: a party's declarations alternated over two nodes on one
/// PostgreSQL database are refused after the vertices one node would validate, within the documented tolerance, not
/// after twice as many; another party is still served meanwhile.
/// </summary>
[Trait("Lane", "Slow")]
[Collection(nameof(MultiNodeCollection))]
public sealed class SharedValidationBudgetTests
{
    private const string AgreementId = "budget";

    private const int PerMinute = 4_000;

    // The chunk a node takes from the shared bucket at a time (ValidationBudgets.SharedBudget).
    private const int Chunk = PerMinute / 20;

    private const int VerticesPerRing = 40;

    private const int FeaturesPerRequest = 5;

    private static readonly string Agreement = $$"""{"id":"{{AgreementId}}","parties":[{"id":"blue"},{"id":"red"}]}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A declaration of <see cref="FeaturesPerRequest"/> polygons of <see cref="VerticesPerRing"/> distinct vertices each.</summary>
    private static string Declaration(string party, int request)
    {
        var body = new StringBuilder("""{"type":"FeatureCollection","features":[""");
        for (int k = 0; k < FeaturesPerRequest; k++)
        {
            double lon = 10 + (k * 0.1), lat = 40 + (request * 0.1);
            var ring = Enumerable.Range(0, VerticesPerRing + 1).Select(i =>
            {
                double a = 2 * Math.PI * (i % VerticesPerRing) / VerticesPerRing;
                return string.Create(CultureInfo.InvariantCulture, $"[{lon + (0.02 * Math.Cos(a)):F6},{lat + (0.02 * Math.Sin(a)):F6}]");
            });
            body.Append(k == 0 ? "" : ",").Append(Json.Zone($"{party}-{request}-{k}", "protected", $$"""{"type":"Polygon","coordinates":[[{{string.Join(",", ring)}}]]}"""));
        }

        return body.Append("]}").ToString();
    }

    [Fact]
    public async Task a_partys_declarations_alternated_over_two_nodes_draw_on_one_validation_budget()
    {
        await using var cluster = await NodeCluster.StartAsync(2, AgreementId, Agreement, Ct,
            ["--rate-limit", "0", "--validation-budget", PerMinute.ToString(CultureInfo.InvariantCulture)]);
        using var blue0 = cluster.Client(0, "blue");
        using var blue1 = cluster.Client(1, "blue");
        using var red = cluster.Client(1, "red");
        int perRequest = VerticesPerRing * FeaturesPerRequest;

        // Requests alternate between the nodes until each node has refused one: a budget per node would admit about
        // twice the budget before both refused.
        var started = Stopwatch.StartNew();
        int admitted = 0;
        var refusedBy = new HashSet<int>();
        for (int request = 0; request < 4 * PerMinute / perRequest && refusedBy.Count < 2; request++)
        {
            int node = request % 2;
            using var response = await (node == 0 ? blue0 : blue1).PostAsync($"/v1/agreements/{AgreementId}/zones", RunningServer.GeoJson(Declaration("blue", request)), Ct);
            string text = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Contains("validation-budget", text, StringComparison.Ordinal);
                Assert.NotNull(response.Headers.RetryAfter?.Delta);
                refusedBy.Add(node);
                continue;
            }

            Assert.True(response.StatusCode == HttpStatusCode.Created, $"request {request} on node {node}: {(int)response.StatusCode} {text}\n{cluster.ErrorReport()}");
            admitted += perRequest;
        }

        double refill = PerMinute / 60.0 * started.Elapsed.TotalSeconds;
        Assert.Equal(2, refusedBy.Count);
        // At most the budget, its refill meanwhile, one chunk and one request (the feature that took it below zero) per node.
        Assert.InRange(admitted, PerMinute - (2 * Chunk) - perRequest, PerMinute + refill + (2 * (Chunk + perRequest)));
        Assert.True(admitted < 2 * PerMinute - (2 * perRequest), $"{admitted} vertices admitted: each node kept a budget of its own");

        // Another party has a budget of its own.
        using var other = await red.PostAsync($"/v1/agreements/{AgreementId}/zones", RunningServer.GeoJson(Declaration("red", 0)), Ct);
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.True(cluster.Nodes.All(n => n.Errors.Count == 0), cluster.ErrorReport());
    }
}
