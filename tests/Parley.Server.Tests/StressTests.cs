using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Model;
using Parley.Core.Workflow;
using Parley.Server.Security;
using Parley.Server.Theaters;

namespace Parley.Server.Tests;

/// <summary>
/// Many concurrent clients of three parties submit, modify, cancel, answer and declare zones in one small hot area
/// in random interleavings; afterwards the state must hold the invariant and every subscriber must have seen every
/// committed event once, in order.
/// </summary>
public sealed class StressTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Agreement = """
        {"id":"hot","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"}],
         "probing_budget":{"per_hour":1000000,"per_day":1000000}}
        """;

    private static readonly string[] Parties = ["blue", "red", "aid"];

    [Fact]
    public async Task concurrent_clients_in_one_hot_area_never_leave_a_conflict_without_concurrence_and_every_event_arrives_once()
    {
        await using var server = await RunningServer.StartAsync(demo: false, agreements: [Agreement], configure: o => o with { RateLimitPerSecond = 0 });
        var subscribers = Parties.ToDictionary(p => p, p => new Subscriber(server, p));
        foreach (var s in subscribers.Values)
        {
            s.Start(0);
        }

        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker * 7919);
            for (int round = 0; round < 40; round++)
            {
                string party = Parties[random.Next(Parties.Length)];
                var status = await ActAsync(server, party, random, $"w{worker}-{round}");
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            }
        }, Ct)));

        Assert.DoesNotContain(statuses.Keys, s => (int)s >= 500);
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.Created) > 50, string.Join(", ", statuses));

        var registry = server.App.Services.GetRequiredService<TheaterRegistry>();
        var (violations, operations, requests) = await registry.ReadAsync(new AgreementId("hot"),
            t => (Invariants.Check(t), t.Operations.ToList(), t.Requests.All.ToList()), Ct);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        Assert.Contains(requests, r => r.State == RequestState.Concurred);
        Assert.Contains(operations, o => o.State == OperationState.AwaitingConcurrence || o.State == OperationState.Concurred);

        // Every committed event of each party reaches its stream once, in order; the last state seen is the state held.
        foreach (var (party, subscriber) in subscribers)
        {
            var stored = await registry.Store.ReadEventsAsync(new AgreementId("hot"), new PartyId(party), 0, 1_000_000, Ct);
            await subscriber.WaitForAsync(stored.Count == 0 ? 0 : stored[^1].Sequence);
            Assert.Equal(stored.Select(e => e.Sequence), subscriber.Received.Select(e => e.Id));
            foreach (var operation in operations.Where(o => o.Owner.Value == party))
            {
                var last = subscriber.Received.Last(e => e.Type == "operation.state" && e.Data.GetProperty("operation").GetString() == operation.Id.Value);
                Assert.Equal(Parley.Core.Features.OperationStates.Name(operation.State), last.Data.GetProperty("state").GetString());
            }

            await subscriber.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_subscriber_sees_every_committed_event_across_a_server_restart()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-stress-" + Guid.NewGuid().ToString("N"));
        try
        {
            long last;
            List<long> received;
            await using (var first = await RunningServer.StartAsync(data, demo: false, agreements: [Agreement], configure: o => o with { RateLimitPerSecond = 0 }))
            {
                await using var blue = new Subscriber(first, "blue");
                blue.Start(0);
                var random = new Random(5);
                for (int i = 0; i < 30; i++)
                {
                    await ActAsync(first, Parties[i % 3], random, $"a{i}");
                }

                var stored = await first.App.Services.GetRequiredService<TheaterRegistry>().Store.ReadEventsAsync(new AgreementId("hot"), new PartyId("blue"), 0, 100_000, Ct);
                Assert.NotEmpty(stored);
                await blue.WaitForAsync(stored[^1].Sequence);
                received = [.. blue.Received.Select(e => e.Id)];
                last = received[^1];
            }

            // Writes while the subscriber is away, after the restart; it comes back with Last-Event-ID.
            await using var second = await RunningServer.StartAsync(data, demo: false, agreements: [Agreement], configure: o => o with { RateLimitPerSecond = 0 });
            var again = new Random(6);
            for (int i = 0; i < 30; i++)
            {
                await ActAsync(second, Parties[i % 3], again, $"b{i}");
            }

            await using var resumed = new Subscriber(second, "blue");
            resumed.Start(last);
            var all = await second.App.Services.GetRequiredService<TheaterRegistry>().Store.ReadEventsAsync(new AgreementId("hot"), new PartyId("blue"), 0, 100_000, Ct);
            await resumed.WaitForAsync(all[^1].Sequence);
            Assert.Equal(all.Select(e => e.Sequence), received.Concat(resumed.Received.Select(e => e.Id)));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>One random action of <paramref name="party"/> in the hot area (about 1 km²); returns the answer's status.</summary>
    private static async Task<HttpStatusCode> ActAsync(RunningServer server, string party, Random random, string tag)
    {
        using var operator_ = server.Client(party, agreement: "hot");
        switch (random.Next(7))
        {
            case 0 or 1 or 2:
                {
                    string kind = random.Next(3) switch { 0 => "strike", 1 => "ground-movement", _ => "flight" };
                    return (await operator_.PostAsync("/v1/agreements/hot/operations", RunningServer.GeoJson(Operation($"{party}-{tag}", kind, random)), Ct)).StatusCode;
                }

            case 3:
                return await OnOwnOperationAsync(operator_, party, random, async (id, etag) =>
                {
                    using var put = new HttpRequestMessage(HttpMethod.Put, $"/v1/agreements/hot/operations/{id}") { Content = RunningServer.GeoJson(Operation(id, "flight", random)) };
                    put.Headers.TryAddWithoutValidation("If-Match", etag);
                    return (await operator_.SendAsync(put, Ct)).StatusCode;
                });
            case 4:
                return await OnOwnOperationAsync(operator_, party, random, async (id, etag) =>
                {
                    string action = random.Next(3) switch { 0 => "cancel", 1 => "activate", _ => "complete" };
                    using var post = new HttpRequestMessage(HttpMethod.Post, $"/v1/agreements/hot/operations/{id}/{action}");
                    post.Headers.TryAddWithoutValidation("If-Match", etag);
                    return (await operator_.SendAsync(post, Ct)).StatusCode;
                });
            case 5:
                {
                    using var approver = server.Client(party, Roles.Approver, agreement: "hot");
                    var open = (await approver.GetFromJsonAsync<JsonElement>("/v1/agreements/hot/requests?state=open&role=affected", Ct)).GetProperty("requests");
                    if (open.GetArrayLength() == 0)
                    {
                        return HttpStatusCode.NoContent;
                    }

                    var request = open[random.Next(open.GetArrayLength())];
                    string answer = random.Next(4) == 0 ? """{"answer":"refuse","reason":"not now"}""" : """{"answer":"concur"}""";
                    using var post = new HttpRequestMessage(HttpMethod.Post, $"/v1/agreements/hot/requests/{request.GetProperty("id").GetString()}/answer")
                    {
                        Content = new StringContent(answer, Encoding.UTF8, "application/json"),
                    };
                    post.Headers.TryAddWithoutValidation("If-Match", $"\"{request.GetProperty("version").GetInt64()}\"");
                    return (await approver.SendAsync(post, Ct)).StatusCode;
                }

            default:
                {
                    var zones = (await operator_.GetFromJsonAsync<JsonElement>("/v1/agreements/hot/zones", Ct)).GetProperty("features").EnumerateArray()
                        .Where(f => f.GetProperty("properties").GetProperty("owner").GetString() == party).ToList();
                    if (zones.Count > 0 && random.Next(2) == 0)
                    {
                        return (await operator_.DeleteIfMatchAsync($"/v1/agreements/hot/zones/{zones[random.Next(zones.Count)].GetProperty("id").GetString()}", Ct)).StatusCode;
                    }

                    string zone = Json.Zone($"{party}-zone-{tag}", random.Next(2) == 0 ? "protected" : "restricted", Box(random));
                    return (await operator_.PostAsync("/v1/agreements/hot/zones", RunningServer.GeoJson(zone), Ct)).StatusCode;
                }
        }
    }

    private static async Task<HttpStatusCode> OnOwnOperationAsync(HttpClient client, string party, Random random, Func<string, string, Task<HttpStatusCode>> act)
    {
        var own = (await client.GetFromJsonAsync<JsonElement>("/v1/agreements/hot/operations", Ct)).GetProperty("features").EnumerateArray()
            .Where(f => f.GetProperty("properties").GetProperty("owner").GetString() == party).ToList();
        if (own.Count == 0)
        {
            return HttpStatusCode.NoContent;
        }

        string id = own[random.Next(own.Count)].GetProperty("id").GetString()!;
        using var current = await client.GetAsync($"/v1/agreements/hot/operations/{id}", Ct);
        return current.StatusCode == HttpStatusCode.OK ? await act(id, current.Headers.ETag!.Tag) : current.StatusCode;
    }

    private static string Box(Random random)
    {
        double west = 20 + (random.Next(10) * 0.001), south = 50 + (random.Next(10) * 0.001);
        return Json.Box(west, south, west + 0.002 + (random.Next(4) * 0.001), south + 0.002 + (random.Next(4) * 0.001));
    }

    private static string Operation(string id, string kind, Random random)
    {
        int hour = 8 + random.Next(3);
        return Json.Feature(id, Box(random), string.Create(CultureInfo.InvariantCulture,
            $$"""{"kind":"{{kind}}","alt_min_m":{{random.Next(3) * 200}},"alt_max_m":1500,"start":"2026-12-01T{{hour:00}}:00:00Z","end":"2026-12-01T{{hour + 2:00}}:00:00Z"}"""));
    }

    private sealed record Received(long Id, string Type, JsonElement Data);

    /// <summary>A party's event stream, read from a Last-Event-ID on.</summary>
    private sealed class Subscriber(RunningServer server, string party) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Received> _received = [];
        private Task? _reading;

        public IReadOnlyList<Received> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public void Start(long after) => _reading = Task.Run(() => ReadAsync(after));

        public async Task WaitForAsync(long sequence)
        {
            for (int i = 0; i < 300 && (Received.Count == 0 ? 0 : Received[^1].Id) < sequence; i++)
            {
                await Task.Delay(50, Ct);
            }
        }

        private async Task ReadAsync(long after)
        {
            using var client = server.Client(party, Roles.Monitor, agreement: "hot");
            client.Timeout = Timeout.InfiniteTimeSpan;
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/agreements/hot/events");
            if (after > 0)
            {
                request.Headers.Add("Last-Event-ID", after.ToString(CultureInfo.InvariantCulture));
            }

            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token));
                long id = 0;
                string type = "";
                var data = new StringBuilder();
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line.Length == 0 && data.Length > 0)
                    {
                        lock (_received)
                        {
                            _received.Add(new Received(id, type, JsonDocument.Parse(data.ToString()).RootElement.Clone()));
                        }

                        data.Clear();
                    }
                    else if (line.StartsWith("id: ", StringComparison.Ordinal))
                    {
                        id = long.Parse(line[4..], CultureInfo.InvariantCulture);
                    }
                    else if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        type = line[7..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        data.Append(line[6..]);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
            {
                // The stream ends with the test or the server.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_reading is not null)
            {
                await _reading;
            }

            _stop.Dispose();
        }
    }
}
