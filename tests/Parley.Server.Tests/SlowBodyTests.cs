using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Parley.Server.Tests;

/// <summary>
/// A body trickled more slowly than the server's minimum rate is answered 408 with the documented problem once its
/// grace period has passed, over the real HTTP stack, and nothing is written.
/// </summary>
/// <remarks>
/// The rate is Kestrel's own, checked on its heartbeat, which no clock of the test drives: the grace period is made
/// short (2 s) instead, and the trickle is the slow client itself.
/// </remarks>
[Collection(nameof(WallClockCollection))]
public sealed partial class SlowBodyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_body_trickled_below_the_minimum_rate_gets_a_408_problem_and_writes_nothing()
    {
        var logs = new SlowClient.Warnings();
        await using var server = await RunningServer.StartAsync(configure: o => o with
        {
            MinRequestBodyBytesPerSecond = 1000, MinRequestBodyGracePeriod = TimeSpan.FromSeconds(2), RequestTimeout = TimeSpan.FromMinutes(2),
        }, configureLogging: l => l.AddProvider(logs));
        using var blue = server.Client("blue");
        long before = await LedgerSizeAsync(blue);
        byte[] body = Encoding.UTF8.GetBytes(Json.Zone("trickled-1", "protected", Json.Box(3, 3, 3.1, 3.1), ",\"name\":\"a declaration that arrives ten bytes at a time, far below the minimum rate\""));
        Assert.True(body.Length > 250, $"a body of {body.Length} bytes");

        // About 10 bytes every 400 ms: 25 bytes a second, a fortieth of the minimum; the whole body would take over 10 s.
        var started = System.Diagnostics.Stopwatch.StartNew();
        string answer = await SlowClient.SendAsync(server, await SlowClient.HeadAsync(server, "/v1/agreements/demo/zones", body, "blue", Ct), body,
            pieces: body.Length / 10, pause: TimeSpan.FromMilliseconds(400), quiet: TimeSpan.FromSeconds(2), Ct);

        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.Single(StatusLine().Matches(answer));
        Assert.Matches("(?im)^Content-Type: application/problem\\+json", answer);
        using var problem = JsonDocument.Parse(answer[answer.IndexOf('{', StringComparison.Ordinal)..(answer.LastIndexOf('}') + 1)]);
        Assert.Equal("https://parley.invalid/problems/body-too-slow", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(408, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("1000 bytes a second after its first 2 s", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"answered after {started.Elapsed}");

        Assert.Equal(HttpStatusCode.NotFound, (await blue.GetAsync("/v1/agreements/demo/zones/trickled-1", Ct)).StatusCode);
        Assert.Equal(before, await LedgerSizeAsync(blue));
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }

    private static async Task<long> LedgerSizeAsync(HttpClient client)
    {
        var note = await client.GetStringAsync("/v1/agreements/demo/ledger/checkpoint", Ct);
        return Parley.Ledger.Checkpoint.Parse(Parley.Ledger.SignedNote.Parse(note).Text).Size;
    }

    [GeneratedRegex(@"HTTP/1\.1 \d{3}")]
    private static partial Regex StatusLine();
}
