using System.Net;

namespace Parley.Server.Tests.Contract;

/// <summary>The client-side check that the multi-node tests' answers go through sees what the server-side one sees.</summary>
public sealed class AnswerCheckingHandlerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_checked_client_checks_every_answer_it_receives_and_leaves_the_body_to_the_test()
    {
        await using var server = await RunningServer.StartAsync();
        var answers = new AnswerRecorder();
        using var client = AnswerCheckingHandler.Wrap(answers, SigningHandler.Transport(), server.BaseAddress,
            new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", server.Token("blue")));
        int before = server.Answers.Checked;

        using var zones = await client.GetAsync(new Uri("/v1/agreements/demo/zones", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, zones.StatusCode);
        Assert.Contains("\"features\"", await zones.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var missing = await client.GetAsync(new Uri("/v1/agreements/demo/zones/no-such-zone", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var unsigned = await client.PostAsync(new Uri("/v1/agreements/demo/zones", UriKind.Relative), RunningServer.GeoJson("{}"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);

        Assert.Equal(3, answers.Checked);
        Assert.Equal(server.Answers.Checked - before, answers.Checked);
        Assert.Empty(answers.Violations);
    }
}
