using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger;
using Parley.Ledger.Entries;
using Parley.Server.Theaters;
using Parley.Storage.Tests.Conformance;
using Parley.Server.Configuration;
using Parley.Server.Http;

namespace Parley.Server.Tests;

/// <summary>
/// The server when its database goes away under load: clients get 503 with Retry-After (never 500, never a hang), the
/// same process serves again once the database is back, and no acknowledged write is lost.
/// </summary>
[Trait("Lane", "Slow")]
public sealed class DatabaseFaultTests
{
    private const int Writers = 4;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One write and what the server answered.</summary>
    private sealed record Attempt(string Id, string? Key, string Body, int Status, string? RetryAfter, string? ProblemType, TimeSpan Took, string Phase, string? Detail = null);

    [Fact]
    public async Task writes_get_503_with_retry_after_while_postgres_is_down_and_the_same_server_recovers_without_losing_an_acknowledged_write()
    {
        using var cluster = await PostgresTestCluster.StartPrivateAsync();
        string connection = new NpgsqlConnectionStringBuilder(await cluster.CreateDatabaseAsync("parley_faults", postgis: true, Ct))
        {
            Timeout = 5, // seconds to open a connection
            CommandTimeout = 10,
        }.ConnectionString;
        string data = Path.Combine(Path.GetTempPath(), "parley-db-faults-" + Guid.NewGuid().ToString("N"));
        Func<ParleyServerOptions, ParleyServerOptions> onPostgres = o => o with
        {
            Store = "postgres",
            ConnectionString = connection,
            RequestTimeout = RequestTimeout,
            RateLimitPerSecond = 0,
        };

        try
        {
            var attempts = new ConcurrentQueue<Attempt>();
            string phase = "up";
            await using (var server = await RunningServer.StartAsync(data, configure: onPostgres))
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
                {
                    // Half the writers name their writes for retries; the others do not (their failed commits take
                    // the registry's recovery path rather than the idempotency lookup).
                    using var blue = server.Client("blue");
                    blue.Timeout = RequestTimeout + TimeSpan.FromSeconds(10);
                    for (int n = 0; !stop.IsCancellationRequested; n++)
                    {
                        string id = $"fault-{w}-{n}";
                        string body = Json.Zone(id, "protected", Json.Box(10 + w, 10 + (n % 500) * 0.01, 10.005 + w, 10.005 + (n % 500) * 0.01));
                        string? key = w % 2 == 0 ? Guid.NewGuid().ToString("N") : null;
                        attempts.Enqueue(await PostAsync(blue, id, key, body, Volatile.Read(ref phase)));
                    }
                }, CancellationToken.None)).ToArray();

                using var anonymous = server.Client();
                await WaitForAsync(() => attempts.Count(a => a.Status == 201) >= 20, TimeSpan.FromSeconds(60), "20 writes before the database stops", attempts);

                Volatile.Write(ref phase, "down");
                cluster.Kill();
                await WaitForAsync(() => attempts.Count(a => a.Phase == "down" && a.Status == 503) >= 10, TimeSpan.FromSeconds(60),
                    "ten 503 answers while the database is down", attempts);
                using (var ready = await anonymous.GetAsync("/health/ready", Ct))
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                    Assert.True(ready.Headers.RetryAfter?.Delta is { } wait && wait >= TimeSpan.FromSeconds(1) && wait <= TimeSpan.FromSeconds(5));
                }

                using (var live = await anonymous.GetAsync("/health", Ct))
                {
                    Assert.Equal(HttpStatusCode.OK, live.StatusCode); // the process is alive: no restart wanted
                }

                cluster.Restart();
                Volatile.Write(ref phase, "restarted");
                await WaitForAsync(() => attempts.Count(a => a.Phase == "restarted" && a.Status == 201) >= 20, TimeSpan.FromSeconds(60),
                    "20 writes accepted by the same server process once the database is back", attempts);
                await stop.CancelAsync();
                await Task.WhenAll(writers);
                // A load balancer polls readiness: the node is back in rotation within a few probes. This polls with a
                // deadline on purpose: what it waits for is a real PostgreSQL coming back, which no clock drives.
                var readyAgain = Stopwatch.StartNew();
                while (true)
                {
                    using var ready = await anonymous.GetAsync("/health/ready", Ct);
                    if (ready.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }

                    Assert.True(readyAgain.Elapsed < TimeSpan.FromSeconds(10), $"/health/ready still answers {ready.StatusCode}");
                    await Task.Delay(200, Ct);
                }

                var all = attempts.ToList();
                Assert.All(all, a => Assert.True(a.Status is 201 or 503, $"{a.Id} ({a.Phase}): {a.Status} {a.ProblemType} {a.Detail}"));
                Assert.All(all, a => Assert.True(a.Took < RequestTimeout + TimeSpan.FromSeconds(5), $"{a.Id} took {a.Took}"));
                var unavailable = all.Where(a => a.Status == 503).ToList();
                Assert.NotEmpty(unavailable);
                Assert.All(unavailable, a =>
                {
                    Assert.Equal(Http.Problems.TypeBase + "store-unavailable", a.ProblemType);
                    Assert.True(int.TryParse(a.RetryAfter, out int seconds) && seconds is >= 1 and <= 5, $"Retry-After: {a.RetryAfter}");
                });

                // A client retries what got 503 with the same Idempotency-Key: answered once, whether or not it landed.
                using var retrier = server.Client("blue");
                foreach (var failed in unavailable.Where(a => a.Key is not null))
                {
                    var retry = await PostAsync(retrier, failed.Id, failed.Key, failed.Body, "retry");
                    Assert.True(retry.Status == 201, $"the retry of {failed.Id} got {retry.Status} {retry.ProblemType}");
                    attempts.Enqueue(retry);
                }

                var acknowledged = attempts.Where(a => a.Status == 201).Select(a => a.Id).Distinct().ToList();
                using var reader = server.Client("blue");
                await AssertPresentAsync(reader, acknowledged);
                await AssertLedgerVerifiesAsync(server, reader);

                // A write that got 503 without a key may or may not have landed; either way the state is consistent.
                foreach (var maybe in unavailable.Where(a => a.Key is null))
                {
                    using var response = await reader.GetAsync($"/v1/agreements/demo/zones/{maybe.Id}", Ct);
                    Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{maybe.Id}: {response.StatusCode}");
                }
            }

            // A new process on the same database finds every acknowledged write, and the same verifiable log.
            await using var restarted = await RunningServer.StartAsync(data, configure: onPostgres);
            using var again = restarted.Client("blue");
            await AssertPresentAsync(again, [.. attempts.Where(a => a.Status == 201).Select(a => a.Id).Distinct()]);
            await AssertLedgerVerifiesAsync(restarted, again);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task a_write_that_finds_the_sqlite_file_locked_past_the_busy_timeout_gets_503_and_the_next_one_is_accepted()
    {
        await using var server = await RunningServer.StartAsync(configure: o => o with { RateLimitPerSecond = 0 });
        using var blue = server.Client("blue");
        blue.Timeout = RequestTimeout + TimeSpan.FromSeconds(10);
        string path = Path.Combine(server.DataDirectory, ParleyApp.DatabaseFileName);

        // Another process holding the write lock (a stuck maintenance job, say) for longer than the store waits.
        Attempt locked;
        await using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await other.OpenAsync(Ct);
            await using var hold = other.CreateCommand();
            hold.CommandText = "BEGIN IMMEDIATE;";
            await hold.ExecuteNonQueryAsync(Ct);
            locked = await PostAsync(blue, "sqlite-locked", Guid.NewGuid().ToString("N"),
                Json.Zone("sqlite-locked", "protected", Json.Box(30, 30, 30.01, 30.01)), "locked");
            hold.CommandText = "ROLLBACK;";
            await hold.ExecuteNonQueryAsync(Ct);
        }

        Assert.Equal(503, locked.Status);
        Assert.Equal(Http.Problems.TypeBase + "store-unavailable", locked.ProblemType);
        Assert.Equal("2", locked.RetryAfter);
        var retry = await PostAsync(blue, locked.Id, locked.Key, locked.Body, "retry");
        Assert.Equal(201, retry.Status);
        Assert.Equal(HttpStatusCode.OK, (await blue.GetAsync("/v1/agreements/demo/zones/sqlite-locked", Ct)).StatusCode);
        await AssertLedgerVerifiesAsync(server, blue);
    }

    private static async Task<Attempt> PostAsync(HttpClient client, string id, string? key, string body, string phase)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/agreements/demo/zones") { Content = RunningServer.GeoJson(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await client.SendAsync(request, CancellationToken.None);
            string? type = null, detail = null;
            if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None);
                type = problem.TryGetProperty("type", out var t) ? t.GetString() : null;
                detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
            }

            return new Attempt(id, key, body, (int)response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                type, clock.Elapsed, phase, detail);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // No answer at all (a hang past the client's timeout, a dropped connection): never acceptable.
            return new Attempt(id, key, body, 0, null, e.GetType().Name, clock.Elapsed, phase);
        }
    }

    // Polls with a deadline: the writers' outcomes depend on a real PostgreSQL being stopped and restarted, which no
    // clock drives.
    private static async Task WaitForAsync(Func<bool> condition, TimeSpan limit, string what, ConcurrentQueue<Attempt> attempts)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                var recent = attempts.TakeLast(20).Select(a => $"{a.Phase} {a.Id} {a.Status} {a.ProblemType}");
                Assert.Fail($"no {what} within {limit.TotalSeconds} s; by phase and status: " +
                    string.Join(", ", attempts.GroupBy(a => (a.Phase, a.Status, a.ProblemType)).Select(g => $"{g.Key}: {g.Count()}")) +
                    "\nlast attempts:\n" + string.Join("\n", recent));
            }

            await Task.Delay(50, Ct);
        }
    }

    private static async Task AssertPresentAsync(HttpClient client, IReadOnlyList<string> ids)
    {
        Assert.NotEmpty(ids);
        foreach (var id in ids)
        {
            using var response = await client.GetAsync($"/v1/agreements/demo/zones/{id}", Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"the acknowledged zone {id} is missing: {response.StatusCode}");
        }
    }

    /// <summary>
    /// The ledger as a verifier sees it: a checkpoint signed by the published key covers every entry, the entries hash
    /// to its root, and replaying them gives the zones the server holds.
    /// </summary>
    private static async Task AssertLedgerVerifiesAsync(RunningServer server, HttpClient client)
    {
        var registry = server.App.Services.GetRequiredService<TheaterRegistry>();
        var demo = new AgreementId("demo");
        long size = await registry.ReadLedgerAsync(demo, l => l.Tree.Size, Ct);
        var key = VerifierKey.Parse(await client.GetStringAsync("/v1/agreements/demo/ledger/key", Ct));
        await registry.SignCheckpointsAsync(Ct); // the step the server's signer runs every interval
        var note = SignedNote.Parse(await client.GetStringAsync("/v1/agreements/demo/ledger/checkpoint", Ct));
        var checkpoint = Checkpoint.Parse(note.Text);
        Assert.Equal(size, checkpoint.Size);
        Assert.Contains(note.Signatures, s => key.Verifies(note.Text, s));
        var tree = new MerkleTree();
        for (long i = 0; i < size; i++)
        {
            tree.Append(await client.GetByteArrayAsync($"/v1/agreements/demo/ledger/entries/{i}", Ct));
        }

        Assert.Equal(checkpoint.RootHash, tree.Root(size));

        var records = new List<Parley.Core.Ports.LedgerRecord>();
        await foreach (var record in server.App.Services.GetRequiredService<ILedgerStore>().ReadLedgerAsync(demo, 0, Ct))
        {
            records.Add(record);
        }

        Assert.Equal(size, records.Count);
        var replayed = LedgerReplay.Replay(records);
        var held = await registry.ReadAsync(demo, t => t.Zones.Select(z => FeatureWriter.ToJson(z) + z.Version).Order(StringComparer.Ordinal).ToList(), Ct);
        Assert.Equal(held, replayed.Zones.Select(z => FeatureWriter.ToJson(z) + z.Version).Order(StringComparer.Ordinal).ToList());
    }
}
