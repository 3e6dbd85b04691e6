using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Terms;
using Parley.Core.Workflow;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Workflow;

/// <summary>Decisions under terms: refusals, concurrence from every other member, activation, marks that settle and lift.</summary>
public sealed class TermLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset Day = new(2026, 12, 9, 0, 0, 0, TimeSpan.Zero);

    private const string Pact = """
        {"id":"pact","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"},{"id":"un","role":"observer"}],
         "terms":[
          {"id":"red-strikes-here","type":"designated-area","parties":["red"],"kinds":["strike"],
           "areas":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[10,40],[11,40],[11,41],[10,41],[10,40]]]},"properties":{}}},
          {"id":"red-two-a-day","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":2,"on_breach":"concurrence"}]}
        """;

    private static readonly Shape Inside = Box(10.2, 40.2, 10.3, 40.3);

    private static Theater NewTheater() => new(AgreementReader.Parse(Pact));

    private static Operation Strike(string id, Shape? shape = null, int hour = 8) =>
        Operation(id, "red", "strike", Volume(shape ?? Inside, 0, 3000, Day.AddHours(hour), Day.AddHours(hour + 1)));

    private static OperationVerdict Submit(Theater theater, Operation operation)
    {
        var (decision, verdict) = Lifecycle.Submit(theater, operation, Now);
        theater.Apply(decision.State);
        return verdict;
    }

    private static void Apply(Theater theater, Decision decision) => theater.Apply(decision.State);

    [Fact]
    public void a_submission_that_breaches_a_refusing_term_is_refused_naming_the_term_and_nothing_is_decided()
    {
        var theater = NewTheater();
        var e = Assert.Throws<TermBreachException>(() => Lifecycle.Submit(theater, Strike("out", Box(12, 40, 12.1, 40.1)), Now));
        Assert.Equal("red-strikes-here", Assert.Single(e.Breaches).Term);
        Assert.Equal(0, theater.OperationCount);
    }

    [Fact]
    public void a_breach_that_asks_for_concurrence_is_put_to_every_other_member_party_and_settles_like_a_conflict()
    {
        var theater = NewTheater();
        Submit(theater, Strike("s1"));
        Submit(theater, Strike("s2"));
        var third = Submit(theater, Strike("s3"));

        Assert.Equal(OperationState.AwaitingConcurrence, third.Operation.State);
        Assert.Equal("red-two-a-day", Assert.Single(third.Breaches).Term);
        Assert.Equal(["aid", "blue"], third.Requests.Select(r => r.Affected.Value).Order());
        Assert.All(third.Requests, r => Assert.Equal(("term", "red-two-a-day"), (r.TargetType, r.TargetId)));
        Assert.Throws<DomainException>(() => Lifecycle.Activate(theater, theater.FindOperation(new OperationId("s3"))!, Now));

        foreach (var request in third.Requests)
        {
            Apply(theater, Lifecycle.Answer(theater, theater.Requests.Find(request.Id)!, request.Affected, AnswerKind.Concur, null, null, Now).Decision);
        }

        var concurred = theater.FindOperation(new OperationId("s3"))!;
        Assert.Equal(OperationState.Concurred, concurred.State);
        Assert.Empty(concurred.InBreach);
        Apply(theater, Lifecycle.Activate(theater, concurred, Now));
        Assert.Equal(OperationState.Active, theater.FindOperation(new OperationId("s3"))!.State);
        Assert.Empty(Invariants.Check(theater));
    }

    [Fact]
    public void one_refusal_of_a_breach_refuses_the_operation()
    {
        var theater = NewTheater();
        Submit(theater, Strike("s1"));
        Submit(theater, Strike("s2"));
        var third = Submit(theater, Strike("s3"));
        var asked = third.Requests[0];
        Apply(theater, Lifecycle.Answer(theater, asked, asked.Affected, AnswerKind.Refuse, "no more today", null, Now).Decision);
        Assert.Equal(OperationState.Refused, theater.FindOperation(new OperationId("s3"))!.State);
    }

    [Fact]
    public void an_operation_that_goes_over_a_limit_while_it_waits_is_marked_when_it_settles_and_the_mark_lifts_when_the_day_has_room()
    {
        var theater = NewTheater();
        // Blue protects the place of red's first strike: it waits for blue.
        Apply(theater, Lifecycle.DeclareZone(theater, Zone("site", "blue", ZoneKind.Protected, Volume(Box(10.25, 40.25, 10.26, 40.26), 0, 100, Now, null, openEnded: true)) with { Visibility = Visibility.Public }, Now));
        var waiting = Submit(theater, Strike("early"));
        Assert.Equal(OperationState.AwaitingConcurrence, waiting.Operation.State);
        Assert.Empty(waiting.Breaches);

        // Meanwhile two strikes elsewhere in the area are accepted.
        Submit(theater, Strike("s1", Box(10.6, 40.6, 10.7, 40.7)));
        Submit(theater, Strike("s2", Box(10.6, 40.6, 10.7, 40.7), hour: 12));

        var request = Assert.Single(waiting.Requests);
        var answer = Lifecycle.Answer(theater, theater.Requests.Find(request.Id)!, new PartyId("blue"), AnswerKind.Concur, null, null, Now).Decision;
        var settled = answer.State.Operations.Single(o => o.Id.Value == "early");
        Assert.Equal(OperationState.Concurred, settled.State);
        Assert.Equal(["red-two-a-day"], settled.InBreach);
        Assert.Contains(answer.Events, e => e.Type == "operation.state" && e.Payload.Contains("\"in_breach\":[\"red-two-a-day\"]", StringComparison.Ordinal));
        Apply(theater, answer);
        Assert.Empty(Invariants.Check(theater));

        var marked = theater.FindOperation(new OperationId("early"))!;
        var refusal = Assert.Throws<DomainException>(() => Lifecycle.Activate(theater, marked, Now));
        Assert.Contains("red-two-a-day", refusal.Message, StringComparison.Ordinal);

        // Red cancels one of the two: the marked strike fits the day again and loses its mark.
        var cancel = Lifecycle.Cancel(theater, theater.FindOperation(new OperationId("s2"))!, Now);
        var lifted = cancel.State.Operations.Single(o => o.Id.Value == "early");
        Assert.Empty(lifted.InBreach);
        Assert.Equal(marked.Version + 1, lifted.Version);
        Assert.Contains(cancel.Events, e => e.Recipient.Value == "red" && e.Payload.Contains("\"operation\":\"early\"", StringComparison.Ordinal) && e.Payload.Contains("\"in_breach\":[]", StringComparison.Ordinal));
        Apply(theater, cancel);
        Apply(theater, Lifecycle.Activate(theater, theater.FindOperation(new OperationId("early"))!, Now));
        Assert.Empty(Invariants.Check(theater));
    }

    [Fact]
    public void a_modification_is_checked_afresh_and_its_earlier_version_does_not_count()
    {
        var theater = NewTheater();
        Submit(theater, Strike("s1"));
        Submit(theater, Strike("s2"));
        var current = theater.FindOperation(new OperationId("s2"))!;
        var (moved, verdict) = Lifecycle.Modify(theater, current, Strike("s2", Box(10.5, 40.5, 10.6, 40.6)), Now);
        Assert.Equal(OperationState.Accepted, verdict.Operation.State);
        Assert.Empty(verdict.Breaches);
        Apply(theater, moved);

        Assert.Throws<TermBreachException>(() => Lifecycle.Modify(theater, theater.FindOperation(new OperationId("s2"))!, Strike("s2", Box(12, 40, 12.1, 40.1)), Now));
        Assert.Equal(Box(10.5, 40.5, 10.6, 40.6).Bounds, theater.FindOperation(new OperationId("s2"))!.Volume.Footprint.Bounds);
    }

    [Fact]
    public void a_counter_proposal_that_breaches_a_refusing_term_refuses_the_answer()
    {
        var theater = NewTheater();
        Apply(theater, Lifecycle.DeclareZone(theater, Zone("site", "blue", ZoneKind.Protected, Volume(Box(10.25, 40.25, 10.26, 40.26), 0, 100, Now, null, openEnded: true)), Now));
        var waiting = Submit(theater, Strike("early"));
        var request = theater.Requests.Find(Assert.Single(waiting.Requests).Id)!;
        Assert.Throws<TermBreachException>(() =>
            Lifecycle.Answer(theater, request, new PartyId("blue"), AnswerKind.CounterPropose, "further east", Strike("counter", Box(12, 40, 12.1, 40.1)), Now));
        Assert.True(theater.Requests.Find(request.Id)!.IsOpen);
    }

    [Fact]
    public void the_counter_proposing_party_has_concurred_with_the_breaches_of_its_own_counter_proposal()
    {
        var theater = NewTheater();
        Submit(theater, Strike("s1"));
        Submit(theater, Strike("s2"));
        var third = Submit(theater, Strike("s3"));
        var toBlue = third.Requests.Single(r => r.Affected.Value == "blue");
        var (_, counter) = Lifecycle.Answer(theater, toBlue, new PartyId("blue"), AnswerKind.CounterPropose, "later", Strike("x", Inside, hour: 20), Now);
        Assert.NotNull(counter);
        Assert.Equal(RequestState.Concurred, counter.Requests.Single(r => r.Affected.Value == "blue").State);
        Assert.Equal(RequestState.Open, counter.Requests.Single(r => r.Affected.Value == "aid").State);
    }
}
