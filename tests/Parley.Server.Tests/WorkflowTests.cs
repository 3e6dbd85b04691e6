using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Parley.Core.Model;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Workflow;

namespace Parley.Server.Tests;

/// <summary>The operation lifecycle and concurrence over HTTP: who is asked, who answers, what each side sees.</summary>
public sealed class WorkflowTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private RunningServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await RunningServer.StartAsync(time: _clock);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    // A strike over the demo's private blue hospital (600 m around 9.152, 42.148).
    private static string StrikeOnHospital(string id) => Json.Operation(id, "strike", Json.Box(9.149, 42.145, 9.155, 42.151));

    private async Task<JsonElement> SubmitAsync(HttpClient client, string feature, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await client.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(feature), Ct);
        Assert.True(response.StatusCode == expected, await response.Content.ReadAsStringAsync(Ct));
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, string? json, string? ifMatch)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await client.SendAsync(request, Ct);
    }

    // The open request the submission opened, as its affected party lists it (the demo has open requests of its own).
    private async Task<JsonElement> OpenRequestForAsync(HttpClient affected, JsonElement submitted)
    {
        string id = Assert.Single(submitted.GetProperty("requests").EnumerateArray()).GetProperty("id").GetString()!;
        var list = await affected.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/requests?state=open&role=affected", Ct);
        return list.GetProperty("requests").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
    }

    private static string ETag(JsonElement request) => $"\"{request.GetProperty("version").GetInt64()}\"";

    [Fact]
    public async Task a_conflict_opens_a_request_to_the_owner_who_sees_its_zone_while_the_submitter_sees_a_handle_and_a_concurrence_settles_it()
    {
        using var red = _server.Client("red");
        var submitted = await SubmitAsync(red, StrikeOnHospital("wf-strike-1"));
        Assert.Equal("awaiting-concurrence", submitted.GetProperty("state").GetString());
        var asked = Assert.Single(submitted.GetProperty("requests").EnumerateArray());
        Assert.Equal("blue", asked.GetProperty("affected").GetString());
        Assert.False(asked.TryGetProperty("target_id", out _));
        Assert.StartsWith("h-", asked.GetProperty("target_handle").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("blue-hospital-1", submitted.GetRawText(), StringComparison.Ordinal);

        using var blue = _server.Client("blue", Roles.Approver);
        var request = await OpenRequestForAsync(blue, submitted);
        Assert.Equal("blue-hospital-1", request.GetProperty("target_id").GetString());

        // Red's operation is private: blue learns its owner, a handle and the cell, not its id or geometry.
        Assert.False(request.TryGetProperty("operation", out _));
        Assert.False(request.TryGetProperty("operation_feature", out _));
        Assert.True(request.TryGetProperty("area", out _));
        Assert.DoesNotContain("wf-strike-1", request.GetRawText(), StringComparison.Ordinal);
        Assert.True(DateTimeOffset.Parse(request.GetProperty("deadline").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >
            _clock.GetUtcNow().AddMinutes(29));

        string url = $"/v1/agreements/demo/requests/{request.GetProperty("id").GetString()}/answer";
        Assert.Equal(HttpStatusCode.PreconditionRequired, (await SendAsync(blue, HttpMethod.Post, url, """{"answer":"concur"}""", null)).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(blue, HttpMethod.Post, url, """{"answer":"concur"}""", "\"99\"")).StatusCode);
        using var redApprover = _server.Client("red", Roles.Approver);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(redApprover, HttpMethod.Post, url, """{"answer":"concur"}""", ETag(request))).StatusCode);

        var receipt = await SendAsync(blue, HttpMethod.Post, url, """{"answer":"concur"}""", ETag(request));
        Assert.Equal(HttpStatusCode.OK, receipt.StatusCode);
        string receiptText = await receipt.Content.ReadAsStringAsync(Ct);
        var answered = JsonDocument.Parse(receiptText).RootElement.GetProperty("request");
        Assert.Equal("concurred", answered.GetProperty("state").GetString());

        // The receipt tells blue nothing of red's private operation: not its id, geometry or state.
        Assert.DoesNotContain("wf-strike-1", receiptText, StringComparison.Ordinal);
        Assert.DoesNotContain("9.149", receiptText, StringComparison.Ordinal);
        Assert.False(JsonDocument.Parse(receiptText).RootElement.TryGetProperty("operation_state", out _));

        var operation = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations/wf-strike-1", Ct);
        Assert.Equal("concurred", operation.GetProperty("state").GetString());

        // A closed request takes no second answer.
        var again = await SendAsync(blue, HttpMethod.Post, url, """{"answer":"refuse","reason":"changed my mind"}""", "*");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task a_refusal_needs_a_reason_and_refuses_the_operation_and_a_counter_proposal_becomes_a_new_operation()
    {
        using var red = _server.Client("red");
        using var blue = _server.Client("blue", Roles.Approver);
        var request = await OpenRequestForAsync(blue, await SubmitAsync(red, StrikeOnHospital("wf-strike-2")));
        string url = $"/v1/agreements/demo/requests/{request.GetProperty("id").GetString()}/answer";

        var noReason = await SendAsync(blue, HttpMethod.Post, url, """{"answer":"refuse"}""", ETag(request));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("reason", await noReason.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(blue, HttpMethod.Post, url, """{"answer":"refuse","reason":"a hospital"}""", ETag(request))).StatusCode);
        Assert.Equal("refused", (await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations/wf-strike-2", Ct)).GetProperty("state").GetString());

        request = await OpenRequestForAsync(blue, await SubmitAsync(red, StrikeOnHospital("wf-strike-3")));
        url = $"/v1/agreements/demo/requests/{request.GetProperty("id").GetString()}/answer";
        string away = Json.Operation("ignored", "strike", Json.Box(9.30, 42.30, 9.31, 42.31));
        var counter = await SendAsync(blue, HttpMethod.Post, url, $$"""{"answer":"counter-propose","reason":"further north","counter":{{away}}}""", ETag(request));
        Assert.Equal(HttpStatusCode.OK, counter.StatusCode);
        var proposal = (await counter.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("counter_proposal");
        string proposalId = proposal.GetProperty("id").GetString()!;
        Assert.Equal($"{request.GetProperty("id").GetString()}-counter", proposalId);
        Assert.Equal("accepted", proposal.GetProperty("state").GetString());

        var original = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations/wf-strike-3", Ct);
        Assert.Equal("refused", original.GetProperty("state").GetString());
        var offered = await red.GetFromJsonAsync<JsonElement>($"/v1/agreements/demo/operations/{proposalId}", Ct);
        Assert.Equal("red", offered.GetProperty("operation").GetProperty("properties").GetProperty("owner").GetString());
    }

    [Fact]
    public async Task an_unanswered_request_expires_at_its_deadline_as_a_refusal()
    {
        using var red = _server.Client("red");
        var registry = _server.App.Services.GetRequiredService<TheaterRegistry>();
        var demo = new AgreementId("demo");
        await SubmitAsync(red, StrikeOnHospital("wf-strike-4"));
        async Task<string> StateAsync() =>
            (await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations/wf-strike-4", Ct)).GetProperty("state").GetString()!;

        // The expiry step itself, a minute before the 30-minute deadline: nothing is due.
        Assert.Equal(0, await ConcurrenceClock.ExpireAsync(registry, demo, _clock.GetUtcNow().AddMinutes(29), Ct));
        Assert.Equal("awaiting-concurrence", await StateAsync());

        // Past the deadline, the server's own tick expires it: the commit's events wake the waiter.
        var woken = registry.Signals.Events.Next;
        _clock.Advance(TimeSpan.FromMinutes(31));
        string state;
        while ((state = await StateAsync()) != "expired")
        {
            await woken.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            woken = registry.Signals.Events.Next;
        }

        Assert.Equal("expired", state);
        var mine = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/requests?role=submitter", Ct);
        Assert.Contains(mine.GetProperty("requests").EnumerateArray(), r => r.GetProperty("state").GetString() == "expired");
    }

    [Fact]
    public async Task only_allowed_transitions_pass_and_updates_need_the_current_version()
    {
        using var red = _server.Client("red");
        var flight = await SubmitAsync(red, Json.Operation("wf-flight-1", "flight", Json.Box(12, 44, 12.05, 44.05)));
        Assert.Equal("accepted", flight.GetProperty("state").GetString());
        string etag = $"\"{flight.GetProperty("version").GetInt64()}\"";
        string op = "/v1/agreements/demo/operations/wf-flight-1";

        Assert.Equal(HttpStatusCode.PreconditionRequired, (await SendAsync(red, HttpMethod.Post, op + "/activate", null, null)).StatusCode);
        var complete = await SendAsync(red, HttpMethod.Post, op + "/complete", null, etag);
        Assert.Equal(HttpStatusCode.Conflict, complete.StatusCode);
        Assert.Contains("accepted", await complete.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // Red's flight is private: to blue it does not exist.
        using var blue = _server.Client("blue");
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(blue, HttpMethod.Post, op + "/cancel", null, "*")).StatusCode);

        var active = await SendAsync(red, HttpMethod.Post, op + "/activate", null, etag);
        Assert.Equal(HttpStatusCode.OK, active.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await SendAsync(red, HttpMethod.Post, op + "/complete", null, etag)).StatusCode);
        var done = await SendAsync(red, HttpMethod.Post, op + "/complete", null, active.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal("completed", (await done.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(red, HttpMethod.Post, op + "/cancel", null, "*")).StatusCode);
    }

    [Fact]
    public async Task a_modification_is_checked_from_scratch_and_withdraws_the_earlier_requests()
    {
        using var red = _server.Client("red");
        var strike = await SubmitAsync(red, StrikeOnHospital("wf-strike-5"));
        string requestId = strike.GetProperty("requests")[0].GetProperty("id").GetString()!;
        var moved = Json.Operation("wf-strike-5", "strike", Json.Box(13, 45, 13.01, 45.01));

        Assert.Equal(HttpStatusCode.PreconditionRequired, (await SendAsync(red, HttpMethod.Put, "/v1/agreements/demo/operations/wf-strike-5", moved, null)).StatusCode);
        var modified = await SendAsync(red, HttpMethod.Put, "/v1/agreements/demo/operations/wf-strike-5", moved, $"\"{strike.GetProperty("version").GetInt64()}\"");
        Assert.Equal(HttpStatusCode.OK, modified.StatusCode);
        Assert.Equal("accepted", (await modified.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("state").GetString());

        var withdrawn = await red.GetFromJsonAsync<JsonElement>($"/v1/agreements/demo/requests/{requestId}", Ct);
        Assert.Equal("withdrawn", withdrawn.GetProperty("state").GetString());
    }

    [Fact]
    public async Task a_zone_declared_over_an_accepted_operation_asks_the_zone_owner_again_and_withdrawing_it_settles_the_operation()
    {
        using var red = _server.Client("red");
        await SubmitAsync(red, Json.Operation("wf-flight-2", "flight", Json.Box(14, 46, 14.05, 46.05)));
        using var blue = _server.Client("blue");
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones",
            RunningServer.GeoJson(Json.Zone("wf-restricted-1", "restricted", Json.Box(14.01, 46.01, 14.2, 46.2))), Ct)).StatusCode);

        var op = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations/wf-flight-2", Ct);
        Assert.Equal("awaiting-concurrence", op.GetProperty("state").GetString());
        Assert.Equal("blue", Assert.Single(op.GetProperty("requests").EnumerateArray()).GetProperty("affected").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await blue.DeleteIfMatchAsync("/v1/agreements/demo/zones/wf-restricted-1", Ct)).StatusCode);
        op = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations/wf-flight-2", Ct);
        Assert.Equal("accepted", op.GetProperty("state").GetString());
    }
}
