using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Terms;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Terms;

public sealed class TermChecksTests
{
    private static readonly DateTimeOffset Day = new(2026, 12, 9, 0, 0, 0, TimeSpan.Zero);

    private const string Pact = """
        {"id":"pact","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"}],
         "terms":[
          {"id":"zone-a","type":"designated-area","parties":["red"],"kinds":["strike"],
           "areas":{"type":"FeatureCollection","features":[
             {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[10,40],[11,40],[11,41],[10,41],[10,40]]]},"properties":{"alt_min_m":0,"alt_max_m":5000}},
             {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[11,40],[12,40],[12,41],[11,41],[11,40]]]},"properties":{"alt_min_m":0,"alt_max_m":5000,"start":"2026-12-01T00:00:00Z","end":"2026-12-31T00:00:00Z"}}]}},
          {"id":"grounded-north","type":"suspension","parties":["red"],"kinds":["flight","strike"],
           "area":{"type":"Polygon","coordinates":[[[10,42],[12,42],[12,43],[10,43],[10,42]]]},
           "alt_min_m":0,"alt_max_m":20000,"start":"2026-12-08T00:00:00Z","end":"2026-12-11T00:00:00Z"},
          {"id":"scale-back","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":2,"on_breach":"concurrence"}]}
        """;

    private static Theater NewTheater(string text = Pact) => new(AgreementReader.Parse(text));

    private static Operation Op(string id, string owner, string kind, Shape shape, DateTimeOffset? start = null, double altMax = 3000, OperationState state = OperationState.Proposed) =>
        Operation(id, owner, kind, Volume(shape, 0, altMax, start ?? Day.AddHours(8), (start ?? Day.AddHours(8)).AddHours(1)), state);

    private static string[] Terms(Theater theater, Operation op) => [.. TermChecks.Breaches(theater, op).Select(b => b.Term)];

    [Fact]
    public void a_strike_inside_the_designated_area_breaches_nothing_and_one_outside_it_breaches_the_term()
    {
        var theater = NewTheater();
        Assert.Empty(Terms(theater, Op("in", "red", "strike", Box(10.2, 40.2, 10.4, 40.4))));
        var outside = TermChecks.Breaches(theater, Op("out", "red", "strike", Box(12.5, 40.2, 12.6, 40.3)));
        Assert.Equal("zone-a", Assert.Single(outside).Term);
        Assert.Equal(BreachAction.Refuse, outside[0].Action);
        Assert.Contains("designated areas", outside[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void only_the_areas_whose_band_and_window_contain_the_operation_count()
    {
        var theater = NewTheater();
        // Across both areas: inside their union while the second one's window holds it.
        Assert.Empty(Terms(theater, Op("across", "red", "strike", Box(10.8, 40.2, 11.4, 40.4))));
        Assert.Equal(["zone-a"], Terms(theater, Op("late", "red", "strike", Box(10.8, 40.2, 11.4, 40.4), start: new DateTimeOffset(2027, 1, 3, 8, 0, 0, TimeSpan.Zero))));
        // Higher than the areas' band.
        Assert.Equal(["zone-a"], Terms(theater, Op("high", "red", "strike", Box(10.2, 40.2, 10.4, 40.4), altMax: 9000)));
    }

    [Fact]
    public void terms_bind_only_their_parties_and_kinds()
    {
        var theater = NewTheater();
        Assert.Empty(Terms(theater, Op("blue-strike", "blue", "strike", Box(12.5, 40.2, 12.6, 40.3))));
        Assert.Empty(Terms(theater, Op("red-move", "red", "ground-movement", Box(12.5, 40.2, 12.6, 40.3))));
    }

    [Fact]
    public void a_suspension_is_breached_by_touching_its_area_within_its_window_and_band()
    {
        var theater = NewTheater();
        var over = Op("over", "red", "flight", Box(11, 42.5, 11.2, 42.7));
        Assert.Equal(["grounded-north"], Terms(theater, over));
        // Touching the area's edge is touching it.
        Assert.Equal(["grounded-north"], Terms(theater, Op("edge", "red", "flight", Box(11, 41.8, 11.2, 42))));
        Assert.Empty(Terms(theater, Op("south", "red", "flight", Box(11, 41.5, 11.2, 41.9))));
        // Back to back with the window: not bound.
        Assert.Empty(Terms(theater, Op("after", "red", "flight", Box(11, 42.5, 11.2, 42.7), start: new DateTimeOffset(2026, 12, 11, 0, 0, 0, TimeSpan.Zero))));
        Assert.Equal(["grounded-north"], Terms(theater, Op("last-hour", "red", "flight", Box(11, 42.5, 11.2, 42.7), start: new DateTimeOffset(2026, 12, 10, 23, 0, 0, TimeSpan.Zero))));
        // Above the band.
        Assert.Empty(Terms(theater, Operation("above", "red", "flight", Volume(Box(11, 42.5, 11.2, 42.7), 20_001, 30_000, Day, Day.AddHours(1)))));
    }

    [Fact]
    public void a_suspension_without_an_area_is_breached_anywhere()
    {
        var theater = NewTheater("""{"id":"p","parties":[{"id":"red"}],"terms":[{"id":"all","type":"suspension","parties":["red"],"kinds":["flight"]}]}""");
        Assert.Equal(["all"], Terms(theater, Op("anywhere", "red", "flight", Shape.Circle(-120, -33, 10))));
    }

    [Fact]
    public void a_limit_counts_the_owners_accepted_concurred_active_and_completed_operations_of_the_day_and_the_operation_once()
    {
        var theater = NewTheater();
        var inside = Box(10.2, 40.2, 10.4, 40.4);
        theater.Upsert(Op("s1", "red", "strike", inside, state: OperationState.Accepted));
        Assert.Empty(Terms(theater, Op("s2", "red", "strike", inside)));
        theater.Upsert(Op("s2", "red", "strike", inside, state: OperationState.Completed));

        var third = TermChecks.Breaches(theater, Op("s3", "red", "strike", inside));
        Assert.Equal("scale-back", Assert.Single(third).Term);
        Assert.Equal(BreachAction.Concurrence, third[0].Action);
        Assert.Contains("3 operations", third[0].Reason, StringComparison.Ordinal);

        // A modification does not count its earlier version.
        Assert.Empty(Terms(theater, Op("s2", "red", "strike", inside)));

        // Awaiting, refused and cancelled ones do not count; nor do those of another day, another owner or another kind.
        theater.Upsert(Op("s2", "red", "strike", inside, state: OperationState.Cancelled));
        theater.Upsert(Op("w", "red", "strike", inside, state: OperationState.AwaitingConcurrence));
        theater.Upsert(Op("r", "red", "strike", inside, state: OperationState.Refused));
        theater.Upsert(Op("next-day", "red", "strike", inside, start: Day.AddDays(1).AddHours(1), state: OperationState.Accepted));
        theater.Upsert(Op("blue", "blue", "strike", inside, state: OperationState.Accepted));
        theater.Upsert(Op("flight", "red", "flight", Box(13, 40, 13.1, 40.1), state: OperationState.Accepted));
        Assert.Empty(Terms(theater, Op("s3", "red", "strike", inside)));

        // One marked in breach of the limit is over it already: it does not count against the others.
        theater.Upsert(Op("marked", "red", "strike", inside, state: OperationState.Accepted) with { InBreach = ["scale-back"] });
        Assert.Empty(Terms(theater, Op("s3", "red", "strike", inside)));
    }

    [Fact]
    public void a_limit_with_an_area_counts_only_what_touches_it()
    {
        var theater = NewTheater("""
            {"id":"p","parties":[{"id":"red"}],"terms":[{"id":"few","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":1,
             "area":{"type":"Polygon","coordinates":[[[10,40],[11,40],[11,41],[10,41],[10,40]]]}}]}
            """);
        theater.Upsert(Op("in", "red", "strike", Box(10.2, 40.2, 10.3, 40.3), state: OperationState.Accepted));
        theater.Upsert(Op("out", "red", "strike", Box(20, 20, 20.1, 20.1), state: OperationState.Accepted));
        Assert.Empty(Terms(theater, Op("elsewhere", "red", "strike", Box(30, 30, 30.1, 30.1))));
        Assert.Equal(["few"], Terms(theater, Op("again", "red", "strike", Shape.Circle(10.5, 40.5, 100))));
    }

    [Fact]
    public void a_breach_is_excused_when_every_request_about_the_term_is_concurred()
    {
        var theater = NewTheater();
        var op = Op("x", "red", "strike", Box(10.2, 40.2, 10.4, 40.4), state: OperationState.AwaitingConcurrence);
        theater.Upsert(op);
        ConcurrenceRequest Request(string id, string affected, RequestState state) => new()
        {
            Id = id, Operation = op.Id, OperationVersion = 1, Submitter = new PartyId("red"), Affected = new PartyId(affected),
            TargetType = TermChecks.TargetType, TargetId = "scale-back", Opened = Day, Deadline = Day.AddHours(1), State = state,
        };
        Assert.False(TermChecks.Excused(theater, op, "scale-back"));
        theater.Requests.Upsert(Request("cr-1", "blue", RequestState.Concurred));
        theater.Requests.Upsert(Request("cr-2", "aid", RequestState.Open));
        Assert.False(TermChecks.Excused(theater, op, "scale-back"));
        theater.Requests.Upsert(Request("cr-2", "aid", RequestState.Concurred));
        Assert.True(TermChecks.Excused(theater, op, "scale-back"));
        Assert.False(TermChecks.Excused(theater, op, "zone-a"));
    }

    [Fact]
    public void the_offline_check_takes_the_operations_in_input_order_and_counts_only_those_that_breach_nothing()
    {
        var agreement = AgreementReader.Parse(Pact);
        var inside = Box(10.2, 40.2, 10.4, 40.4);
        var operations = new[]
        {
            Op("a", "red", "strike", inside),
            Op("outside", "red", "strike", Box(12.5, 40.2, 12.6, 40.3)),
            Op("b", "red", "strike", inside),
            Op("c", "red", "strike", inside),
            Op("d", "red", "flight", Box(11, 42.5, 11.2, 42.7)),
            Op("e", "blue", "strike", inside),
        };
        var found = OfflineTerms.Run(agreement, operations, TestContext.Current.CancellationToken);
        Assert.Equal([("outside", "zone-a"), ("c", "scale-back"), ("d", "grounded-north")], found.Select(b => (b.Operation, b.Term)));
        Assert.Empty(OfflineTerms.Run(agreement with { Terms = [] }, operations, TestContext.Current.CancellationToken));
    }
}
