using System.Net;
using Microsoft.Extensions.Time.Testing;
using Parley.Server.Security;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// A token's lifetime was checked against the machine's wall clock while the center issued and remembered tokens
/// by its own clock: a center whose clock was held (the console's demo week) refused every token it had issued once
/// the wall clock passed their expiry, and took expired ones for valid while the wall clock lagged. A token now lives
/// by the center's clock alone.
/// </summary>
public sealed class Bug_tokens_were_checked_against_the_wall_clock_not_the_centers
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_token_is_valid_from_its_issue_to_its_expiry_by_the_centers_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2020, 3, 1, 9, 0, 0, TimeSpan.Zero));
        await using var server = await RunningServer.StartAsync(demo: false, time: clock,
            agreements: ["""{"id":"pact","parties":[{"id":"blue"},{"id":"red"}]}"""]);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        client.DefaultRequestHeaders.Authorization = new("Bearer", TokenKeys.Issue(server.DataDirectory, "pact", "red", Roles.Operator, TimeSpan.FromHours(1), clock));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/agreements/pact/zones", Ct)).StatusCode);

        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/agreements/pact/zones", Ct)).StatusCode);

        // Issued by the wall clock, years after the center's time: not valid yet.
        client.DefaultRequestHeaders.Authorization = new("Bearer", TokenKeys.Issue(server.DataDirectory, "pact", "red", Roles.Operator, TimeSpan.FromDays(1)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/agreements/pact/zones", Ct)).StatusCode);
    }
}
