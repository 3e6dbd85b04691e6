using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Server.Security;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// Completing an operation withdraws the requests it still holds, concurred ones too; the compliance figures kept each
/// request's latest state, so a party that had concurred in time was shown as never having answered (`withdrawn`, and
/// `answered_in_time` one short). An answer now stays given.
/// </summary>
public sealed class Bug_a_concurrence_counted_as_withdrawn_once_its_operation_ended
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_concurrence_stays_counted_as_answered_in_time_after_its_operation_completes()
    {
        await using var server = await RunningServer.StartAsync(demo: false, agreements: [TermTests.Agreement]);
        using var red = server.Client("red", Roles.Operator, agreement: "pact");

        // Red's third strike of the day is past its limit of two and waits on blue's and aid's concurrence.
        foreach (var id in new[] { "s1", "s2", "north" })
        {
            var submitted = await red.PostAsync("/v1/agreements/pact/operations", RunningServer.GeoJson(Json.Operation(id, "strike", Json.Box(10.2, 40.2, 10.3, 40.3))), Ct);
            Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        }

        foreach (var party in new[] { "blue", "aid" })
        {
            using var approver = server.Client(party, Roles.Approver, agreement: "pact");
            var requests = await approver.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/requests?state=open&role=affected", Ct);
            var request = Assert.Single(requests.GetProperty("requests").EnumerateArray());
            using var concur = new HttpRequestMessage(HttpMethod.Post, $"/v1/agreements/pact/requests/{request.GetProperty("id").GetString()}/answer")
            {
                Content = new StringContent("""{"answer":"concur"}""", Encoding.UTF8, "application/json"),
            };
            concur.Headers.TryAddWithoutValidation("If-Match", $"\"{request.GetProperty("version").GetInt64()}\"");
            Assert.Equal(HttpStatusCode.OK, (await approver.SendAsync(concur, Ct)).StatusCode);
        }

        foreach (var action in new[] { "activate", "complete" })
        {
            using var step = new HttpRequestMessage(HttpMethod.Post, $"/v1/agreements/pact/operations/north/{action}");
            step.Headers.TryAddWithoutValidation("If-Match", "*");
            Assert.Equal(HttpStatusCode.OK, (await red.SendAsync(step, Ct)).StatusCode);
        }

        using var blue = server.Client("blue", Roles.Approver, agreement: "pact");
        var withdrawn = await blue.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/requests?role=affected", Ct);
        Assert.Equal("withdrawn", Assert.Single(withdrawn.GetProperty("requests").EnumerateArray()).GetProperty("state").GetString());

        var report = await blue.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/compliance?period=day", Ct);
        var today = report.GetProperty("parties").EnumerateArray().First(p => p.GetProperty("party").GetString() == "blue")
            .GetProperty("periods").EnumerateArray().Last().GetProperty("concurrence");
        Assert.Equal(1, today.GetProperty("received").GetProperty("count").GetInt64());
        Assert.Equal(1, today.GetProperty("concurred").GetProperty("count").GetInt64());
        Assert.Equal(1, today.GetProperty("answered_in_time").GetProperty("count").GetInt64());
        Assert.Equal(0, today.GetProperty("withdrawn").GetProperty("count").GetInt64());
    }
}
