using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;

using Parley.Tests.Shared;

namespace Parley.Server.Tests;

/// <summary>
/// Thousands of malformed and extreme requests against one server: every answer is a 4xx problem document
/// (or a success, for bodies that are in fact valid), never a 5xx, and nothing refused changes the state.
/// </summary>
public sealed class FuzzTests
{
    private const string Target = GeoJsonFuzzCorpus.Target;
    private const int MaxBody = GeoJsonFuzzCorpus.MaxBody;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Trait("Lane", "Slow")]
    [Fact]
    public async Task thousands_of_malformed_and_extreme_requests_get_4xx_problems_never_5xx_and_refusals_change_nothing()
    {
        await using var server = await RunningServer.StartAsync(configure: o => o with
        {
            RateLimitPerSecond = 1_000_000,
            RateLimitBurst = 1_000_000,
            MaxRequestBodyBytes = MaxBody,
        });
        using var blue = server.Client("blue");
        var target = Json.Zone(Target, "restricted", Json.Box(20, 20, 20.5, 20.5));
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(target), Ct)).StatusCode);
        var zonesBefore = await FeaturesAsync(blue, "zones");
        var operationsBefore = await FeaturesAsync(blue, "operations");

        var acceptedZones = new ConcurrentBag<string>();
        var acceptedOperations = new ConcurrentBag<string>();
        var tally = new ConcurrentDictionary<string, int>();
        int puts = 0, requests = 0;
        var clock = Stopwatch.StartNew();

        await GeoJsonFuzzCorpus.AnyCase.SampleAsync(async c =>
        {
            Interlocked.Increment(ref requests);
            string path = c.Route switch
            {
                FuzzRoute.Zones => "/v1/agreements/demo/zones",
                FuzzRoute.Operations => "/v1/agreements/demo/operations",
                FuzzRoute.Check => "/v1/agreements/demo/check",
                _ => "/v1/agreements/demo/zones/" + Uri.EscapeDataString(c.PutId),
            };
            using var request = new HttpRequestMessage(c.Route == FuzzRoute.PutZone ? HttpMethod.Put : HttpMethod.Post, path)
            {
                Content = new ByteArrayContent(c.Body),
            };
            request.Content.Headers.ContentType = c.ContentType is null ? null : MediaTypeHeaderValue.Parse(c.ContentType);
            request.Headers.ExpectContinue = c.Body.Length > MaxBody; // the refusal comes before the body is sent
            using var response = await blue.SendAsync(request, Ct);
            int status = (int)response.StatusCode;
            string text = await response.Content.ReadAsStringAsync(Ct);
            tally.AddOrUpdate($"{status}", 1, (_, n) => n + 1);

            if (status is >= 200 and < 300)
            {
                Assert.True(c.MayBeAccepted, $"{status} for a body that must be refused: {text[..Math.Min(300, text.Length)]}");
                using var answer = JsonDocument.Parse(text);
                switch (c.Route)
                {
                    case FuzzRoute.Zones:
                        foreach (var f in answer.RootElement.GetProperty("accepted").EnumerateArray())
                        {
                            acceptedZones.Add(f.GetProperty("id").GetString()!);
                        }

                        break;
                    case FuzzRoute.Operations:
                        acceptedOperations.Add(answer.RootElement.GetProperty("id").GetString()!);
                        break;
                    case FuzzRoute.PutZone:
                        Interlocked.Increment(ref puts);
                        break;
                }

                return;
            }

            Assert.True(status is >= 400 and < 500, $"{status}: {text[..Math.Min(300, text.Length)]}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(text);
            Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        }, iter: 6000, threads: 4, print: c => c.ToString());

        clock.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{requests} requests in {clock.Elapsed.TotalSeconds:F1} s; statuses {string.Join(", ", tally.OrderBy(t => t.Key).Select(t => $"{t.Key}: {t.Value}"))}");

        // Several thousand requests, both kinds of answer well represented.
        Assert.True(requests >= 6000, $"{requests} requests");
        Assert.True(tally.Where(t => t.Key.StartsWith('4')).Sum(t => t.Value) > requests / 2, "fewer refusals than expected");
        Assert.True(acceptedZones.Count + acceptedOperations.Count + puts > requests / 20, "fewer acceptances than expected");

        // The server is healthy and refused bodies changed nothing: the lists hold what was there and what was accepted.
        using var anonymous = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health", Ct)).StatusCode);
        var zonesAfter = await FeaturesAsync(blue, "zones");
        var operationsAfter = await FeaturesAsync(blue, "operations");
        Assert.Equal(zonesBefore.Keys.Union(acceptedZones).Order(StringComparer.Ordinal), zonesAfter.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(operationsBefore.Keys.Union(acceptedOperations).Order(StringComparer.Ordinal), operationsAfter.Keys.Order(StringComparer.Ordinal));
        foreach (var (id, feature) in zonesBefore.Where(z => z.Key != Target))
        {
            Assert.Equal(feature, zonesAfter[id]);
        }

        Assert.DoesNotContain(zonesAfter.Keys, id => id.StartsWith("fz-bad", StringComparison.Ordinal));
        Assert.DoesNotContain(operationsAfter.Keys, id => id.StartsWith("fz-bad", StringComparison.Ordinal));
        var put = await blue.GetAsync($"/v1/agreements/demo/zones/{Target}", Ct);
        Assert.Equal($"\"{1 + puts}\"", put.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task ledger_reads_with_extreme_or_malformed_numbers_and_paths_get_4xx_problems_never_5xx()
    {
        await using var server = await RunningServer.StartAsync(configure: o => o with { RateLimitPerSecond = 1_000_000, RateLimitBurst = 1_000_000 });
        using var red = server.Client("red");
        int requests = 0;
        await LedgerRead.SampleAsync(async path =>
        {
            Interlocked.Increment(ref requests);
            using var response = await red.GetAsync("/v1/agreements/demo/ledger/" + path, Ct);
            int status = (int)response.StatusCode;
            string text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(status < 500, $"{status}: {text[..Math.Min(300, text.Length)]}");
            if (status >= 400)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                using var problem = JsonDocument.Parse(text);
                Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
            }
        }, iter: 600, threads: 4, print: p => p);

        using var anonymous = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health", Ct)).StatusCode);
        Assert.True(requests >= 600);
    }

    private static readonly Gen<string> Number = Gen.OneOf<string>(
        Gen.OneOf("0", "1", "2", "-1", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "99999999999999999999",
            "1e3", "1.5", "0x10", "NaN", "", "%00", "1%2C2", "١", "+1", " 1"),
        Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture)),
        Gen.Int[0, 40].Select(i => i.ToString(CultureInfo.InvariantCulture)));

    private static readonly Gen<string> LedgerRead = Gen.OneOf<string>(
        Gen.OneOf("checkpoint", "key", "tile/0/000", "tile/0/000.p/1", "tile/entries/000.p/1", "tile/0/x001/000", "tile/9/000", "tile/entries/000",
            "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/999", "tile/-1/000", "tile/", "tile/0/x000/x000/000", "proof/inclusion",
            "proof/consistency", "entries/", "openings/"),
        Number.Select(n => "entries/" + Uri.EscapeDataString(n)),
        Number.Select(n => "openings/" + Uri.EscapeDataString(n)),
        Gen.Select(Number, Number, (i, n) => $"proof/inclusion?index={Uri.EscapeDataString(i)}&size={Uri.EscapeDataString(n)}"),
        Gen.Select(Number, Number, (m, n) => $"proof/consistency?from={Uri.EscapeDataString(m)}&to={Uri.EscapeDataString(n)}"),
        Gen.Select(Number, Number, (m, n) => $"proof/consistency?from={Uri.EscapeDataString(m)}&from={Uri.EscapeDataString(n)}&to=1"),
        Gen.Select(Gen.Int[0, 70], Number, Number, (level, n, w) => $"tile/{level}/{Uri.EscapeDataString(n)}.p/{Uri.EscapeDataString(w)}"),
        Gen.Select(Number, Gen.String[0, 30], (n, junk) => $"tile/entries/{Uri.EscapeDataString(n)}/{Uri.EscapeDataString(junk)}"));

    private static async Task<Dictionary<string, string>> FeaturesAsync(HttpClient client, string collection)
    {
        using var list = JsonDocument.Parse(await client.GetStringAsync($"/v1/agreements/demo/{collection}", Ct));
        return list.RootElement.GetProperty("features").EnumerateArray()
            .ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetRawText(), StringComparer.Ordinal);
    }
}
