using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger.Entries;
using Parley.Server.Security;
using Parley.Server.Theaters;

namespace Parley.Server.Tests;

/// <summary>Amendments over HTTP: proposed, signed, refused, in force; the versions, the history, the ledger, the marks, restarts.</summary>
public sealed class AmendmentApiTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _data = Path.Combine(Path.GetTempPath(), "parley-amendments-" + Guid.NewGuid().ToString("N"));
    private RunningServer _server = null!;

    private static string Proposal(string reason = "red's air grounded over the east") => $$$"""
        {"reason":"{{{reason}}}","signing_deadline":"{{{DateTimeOffset.UtcNow.AddDays(2):yyyy-MM-ddTHH:mm:ssZ}}}","effective":"on_signature",
         "add_terms":[{"id":"red-air-grounded-east","type":"suspension","parties":["red"],"kinds":["flight","strike"],
           "area":{"type":"Polygon","coordinates":[[[13,40],[14,40],[14,41],[13,41],[13,40]]]}}]}
        """;

    public async ValueTask InitializeAsync() => _server = await RunningServer.StartAsync(_data, demo: false, agreements: [TermTests.Agreement]);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    private HttpClient Client(string party, string role = Roles.Approver) => _server.Client(party, role, agreement: "pact");

    private static async Task<JsonElement> PostAsync(HttpClient client, string url, string body, HttpStatusCode expected)
    {
        var response = await client.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<JsonElement> ProposeAsync(string party = "red") =>
        await PostAsync(Client(party), "/v1/agreements/pact/agreement/amendments", Proposal(), HttpStatusCode.Created);

    [Fact]
    public async Task an_amendment_proposed_by_one_signatory_and_signed_by_the_other_is_in_force_as_the_next_version_and_in_the_ledger()
    {
        using var observer = Client("un", Roles.Monitor);
        var before = await observer.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/agreement", Ct);
        int version = before.GetProperty("version").GetInt32();
        Assert.Equal(3, before.GetProperty("terms").GetArrayLength());

        var proposed = await ProposeAsync();
        Assert.Equal("proposed", proposed.GetProperty("state").GetString());
        Assert.Equal(["aid", "blue"], proposed.GetProperty("missing").EnumerateArray().Select(p => p.GetString()!).Order());
        string id = proposed.GetProperty("id").GetString()!;

        foreach (var party in new[] { "blue", "aid" })
        {
            var signed = await PostAsync(Client(party), $"/v1/agreements/pact/agreement/amendments/{id}/signatures", "{}", HttpStatusCode.OK);
            Assert.Equal(party == "aid" ? "in-force" : "proposed", signed.GetProperty("state").GetString());
        }

        var after = await observer.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/agreement", Ct);
        Assert.Equal(version + 1, after.GetProperty("version").GetInt32());
        Assert.Contains(after.GetProperty("terms").EnumerateArray(), t => t.GetProperty("id").GetString() == "red-air-grounded-east");

        var history = await observer.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/agreement/history", Ct);
        Assert.Equal(version + 1, history.GetProperty("version").GetInt32());
        var made = history.GetProperty("versions").EnumerateArray().Last();
        Assert.Equal(id, made.GetProperty("amendment").GetString());
        Assert.Equal(["red", "blue", "aid"], made.GetProperty("signatures").EnumerateArray().Select(s => s.GetProperty("party").GetString()!));

        // Every party was told, the observer too; and the ledger replays to the same version.
        var events = await _server.App.Services.GetRequiredService<IEventStore>().ReadEventsAsync(new AgreementId("pact"), new PartyId("un"), 0, 100, Ct);
        Assert.Equal(["amendment.proposed", "amendment.signed", "amendment.signed", "amendment.in_force"], events.Select(e => e.Type));
        var records = new List<LedgerRecord>();
        await foreach (var record in _server.App.Services.GetRequiredService<ILedgerStore>().ReadLedgerAsync(new AgreementId("pact"), 0, Ct))
        {
            records.Add(record);
        }

        Assert.Equal(version + 1, LedgerReplay.Replay(records).Agreement.Version);

        // In force: red's flights over the east are refused.
        using var red = _server.Client("red", agreement: "pact");
        var refused = await red.PostAsync("/v1/agreements/pact/operations", RunningServer.GeoJson(Json.Operation("east", "flight", Json.Box(13.2, 40.2, 13.3, 40.3))), Ct);
        Assert.Equal("red-air-grounded-east", (await Problem.AssertAsync(refused, 409)).GetProperty("breaches")[0].GetProperty("term").GetString());
    }

    [Fact]
    public async Task a_refusal_makes_an_amendment_lapse_and_no_signature_is_taken_after()
    {
        string id = (await ProposeAsync()).GetProperty("id").GetString()!;
        var missingReason = await Client("blue").PostAsync($"/v1/agreements/pact/agreement/amendments/{id}/refusals",
            new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal("reason", Problem.FirstField(await Problem.AssertAsync(missingReason, 400)));

        var lapsed = await PostAsync(Client("blue"), $"/v1/agreements/pact/agreement/amendments/{id}/refusals", """{"reason":"not over the north"}""", HttpStatusCode.OK);
        Assert.Equal("lapsed", lapsed.GetProperty("state").GetString());
        Assert.Equal("blue", lapsed.GetProperty("refused_by").GetString());

        var late = await Client("aid").PostAsync($"/v1/agreements/pact/agreement/amendments/{id}/signatures", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        await Problem.AssertAsync(late, 409);
        using var observer = Client("un", Roles.Monitor);
        Assert.Equal(1, (await observer.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/agreement", Ct)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task a_bad_proposal_is_refused_naming_the_field_and_an_observer_may_neither_propose_nor_sign()
    {
        var typo = await Client("red").PostAsync("/v1/agreements/pact/agreement/amendments",
            new StringContent(Proposal().Replace("add_terms", "add_term", StringComparison.Ordinal), Encoding.UTF8, "application/json"), Ct);
        Assert.Equal("add_term", Problem.FirstField(await Problem.AssertAsync(typo, 400)));

        using var observer = _server.Client("un", Roles.Approver, agreement: "pact");
        Assert.Equal(HttpStatusCode.Forbidden, (await observer.PostAsync("/v1/agreements/pact/agreement/amendments", new StringContent(Proposal(), Encoding.UTF8, "application/json"), Ct)).StatusCode);
        using var operatorRole = Client("red", Roles.Operator);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorRole.PostAsync("/v1/agreements/pact/agreement/amendments", new StringContent(Proposal(), Encoding.UTF8, "application/json"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client("red").GetAsync("/v1/agreements/pact/agreement/amendments/am-404", Ct)).StatusCode);
    }

    [Fact]
    public async Task an_operation_that_breaches_a_term_coming_into_force_is_marked_and_cannot_start_and_the_mark_survives_a_restart()
    {
        using var red = _server.Client("red", agreement: "pact");
        var flight = await red.PostAsync("/v1/agreements/pact/operations", RunningServer.GeoJson(Json.Operation("east", "flight", Json.Box(13.2, 40.2, 13.3, 40.3))), Ct);
        Assert.Equal(HttpStatusCode.Created, flight.StatusCode);

        string id = (await ProposeAsync("blue")).GetProperty("id").GetString()!;
        await PostAsync(Client("red"), $"/v1/agreements/pact/agreement/amendments/{id}/signatures", "{}", HttpStatusCode.OK);
        await PostAsync(Client("aid"), $"/v1/agreements/pact/agreement/amendments/{id}/signatures", "{}", HttpStatusCode.OK);

        var marked = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/operations/east", Ct);
        Assert.Equal(["red-air-grounded-east"], marked.GetProperty("operation").GetProperty("properties").GetProperty("in_breach").EnumerateArray().Select(t => t.GetString()!));
        Assert.Contains(marked.GetProperty("conflicts").EnumerateArray(), c => c.GetProperty("term").GetString() == "red-air-grounded-east");
        using var activate = new HttpRequestMessage(HttpMethod.Post, "/v1/agreements/pact/operations/east/activate");
        activate.Headers.TryAddWithoutValidation("If-Match", "*");
        await Problem.AssertAsync(await red.SendAsync(activate, Ct), 409);

        await _server.DisposeAsync();
        _server = await RunningServer.StartAsync(_data, demo: false, agreements: [TermTests.Agreement]);
        using var redAgain = _server.Client("red", agreement: "pact");
        var again = await redAgain.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/operations/east", Ct);
        Assert.Equal("red-air-grounded-east", again.GetProperty("operation").GetProperty("properties").GetProperty("in_breach")[0].GetString());
        Assert.Equal(2, (await redAgain.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/agreement", Ct)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task a_changed_agreement_file_stops_the_server_unless_it_restates_the_same_version()
    {
        await _server.DisposeAsync();

        // A term added in the file, at the same version: refused, saying to amend.
        string changed = TermTests.Agreement.Replace("\"max_per_day\":2", "\"max_per_day\":3", StringComparison.Ordinal);
        var e = await Assert.ThrowsAsync<InputRejectedException>(() => RunningServer.StartAsync(_data, demo: false, agreements: [changed]));
        Assert.Contains("amendment", e.Errors[0].Message, StringComparison.Ordinal);
        Assert.EndsWith(".json: version", e.Errors[0].Field, StringComparison.Ordinal);

        // A party's name changed, the pact the same: restated.
        string renamed = TermTests.Agreement.Replace("{\"id\":\"aid\"}", "{\"id\":\"aid\",\"name\":\"Aid Coalition\"}", StringComparison.Ordinal);
        _server = await RunningServer.StartAsync(_data, demo: false, agreements: [renamed]);
        Assert.Equal("Aid Coalition", _server.App.Services.GetRequiredService<TheaterRegistry>().Find(new AgreementId("pact"))!.FindParty(new PartyId("aid"))!.Name);
    }
}
