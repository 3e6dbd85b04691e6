using Parley.Tests.Support;
using System.Text.Json;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Storage.Tests.Sqlite;

namespace Parley.Storage.Tests.Conformance;

/// <summary>Subscriptions and their webhook cursors: committed with their change, kept across restarts, cursors only moving forward.</summary>
public abstract class SubscriptionConformance(IStoreBackend backend) : ConformanceTest(backend)
{
    private static readonly AgreementId Agreement = Samples.Agreement.Id;
    private static readonly AgreementId Other = new("theater-2");
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static Shape Area(string geometry)
    {
        using var document = JsonDocument.Parse(geometry);
        return SubscriptionReader.ReadArea(document.RootElement, 1000);
    }

    private static Subscription Make(string id, string party, string? webhook = null, DateTimeOffset? end = null, params string[] kinds) => new()
    {
        Id = new SubscriptionId(id),
        Party = new PartyId(party),
        Area = Area("""{"type":"MultiPolygon","coordinates":[[[[10,10],[11,10],[11,11],[10,11],[10,10]]],[[[20,20],[21,20],[21,21],[20,20]]]]}"""),
        Window = new TimeWindow(Now, end),
        Kinds = kinds,
        Webhook = webhook is null ? null : new Uri(webhook),
        Created = Now.AddTicks(1234567),
    };

    private static CommitBuilder Subscribe(params Subscription[] subscriptions)
    {
        var changes = new CommitBuilder();
        changes.UpsertSubscriptions.AddRange(subscriptions);
        return changes;
    }

    private static CommitBuilder Events(int count, string recipient = "blue")
    {
        var changes = new CommitBuilder();
        changes.Events.AddRange(Enumerable.Range(0, count).Select(i => new EventAppend(new PartyId(recipient), "zone.changed", "{}", Now)));
        return changes;
    }

    [Fact]
    public async Task subscriptions_read_back_as_committed_after_a_restart_and_per_agreement()
    {
        var full = Make("s1", "blue", "https://hooks.example/parley?x=1", Now.AddDays(1), "strike", "protected");
        var open = Make("s2", "red");
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync(Agreement, Subscribe(full, open), Ct);
            await store.CommitAsync(Other, Subscribe(Make("s3", "aid")), Ct);
        }

        await using var reopened = await OpenAsync();
        var loaded = await reopened.LoadSubscriptionsAsync(Agreement, Ct);
        Assert.Equal(["s1", "s2"], loaded.Select(s => s.Id.Value));
        var s1 = loaded[0];
        Assert.Equal(new PartyId("blue"), s1.Party);
        Assert.Equal(full.Window, s1.Window);
        Assert.Equal(["strike", "protected"], s1.Kinds);
        Assert.Equal("https://hooks.example/parley?x=1", s1.Webhook!.OriginalString);
        Assert.Equal(full.Created, s1.Created);
        Assert.Equal(2, s1.Area.PolygonStarts.Count);
        Assert.Equal(full.Area.Bounds, s1.Area.Bounds);
        Assert.Null(loaded[1].Window.End);
        Assert.Empty(loaded[1].Kinds);
        Assert.Null(loaded[1].Webhook);
        Assert.Equal(["s3"], (await reopened.LoadSubscriptionsAsync(Other, Ct)).Select(s => s.Id.Value));
    }

    [Fact]
    public async Task a_new_subscription_starts_its_webhook_after_the_last_event_committed_before_it()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement, Events(3), Ct);
        await store.CommitAsync(Other, Events(5), Ct);

        // In one change, the events before the subscription are behind its cursor; those after are not.
        await store.CommitBatchAsync(Agreement, [Events(1), Subscribe(Make("s1", "blue", "https://a.example/")), Events(2)], Ct);
        Assert.Equal(4, await store.ReadWebhookCursorAsync(Agreement, new SubscriptionId("s1"), Ct));
        Assert.Null(await store.ReadWebhookCursorAsync(Other, new SubscriptionId("s1"), Ct));

        await store.CommitAsync(Other, Subscribe(Make("first", "blue")), Ct);
        Assert.Equal(5, await store.ReadWebhookCursorAsync(Other, new SubscriptionId("first"), Ct));
    }

    [Fact]
    public async Task a_webhook_cursor_only_moves_forward_survives_a_restart_and_goes_with_its_subscription()
    {
        var id = new SubscriptionId("s1");
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync(Agreement, Subscribe(Make("s1", "blue", "https://a.example/")), Ct);
            await store.SaveWebhookCursorAsync(Agreement, id, 7, Ct);
            await store.SaveWebhookCursorAsync(Agreement, id, 5, Ct);
            Assert.Equal(7, await store.ReadWebhookCursorAsync(Agreement, id, Ct));

            // Replacing a subscription keeps its cursor.
            await store.CommitAsync(Agreement, Subscribe(Make("s1", "blue", "https://b.example/")), Ct);
            await store.SaveWebhookCursorAsync(Agreement, new SubscriptionId("nobody"), 9, Ct); // no such subscription: nothing happens
        }

        await using var reopened = await OpenAsync();
        Assert.Equal(7, await reopened.ReadWebhookCursorAsync(Agreement, id, Ct));
        Assert.Equal("https://b.example/", (await reopened.LoadSubscriptionsAsync(Agreement, Ct))[0].Webhook!.OriginalString);
        Assert.Null(await reopened.ReadWebhookCursorAsync(Agreement, new SubscriptionId("nobody"), Ct));

        var delete = new CommitBuilder();
        delete.DeleteSubscriptions.Add(id);
        Assert.False(delete.IsEmpty);
        await reopened.CommitAsync(Agreement, delete, Ct);
        Assert.Empty(await reopened.LoadSubscriptionsAsync(Agreement, Ct));
        Assert.Null(await reopened.ReadWebhookCursorAsync(Agreement, id, Ct));
    }

    [Fact]
    public async Task a_failed_commit_leaves_no_subscription_behind()
    {
        await using var store = await OpenAsync();
        var changes = Subscribe(Make("s1", "blue"));
        changes.Ledger.Add(new LedgerAppend(5, [1], [])); // not the next index: the commit fails
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitAsync(Agreement, changes, Ct));
        Assert.Empty(await store.LoadSubscriptionsAsync(Agreement, Ct));
    }
}
