using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Server.Security;

namespace Parley.Server.Tests;

public sealed class ApiTests : IAsyncLifetime
{
    // The demo's private blue hospital: a circle of 600 m at (9.152, 42.148), named "Field hospital Alder".
    private const string HospitalName = "Field hospital Alder";
    private RunningServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await RunningServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task health_and_the_openapi_document_need_no_token()
    {
        using var client = _server.Client();
        var health = await client.GetFromJsonAsync<JsonElement>("/health", TestContext.Current.CancellationToken);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Contains("demo", health.GetProperty("agreements").EnumerateArray().Select(e => e.GetString()));

        var openApi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);
        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/v1/agreements/{agreement}/zones", paths);
        Assert.Contains("/v1/agreements/{agreement}/zones/{id}", paths);
        Assert.Contains("/v1/agreements/{agreement}/operations", paths);
        Assert.Contains("/v1/agreements/{agreement}/operations/{id}", paths);
        Assert.Contains("/v1/agreements/{agreement}/check", paths);
    }

    [Fact]
    public async Task a_strike_on_a_private_protected_site_conflicts_and_the_striker_learns_only_the_redacted_form()
    {
        using var red = _server.Client("red");
        var strike = Json.Operation("red-strike-1", "strike", Json.Box(9.149, 42.145, 9.155, 42.151));
        var response = await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(strike), TestContext.Current.CancellationToken);
        string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal("awaiting-concurrence", answer.GetProperty("state").GetString());
        var conflict = Assert.Single(answer.GetProperty("conflicts").EnumerateArray());
        Assert.Equal("blue", conflict.GetProperty("owner").GetString());
        Assert.Equal("protected", conflict.GetProperty("kind").GetString());
        Assert.StartsWith("h-", conflict.GetProperty("handle").GetString(), StringComparison.Ordinal);
        Assert.True(conflict.TryGetProperty("area", out var area));
        Assert.True(area.GetProperty("east").GetDouble() > area.GetProperty("west").GetDouble());
        Assert.False(conflict.TryGetProperty("id", out _));
        Assert.DoesNotContain(HospitalName, body, StringComparison.Ordinal);
        Assert.DoesNotContain("blue-hospital-1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("9.152", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_owner_of_the_zone_sees_the_conflict_in_full_when_it_checks_the_same_footprint()
    {
        using var aid = _server.Client("aid");
        // The aid convoy corridor is public: a strike by another party on it is reported with its id.
        using var red = _server.Client("red");
        var strike = Json.Operation("check-1", "strike", Json.Box(9.19, 42.09, 9.21, 42.11)).Replace("2026-12-01T08:00:00Z", "2026-12-01T07:00:00Z");
        var response = await red.PostAsync("/v1/agreements/demo/check", RunningServer.GeoJson(strike), TestContext.Current.CancellationToken);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var conflict = Assert.Single(answer.GetProperty("conflicts").EnumerateArray());
        Assert.Equal("aid-convoy-7", conflict.GetProperty("id").GetString());
        Assert.False(conflict.TryGetProperty("handle", out _));

        // A dry run stores nothing.
        var get = await red.GetAsync("/v1/agreements/demo/operations/check-1", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task handles_are_stable_for_one_requester_and_differ_between_requesters()
    {
        string Strike(string id) => Json.Operation(id, "strike", Json.Box(9.150, 42.146, 9.154, 42.150));
        async Task<string> HandleFor(string party, string id)
        {
            using var client = _server.Client(party);
            var r = await client.PostAsync("/v1/agreements/demo/check", RunningServer.GeoJson(Strike(id)), TestContext.Current.CancellationToken);
            var a = await r.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            return a.GetProperty("conflicts")[0].GetProperty("handle").GetString()!;
        }

        Assert.Equal(await HandleFor("red", "a"), await HandleFor("red", "b"));
        Assert.NotEqual(await HandleFor("red", "a"), await HandleFor("aid", "a"));
    }

    [Fact]
    public async Task a_token_without_the_operator_role_is_refused_with_403_and_one_naming_an_unknown_agreement_or_party_with_401()
    {
        using var monitor = _server.Client("red", Roles.Monitor);
        var declare = await monitor.PostAsync("/v1/agreements/demo/zones",
            RunningServer.GeoJson(Json.Zone("m1", "protected", Json.Box(0, 0, 1, 1))), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, declare.StatusCode);
        Assert.Equal("application/problem+json", declare.Content.Headers.ContentType?.MediaType);

        using var client = _server.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", _server.Token("red", Roles.Operator, agreement: "other"));
        var list = await client.GetAsync("/v1/agreements/demo/zones", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);

        using var stranger = _server.Client();
        stranger.DefaultRequestHeaders.Authorization = new("Bearer", _server.Token("green"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("/v1/agreements/demo/zones", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task a_private_zone_is_invisible_to_other_parties_in_lists_and_reads()
    {
        using var red = _server.Client("red");
        var list = await red.GetStringAsync("/v1/agreements/demo/zones", TestContext.Current.CancellationToken);
        Assert.DoesNotContain("blue-hospital-1", list, StringComparison.Ordinal);
        Assert.DoesNotContain(HospitalName, list, StringComparison.Ordinal);
        Assert.Contains("blue-school-2", list, StringComparison.Ordinal); // public

        var read = await red.GetAsync("/v1/agreements/demo/zones/blue-hospital-1", TestContext.Current.CancellationToken);
        var missing = await red.GetAsync("/v1/agreements/demo/zones/no-such-zone", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var blue = _server.Client("blue");
        var own = await blue.GetStringAsync("/v1/agreements/demo/zones/blue-hospital-1", TestContext.Current.CancellationToken);
        Assert.Contains(HospitalName, own, StringComparison.Ordinal);

        // Shared with named parties: aid sees the red water plant, blue does not.
        using var aid = _server.Client("aid");
        Assert.Equal(HttpStatusCode.OK, (await aid.GetAsync("/v1/agreements/demo/zones/red-water-plant", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await blue.GetAsync("/v1/agreements/demo/zones/red-water-plant", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Theory]
    [InlineData("""{"type":"Feature","id":"bad-1","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]},"properties":{"kind":"protected","start":"2026-01-01T00:00:00Z"}}""", "bad-1", "geometry.coordinates[0]")]
    [InlineData("""{"type":"Feature","id":"bad-2","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]},"properties":{"kind":"protected","start":"2026-01-01T00:00:00Z"}}""", "bad-2", "geometry.coordinates[0]")]
    [InlineData("""{"type":"Feature","id":"bad-3","geometry":{"type":"Point","coordinates":[0,95]},"properties":{"kind":"protected","radius_m":10,"start":"2026-01-01T00:00:00Z"}}""", "bad-3", "geometry.coordinates")]
    [InlineData("""{"type":"Feature","id":"bad-4","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"protected","start":"2026-01-01T00:00:00Z"}}""", "bad-4", "properties.radius_m")]
    [InlineData("""{"type":"Feature","id":"bad-5","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"protected","radius_m":5,"start":"2026-01-02T00:00:00Z","end":"2026-01-01T00:00:00Z"}}""", "bad-5", "properties.end")]
    [InlineData("""{"type":"Feature","id":"bad-6","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"fortress","radius_m":5,"start":"2026-01-01T00:00:00Z"}}""", "bad-6", "properties.kind")]
    [InlineData("""{"type":"Feature","id":"bad-7","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"protected","radius_m":5,"alt_min_m":10,"alt_max_m":5,"start":"2026-01-01T00:00:00Z"}}""", "bad-7", "properties.alt_min_m")]
    [InlineData("""{"type":"Feature","id":"bad-8","geometry":{"type":"Point","coordinates":["NaN",0]},"properties":{"kind":"protected","radius_m":5,"start":"2026-01-01T00:00:00Z"}}""", "bad-8", "geometry.coordinates")]
    [InlineData("""{"type":"Feature","id":"bad-9","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":{"kind":"protected","corridor_m":0,"start":"2026-01-01T00:00:00Z"}}""", "bad-9", "properties.corridor_m")]
    [InlineData("""{"type":"FeatureCollection","features":[{"type":"Feature","id":"dup","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"protected","radius_m":5,"start":"2026-01-01T00:00:00Z"}},{"type":"Feature","id":"dup","geometry":{"type":"Point","coordinates":[1,0]},"properties":{"kind":"protected","radius_m":5,"start":"2026-01-01T00:00:00Z"}}]}""", "dup", "features[1].id")]
    [InlineData("""{"type":"Feature","id":"bad-10","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"protected","owner":"purple","radius_m":5,"start":"2026-01-01T00:00:00Z"}}""", "bad-10", "properties.owner")]
    [InlineData("""{"type":"Feature","id": """, null, "$")]
    public async Task bad_zones_are_refused_with_a_problem_naming_the_feature_and_field_and_nothing_is_stored(string body, string? feature, string field)
    {
        using var blue = _server.Client("blue");
        var before = await blue.GetStringAsync("/v1/agreements/demo/zones", TestContext.Current.CancellationToken);
        var response = await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(body), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        var error = problem.GetProperty("errors")[0];
        Assert.StartsWith(field, error.GetProperty("field").GetString(), StringComparison.Ordinal);
        if (feature is not null)
        {
            Assert.Equal(feature, error.GetProperty("feature").GetString());
            Assert.Contains(feature, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var after = await blue.GetStringAsync("/v1/agreements/demo/zones", TestContext.Current.CancellationToken);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task a_party_cannot_declare_a_zone_in_another_partys_name()
    {
        using var red = _server.Client("red");
        var response = await red.PostAsync("/v1/agreements/demo/zones",
            RunningServer.GeoJson(Json.Zone("fake-blue", "protected", Json.Box(0, 0, 1, 1), ",\"owner\":\"blue\"")), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task replacing_a_zone_needs_the_current_version_and_only_the_owner_may_change_it()
    {
        using var blue = _server.Client("blue");
        var get = await blue.GetAsync("/v1/agreements/demo/zones/blue-school-2", TestContext.Current.CancellationToken);
        var etag = get.Headers.ETag!.Tag;
        var replacement = Json.Zone("blue-school-2", "protected", Json.Box(9.30, 42.20, 9.31, 42.21), ",\"visibility\":\"public\"");

        using (var stale = new HttpRequestMessage(HttpMethod.Put, "/v1/agreements/demo/zones/blue-school-2") { Content = RunningServer.GeoJson(replacement) })
        {
            stale.Headers.TryAddWithoutValidation("If-Match", "\"999\"");
            Assert.Equal(HttpStatusCode.PreconditionFailed, (await blue.SendAsync(stale, TestContext.Current.CancellationToken)).StatusCode);
        }

        using var red = _server.Client("red");
        var byRed = await red.PutAsync("/v1/agreements/demo/zones/blue-school-2", RunningServer.GeoJson(replacement), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, byRed.StatusCode);

        using var ok = new HttpRequestMessage(HttpMethod.Put, "/v1/agreements/demo/zones/blue-school-2") { Content = RunningServer.GeoJson(replacement) };
        ok.Headers.TryAddWithoutValidation("If-Match", etag);
        var put = await blue.SendAsync(ok, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.NotEqual(etag, put.Headers.ETag!.Tag);

        Assert.Equal(HttpStatusCode.Forbidden, (await red.DeleteIfMatchAsync("/v1/agreements/demo/zones/blue-school-2", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await blue.DeleteIfMatchAsync("/v1/agreements/demo/zones/blue-school-2", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await blue.GetAsync("/v1/agreements/demo/zones/blue-school-2", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task a_zone_declared_over_an_accepted_operation_puts_it_back_into_concurrence()
    {
        using var red = _server.Client("red");
        var flight = Json.Operation("red-flight-9", "flight", Json.Box(10.0, 43.0, 10.05, 43.05));
        var submitted = await (await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(flight), TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("accepted", submitted.GetProperty("state").GetString());

        using var blue = _server.Client("blue");
        var zone = Json.Zone("blue-closure-1", "restricted", Json.Box(10.02, 43.02, 10.2, 43.2));
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(zone), TestContext.Current.CancellationToken)).StatusCode);

        var after = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations/red-flight-9", TestContext.Current.CancellationToken);
        Assert.Equal("awaiting-concurrence", after.GetProperty("state").GetString());
        Assert.Single(after.GetProperty("conflicts").EnumerateArray());
    }

    [Fact]
    public async Task airborne_operations_of_two_parties_closer_than_the_separation_minima_conflict()
    {
        using var blue = _server.Client("blue");
        using var red = _server.Client("red");
        var a = Json.Operation("blue-sep-1", "flight", Json.Box(11.0, 44.0, 11.01, 44.01));
        // 0.1 degree east at 44 N is about 8 km: inside 9,260 m.
        var b = Json.Operation("red-sep-1", "flight", Json.Box(11.11, 44.0, 11.12, 44.01));
        Assert.Equal("accepted", (await (await blue.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(a), TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("state").GetString());
        var second = await (await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(b), TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("awaiting-concurrence", second.GetProperty("state").GetString());
        var conflict = Assert.Single(second.GetProperty("conflicts").EnumerateArray());
        Assert.Equal("operation", conflict.GetProperty("type").GetString());
        Assert.Equal("blue", conflict.GetProperty("owner").GetString());
    }

    [Fact]
    public async Task submitting_an_operation_id_twice_is_a_conflict_and_leaves_the_first()
    {
        using var red = _server.Client("red");
        var op = Json.Operation("red-dup-1", "flight", Json.Box(12.0, 45.0, 12.01, 45.01));
        Assert.Equal(HttpStatusCode.Created, (await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(op), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(op), TestContext.Current.CancellationToken)).StatusCode);
    }
}
