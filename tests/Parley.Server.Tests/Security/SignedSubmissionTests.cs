using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Model;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Configuration;

namespace Parley.Server.Tests.Security;

/// <summary>Every write is signed by the party; replays and stale signatures are refused; idempotency keys make retries safe.</summary>
public sealed class SignedSubmissionTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RunningServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await RunningServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private HttpClient Unsigned(string party) => _server.Client(party, sign: false);

    private SubmissionKey Key(string party) => DevelopmentKeys.For(_server.DataDirectory, "demo", party);

    private static HttpRequestMessage Post(string path, string body) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/geo+json") };

    private async Task<long> LedgerSizeAsync() =>
        await _server.App.Services.GetRequiredService<TheaterRegistry>().ReadLedgerAsync(new AgreementId("demo"), l => l.Tree.Size, Ct);

    private async Task<int> ZoneCountAsync(string party)
    {
        using var client = Unsigned(party);
        var zones = await client.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/zones", Ct);
        return zones.GetProperty("features").GetArrayLength();
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Contains(field, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_unsigned_write_is_refused_with_401_naming_the_header_and_changes_nothing()
    {
        int before = await ZoneCountAsync("blue");
        using var blue = Unsigned("blue");
        var response = await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Json.Zone("unsigned-1", "protected", Json.Box(1, 1, 1.1, 1.1))), Ct);

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, SignedRequests.SignatureHeader);
        Assert.Equal(before, await ZoneCountAsync("blue"));
    }

    [Fact]
    public async Task a_signature_by_another_party_a_changed_body_or_another_route_does_not_verify()
    {
        using var blue = Unsigned("blue");
        string zone = Json.Zone("forged-1", "protected", Json.Box(2, 2, 2.1, 2.1));

        // Red's key under blue's token.
        using var byRed = Post("/v1/agreements/demo/zones", zone);
        using (var red = Key("red"))
        {
            await SignedRequests.SignAsync(byRed, "demo", red, DateTimeOffset.UtcNow, Ct);
        }

        byRed.Headers.Remove(SignedRequests.KeyHeader);
        await AssertRefusedAsync(await blue.SendAsync(byRed, Ct), HttpStatusCode.Unauthorized, SignedRequests.SignatureHeader);

        // Blue's signature, then the body changed by one digit.
        using var key = Key("blue");
        using var changed = Post("/v1/agreements/demo/zones", zone);
        await SignedRequests.SignAsync(changed, "demo", key, DateTimeOffset.UtcNow, Ct);
        changed.Content = new StringContent(zone.Replace("2.1", "2.2", StringComparison.Ordinal), Encoding.UTF8, "application/geo+json");
        await AssertRefusedAsync(await blue.SendAsync(changed, Ct), HttpStatusCode.Unauthorized, SignedRequests.SignatureHeader);

        // Blue's signature for /zones, sent to /operations with the same body.
        using var elsewhere = Post("/v1/agreements/demo/zones", zone);
        await SignedRequests.SignAsync(elsewhere, "demo", key, DateTimeOffset.UtcNow, Ct);
        elsewhere.RequestUri = new Uri("/v1/agreements/demo/operations", UriKind.Relative);
        await AssertRefusedAsync(await blue.SendAsync(elsewhere, Ct), HttpStatusCode.Unauthorized, SignedRequests.SignatureHeader);

        // The same body with whitespace and key order changed still verifies: the body is signed canonically.
        using var reformatted = Post("/v1/agreements/demo/zones", zone);
        await SignedRequests.SignAsync(reformatted, "demo", key, DateTimeOffset.UtcNow, Ct);
        var node = System.Text.Json.Nodes.JsonNode.Parse(zone)!.AsObject();
        var reordered = new System.Text.Json.Nodes.JsonObject(node.Reverse().Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
        reformatted.Content = new StringContent(reordered.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), Encoding.UTF8, "application/geo+json");
        Assert.Equal(HttpStatusCode.Created, (await blue.SendAsync(reformatted, Ct)).StatusCode);
    }

    [Fact]
    public async Task a_signature_outside_the_window_or_a_malformed_header_is_refused()
    {
        using var blue = Unsigned("blue");
        using var key = Key("blue");
        foreach (var skew in new[] { TimeSpan.FromMinutes(-6), TimeSpan.FromMinutes(6) })
        {
            using var stale = Post("/v1/agreements/demo/zones", Json.Zone("stale-1", "protected", Json.Box(3, 3, 3.1, 3.1)));
            await SignedRequests.SignAsync(stale, "demo", key, DateTimeOffset.UtcNow + skew, Ct);
            await AssertRefusedAsync(await blue.SendAsync(stale, Ct), HttpStatusCode.Unauthorized, SignedRequests.TimestampHeader);
        }

        using var shortNonce = Post("/v1/agreements/demo/zones", Json.Zone("stale-2", "protected", Json.Box(3, 3, 3.1, 3.1)));
        await SignedRequests.SignAsync(shortNonce, "demo", key, DateTimeOffset.UtcNow, Ct);
        shortNonce.Headers.Remove(SignedRequests.NonceHeader);
        shortNonce.Headers.Add(SignedRequests.NonceHeader, "abc");
        await AssertRefusedAsync(await blue.SendAsync(shortNonce, Ct), HttpStatusCode.Unauthorized, SignedRequests.NonceHeader);

        using var notBase64 = Post("/v1/agreements/demo/zones", Json.Zone("stale-3", "protected", Json.Box(3, 3, 3.1, 3.1)));
        await SignedRequests.SignAsync(notBase64, "demo", key, DateTimeOffset.UtcNow, Ct);
        notBase64.Headers.Remove(SignedRequests.SignatureHeader);
        notBase64.Headers.Add(SignedRequests.SignatureHeader, "%%%");
        await AssertRefusedAsync(await blue.SendAsync(notBase64, Ct), HttpStatusCode.Unauthorized, SignedRequests.SignatureHeader);
    }

    [Fact]
    public async Task a_replayed_request_is_refused_even_after_a_restart()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-replay-" + Guid.NewGuid().ToString("N"));
        try
        {
            HttpRequestMessage Replay(HttpRequestMessage original, string body)
            {
                var copy = Post(original.RequestUri!.OriginalString, body);
                foreach (var header in original.Headers.Where(h => h.Key.StartsWith("Parley-", StringComparison.Ordinal)))
                {
                    copy.Headers.Add(header.Key, header.Value);
                }

                return copy;
            }

            string zone = Json.Zone("replayed-1", "protected", Json.Box(4, 4, 4.1, 4.1));
            using var original = Post("/v1/agreements/demo/zones", zone);
            await using (var first = await RunningServer.StartAsync(data))
            {
                using var key = DevelopmentKeys.For(data, "demo", "blue");
                await SignedRequests.SignAsync(original, "demo", key, DateTimeOffset.UtcNow, Ct);
                using var blue = first.Client("blue", sign: false);
                Assert.Equal(HttpStatusCode.Created, (await blue.SendAsync(Replay(original, zone), Ct)).StatusCode);
                Assert.Equal(HttpStatusCode.NoContent, (await first.Client("blue").DeleteIfMatchAsync("/v1/agreements/demo/zones/replayed-1", Ct)).StatusCode);

                // The zone is gone, so the replay would be accepted again if the nonce were not spent.
                var again = await blue.SendAsync(Replay(original, zone), Ct);
                Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
                Assert.Contains("replayed", (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString(), StringComparison.Ordinal);
            }

            await using var second = await RunningServer.StartAsync(data);
            using var blueAgain = second.Client("blue", sign: false);
            Assert.Equal(HttpStatusCode.Conflict, (await blueAgain.SendAsync(Replay(original, zone), Ct)).StatusCode);
            using var list = second.Client("blue");
            Assert.Equal(HttpStatusCode.NotFound, (await list.GetAsync("/v1/agreements/demo/zones/replayed-1", Ct)).StatusCode);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task a_retry_under_the_same_idempotency_key_gets_the_first_answer_and_changes_nothing_more()
    {
        using var red = _server.Client("red");
        string strike = Json.Operation("red-idem-1", "strike", Json.Box(9.149, 42.145, 9.155, 42.151));
        async Task<HttpResponseMessage> SendAsync(string body, string key)
        {
            using var request = Post("/v1/agreements/demo/operations", body);
            request.Headers.Add("Idempotency-Key", key);
            return await red.SendAsync(request, Ct);
        }

        var first = await SendAsync(strike, "retry-key-1");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        long size = await LedgerSizeAsync();

        var retry = await SendAsync(strike, "retry-key-1");
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(Ct), await retry.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(first.Headers.ETag, retry.Headers.ETag);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(size, await LedgerSizeAsync());

        // The same key for another body is an error of the client's; another party's key space is its own.
        var other = await SendAsync(Json.Operation("red-idem-2", "flight", Json.Box(5, 5, 5.1, 5.1)), "retry-key-1");
        await AssertRefusedAsync(other, HttpStatusCode.UnprocessableEntity, "Idempotency-Key");
        using var blue = _server.Client("blue");
        using var theirs = Post("/v1/agreements/demo/operations", Json.Operation("blue-idem-1", "flight", Json.Box(6, 6, 6.1, 6.1)));
        theirs.Headers.Add("Idempotency-Key", "retry-key-1");
        Assert.Equal(HttpStatusCode.Created, (await blue.SendAsync(theirs, Ct)).StatusCode);

        using var bad = Post("/v1/agreements/demo/operations", Json.Operation("red-idem-3", "flight", Json.Box(5, 5, 5.1, 5.1)));
        bad.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 256));
        await AssertRefusedAsync(await red.SendAsync(bad, Ct), HttpStatusCode.BadRequest, "Idempotency-Key");
    }

    [Fact]
    public async Task concurrent_retries_under_one_key_commit_once_and_all_get_the_same_answer()
    {
        using var blue = _server.Client("blue");
        string zone = Json.Zone("blue-idem-zone", "protected", Json.Box(7, 7, 7.1, 7.1));
        long before = await LedgerSizeAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            using var request = Post("/v1/agreements/demo/zones", zone);
            request.Headers.Add("Idempotency-Key", "burst-1");
            using var response = await blue.SendAsync(request, Ct);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
        }));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(before + 1, await LedgerSizeAsync());
    }

    [Fact]
    public async Task an_agreement_that_lists_a_partys_keys_accepts_only_those()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-keys-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        using var own = SubmissionKey.Create();
        string file = Path.Combine(data, "agreement.json");
        await File.WriteAllTextAsync(file, $$"""{"id":"pact","parties":[{"id":"blue","signing_keys":["{{own.PublicKey}}"]},{"id":"red"}]}""", Ct);
        var answers = new Contract.AnswerRecorder();
        var app = await ParleyApp.StartAsync(answers.Watch(new ParleyServerOptions { DataDirectory = data, Urls = "http://127.0.0.1:0", AgreementFiles = [file], ConsoleLogging = false }), Ct);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenKeys.Issue(data, "pact", "blue", Roles.Operator, TimeSpan.FromHours(1)));
            using (var development = DevelopmentKeys.For(data, "pact", "blue"))
            {
                using var byDevelopmentKey = Post("/v1/agreements/pact/zones", Json.Zone("k-1", "protected", Json.Box(1, 1, 1.1, 1.1)));
                await SignedRequests.SignAsync(byDevelopmentKey, "pact", development, DateTimeOffset.UtcNow, Ct);
                await AssertRefusedAsync(await client.SendAsync(byDevelopmentKey, Ct), HttpStatusCode.Unauthorized, SignedRequests.KeyHeader);
            }

            using var byOwnKey = Post("/v1/agreements/pact/zones", Json.Zone("k-1", "protected", Json.Box(1, 1, 1.1, 1.1)));
            await SignedRequests.SignAsync(byOwnKey, "pact", own, DateTimeOffset.UtcNow, Ct);
            Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(byOwnKey, Ct)).StatusCode);
            answers.AssertDescribed();
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
