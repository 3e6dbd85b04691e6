using Parley.Tests.Support;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Probing;
using Parley.Storage.Tests.Sqlite;

namespace Parley.Storage.Tests.Conformance;

/// <summary>Touches of hidden zones and the event outbox: committed with their change, kept across restarts.</summary>
public abstract class ProbingConformance(IStoreBackend backend) : ConformanceTest(backend)
{
    private static readonly AgreementId Agreement = Samples.Agreement.Id;
    private static readonly AgreementId Other = new("theater-2");
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static ProbeTouch Touch(string request, TimeSpan ago, string requester, string zone, string owner = "red", bool small = true) =>
        new(request, Now - ago, new PartyId(requester), new ZoneId(zone), new PartyId(owner), small, "p-" + request);

    private static CommitBuilder Touches(params ProbeTouch[] touches)
    {
        var changes = new CommitBuilder();
        changes.Touches.AddRange(touches);
        return changes;
    }

    private static EventAppend Event(string recipient, string payload = """{"n":1}""") =>
        new(new PartyId(recipient), "probing.suspected", payload, Now);

    [Fact]
    public async Task touches_come_back_from_the_time_asked_oldest_first_and_survive_a_restart()
    {
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync(Agreement, Touches(Touch("r2", TimeSpan.FromMinutes(5), "blue", "z1"), Touch("r2", TimeSpan.FromMinutes(5), "blue", "z2")), Ct);
            await store.CommitAsync(Agreement, Touches(Touch("r1", TimeSpan.FromHours(30), "blue", "z1", small: false)), Ct);
            await store.CommitAsync(Other, Touches(Touch("r3", TimeSpan.FromMinutes(1), "blue", "z1")), Ct);
        }

        await using var reopened = await OpenAsync();
        var all = await reopened.LoadTouchesAsync(Agreement, DateTimeOffset.MinValue, Ct);
        Assert.Equal(["r1", "r2", "r2"], all.Select(t => t.Request));
        Assert.Equal(Touch("r1", TimeSpan.FromHours(30), "blue", "z1", small: false), all[0]);

        var lastDay = await reopened.LoadTouchesAsync(Agreement, Now - TimeSpan.FromDays(1), Ct);
        Assert.Equal([new ZoneId("z1"), new ZoneId("z2")], lastDay.Select(t => t.Zone));
    }

    [Fact]
    public async Task the_summary_counts_one_owners_zones_per_requester_over_the_hour_the_day_and_all_time()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement, Touches(
            Touch("a", TimeSpan.FromMinutes(10), "blue", "z1"),
            Touch("a", TimeSpan.FromMinutes(10), "blue", "z2"),
            Touch("b", TimeSpan.FromHours(3), "blue", "z1"),
            Touch("c", TimeSpan.FromDays(3), "blue", "z1"),
            Touch("d", TimeSpan.FromMinutes(1), "aid", "z2"),
            Touch("e", TimeSpan.FromMinutes(1), "blue", "y1", owner: "green")), Ct);

        var summary = await store.SummarizeTouchesAsync(Agreement, new PartyId("red"), Now, Ct);

        Assert.Equal(["aid", "blue"], summary.Select(s => s.Requester.Value));
        var blue = summary[1];
        Assert.Equal((2L, 3L, 4L), (blue.LastHour, blue.LastDay, blue.Total));
        Assert.Equal(Now - TimeSpan.FromDays(3), blue.First);
        Assert.Equal(Now - TimeSpan.FromMinutes(10), blue.Last);
        Assert.Equal([new ZoneTouchCount(new ZoneId("z1"), 3), new ZoneTouchCount(new ZoneId("z2"), 1)], blue.Zones);
        Assert.Equal([new ZoneTouchCount(new ZoneId("z2"), 1)], summary[0].Zones);

        Assert.Empty(await store.SummarizeTouchesAsync(Agreement, new PartyId("blue"), Now, Ct));
        Assert.Empty(await store.SummarizeTouchesAsync(Other, new PartyId("red"), Now, Ct));
    }

    [Fact]
    public async Task events_are_numbered_per_agreement_in_commit_order_and_read_per_recipient_after_a_sequence_number()
    {
        await using (var store = await OpenAsync())
        {
            var first = new CommitBuilder();
            first.Events.Add(Event("red", """{"n":1}"""));
            first.Events.Add(Event("blue", """{"n":2}"""));
            await store.CommitAsync(Agreement, first, Ct);
            var second = new CommitBuilder();
            second.Events.Add(Event("red", """{"n":3}"""));
            await store.CommitAsync(Agreement, second, Ct);
            var elsewhere = new CommitBuilder();
            elsewhere.Events.Add(Event("red", """{"n":9}"""));
            await store.CommitAsync(Other, elsewhere, Ct);
        }

        await using var reopened = await OpenAsync();
        var red = await reopened.ReadEventsAsync(Agreement, new PartyId("red"), 0, 100, Ct);
        Assert.Equal([1L, 3L], red.Select(e => e.Sequence));
        Assert.Equal(["""{"n":1}""", """{"n":3}"""], red.Select(e => e.Payload));
        Assert.Equal(("red", "probing.suspected", Now), (red[0].Recipient.Value, red[0].Type, red[0].Created));
        Assert.Equal([3L], (await reopened.ReadEventsAsync(Agreement, new PartyId("red"), 1, 100, Ct)).Select(e => e.Sequence));
        Assert.Equal([1L], (await reopened.ReadEventsAsync(Agreement, new PartyId("red"), 0, 1, Ct)).Select(e => e.Sequence));
        Assert.Equal([2L], (await reopened.ReadEventsAsync(Agreement, new PartyId("blue"), 0, 100, Ct)).Select(e => e.Sequence));
        Assert.Equal([1L, 2L, 3L], (await reopened.ReadEventsAsync(Agreement, null, 0, 100, Ct)).Select(e => e.Sequence));
        Assert.Equal([1L], (await reopened.ReadEventsAsync(Other, new PartyId("red"), 0, 100, Ct)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task events_of_one_type_since_a_time_come_back_oldest_first_whatever_came_before_them()
    {
        await using (var store = await OpenAsync())
        {
            var changes = new CommitBuilder();
            changes.Events.Add(new EventAppend(new PartyId("red"), "probing.suspected", """{"n":1}""", Now - TimeSpan.FromHours(2)));
            changes.Events.Add(new EventAppend(new PartyId("red"), "zone.changed", """{"n":2}""", Now - TimeSpan.FromMinutes(5)));
            changes.Events.Add(new EventAppend(new PartyId("blue"), "probing.suspected", """{"n":3}""", Now - TimeSpan.FromMinutes(10)));
            changes.Events.Add(new EventAppend(new PartyId("red"), "probing.suspected", """{"n":4}""", Now - TimeSpan.FromMinutes(30)));
            changes.Events.Add(new EventAppend(new PartyId("red"), "probing.suspected", """{"n":5}""", Now - TimeSpan.FromHours(1)));
            await store.CommitAsync(Agreement, changes, Ct);
            var elsewhere = new CommitBuilder();
            elsewhere.Events.Add(new EventAppend(new PartyId("red"), "probing.suspected", """{"n":9}""", Now));
            await store.CommitAsync(Other, elsewhere, Ct);
        }

        await using var reopened = await OpenAsync();
        var lastHour = await reopened.ReadEventsSinceAsync(Agreement, "probing.suspected", Now - TimeSpan.FromHours(1), Ct);

        // The bound is included; older events, other types and other agreements are not.
        Assert.Equal(["""{"n":5}""", """{"n":4}""", """{"n":3}"""], lastHour.Select(e => e.Payload));
        Assert.Equal([5L, 4L, 3L], lastHour.Select(e => e.Sequence));
        Assert.Equal(("blue", Now - TimeSpan.FromMinutes(10)), (lastHour[2].Recipient.Value, lastHour[2].Created));
        Assert.Equal(4, (await reopened.ReadEventsSinceAsync(Agreement, "probing.suspected", DateTimeOffset.MinValue.AddYears(1), Ct)).Count);
        Assert.Empty(await reopened.ReadEventsSinceAsync(Agreement, "probing.suspected", Now, Ct));
        Assert.Equal(["""{"n":2}"""], (await reopened.ReadEventsSinceAsync(Agreement, "zone.changed", Now - TimeSpan.FromHours(1), Ct)).Select(e => e.Payload));
    }

    [Fact]
    public async Task events_committed_by_two_stores_at_once_are_numbered_without_gaps_or_repeats()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();

        await Task.WhenAll(Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 10; i++)
            {
                var changes = new CommitBuilder();
                changes.Events.Add(Event("red", $$"""{"w":{{w}},"i":{{i}}}"""));
                changes.Events.Add(Event("blue", $$"""{"w":{{w}},"i":{{i}}}"""));
                await (w == 0 ? first : second).CommitAsync(Agreement, changes, Ct);
            }
        }, Ct)));

        var events = await first.ReadEventsAsync(Agreement, null, 0, 100, Ct);
        Assert.Equal(Enumerable.Range(1, 40).Select(n => (long)n), events.Select(e => e.Sequence));

        // A commit's events stay together and in order: red then blue, with the same payload.
        for (int n = 0; n < 40; n += 2)
        {
            Assert.Equal(("red", "blue"), (events[n].Recipient.Value, events[n + 1].Recipient.Value));
            Assert.Equal(events[n].Payload, events[n + 1].Payload);
        }
    }

    [Fact]
    public async Task touches_and_events_commit_with_the_change_or_not_at_all()
    {
        await using var store = await OpenAsync();
        var changes = Touches(Touch("a", TimeSpan.Zero, "blue", "z1"));
        changes.Events.Add(Event("red"));
        changes.UpsertZones.Add(Samples.Square("bad") with { Version = 0 }); // breaks a CHECK after the rest ran
        await Assert.ThrowsAnyAsync<Exception>(() => store.CommitAsync(Agreement, changes, Ct));

        Assert.Empty(await store.LoadTouchesAsync(Agreement, DateTimeOffset.MinValue, Ct));
        Assert.Empty(await store.ReadEventsAsync(Agreement, null, 0, 100, Ct));

        var good = Touches(Touch("a", TimeSpan.Zero, "blue", "z1"));
        good.Events.Add(Event("red"));
        good.UpsertZones.Add(Samples.Square("good"));
        await store.CommitAsync(Agreement, good, Ct);
        Assert.Single(await store.LoadTouchesAsync(Agreement, DateTimeOffset.MinValue, Ct));
        Assert.Single(await store.ReadEventsAsync(Agreement, null, 0, 100, Ct));
        Assert.Single(await store.LoadZonesAsync(Samples.Agreement, Ct));
    }

    [Fact]
    public async Task a_batch_numbers_the_events_of_its_change_sets_consecutively()
    {
        await using var store = await OpenAsync();
        var a = new CommitBuilder();
        a.Events.Add(Event("red"));
        var b = new CommitBuilder();
        b.Events.Add(Event("red"));
        b.Events.Add(Event("red"));
        await store.CommitBatchAsync(Agreement, [a, b], Ct);
        Assert.Equal([1L, 2L, 3L], (await store.ReadEventsAsync(Agreement, new PartyId("red"), 0, 100, Ct)).Select(e => e.Sequence));
    }

    [Fact]
    public void a_change_set_with_only_touches_or_events_is_not_empty_and_has_no_declarations()
    {
        var touches = Touches(Touch("a", TimeSpan.Zero, "blue", "z1"));
        Assert.False(touches.IsEmpty);
        Assert.False(touches.ToCommit().Decision.IsRecorded);
        var events = new CommitBuilder();
        events.Events.Add(Event("red"));
        Assert.False(events.IsEmpty);
        Assert.True(new CommitBuilder().IsEmpty);
    }
}
