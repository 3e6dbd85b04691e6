using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// A declaration's FeatureCollection was bounded by the body's size only: one request could hold as many small features
/// as fit, all decided in one write under the agreement's lock. Past <c>MaxFeaturesPerRequest</c> it is now refused with
/// a 400 problem naming <c>features</c>.
/// </summary>
public sealed class Bug_a_request_could_carry_any_number_of_features
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_request_with_more_features_than_the_cap_is_refused_naming_features()
    {
        await using var server = await RunningServer.StartAsync(demo: false,
            agreements: ["""{"id":"pact","parties":[{"id":"blue"},{"id":"un","role":"observer"}]}"""],
            configure: o => o with { MaxFeaturesPerRequest = 2 });
        using var blue = server.Client("blue", agreement: "pact");
        var three = $$"""{"type":"FeatureCollection","features":[{{string.Join(",", Enumerable.Range(0, 3).Select(i => Json.Zone($"b{i}", "protected", Json.Box(i, 0, i + 0.5, 0.5))))}}]}""";
        var response = await blue.PostAsync("/v1/agreements/pact/zones", RunningServer.GeoJson(three), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("features", problem.GetProperty("errors")[0].GetProperty("field").GetString());
    }
}
