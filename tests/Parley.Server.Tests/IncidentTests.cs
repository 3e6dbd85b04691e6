using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Workflow;

namespace Parley.Server.Tests;

/// <summary>
/// Incidents over HTTP: reported, seen by each party under the disclosure policy, answered by the suspected party (a
/// violation candidate until it admits it), graded by monitors, their silences recorded at the deadline; events to those
/// who may see them; bad input refused by name and changing nothing.
/// </summary>
public sealed class IncidentTests : IAsyncLifetime
{
    private const string Agreement = "pact";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string AgreementJson = """
        {"id":"pact","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"},{"id":"unmo","role":"observer"},{"id":"registrar","role":"admin"}],
         "incident_reply_deadline_hours":48,"probing_budget":{"per_hour":1000,"per_day":1000}}
        """;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
    private RunningServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await RunningServer.StartAsync(demo: false, agreements: [AgreementJson], time: _clock);

        // Blue's field hospital (private), aid's school 400 m east of it (private), a public depot 2 km north.
        await DeclareAsync("blue", Json.Zone("blue-hospital", "protected", Point(9.152, 42.148), ""","radius_m":150,"name":"Field hospital","visibility":"private" """));
        await DeclareAsync("aid", Json.Zone("aid-school", "protected", Point(9.157, 42.148), ""","radius_m":100,"visibility":"private" """));
        await DeclareAsync("aid", Json.Zone("aid-depot", "protected", Point(9.152, 42.166), ""","radius_m":100,"visibility":"public" """));
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static string Point(double lon, double lat) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $$"""{"type":"Point","coordinates":[{{lon}},{{lat}}]}""");

    private HttpClient Client(string party, string role = Roles.Operator) => _server.Client(party, role, agreement: Agreement);

    private async Task DeclareAsync(string party, string zone)
    {
        using var client = Client(party);
        var response = await client.PostAsync($"/v1/agreements/{Agreement}/zones", RunningServer.GeoJson(zone), Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
    }

    private static string Report(string id, string extra = "", double uncertainty = 500) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $$$"""
        {"type":"Feature","id":"{{{id}}}","geometry":{"type":"Point","coordinates":[9.153,42.148]},
         "properties":{"kind":"strike","uncertainty_m":{{{uncertainty}}},"start":"2026-12-07T08:10:00Z","end":"2026-12-07T08:40:00Z",
                       "suspected":["red"],"sources":[{"type":"observer","count":2,"ref":"patrol 14"}],
                       "description":"two explosions near the clinic"{{{extra}}}}}
        """);

    private async Task<JsonElement> ReportAsync(string party, string feature, string role = Roles.Operator)
    {
        using var client = Client(party, role);
        var response = await client.PostAsync($"/v1/agreements/{Agreement}/incidents", RunningServer.GeoJson(feature), Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains($"/v1/agreements/{Agreement}/incidents/", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private async Task<JsonElement> GetAsync(string party, string id, string role = Roles.Operator)
    {
        using var client = Client(party, role);
        return await client.GetFromJsonAsync<JsonElement>($"/v1/agreements/{Agreement}/incidents/{id}", Ct);
    }

    private async Task<HttpResponseMessage> PostAsync(string party, string role, string path, string body)
    {
        using var client = Client(party, role);
        return await client.PostAsync($"/v1/agreements/{Agreement}/incidents/{path}", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
    }

    private async Task<IReadOnlyList<StoredEvent>> EventsAsync(string party) =>
        await _server.App.Services.GetRequiredService<IEventStore>().ReadEventsAsync(new AgreementId(Agreement), new PartyId(party), 0, 1000, Ct);

    private async Task<long> LedgerSizeAsync() =>
        await _server.App.Services.GetRequiredService<TheaterRegistry>().ReadLedgerAsync(new AgreementId(Agreement), l => l.Tree.Size, Ct);

    private static Dictionary<string, JsonElement> SitesByOwner(JsonElement incident) =>
        incident.GetProperty("sites").EnumerateArray().GroupBy(s => s.GetProperty("owner").GetString()!).ToDictionary(g => g.Key, g => g.First());

    [Fact]
    public async Task the_reporter_and_the_suspected_party_learn_of_a_hidden_site_by_its_owner_kind_handle_and_cell_and_its_owner_exactly()
    {
        var answer = await ReportAsync("blue", Report("inc-1"));
        Assert.Equal("inc-1", answer.GetProperty("id").GetString());
        var candidate = Assert.Single(answer.GetProperty("candidates").EnumerateArray());
        Assert.Equal(("red", "ungraded", "awaited"), (candidate.GetProperty("party").GetString(), candidate.GetProperty("status").GetString(), candidate.GetProperty("reply").GetString()));

        // Aid's private school: the reporter and red see a handle and a cell, never the id; aid sees its own site exactly.
        foreach (var (party, body) in new[] { ("blue", answer), ("red", await GetAsync("red", "inc-1")) })
        {
            var school = SitesByOwner(body)["aid"];
            Assert.StartsWith("h-", school.GetProperty("handle").GetString(), StringComparison.Ordinal);
            Assert.True(school.TryGetProperty("cell", out _));
            Assert.False(school.TryGetProperty("zone", out _), party);
            Assert.False(school.TryGetProperty("exact", out _), party);
            Assert.DoesNotContain("aid-school", body.GetRawText(), StringComparison.Ordinal);
        }

        var ownView = SitesByOwner(await GetAsync("aid", "inc-1"))["aid"];
        Assert.Equal("aid-school", ownView.GetProperty("zone").GetString());
        Assert.True(ownView.GetProperty("exact").GetBoolean());

        // Red may not see blue's hospital either; blue sees it by id. The public depot is 2 km off: not touched, not listed.
        Assert.DoesNotContain("blue-hospital", (await GetAsync("red", "inc-1")).GetRawText(), StringComparison.Ordinal);
        Assert.Contains(answer.GetProperty("sites").EnumerateArray(), s => s.TryGetProperty("zone", out var z) && z.GetString() == "blue-hospital");
        Assert.DoesNotContain("aid-depot", answer.GetRawText(), StringComparison.Ordinal);

        // The center's administrator sees every site by id.
        var center = await GetAsync("registrar", "inc-1", Roles.Admin);
        Assert.Equal(["aid-school", "blue-hospital"], center.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("zone").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task a_report_opens_a_reply_request_for_the_suspected_party_and_tells_only_those_who_may_see_it()
    {
        await ReportAsync("blue", Report("inc-2", ""","visibility":"private" """));
        var opened = Assert.Single(await EventsAsync("red"), e => e.Type == "incident.opened");
        using (var payload = JsonDocument.Parse(opened.Payload))
        {
            Assert.True(payload.RootElement.GetProperty("reply_requested").GetBoolean());
            Assert.Equal("2026-12-09T09:00:00Z", payload.RootElement.GetProperty("reply_deadline").GetString());
        }

        // Aid's school is touched: aid is told (no reply asked); the monitors are told; blue reported it and is not.
        Assert.Contains(await EventsAsync("aid"), e => e.Type == "incident.opened" && !e.Payload.Contains("\"reply_requested\":true", StringComparison.Ordinal));
        Assert.Contains(await EventsAsync("unmo"), e => e.Type == "incident.opened");
        Assert.DoesNotContain(await EventsAsync("blue"), e => e.Type.StartsWith("incident.", StringComparison.Ordinal));
        Assert.All((await EventsAsync("aid")).Concat(await EventsAsync("red")), e => Assert.DoesNotContain("9.15", e.Payload, StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_private_incident_is_not_found_by_a_party_it_does_not_concern()
    {
        // Far from every site: aid is not concerned, and may not see it.
        var far = Report("inc-far", ""","visibility":"private" """).Replace("[9.153,42.148]", "[9.5,42.5]", StringComparison.Ordinal);
        await ReportAsync("blue", far);
        using var aid = Client("aid");
        var response = await aid.GetAsync($"/v1/agreements/{Agreement}/incidents/inc-far", Ct);
        await Problem.AssertAsync(response, 404);
        var list = await aid.GetFromJsonAsync<JsonElement>($"/v1/agreements/{Agreement}/incidents", Ct);
        Assert.DoesNotContain(list.GetProperty("incidents").EnumerateArray(), i => i.GetProperty("id").GetString() == "inc-far");
        Assert.Empty(await EventsAsync("aid"));
        Assert.Equal("inc-far", (await GetAsync("unmo", "inc-far", Roles.Monitor)).GetProperty("id").GetString());
    }

    [Theory]
    [InlineData(""","kind":"bombing" """, "properties.kind")]
    [InlineData(""","suspected":["green"]""", "properties.suspected[0]")]
    [InlineData(""","affected_zone":"aid-school" """, "properties.affected_zone")]
    [InlineData(""","sources":[{"type":"media","sha256":["not-a-hash"]}]""", "properties.sources[0].sha256[0]")]
    [InlineData(""","visibility":"everyone" """, "properties.visibility")]
    public async Task a_bad_report_is_refused_by_its_field_and_changes_nothing(string extra, string field)
    {
        long before = await LedgerSizeAsync();
        string feature = Report("inc-bad", extra);
        if (extra.Contains("\"kind\"", StringComparison.Ordinal))
        {
            feature = feature.Replace("\"kind\":\"strike\",", "", StringComparison.Ordinal);
        }
        else if (extra.Contains("\"suspected\"", StringComparison.Ordinal) || extra.Contains("\"sources\"", StringComparison.Ordinal))
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(Report("inc-bad"))!;
            var extraNode = System.Text.Json.Nodes.JsonNode.Parse("{" + extra.TrimStart(',') + "}")!.AsObject();
            foreach (var (name, value) in extraNode.ToList())
            {
                extraNode.Remove(name);
                node["properties"]!.AsObject().Remove(name);
                node["properties"]![name] = value;
            }

            feature = node.ToJsonString();
        }

        using var blue = Client("blue");
        var response = await blue.PostAsync($"/v1/agreements/{Agreement}/incidents", RunningServer.GeoJson(feature), Ct);
        var problem = await Problem.AssertAsync(response, 400);
        Assert.Equal(field, Problem.FirstField(problem));
        Assert.Equal(before, await LedgerSizeAsync());
        await Problem.AssertAsync(await blue.GetAsync($"/v1/agreements/{Agreement}/incidents/inc-bad", Ct), 404);
    }

    [Fact]
    public async Task the_suspected_party_replies_a_denial_needs_a_reason_and_only_its_admission_confirms()
    {
        await ReportAsync("blue", Report("inc-3"));
        await Problem.AssertAsync(await PostAsync("blue", Roles.Operator, "inc-3/replies", """{"reply":"deny","reason":"not us"}"""), 403);
        Assert.Equal("reason", Problem.FirstField(await Problem.AssertAsync(await PostAsync("red", Roles.Approver, "inc-3/replies", """{"reply":"deny"}"""), 400)));
        Assert.Equal("reply", Problem.FirstField(await Problem.AssertAsync(await PostAsync("red", Roles.Approver, "inc-3/replies", """{"reply":"maybe"}"""), 400)));

        var graded = await PostAsync("unmo", Roles.Monitor, "inc-3/grades", """{"grade":"fair","reason":"two independent observers"}""");
        Assert.Equal(HttpStatusCode.Created, graded.StatusCode);
        Assert.Equal("fair", (await GetAsync("red", "inc-3")).GetProperty("candidates")[0].GetProperty("status").GetString());

        var denied = await PostAsync("red", Roles.Approver, "inc-3/replies", """{"reply":"deny","reason":"no aircraft of ours flew that morning"}""");
        Assert.Equal(HttpStatusCode.Created, denied.StatusCode);
        var afterDenial = await denied.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(("fair", "replied"), (afterDenial.GetProperty("candidates")[0].GetProperty("status").GetString(), afterDenial.GetProperty("candidates")[0].GetProperty("reply").GetString()));

        var admitted = await PostAsync("red", Roles.Operator, "inc-3/replies", """{"reply":"admit","reason":"a navigation error"}""");
        var confirmed = await admitted.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("confirmed", confirmed.GetProperty("candidates")[0].GetProperty("status").GetString());
        Assert.Equal(["deny", "admit"], confirmed.GetProperty("replies").EnumerateArray().Select(r => r.GetProperty("reply").GetString()));

        // Everyone who may see it hears of the replies; red does not hear of its own.
        Assert.Equal(2, (await EventsAsync("blue")).Count(e => e.Type == "incident.replied"));
        Assert.DoesNotContain(await EventsAsync("red"), e => e.Type == "incident.replied");
    }

    [Fact]
    public async Task confirmed_is_no_grade_and_a_member_does_not_grade_even_with_a_monitor_token()
    {
        await ReportAsync("blue", Report("inc-4"));
        var confirmed = await Problem.AssertAsync(await PostAsync("unmo", Roles.Monitor, "inc-4/grades", """{"grade":"confirmed","reason":"sure"}"""), 400);
        Assert.Equal("grade", Problem.FirstField(confirmed));
        Assert.Contains("admission", confirmed.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Problem.AssertAsync(await PostAsync("aid", Roles.Monitor, "inc-4/grades", """{"grade":"weak","reason":"one source"}"""), 403);
        Assert.Equal("reason", Problem.FirstField(await Problem.AssertAsync(await PostAsync("unmo", Roles.Monitor, "inc-4/grades", """{"grade":"weak"}"""), 400)));
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("registrar", Roles.Admin, "inc-4/grades", """{"grade":"discounted","reason":"outside the agreement's area"}""")).StatusCode);
        Assert.Contains(await EventsAsync("red"), e => e.Type == "incident.graded");
    }

    [Fact]
    public async Task silence_is_recorded_at_the_deadline_as_silence_and_a_later_reply_is_late()
    {
        await ReportAsync("blue", Report("inc-5"));
        var registry = _server.App.Services.GetRequiredService<TheaterRegistry>();
        Assert.Equal(0, await IncidentClock.RecordAsync(registry, new AgreementId(Agreement), _clock.GetUtcNow(), Ct));
        _clock.Advance(TimeSpan.FromHours(48));

        // The server's own clock ticks on the advance too: whichever records the silence first, it is recorded once.
        Assert.InRange(await IncidentClock.RecordAsync(registry, new AgreementId(Agreement), _clock.GetUtcNow(), Ct), 0, 1);

        var silent = await GetAsync("red", "inc-5");
        Assert.Equal(("ungraded", "silent"), (silent.GetProperty("candidates")[0].GetProperty("status").GetString(), silent.GetProperty("candidates")[0].GetProperty("reply").GetString()));
        Assert.Equal("red", silent.GetProperty("silences")[0].GetProperty("party").GetString());
        Assert.Empty(silent.GetProperty("replies").EnumerateArray());

        var late = await (await PostAsync("red", Roles.Approver, "inc-5/replies", """{"reply":"request-information","reason":"which aircraft type?"}""")).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(late.GetProperty("replies")[0].GetProperty("late").GetBoolean());
        Assert.Equal("replied-late", late.GetProperty("candidates")[0].GetProperty("reply").GetString());
    }

    [Fact]
    public async Task a_report_touching_a_site_hidden_from_its_reporter_counts_in_the_owners_probing_report()
    {
        await ReportAsync("red", Report("inc-6").Replace("\"suspected\":[\"red\"]", "\"suspected\":[\"blue\"]", StringComparison.Ordinal));
        using var aid = Client("aid", Roles.Monitor);
        var probing = await aid.GetFromJsonAsync<JsonElement>($"/v1/agreements/{Agreement}/probing", Ct);
        Assert.Contains(probing.GetProperty("requesters").EnumerateArray(), r => r.GetProperty("party").GetString() == "red");
    }

    [Fact]
    public async Task an_explanation_names_the_partys_own_declared_operation()
    {
        using (var red = Client("red"))
        {
            var submitted = await red.PostAsync($"/v1/agreements/{Agreement}/operations", RunningServer.GeoJson(Json.Operation("red-sortie", "flight", Json.Box(9.2, 42.2, 9.3, 42.3))), Ct);
            Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        }

        await ReportAsync("unmo", Report("inc-7"), Roles.Monitor);
        Assert.Equal("operation", Problem.FirstField(await Problem.AssertAsync(await PostAsync("red", Roles.Approver, "inc-7/replies", """{"reply":"explain","operation":"blue-hospital"}"""), 400)));
        var explained = await (await PostAsync("red", Roles.Approver, "inc-7/replies", """{"reply":"explain","operation":"red-sortie","reason":"a declared sortie"}""")).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("red-sortie", explained.GetProperty("replies")[0].GetProperty("operation").GetString());
    }

    [Fact]
    public async Task the_compliance_report_counts_what_the_caller_may_see_with_denominators_and_pending_counts()
    {
        await ReportAsync("blue", Report("inc-c1", ""","visibility":"private" """));
        await ReportAsync("blue", Report("inc-c2", ""","visibility":"private" """).Replace("[9.153,42.148]", "[9.5,42.5]", StringComparison.Ordinal));
        await PostAsync("red", Roles.Approver, "inc-c1/replies", """{"reply":"admit"}""");

        static JsonElement Figure(JsonElement report, string party, string section, string figure) =>
            report.GetProperty("parties").EnumerateArray().First(p => p.GetProperty("party").GetString() == party)
                .GetProperty("periods").EnumerateArray().Last().GetProperty(section).GetProperty(figure);

        using var center = Client("registrar", Roles.Admin);
        var all = await center.GetFromJsonAsync<JsonElement>($"/v1/agreements/{Agreement}/compliance?period=day", Ct);
        var against = Figure(all, "red", "incidents", "against");
        Assert.Equal((2, 1), (against.GetProperty("count").GetInt64(), against.GetProperty("pending").GetInt64()));
        var confirmed = Figure(all, "red", "incidents", "confirmed");
        Assert.Equal((1, 2), (confirmed.GetProperty("count").GetInt64(), confirmed.GetProperty("of").GetInt64()));
        Assert.Equal(2, Figure(all, "blue", "incidents", "reported").GetProperty("count").GetInt64());
        Assert.Equal("large increase", against.GetProperty("change").GetProperty("band").GetString());

        // Aid sees the incident that touches its school, not the far one.
        using var aid = Client("aid", Roles.Monitor);
        var aidView = await aid.GetFromJsonAsync<JsonElement>($"/v1/agreements/{Agreement}/compliance?period=day", Ct);
        Assert.Equal(1, Figure(aidView, "red", "incidents", "against").GetProperty("count").GetInt64());

        using var red = Client("red", Roles.Monitor);
        Assert.Equal("period", Problem.FirstField(await Problem.AssertAsync(await red.GetAsync($"/v1/agreements/{Agreement}/compliance?period=month", Ct), 400)));
        Assert.Equal("from", Problem.FirstField(await Problem.AssertAsync(await red.GetAsync($"/v1/agreements/{Agreement}/compliance?from=yesterday", Ct), 400)));
        Assert.Equal("from", Problem.FirstField(await Problem.AssertAsync(await red.GetAsync($"/v1/agreements/{Agreement}/compliance?from=2026-12-08&to=2026-12-01", Ct), 400)));
        var weeks = await red.GetFromJsonAsync<JsonElement>($"/v1/agreements/{Agreement}/compliance?period=week&from=2026-11-18&to=2026-12-08", Ct);
        Assert.Equal(("2026-11-16T00:00:00Z", "2026-12-14T00:00:00Z"), (weeks.GetProperty("from").GetString(), weeks.GetProperty("to").GetString()));
        Assert.Equal(4, weeks.GetProperty("parties")[0].GetProperty("periods").GetArrayLength());
    }

    [Fact]
    public async Task every_view_carries_the_radius_the_center_correlates_with_a_precision_stands_for_its_radius_and_a_polygon_has_none()
    {
        var exact = await ReportAsync("blue", Report("inc-r1", uncertainty: 750));
        Assert.Equal(750, exact.GetProperty("uncertainty_m").GetDouble());

        var town = await ReportAsync("unmo", Report("inc-r2", uncertainty: 1).Replace("\"uncertainty_m\":1", "\"location_precision\":\"town\"", StringComparison.Ordinal), Roles.Monitor);
        Assert.Equal("town", town.GetProperty("report").GetProperty("properties").GetProperty("location_precision").GetString());
        Assert.Equal(5000, town.GetProperty("uncertainty_m").GetDouble());
        Assert.Equal(5000, (await GetAsync("red", "inc-r2")).GetProperty("uncertainty_m").GetDouble());

        var polygon = await ReportAsync("blue", Report("inc-r3").Replace("""{"type":"Point","coordinates":[9.153,42.148]}""",
            """{"type":"Polygon","coordinates":[[[9.5,42.5],[9.51,42.5],[9.51,42.51],[9.5,42.51],[9.5,42.5]]]}""", StringComparison.Ordinal)
            .Replace("\"uncertainty_m\":500,", "", StringComparison.Ordinal));
        Assert.False(polygon.TryGetProperty("uncertainty_m", out _));
    }
}
