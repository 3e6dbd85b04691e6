using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Probing;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Probing;

public class ProbingWatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PartyId Blue = new("blue"), Aid = new("aid"), Red = new("red");

    private static ProbeTouch Touch(string request, DateTimeOffset at, PartyId requester, string zone = "z1", bool small = true, string? probe = null) =>
        new(request, at, requester, new ZoneId(zone), Red, small, probe ?? "p-" + request);

    private static ProbingWatch Watch(params ProbeTouch[] touches) => new(touches, []);

    [Fact]
    public void a_party_under_its_budget_may_ask()
    {
        var watch = Watch(Touch("a", Now.AddMinutes(-5), Blue), Touch("b", Now.AddMinutes(-4), Blue));
        Assert.Null(watch.Refusal(Blue, Now, new ProbingBudget(3, 10)));
    }

    [Fact]
    public void the_budget_counts_requests_not_zones_and_refuses_until_the_oldest_counted_request_leaves_the_hour()
    {
        // Request a touched two zones: it counts once.
        var watch = Watch(
            Touch("a", Now.AddMinutes(-50), Blue, "z1"), Touch("a", Now.AddMinutes(-50), Blue, "z2"),
            Touch("b", Now.AddMinutes(-20), Blue), Touch("c", Now.AddMinutes(-10), Blue));
        Assert.Null(watch.Refusal(Blue, Now, new ProbingBudget(4, 100)));
        Assert.Equal(TimeSpan.FromMinutes(10), watch.Refusal(Blue, Now, new ProbingBudget(3, 100)));
        Assert.Equal(TimeSpan.FromMinutes(40), watch.Refusal(Blue, Now, new ProbingBudget(2, 100)));
        Assert.Null(watch.Refusal(Blue, Now.AddMinutes(10), new ProbingBudget(3, 100)));
    }

    [Fact]
    public void the_day_binds_when_it_is_the_later_to_free_a_request()
    {
        var watch = Watch(Touch("a", Now.AddHours(-20), Blue), Touch("b", Now.AddMinutes(-30), Blue));
        Assert.Equal(TimeSpan.FromHours(4), watch.Refusal(Blue, Now, new ProbingBudget(2, 2)));
        Assert.Equal(TimeSpan.FromHours(4), watch.Refusal(Blue, Now, new ProbingBudget(100, 2)));
        Assert.Null(watch.Refusal(Blue, Now.AddHours(4), new ProbingBudget(100, 2)));
    }

    [Fact]
    public void one_partys_touches_do_not_spend_anothers_budget()
    {
        var watch = Watch(Touch("a", Now.AddMinutes(-5), Blue), Touch("b", Now.AddMinutes(-4), Blue));
        Assert.NotNull(watch.Refusal(Blue, Now, new ProbingBudget(2, 10)));
        Assert.Null(watch.Refusal(Aid, Now, new ProbingBudget(2, 10)));
    }

    [Fact]
    public void five_distinct_small_operations_around_one_zone_within_an_hour_raise_one_alert_per_hour()
    {
        var watch = Watch();
        for (int i = 0; i < 4; i++)
        {
            var touches = new[] { Touch($"r{i}", Now.AddMinutes(i - 30), Blue) };
            Assert.Empty(watch.Suspicions(touches, Now.AddMinutes(i - 30)));
            watch.Record(touches, []);
        }

        // A repeated question is not a new probe, nor is a large operation.
        var repeat = new[] { Touch("again", Now.AddMinutes(-20), Blue, probe: "p-r0") };
        var large = new[] { Touch("large", Now.AddMinutes(-20), Blue, small: false) };
        Assert.Empty(watch.Suspicions(repeat, Now.AddMinutes(-20)));
        Assert.Empty(watch.Suspicions(large, Now.AddMinutes(-20)));
        watch.Record([.. repeat, .. large], []);

        var fifth = new[] { Touch("r4", Now, Blue) };
        var alert = Assert.Single(watch.Suspicions(fifth, Now));
        Assert.Equal(new ProbingAlert(Blue, new ZoneId("z1"), Red, 5, Now.AddMinutes(-30), Now), alert);
        watch.Record(fifth, [alert]);

        var sixth = new[] { Touch("r5", Now.AddMinutes(30), Blue) };
        Assert.Empty(watch.Suspicions(sixth, Now.AddMinutes(30))); // already told within the hour
        watch.Record(sixth, []);

        // Another requester around the same zone is counted on its own.
        Assert.Empty(watch.Suspicions([Touch("x", Now.AddMinutes(30), Aid)], Now.AddMinutes(30)));
    }

    [Fact]
    public void an_alert_remembered_across_a_restart_is_not_raised_again_within_the_hour()
    {
        var earlier = Enumerable.Range(0, 5).Select(i => Touch($"r{i}", Now.AddMinutes(-10 + i), Blue)).ToArray();
        var restarted = new ProbingWatch(earlier, [new ProbingAlert(Blue, new ZoneId("z1"), Red, 5, Now.AddMinutes(-10), Now.AddMinutes(-6))]);
        Assert.Empty(restarted.Suspicions([Touch("r9", Now, Blue)], Now));
        Assert.Single(new ProbingWatch(earlier, []).Suspicions([Touch("r9", Now, Blue)], Now));
    }

    [Fact]
    public void the_fingerprint_tells_volumes_apart_and_repeats_the_same_one()
    {
        var a = Volume(Shape.Circle(9, 42, 50));
        Assert.Equal(ProbingWatch.Fingerprint(a), ProbingWatch.Fingerprint(Volume(Shape.Circle(9, 42, 50))));
        Assert.NotEqual(ProbingWatch.Fingerprint(a), ProbingWatch.Fingerprint(Volume(Shape.Circle(9, 42.0001, 50))));
        Assert.NotEqual(ProbingWatch.Fingerprint(a), ProbingWatch.Fingerprint(Volume(Shape.Circle(9, 42, 50), start: T0.AddHours(1))));
    }
}
