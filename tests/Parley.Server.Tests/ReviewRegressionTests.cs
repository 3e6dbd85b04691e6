using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Server.Security;
using Parley.Server.Configuration;

namespace Parley.Server.Tests;

/// <summary>Regression tests for faults found in review, each named for the fault.</summary>
public sealed class ReviewRegressionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{"type":"Feature","id":"\ud800x","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"protected","radius_m":5,"start":"2026-01-01T00:00:00Z"}}""")]
    [InlineData("""{"type":"Feature","id":"ok","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"\udc00","radius_m":5,"start":"2026-01-01T00:00:00Z"}}""")]
    [InlineData("""{"type":"Feature","id":"ok","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"protected","name":"\ud800","radius_m":5,"start":"2026-01-01T00:00:00Z"}}""")]
    public async Task Bug_a_lone_surrogate_escape_in_a_string_is_a_400_problem_not_a_500(string body)
    {
        await using var server = await RunningServer.StartAsync();
        using var blue = server.Client("blue");
        var response = await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(body), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Bug_a_withdrawn_demo_zone_stays_withdrawn_after_a_restart_with_demo()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-demo-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var first = await RunningServer.StartAsync(data))
            {
                using var blue = first.Client("blue");
                Assert.Equal(HttpStatusCode.NoContent, (await blue.DeleteIfMatchAsync("/v1/agreements/demo/zones/blue-school-2", Ct)).StatusCode);
            }

            await using var second = await RunningServer.StartAsync(data);
            using var blueAgain = second.Client("blue");
            Assert.Equal(HttpStatusCode.NotFound, (await blueAgain.GetAsync("/v1/agreements/demo/zones/blue-school-2", Ct)).StatusCode);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Bug_two_zones_of_one_request_over_one_accepted_operation_reopen_it_once()
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

    [Fact]
    public async Task Bug_an_observer_party_cannot_use_an_operator_token_and_requests_have_a_feature_cap()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-roles-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        string file = Path.Combine(data, "agreement.json");
        await File.WriteAllTextAsync(file, """{"id":"pact","parties":[{"id":"blue"},{"id":"un","role":"observer"}]}""", Ct);
        var app = await ParleyApp.StartAsync(new ParleyServerOptions
        {
            DataDirectory = data, Urls = "http://127.0.0.1:0", AgreementFiles = [file], ConsoleLogging = false, MaxFeaturesPerRequest = 2,
        }, Ct);
        try
        {
            using var observer = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            observer.DefaultRequestHeaders.Authorization = new("Bearer", TokenKeys.Issue(data, "pact", "un", Roles.Operator, TimeSpan.FromHours(1)));
            var zone = Json.Zone("un-1", "protected", Json.Box(0, 0, 1, 1));
            Assert.Equal(HttpStatusCode.Forbidden, (await observer.PostAsync("/v1/agreements/pact/zones", RunningServer.GeoJson(zone), Ct)).StatusCode);

            observer.DefaultRequestHeaders.Authorization = new("Bearer", TokenKeys.Issue(data, "pact", "un", Roles.Monitor, TimeSpan.FromHours(1)));
            Assert.Equal(HttpStatusCode.OK, (await observer.GetAsync("/v1/agreements/pact/zones", Ct)).StatusCode);

            using var blue = SigningHandler.Client(new Uri(app.Urls.First()), data, "pact", "blue");
            var three = $$"""{"type":"FeatureCollection","features":[{{string.Join(",", Enumerable.Range(0, 3).Select(i => Json.Zone($"b{i}", "protected", Json.Box(i, 0, i + 0.5, 0.5))))}}]}""";
            var response = await blue.PostAsync("/v1/agreements/pact/zones", new StringContent(three, Encoding.UTF8, "application/geo+json"), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal("features", problem.GetProperty("errors")[0].GetProperty("field").GetString());
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
