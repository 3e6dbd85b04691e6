using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Server.Security;
using Parley.Server.Theaters;

namespace Parley.Server.Tests;

/// <summary>
/// Many concurrent clients of three parties submit, modify, cancel, answer and declare zones in one small hot area
/// in random interleavings; afterwards the state must hold the invariant and every subscriber must have seen every
/// committed event once, in order.
/// </summary>
[Trait("Lane", "Slow")]
public sealed class StressTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Agreement = HotAreaWorkload.Agreement;

    private static readonly string[] Parties = HotAreaWorkload.Parties;

    private static Task<HttpStatusCode> ActAsync(RunningServer server, string party, Random random, string tag) =>
        HotAreaWorkload.ActAsync((p, role) => server.Client(p, role, agreement: HotAreaWorkload.AgreementId), party, random, tag);

    private static EventStream Subscriber(RunningServer server, string party) =>
        new(() => server.Client(party, Roles.Monitor, agreement: HotAreaWorkload.AgreementId));

    [Fact]
    public async Task concurrent_clients_in_one_hot_area_never_leave_a_conflict_without_concurrence_and_every_event_arrives_once()
    {
        await using var server = await RunningServer.StartAsync(demo: false, agreements: [Agreement], configure: o => o with { RateLimitPerSecond = 0 });
        var subscribers = Parties.ToDictionary(p => p, p => Subscriber(server, p));
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
            var stored = await server.App.Services.GetRequiredService<IEventStore>().ReadEventsAsync(new AgreementId("hot"), new PartyId(party), 0, 1_000_000, Ct);
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
                await using var blue = Subscriber(first, "blue");
                blue.Start(0);
                var random = new Random(5);
                for (int i = 0; i < 30; i++)
                {
                    await ActAsync(first, Parties[i % 3], random, $"a{i}");
                }

                var stored = await first.App.Services.GetRequiredService<IEventStore>().ReadEventsAsync(new AgreementId("hot"), new PartyId("blue"), 0, 100_000, Ct);
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

            await using var resumed = Subscriber(second, "blue");
            resumed.Start(last);
            var all = await second.App.Services.GetRequiredService<IEventStore>().ReadEventsAsync(new AgreementId("hot"), new PartyId("blue"), 0, 100_000, Ct);
            await resumed.WaitForAsync(all[^1].Sequence);
            Assert.Equal(all.Select(e => e.Sequence), received.Concat(resumed.Received.Select(e => e.Id)));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
