using System.Net;
using Parley.Server.Security;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// A token's roles were taken as they were claimed: a token claiming <c>operator</c> for a party the agreement names
/// as an observer let it declare zones. A token may now claim only the roles its party holds (observers watch).
/// </summary>
public sealed class Bug_an_observer_party_could_act_with_an_operator_token
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task an_observer_party_cannot_use_an_operator_token_but_may_watch()
    {
        await using var server = await RunningServer.StartAsync(demo: false,
            agreements: ["""{"id":"pact","parties":[{"id":"blue"},{"id":"un","role":"observer"}]}"""]);
        using var observer = new HttpClient { BaseAddress = server.BaseAddress };
        observer.DefaultRequestHeaders.Authorization = new("Bearer", server.Token("un", Roles.Operator, "pact"));
        var zone = Json.Zone("un-1", "protected", Json.Box(0, 0, 1, 1));
        Assert.Equal(HttpStatusCode.Forbidden, (await observer.PostAsync("/v1/agreements/pact/zones", RunningServer.GeoJson(zone), Ct)).StatusCode);

        observer.DefaultRequestHeaders.Authorization = new("Bearer", server.Token("un", Roles.Monitor, "pact"));
        Assert.Equal(HttpStatusCode.OK, (await observer.GetAsync("/v1/agreements/pact/zones", Ct)).StatusCode);
    }
}
