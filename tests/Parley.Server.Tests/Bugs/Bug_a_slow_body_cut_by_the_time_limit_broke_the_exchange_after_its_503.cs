using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// A signed write whose body arrived more slowly than the request time limit was answered 503, but the body had been
/// read with the request's token: the cancelled read left Kestrel's body reader marked as reading, so after the answer
/// Kestrel could not drain the rest of the body, logged an error ("automatic draining of the request body failed") and
/// aborted the connection under the answer, once per slow request. The body is now read so that the time limit cancels
/// the pending read through the reader itself; the exchange ends with one answer and nothing after it.
/// </summary>
/// <remarks>The time limit is ASP.NET Core's own timer, which no clock of the test drives: the pause is the slow client itself.</remarks>
[Collection(nameof(WallClockCollection))]
public sealed partial class Bug_a_slow_body_cut_by_the_time_limit_broke_the_exchange_after_its_503
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/v1/agreements/demo/zones")]
    [InlineData("/v1/agreements/demo/check")]
    public async Task a_body_slower_than_the_time_limit_gets_one_503_problem_nothing_after_it_and_no_error(string path)
    {
        var logs = new SlowClient.Warnings();
        await using var server = await RunningServer.StartAsync(configure: o => o with
        {
            RequestTimeout = TimeSpan.FromMilliseconds(300), RateLimitPerSecond = 1000, RateLimitBurst = 1000,
        }, configureLogging: l => l.AddProvider(logs));
        string feature = path.EndsWith("/zones", StringComparison.Ordinal)
            ? Json.Zone("slow-once-1", "protected", Json.Box(3, 3, 3.1, 3.1))
            : Json.Operation("slow-once-1", "flight", Json.Box(3, 3, 3.1, 3.1));
        byte[] body = Encoding.UTF8.GetBytes(feature);

        // Half the body, a pause of seven times the limit, then (if the server still listens) the rest.
        string answer = await SlowClient.SendAsync(server, await SlowClient.HeadAsync(server, path, body, "blue", Ct), body,
            pieces: 2, pause: TimeSpan.FromSeconds(2), quiet: TimeSpan.FromSeconds(2), Ct);

        Assert.Single(StatusLine().Matches(answer));
        Assert.StartsWith("HTTP/1.1 503", answer, StringComparison.Ordinal);
        Assert.Single(ProblemType().Matches(answer));
        Assert.Contains("problems/timeout", answer, StringComparison.Ordinal);
        using var blue = server.Client("blue");
        Assert.Equal(HttpStatusCode.NotFound, (await blue.GetAsync("/v1/agreements/demo/zones/slow-once-1", Ct)).StatusCode);
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"HTTP/1\.1 \d{3}")]
    private static partial Regex StatusLine();

    [GeneratedRegex("\"type\"\\s*:\\s*\"https://parley")]
    private static partial Regex ProblemType();
}
