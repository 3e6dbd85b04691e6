using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Notifications;

/// <summary>Which subscriptions a change raises events for, and what those events may carry.</summary>
public sealed class SubscriptionEventsTests
{
    private static readonly DateTimeOffset Now = T0.AddDays(-1);
    private static readonly Shape Area = Box(10, 10, 11, 11);

    private static Subscription Watch(string id, string party, Shape? area = null, DateTimeOffset? start = null, DateTimeOffset? end = null, params string[] kinds) => new()
    {
        Id = new SubscriptionId(id), Party = new PartyId(party), Area = area ?? Area,
        Window = new TimeWindow(start ?? T0, end ?? T0.AddDays(1)), Kinds = kinds, Created = Now,
    };

    private static Theater TheaterWith(params Subscription[] subscriptions)
    {
        var theater = new Theater(Agreement.Default());
        foreach (var s in subscriptions)
        {
            theater.Subscriptions.Upsert(s);
        }

        return theater;
    }

    private static Zone RedZone(string id, Shape? shape = null, Visibility visibility = Visibility.Public, ZoneKind kind = ZoneKind.Protected,
        DateTimeOffset? start = null, params string[] sharedWith) =>
        Zone(id, "red", kind, Volume(shape ?? Box(10.4, 10.4, 10.6, 10.6), start: start)) with
        {
            Visibility = visibility, SharedWith = [.. sharedWith.Select(p => new PartyId(p))],
        };

    private static List<EventAppend> Declare(Theater theater, params Zone[] zones)
    {
        return SubscriptionEvents.For(theater, new StateChange(zones: zones), Now);
    }

    private static JsonElement Data(EventAppend e) => JsonDocument.Parse(e.Payload).RootElement;

    [Fact]
    public void a_visible_zone_in_the_area_time_and_kinds_raises_one_zone_changed_event_for_the_subscriber_only()
    {
        var theater = TheaterWith(Watch("s1", "blue", kinds: ["protected", "strike"]), Watch("s2", "aid", area: Box(50, 50, 51, 51)));
        var events = Declare(theater, RedZone("z1"));

        var e = Assert.Single(events);
        Assert.Equal(new PartyId("blue"), e.Recipient);
        Assert.Equal(SubscriptionEvents.ZoneChanged, e.Type);
        Assert.Equal(Now, e.Created);
        var data = Data(e);
        Assert.Equal("z1", data.GetProperty("zone").GetString());
        Assert.Equal("red", data.GetProperty("owner").GetString());
        Assert.Equal("protected", data.GetProperty("kind").GetString());
        Assert.Equal(1, data.GetProperty("version").GetInt64());
        Assert.Equal("declared", data.GetProperty("state").GetString());
        Assert.Equal(["s1"], data.GetProperty("subscriptions").EnumerateArray().Select(s => s.GetString()));
        Assert.False(data.TryGetProperty("geometry", out _));
    }

    [Fact]
    public void a_zone_outside_the_area_the_time_window_or_the_kinds_raises_nothing()
    {
        var theater = TheaterWith(Watch("s1", "blue", end: T0.AddHours(2), kinds: ["protected"]));
        Assert.Empty(Declare(theater, RedZone("far", Box(12, 12, 12.5, 12.5))));
        Assert.Empty(Declare(theater, RedZone("later", start: T0.AddHours(2)))); // back-to-back windows do not meet
        Assert.Empty(Declare(theater, RedZone("restricted", kind: ZoneKind.Restricted)));
        Assert.Single(Declare(theater, RedZone("touching", Box(11, 10.5, 11.5, 10.8)))); // closed: a shared edge counts
        Assert.Single(Declare(theater, RedZone("circle", Shape.Circle(11.005, 10.5, 1000)))); // its radius reaches into the area
    }

    [Fact]
    public void a_zone_hidden_from_the_subscriber_raises_nothing_for_it_whether_declared_replaced_or_withdrawn()
    {
        var theater = TheaterWith(Watch("s1", "blue"), Watch("s2", "aid"));
        var hidden = RedZone("z1", visibility: Visibility.Parties, sharedWith: "aid");

        var declared = Declare(theater, hidden);
        Assert.Equal([new PartyId("aid")], declared.Select(e => e.Recipient));

        theater.Upsert(hidden);
        Assert.Equal([new PartyId("aid")], Declare(theater, hidden with { Version = 2 }).Select(e => e.Recipient));

        var withdraw = new StateChange(withdrawnZones: [hidden.Id]);
        Assert.Equal([new PartyId("aid")], SubscriptionEvents.For(theater, withdraw, Now).Select(e => e.Recipient));

        Assert.Empty(Declare(theater, RedZone("private", visibility: Visibility.Private)));
    }

    [Fact]
    public void the_owner_is_never_told_of_its_own_declarations()
    {
        var theater = TheaterWith(Watch("s1", "red"));
        Assert.Empty(Declare(theater, RedZone("z1")));
    }

    [Fact]
    public void a_zone_withdrawn_and_a_zone_no_longer_shared_read_the_same_gone_without_a_version()
    {
        var theater = TheaterWith(Watch("s1", "blue"));
        var a = RedZone("a");
        var b = RedZone("b");
        theater.Upsert(a);
        theater.Upsert(b);

        var withdraw = new StateChange(withdrawnZones: [a.Id]);
        var gone = Data(Assert.Single(SubscriptionEvents.For(theater, withdraw, Now)));
        var hidden = Data(Assert.Single(Declare(theater, b with { Version = 2, Visibility = Visibility.Private, Volume = Volume(Box(30, 30, 31, 31)) })));

        Assert.Equal("gone", gone.GetProperty("state").GetString());
        Assert.Equal("gone", hidden.GetProperty("state").GetString());
        Assert.Equal(
            gone.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal),
            hidden.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.False(hidden.TryGetProperty("version", out _));
        Assert.Equal("b", hidden.GetProperty("zone").GetString());
    }

    [Fact]
    public void a_visible_zone_moving_out_of_the_area_is_told_in_its_new_version()
    {
        var theater = TheaterWith(Watch("s1", "blue"));
        var zone = RedZone("z1");
        theater.Upsert(zone);
        var moved = Data(Assert.Single(Declare(theater, zone with { Version = 2, Volume = Volume(Box(30, 30, 31, 31)) })));
        Assert.Equal(2, moved.GetProperty("version").GetInt64());
        Assert.Equal("declared", moved.GetProperty("state").GetString());
    }

    [Fact]
    public void an_operation_raises_operation_changed_with_its_state_once_per_party_naming_every_matching_subscription()
    {
        var theater = TheaterWith(Watch("s1", "blue"), Watch("s2", "blue", kinds: ["strike"]), Watch("s3", "blue", kinds: ["flight"]));
        var op = Operation("op1", "red", "strike", Volume(Box(10.2, 10.2, 10.3, 10.3)), OperationState.AwaitingConcurrence) with { Visibility = Visibility.Public, Version = 3 };
        var changes = new StateChange(operations: [op, Operation("op2", "red", "strike", Volume(Box(10.2, 10.2, 10.3, 10.3)))]); // op2 is private

        var e = Assert.Single(SubscriptionEvents.For(theater, changes, Now));
        Assert.Equal(SubscriptionEvents.OperationChanged, e.Type);
        var data = Data(e);
        Assert.Equal("op1", data.GetProperty("operation").GetString());
        Assert.Equal("strike", data.GetProperty("kind").GetString());
        Assert.Equal("awaiting-concurrence", data.GetProperty("state").GetString());
        Assert.Equal(3, data.GetProperty("version").GetInt64());
        Assert.Equal(["s1", "s2"], data.GetProperty("subscriptions").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public void a_theater_without_subscriptions_raises_nothing_and_its_subscriptions_follow_applied_changes()
    {
        var theater = TheaterWith();
        Assert.Empty(Declare(theater, RedZone("z1")));

        var subscribe = new StateChange(subscriptions: [Watch("s1", "blue")]);
        Assert.True(subscribe.HasSubscriptions);
        Assert.False(subscribe.HasDeclarations);
        theater.Apply(subscribe);
        Assert.Single(Declare(theater, RedZone("z1")));
        Assert.Single(theater.Subscriptions.Of(new PartyId("blue")));

        var unsubscribe = new StateChange(deletedSubscriptions: [new SubscriptionId("s1")]);
        theater.Apply(unsubscribe);
        Assert.Empty(Declare(theater, RedZone("z1")));
    }
}
