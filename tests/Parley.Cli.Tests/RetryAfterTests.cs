using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Parley.Cli.Client;
using Parley.Cli.Terminal;
using Parley.Server.Security;

namespace Parley.Cli.Tests;

/// <summary>
/// <c>parley</c> behaves under load: a 429 or 503 with <c>Retry-After</c> is retried after the wait asked (a bounded
/// one, a bounded number of times), and a write's retries carry its idempotency key.
/// </summary>
public sealed class RetryAfterTests : IAsyncDisposable
{
    private readonly ConcurrentQueue<(int Status, string? RetryAfter)> _script = new();
    private readonly ConcurrentQueue<(string Method, string? Key, string? Nonce)> _received = new();
    private readonly List<TimeSpan> _waits = [];
    private WebApplication? _server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A loopback server answering each request with the next scripted status (then 200) and recording it.</summary>
    private async Task<ParleyClient> StartAsync(params (int Status, string? RetryAfter)[] script)
    {
        foreach (var step in script)
        {
            _script.Enqueue(step);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.Run(async http =>
        {
            _received.Enqueue((http.Request.Method, http.Request.Headers["Idempotency-Key"].FirstOrDefault(), http.Request.Headers["Parley-Nonce"].FirstOrDefault()));
            if (_script.TryDequeue(out var step))
            {
                http.Response.StatusCode = step.Status;
                if (step.RetryAfter is { } retryAfter)
                {
                    http.Response.Headers.RetryAfter = retryAfter;
                }

                http.Response.ContentType = "application/problem+json";
                await http.Response.WriteAsync($$"""{"title":"Busy","status":{{step.Status}},"detail":"try later"}""", Ct);
                return;
            }

            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("""{"ok":true}""", Ct);
        });
        await _server.StartAsync(Ct);
        return new ParleyClient(new Uri(_server.Urls.First() + "/"), "pact", "token", SubmissionKey.Create(), delay: (wait, _) =>
        {
            lock (_waits)
            {
                _waits.Add(wait);
            }

            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task a_write_refused_with_429_then_503_is_sent_again_after_each_wait_asked_under_the_same_idempotency_key()
    {
        using var client = await StartAsync((429, "3"), (503, "2"));

        string body = await client.PostGeoJsonAsync("operations", """{"type":"FeatureCollection","features":[]}"""u8.ToArray(), Ct);

        Assert.Equal("""{"ok":true}""", body);
        Assert.Equal([TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2)], _waits);
        var received = _received.ToList();
        Assert.Equal(3, received.Count);
        Assert.All(received, r => Assert.Equal("POST", r.Method));
        Assert.Single(received.Select(r => r.Key).Distinct());
        Assert.NotNull(received[0].Key);

        // Each attempt is signed anew: a nonce is never sent twice.
        Assert.Equal(3, received.Select(r => r.Nonce).Distinct().Count());
    }

    [Fact]
    public async Task a_read_refused_with_retry_after_as_an_http_date_is_sent_again_after_that_time()
    {
        string date = DateTimeOffset.UtcNow.AddSeconds(20).ToString("R", CultureInfo.InvariantCulture);
        using var client = await StartAsync((503, date));

        Assert.Equal("""{"ok":true}""", await client.GetAsync("zones", Ct));
        var wait = Assert.Single(_waits);
        Assert.InRange(wait, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20));
        Assert.Equal(2, _received.Count);
    }

    [Fact]
    public async Task a_wait_longer_than_the_bound_is_not_waited_for_and_the_refusal_is_reported()
    {
        using var client = await StartAsync((429, "3480"));

        var refusal = await Assert.ThrowsAsync<CliException>(() => client.GetAsync("zones", Ct));

        Assert.Contains("429", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(3480), refusal.RetryAfter);
        Assert.Empty(_waits);
        Assert.Single(_received);
    }

    [Fact]
    public async Task a_server_that_keeps_asking_to_wait_is_tried_a_bounded_number_of_times()
    {
        using var client = await StartAsync([.. Enumerable.Repeat((503, (string?)"1"), 10)]);

        var refusal = await Assert.ThrowsAsync<CliException>(() => client.PostJsonAsync("zones/z1", "{}"u8.ToArray(), "\"1\"", Ct));

        Assert.Contains("503", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(ParleyClient.MostAttempts, _received.Count);
        Assert.Equal(ParleyClient.MostAttempts - 1, _waits.Count);
        Assert.Single(_received.Select(r => r.Key).Distinct());
    }

    [Fact]
    public async Task a_429_without_retry_after_is_reported_at_once()
    {
        using var client = await StartAsync((429, null));
        await Assert.ThrowsAsync<CliException>(() => client.GetAsync("zones", Ct));
        Assert.Single(_received);
    }
}
