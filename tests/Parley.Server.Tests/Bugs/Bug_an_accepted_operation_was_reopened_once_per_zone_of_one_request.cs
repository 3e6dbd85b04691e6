using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// A request declaring several zones that each conflict with one accepted operation reopened the operation once per
/// zone, moving its version once for each; it is reopened once per request, with every conflict.
/// </summary>
public sealed class Bug_an_accepted_operation_was_reopened_once_per_zone_of_one_request
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task two_zones_of_one_request_over_one_accepted_operation_reopen_it_once()
    {
        await using var server = await RunningServer.StartAsync();
        using var red = server.Client("red");
        var flight = Json.Operation("red-once-1", "flight", Json.Box(12, 44, 12.05, 44.05));
        Assert.Equal(HttpStatusCode.Created, (await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(flight), Ct)).StatusCode);

        using var blue = server.Client("blue");
        var zones = $$"""{"type":"FeatureCollection","features":[{{Json.Zone("blue-r-1", "restricted", Json.Box(12.01, 44.01, 12.2, 44.2))}},{{Json.Zone("blue-r-2", "restricted", Json.Box(12.02, 44.02, 12.3, 44.3))}}]}""";
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(zones), Ct)).StatusCode);

        var op = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations/red-once-1", Ct);
        Assert.Equal("awaiting-concurrence", op.GetProperty("state").GetString());
        Assert.Equal(2, op.GetProperty("version").GetInt64());
        Assert.Equal(2, op.GetProperty("conflicts").GetArrayLength());
    }
}
