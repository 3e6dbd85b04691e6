using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Parley.Server.Tests;

/// <summary>A party's validation work is bounded by its budget of vertices a minute: past it, 429 with Retry-After, for that party only.</summary>
public sealed class ValidationBudgetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A collection of <paramref name="count"/> small squares whose ids start with <paramref name="prefix"/>.</summary>
    private static string Squares(string prefix, int count, double lon) =>
        """{"type":"FeatureCollection","features":[""" +
        string.Join(",", Enumerable.Range(0, count).Select(i =>
            Json.Zone(prefix + i.ToString(CultureInfo.InvariantCulture), "protected", Json.Box(lon + (i * 0.01), 50, lon + (i * 0.01) + 0.005, 50.005)))) +
        "]}";

    [Fact]
    public async Task a_party_past_its_budget_gets_429_with_retry_after_and_nothing_stored_while_another_party_is_served()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        await using var server = await RunningServer.StartAsync(time: time, configure: o => o with { ValidationVerticesPerMinute = 62 });
        using var red = server.Client("red");

        // Sixteen squares are 64 vertices: the last starts with two left and takes the budget of 62 to -2.
        var first = await red.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Squares("ra", 16, 30)), Ct);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        var refused = await red.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Squares("rb", 2, 31)), Ct);
        var problem = await Problem.AssertAsync(refused, 429);
        Assert.EndsWith("/validation-budget", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        int retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), CultureInfo.InvariantCulture);
        Assert.Equal(3, retryAfter); // from -2 to above zero at 62 vertices a minute: 3 / 1.0333 s, rounded up

        using var blue = server.Client("blue");
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Squares("ba", 2, 32)), Ct)).StatusCode);

        var zones = JsonDocument.Parse(await red.GetStringAsync("/v1/agreements/demo/zones?limit=10000", Ct)).RootElement.GetProperty("features");
        Assert.DoesNotContain(zones.EnumerateArray(), z => z.GetProperty("id").GetString()!.StartsWith("rb", StringComparison.Ordinal));

        // Once the refill brings the budget above zero, the party is read again.
        time.Advance(TimeSpan.FromSeconds(retryAfter));
        Assert.Equal(HttpStatusCode.Created, (await red.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Squares("rc", 1, 33)), Ct)).StatusCode);
    }
}
