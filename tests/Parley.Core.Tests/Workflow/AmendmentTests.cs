using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Workflow;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Workflow;

/// <summary>Amendments: proposed, signed by every signatory, in force, lapsed; the versions they make and the marks they set.</summary>
public sealed class AmendmentTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset Day = new(2026, 12, 9, 0, 0, 0, TimeSpan.Zero);

    private const string Pact = """
        {"id":"pact","version":1,"parties":[{"id":"blue"},{"id":"red"},{"id":"aid"},{"id":"un","role":"observer"}],"signatories":["blue","red"]}
        """;

    private static readonly string Grounding = """
        {"reason":"red's air grounded over the north for three days","signing_deadline":"2026-12-02T00:00:00Z",
         "add_terms":[{"id":"red-air-grounded-north","type":"suspension","parties":["red"],"kinds":["flight","strike"],
           "area":{"type":"Polygon","coordinates":[[[10,42],[12,42],[12,43],[10,43],[10,42]]]},
           "start":"2026-12-08T00:00:00Z","end":"2026-12-11T00:00:00Z"}]}
        """;

    private static Theater NewTheater() => new(AgreementReader.Parse(Pact));

    private static Amendment Apply(Theater theater, (Decision Decision, Amendment Amendment) step)
    {
        theater.Apply(step.Decision.State);
        return step.Amendment;
    }

    private static Operation Flight(string id, Shape shape) => Operation(id, "red", "flight", Volume(shape, 0, 3000, Day.AddHours(8), Day.AddHours(9)));

    [Fact]
    public void an_amendment_is_in_force_once_every_signatory_has_signed_it_and_makes_the_next_version()
    {
        var theater = NewTheater();
        var proposal = Lifecycle.Propose(theater, new PartyId("red"), Grounding, Now);
        Assert.Equal(AmendmentState.Proposed, proposal.Amendment.State);
        Assert.Equal("am-1", proposal.Amendment.Id);
        Assert.Equal([new PartyId("red")], proposal.Amendment.Signatures.Select(s => s.Party));
        Assert.Equal(["aid", "blue", "red", "un"], proposal.Decision.Events.Where(e => e.Type == "amendment.proposed").Select(e => e.Recipient.Value).Order());
        Assert.Equal("amendment.propose", proposal.Decision.Command);
        Apply(theater, proposal);
        Assert.Equal(1, theater.Agreement.Version);
        Assert.Empty(theater.Agreement.Terms);

        var signed = Lifecycle.Sign(theater, "am-1", new PartyId("blue"), Now.AddHours(1));
        Assert.Equal(AmendmentState.InForce, signed.Amendment.State);
        Assert.Contains(signed.Decision.Events, e => e.Type == "amendment.signed" && e.Recipient.Value == "un" && e.Payload.Contains("\"party\":\"blue\"", StringComparison.Ordinal));
        Assert.Contains(signed.Decision.Events, e => e.Type == "amendment.in_force" && e.Recipient.Value == "red" && e.Payload.Contains("\"version\":2", StringComparison.Ordinal));
        Apply(theater, signed);

        Assert.Equal(2, theater.Agreement.Version);
        Assert.Equal("red-air-grounded-north", Assert.Single(theater.Agreement.Terms).Id);
        Assert.Equal(theater.Agreement.Version, AmendmentReader.InForce(AgreementReader.Parse(Pact), theater.Amendments.All).Version);
        Assert.Throws<Parley.Core.Terms.TermBreachException>(() => Lifecycle.Submit(theater, Flight("north", Box(11, 42.2, 11.1, 42.3)), Now));
    }

    [Fact]
    public void an_amendment_with_an_effective_time_waits_for_it_once_signed()
    {
        var theater = NewTheater();
        Apply(theater, Lifecycle.Propose(theater, new PartyId("red"), Grounding.Replace("\"signing_deadline\"", "\"effective\":\"2026-12-05T00:00:00Z\",\"signing_deadline\"", StringComparison.Ordinal), Now));
        Assert.Equal(AmendmentState.Signed, Apply(theater, Lifecycle.Sign(theater, "am-1", new PartyId("blue"), Now)).State);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero), theater.Amendments.NextDue);

        Assert.True(Lifecycle.AmendmentsDue(theater, Now.AddDays(1)).IsEmpty);
        var due = Lifecycle.AmendmentsDue(theater, new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(AmendmentState.InForce, Assert.Single(due.State.Amendments).State);
        theater.Apply(due.State);
        Assert.Equal(2, theater.Agreement.Version);
    }

    [Fact]
    public void a_refusal_or_a_passed_deadline_makes_an_amendment_lapse_and_it_takes_no_signature_after()
    {
        var theater = NewTheater();
        Apply(theater, Lifecycle.Propose(theater, new PartyId("red"), Grounding, Now));
        var refused = Apply(theater, Lifecycle.RefuseAmendment(theater, "am-1", new PartyId("blue"), "not over the north", Now));
        Assert.Equal(AmendmentState.Lapsed, refused.State);
        Assert.Equal(new PartyId("blue"), refused.RefusedBy);
        Assert.Contains("not over the north", refused.LapseReason, StringComparison.Ordinal);
        Assert.Throws<DomainException>(() => Lifecycle.Sign(theater, "am-1", new PartyId("blue"), Now));
        Assert.Equal(1, theater.Agreement.Version);

        Apply(theater, Lifecycle.Propose(theater, new PartyId("blue"), Grounding, Now));
        var late = Assert.Throws<DomainException>(() => Lifecycle.Sign(theater, "am-2", new PartyId("red"), new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero)));
        Assert.Contains("deadline", late.Message, StringComparison.Ordinal);
        var due = Lifecycle.AmendmentsDue(theater, new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero));
        Assert.Contains(due.Events, e => e.Type == "amendment.lapsed" && e.Recipient.Value == "aid");
        theater.Apply(due.State);
        Assert.Equal(AmendmentState.Lapsed, theater.Amendments.Find("am-2")!.State);
    }

    [Fact]
    public void only_members_propose_only_signatories_sign_and_a_signature_is_given_once()
    {
        var theater = NewTheater();
        Assert.Equal(DomainError.Forbidden, Assert.Throws<DomainException>(() => Lifecycle.Propose(theater, new PartyId("un"), Grounding, Now)).Kind);
        Apply(theater, Lifecycle.Propose(theater, new PartyId("aid"), Grounding, Now));
        Assert.Empty(theater.Amendments.Find("am-1")!.Signatures);
        Assert.Equal(DomainError.Forbidden, Assert.Throws<DomainException>(() => Lifecycle.Sign(theater, "am-1", new PartyId("aid"), Now)).Kind);
        Apply(theater, Lifecycle.Sign(theater, "am-1", new PartyId("red"), Now));
        Assert.Equal(DomainError.InvalidTransition, Assert.Throws<DomainException>(() => Lifecycle.Sign(theater, "am-1", new PartyId("red"), Now)).Kind);
        Assert.Equal(DomainError.NotFound, Assert.Throws<DomainException>(() => Lifecycle.Sign(theater, "am-9", new PartyId("red"), Now)).Kind);
        Assert.Throws<InputRejectedException>(() => Lifecycle.RefuseAmendment(theater, "am-1", new PartyId("blue"), " ", Now));
    }

    [Fact]
    public void when_one_amendment_comes_into_force_the_others_of_its_version_lapse()
    {
        var theater = NewTheater();
        Apply(theater, Lifecycle.Propose(theater, new PartyId("red"), Grounding, Now));
        Apply(theater, Lifecycle.Propose(theater, new PartyId("red"), """{"reason":"a longer deadline","signing_deadline":"2026-12-02T00:00:00Z","concurrence_deadline_minutes":60}""", Now));
        var signed = Lifecycle.Sign(theater, "am-2", new PartyId("blue"), Now);
        theater.Apply(signed.Decision.State);
        Assert.Equal(TimeSpan.FromMinutes(60), theater.Agreement.ConcurrenceDeadline);
        var first = theater.Amendments.Find("am-1")!;
        Assert.Equal(AmendmentState.Lapsed, first.State);
        Assert.Contains("am-2", first.LapseReason, StringComparison.Ordinal);
        Assert.Throws<DomainException>(() => Lifecycle.Sign(theater, "am-1", new PartyId("blue"), Now));
    }

    [Fact]
    public void a_term_coming_into_force_marks_the_pending_operations_that_breach_it_and_a_later_amendment_lifts_the_marks()
    {
        var theater = NewTheater();
        var north = Lifecycle.Submit(theater, Flight("north", Box(11, 42.2, 11.1, 42.3)), Now);
        theater.Apply(north.Decision.State);
        theater.Apply(Lifecycle.Submit(theater, Flight("south", Box(11, 40.2, 11.1, 40.3)), Now).Decision.State);

        Apply(theater, Lifecycle.Propose(theater, new PartyId("blue"), Grounding, Now));
        var inForce = Lifecycle.Sign(theater, "am-1", new PartyId("red"), Now);
        var marked = inForce.Decision.State.Operations.Single();
        Assert.Equal("north", marked.Id.Value);
        Assert.Equal(["red-air-grounded-north"], marked.InBreach);
        Assert.Contains(inForce.Decision.Events, e => e.Type == "operation.state" && e.Recipient.Value == "red" && e.Payload.Contains("red-air-grounded-north", StringComparison.Ordinal));
        theater.Apply(inForce.Decision.State);
        Assert.Empty(Invariants.Check(theater));

        var refusal = Assert.Throws<DomainException>(() => Lifecycle.Activate(theater, theater.FindOperation(new OperationId("north"))!, Now));
        Assert.Contains("red-air-grounded-north", refusal.Message, StringComparison.Ordinal);

        // The suspension is lifted by a second amendment: the mark goes with it.
        Apply(theater, Lifecycle.Propose(theater, new PartyId("red"), """{"reason":"lifted early","signing_deadline":"2026-12-02T00:00:00Z","remove_terms":["red-air-grounded-north"]}""", Now));
        var lifted = Lifecycle.Sign(theater, "am-2", new PartyId("blue"), Now);
        Assert.Empty(lifted.Decision.State.Operations.Single(o => o.Id.Value == "north").InBreach);
        theater.Apply(lifted.Decision.State);
        Assert.Equal(3, theater.Agreement.Version);
        theater.Apply(Lifecycle.Activate(theater, theater.FindOperation(new OperationId("north"))!, Now).State);
        Assert.Equal(OperationState.Active, theater.FindOperation(new OperationId("north"))!.State);
    }

    [Fact]
    public void a_limit_coming_into_force_marks_the_latest_operations_of_a_day_over_it()
    {
        var theater = NewTheater();
        foreach (var hour in new[] { 8, 10, 12, 14 })
        {
            var op = Operation($"s{hour}", "red", "strike", Volume(Box(11, 40.2, 11.1, 40.3), 0, 3000, Day.AddHours(hour), Day.AddHours(hour + 1)));
            theater.Apply(Lifecycle.Submit(theater, op, Now).Decision.State);
        }

        theater.Apply(Lifecycle.Activate(theater, theater.FindOperation(new OperationId("s14"))!, Now).State);
        Apply(theater, Lifecycle.Propose(theater, new PartyId("blue"), """
            {"reason":"scale back","signing_deadline":"2026-12-02T00:00:00Z",
             "add_terms":[{"id":"two-a-day","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":2}]}
            """, Now));
        theater.Apply(Lifecycle.Sign(theater, "am-1", new PartyId("red"), Now).Decision.State);

        // The active one counts and is not marked; of the others, the latest two are over the limit.
        Assert.Equal(["s10", "s12"], theater.Operations.Where(o => o.InBreach.Contains("two-a-day")).Select(o => o.Id.Value).Order());
        Assert.Empty(Invariants.Check(theater));

        // Cancelling the one left unmarked gives the earlier marked one its place.
        theater.Apply(Lifecycle.Cancel(theater, theater.FindOperation(new OperationId("s8"))!, Now).State);
        Assert.Equal(["s12"], theater.Operations.Where(o => o.InBreach.Count > 0).Select(o => o.Id.Value));
        Assert.Empty(Invariants.Check(theater));
    }

    [Fact]
    public void a_modification_of_a_marked_operation_is_checked_afresh_and_carries_no_mark()
    {
        var theater = NewTheater();
        theater.Apply(Lifecycle.Submit(theater, Flight("north", Box(11, 42.2, 11.1, 42.3)), Now).Decision.State);
        Apply(theater, Lifecycle.Propose(theater, new PartyId("blue"), Grounding, Now));
        theater.Apply(Lifecycle.Sign(theater, "am-1", new PartyId("red"), Now).Decision.State);

        var current = theater.FindOperation(new OperationId("north"))!;
        Assert.Throws<Parley.Core.Terms.TermBreachException>(() => Lifecycle.Modify(theater, current, Flight("north", Box(11, 42.5, 11.1, 42.6)), Now));
        var (moved, verdict) = Lifecycle.Modify(theater, current, Flight("north", Box(11, 41.5, 11.1, 41.6)), Now);
        Assert.Empty(verdict.Operation.InBreach);
        theater.Apply(moved.State);
        Assert.Equal(OperationState.Accepted, theater.FindOperation(new OperationId("north"))!.State);
    }
}
