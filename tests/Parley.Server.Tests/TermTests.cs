using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Model;
using Parley.Server.Security;
using Parley.Server.Theaters;

namespace Parley.Server.Tests;

/// <summary>The agreement's terms over HTTP: refusals as term-breach problems, breaches put to the other parties, /check.</summary>
public sealed class TermTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal const string Agreement = """
        {"id":"pact","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"},{"id":"un","role":"observer"}],
         "terms":[
          {"id":"red-strikes-here","type":"designated-area","parties":["red"],"kinds":["strike"],
           "areas":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[10,40],[11,40],[11,41],[10,41],[10,40]]]},"properties":{}}},
          {"id":"red-air-grounded-north","type":"suspension","parties":["red"],"kinds":["flight"],
           "area":{"type":"Polygon","coordinates":[[[10,42],[12,42],[12,43],[10,43],[10,42]]]}},
          {"id":"red-two-a-day","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":2,"on_breach":"concurrence"}]}
        """;

    private RunningServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await RunningServer.StartAsync(demo: false, agreements: [Agreement]);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private HttpClient Client(string party, string role = Roles.Operator) => _server.Client(party, role, agreement: "pact");

    private static string Strike(string id, double west = 10.2, double south = 40.2) => Json.Operation(id, "strike", Json.Box(west, south, west + 0.1, south + 0.1));

    private Task<long> LedgerSizeAsync() =>
        _server.App.Services.GetRequiredService<TheaterRegistry>().ReadLedgerAsync(new AgreementId("pact"), l => l.Tree.Size, Ct);

    [Fact]
    public async Task a_strike_outside_the_designated_area_is_refused_with_a_term_breach_problem_and_nothing_is_stored()
    {
        using var red = Client("red");
        long before = await LedgerSizeAsync();
        var response = await red.PostAsync("/v1/agreements/pact/operations", RunningServer.GeoJson(Strike("far", west: 12.5)), Ct);

        var problem = await Problem.AssertAsync(response, 409);
        Assert.Equal("https://parley.invalid/problems/term-breach", problem.GetProperty("type").GetString());
        var breach = Assert.Single(problem.GetProperty("breaches").EnumerateArray());
        Assert.Equal("red-strikes-here", breach.GetProperty("term").GetString());
        Assert.Contains("designated areas", breach.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await LedgerSizeAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await red.GetAsync("/v1/agreements/pact/operations/far", Ct)).StatusCode);
    }

    [Fact]
    public async Task a_flight_over_the_suspended_area_is_refused_naming_the_suspension()
    {
        using var red = Client("red");
        var response = await red.PostAsync("/v1/agreements/pact/operations", RunningServer.GeoJson(Json.Operation("north", "flight", Json.Box(11, 42.2, 11.1, 42.3))), Ct);
        var problem = await Problem.AssertAsync(response, 409);
        Assert.Equal("red-air-grounded-north", problem.GetProperty("breaches")[0].GetProperty("term").GetString());
    }

    [Fact]
    public async Task a_third_strike_in_a_day_awaits_every_other_member_and_lists_the_breach_with_its_conflicts()
    {
        using var red = Client("red");
        foreach (var id in new[] { "s1", "s2" })
        {
            Assert.Equal(HttpStatusCode.Created, (await red.PostAsync("/v1/agreements/pact/operations", RunningServer.GeoJson(Strike(id)), Ct)).StatusCode);
        }

        var response = await red.PostAsync("/v1/agreements/pact/operations", RunningServer.GeoJson(Strike("s3")), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("awaiting-concurrence", answer.GetProperty("state").GetString());
        var listed = Assert.Single(answer.GetProperty("conflicts").EnumerateArray());
        Assert.Equal("term", listed.GetProperty("type").GetString());
        Assert.Equal("red-two-a-day", listed.GetProperty("term").GetString());
        Assert.Equal("concurrence", listed.GetProperty("on_breach").GetString());
        Assert.Contains("more than the 2 a day", listed.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(["aid", "blue"], answer.GetProperty("requests").EnumerateArray().Select(r => r.GetProperty("affected").GetString()!).Order());

        // Red cannot start it yet: it waits.
        using var activate = new HttpRequestMessage(HttpMethod.Post, "/v1/agreements/pact/operations/s3/activate");
        activate.Headers.TryAddWithoutValidation("If-Match", "*");
        var refused = await Problem.AssertAsync(await red.SendAsync(activate, Ct), 409);
        Assert.Contains("awaiting-concurrence", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Each other member is asked about the term, which it sees; the observer is not asked.
        foreach (var party in new[] { "blue", "aid" })
        {
            using var approver = Client(party, Roles.Approver);
            var requests = await approver.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/requests?state=open&role=affected", Ct);
            var request = Assert.Single(requests.GetProperty("requests").EnumerateArray());
            Assert.Equal("term", request.GetProperty("target_type").GetString());
            Assert.Equal("red-two-a-day", request.GetProperty("target_id").GetString());
            using var concur = new HttpRequestMessage(HttpMethod.Post, $"/v1/agreements/pact/requests/{request.GetProperty("id").GetString()}/answer")
            {
                Content = new StringContent("""{"answer":"concur"}""", Encoding.UTF8, "application/json"),
            };
            concur.Headers.TryAddWithoutValidation("If-Match", $"\"{request.GetProperty("version").GetInt64()}\"");
            Assert.Equal(HttpStatusCode.OK, (await approver.SendAsync(concur, Ct)).StatusCode);
        }

        var now = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/operations/s3", Ct);
        Assert.Equal("concurred", now.GetProperty("state").GetString());
        using var again = new HttpRequestMessage(HttpMethod.Post, "/v1/agreements/pact/operations/s3/activate");
        again.Headers.TryAddWithoutValidation("If-Match", "*");
        Assert.Equal(HttpStatusCode.OK, (await red.SendAsync(again, Ct)).StatusCode);
    }

    [Fact]
    public async Task a_party_reads_how_many_of_its_operations_count_against_each_limit_on_a_day_and_a_bad_day_is_refused_naming_it()
    {
        using var red = Client("red");
        foreach (var id in new[] { "u1", "u2" })
        {
            Assert.Equal(HttpStatusCode.Created, (await red.PostAsync("/v1/agreements/pact/operations", RunningServer.GeoJson(Strike(id)), Ct)).StatusCode);
        }

        const string day = "2026-12-01"; // the strikes' windows start that day
        var used = await red.GetFromJsonAsync<JsonElement>($"/v1/agreements/pact/agreement/limits?day={day}", Ct);
        Assert.Equal("red", used.GetProperty("party").GetString());
        Assert.Equal(day, used.GetProperty("day").GetString());
        var limit = Assert.Single(used.GetProperty("limits").EnumerateArray());
        Assert.Equal("red-two-a-day", limit.GetProperty("term").GetString());
        Assert.Equal(2, limit.GetProperty("max_per_day").GetInt32());
        Assert.Equal(2, limit.GetProperty("count").GetInt32());

        // The day after, nothing counts; blue, whom no limit binds, is told of none (never of red's figures).
        string next = DateOnly.ParseExact(day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var after = await red.GetFromJsonAsync<JsonElement>($"/v1/agreements/pact/agreement/limits?day={next}", Ct);
        Assert.Equal(0, after.GetProperty("limits")[0].GetProperty("count").GetInt32());
        using var blue = Client("blue");
        var blues = await blue.GetFromJsonAsync<JsonElement>($"/v1/agreements/pact/agreement/limits?day={day}", Ct);
        Assert.Equal("blue", blues.GetProperty("party").GetString());
        Assert.Empty(blues.GetProperty("limits").EnumerateArray());

        var problem = await Problem.AssertAsync(await red.GetAsync("/v1/agreements/pact/agreement/limits?day=7-12-2026", Ct), 400);
        Assert.Contains("day", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_check_lists_every_breach_with_what_it_would_get_and_stores_nothing()
    {
        using var red = Client("red");
        long before = await LedgerSizeAsync();
        var response = await red.PostAsync("/v1/agreements/pact/check", RunningServer.GeoJson(Strike("probe", west: 12.5)), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var check = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var breach = Assert.Single(check.GetProperty("conflicts").EnumerateArray());
        Assert.Equal(("term", "red-strikes-here", "refuse"),
            (breach.GetProperty("type").GetString(), breach.GetProperty("term").GetString(), breach.GetProperty("on_breach").GetString()));
        Assert.Equal(before, await LedgerSizeAsync());
    }
}
