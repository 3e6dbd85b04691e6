using System.Text.Json;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Geometry;
using Parley.Core.Incidents;
using Parley.Core.Model;
using Parley.Core.Workflow;
using Parley.Core.Tests.Support;

namespace Parley.Core.Tests.Incidents;

/// <summary>What happens to an incident: reported, replied to, graded, its silences recorded; never a finding but by admission.</summary>
public class IncidentLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly PartyId Blue = new("blue"), Red = new("red"), Aid = new("aid"), Unmo = new("unmo"), Registrar = new("registrar");

    /// <summary>Blue's hospital (private) at the example's place, red's strike over it, aid's school a few hundred metres off.</summary>
    private static Theater Theater()
    {
        var theater = new Theater(IncidentReaderTests.Pact);
        theater.Upsert(new Zone
        {
            Id = new ZoneId("blue-hospital-1"), Owner = Blue, Kind = ZoneKind.Protected,
            Volume = new Volume(Shape.Circle(9.152, 42.148, 200), new AltitudeBand(0, 100), new TimeWindow(Now.AddYears(-1), null)),
        });
        theater.Upsert(new Zone
        {
            Id = new ZoneId("aid-school-1"), Owner = Aid, Kind = ZoneKind.Protected,
            Volume = new Volume(Shape.Circle(9.156, 42.148, 100), new AltitudeBand(0, 100), new TimeWindow(Now.AddYears(-1), null)),
        });
        theater.Upsert(new Operation
        {
            Id = new OperationId("red-strike-1"), Owner = Red, Kind = "strike", State = OperationState.Active,
            Volume = new Volume(Fixtures.Box(9.14, 42.14, 9.16, 42.16), new AltitudeBand(0, 3000), new TimeWindow(Now.AddHours(-2), Now)),
        });
        return theater;
    }

    private static (Theater Theater, Incident Incident) Reported(string? visibility = null)
    {
        var theater = Theater();
        var json = visibility is null ? IncidentReaderTests.Example : IncidentReaderTests.Example.Replace("\"visibility\": \"parties\"", $"\"visibility\": \"{visibility}\"", StringComparison.Ordinal);
        var (decision, incident) = IncidentLifecycle.Report(theater, IncidentReaderTests.Read(json), Now);
        theater.Apply(decision.State);
        return (theater, incident);
    }

    [Fact]
    public void a_report_is_correlated_and_each_suspected_party_is_asked_to_reply_by_the_agreements_deadline()
    {
        var theater = Theater();
        var (decision, incident) = IncidentLifecycle.Report(theater, IncidentReaderTests.Read(IncidentReaderTests.Example), Now);

        Assert.Equal("incident.report", decision.Command);
        Assert.Equal(Now + theater.Agreement.IncidentReplyDeadline, incident.ReplyDeadline);
        var hospital = Assert.Single(incident.Correlation.Sites, s => s.Zone.Value == "blue-hospital-1");
        Assert.True(hospital.Exact && hospital.Named);
        Assert.Contains(incident.Correlation.Sites, s => s.Zone.Value == "aid-school-1" && s.Exact);
        Assert.Equal("red-strike-1", Assert.Single(incident.Correlation.Declarations).Operation.Value);

        // Everyone it concerns hears of it but the reporter; only red is asked to reply.
        Assert.DoesNotContain(decision.Events, e => e.Recipient == Blue);
        var toRed = Assert.Single(decision.Events, e => e.Recipient == Red);
        Assert.Equal("incident.opened", toRed.Type);
        using var payload = JsonDocument.Parse(toRed.Payload);
        Assert.True(payload.RootElement.GetProperty("reply_requested").GetBoolean());
        Assert.False(JsonDocument.Parse(Assert.Single(decision.Events, e => e.Recipient == Unmo).Payload).RootElement.GetProperty("reply_requested").GetBoolean());
        Assert.All(decision.Events, e => Assert.DoesNotContain("9.15", e.Payload, StringComparison.Ordinal));
    }

    [Fact]
    public void a_private_incident_is_seen_by_the_parties_it_concerns_and_the_monitors_only()
    {
        var (_, incident) = Reported("private");
        Assert.Equal(["aid", "blue", "red", "registrar", "unmo"], incident.Audience.Select(p => p.Value));
        var shared = IncidentReaderTests.Read(IncidentReaderTests.Example.Replace("\"visibility\": \"parties\"", "\"visibility\": \"parties\", \"shared_with\": [\"aid\"]", StringComparison.Ordinal));
        var theater = new Theater(IncidentReaderTests.Pact);
        theater.Upsert(Theater().FindZone(new ZoneId("blue-hospital-1"))!);
        var (_, alone) = IncidentLifecycle.Report(theater, shared, Now);
        Assert.Equal(["aid", "blue", "red", "registrar", "unmo"], alone.Audience.Select(p => p.Value));
        var (_, quiet) = IncidentLifecycle.Report(theater, shared with { Visibility = Visibility.Private, SharedWith = [] }, Now);
        Assert.Equal(["blue", "red", "registrar", "unmo"], quiet.Audience.Select(p => p.Value));
    }

    [Fact]
    public void naming_another_partys_zone_as_the_site_affected_is_refused_as_a_missing_one()
    {
        var theater = Theater();
        var report = IncidentReaderTests.Read(IncidentReaderTests.Example) with { AffectedZone = new ZoneId("aid-school-1") };
        var other = Assert.Throws<InputRejectedException>(() => IncidentLifecycle.Report(theater, report, Now));
        var missing = Assert.Throws<InputRejectedException>(() => IncidentLifecycle.Report(theater, report with { AffectedZone = new ZoneId("no-such") }, Now));
        Assert.Equal("properties.affected_zone", other.Errors[0].Field);
        Assert.Equal(other.Errors[0].Message.Replace("aid-school-1", "X", StringComparison.Ordinal), missing.Errors[0].Message.Replace("no-such", "X", StringComparison.Ordinal));
    }

    [Fact]
    public void an_incident_reported_twice_is_refused()
    {
        var (theater, incident) = Reported();
        Assert.Equal(DomainError.AlreadyExists, Assert.Throws<DomainException>(() => IncidentLifecycle.Report(theater, incident.Report, Now)).Kind);
    }

    [Fact]
    public void only_a_suspected_party_replies_a_denial_needs_a_reason_and_an_explanation_the_partys_own_operation()
    {
        var (theater, incident) = Reported();
        Assert.Equal(DomainError.Forbidden, Assert.Throws<DomainException>(() => IncidentLifecycle.Reply(theater, incident, Aid, ReplyKind.Admit, null, null, Now)).Kind);
        Assert.Equal("reason", Assert.Throws<InputRejectedException>(() => IncidentLifecycle.Reply(theater, incident, Red, ReplyKind.Deny, " ", null, Now)).Errors[0].Field);
        Assert.Equal("operation", Assert.Throws<InputRejectedException>(() => IncidentLifecycle.Reply(theater, incident, Red, ReplyKind.Explain, "planned", null, Now)).Errors[0].Field);
        Assert.Equal("operation", Assert.Throws<InputRejectedException>(() =>
            IncidentLifecycle.Reply(theater, incident, Red, ReplyKind.Explain, null, new OperationId("blue-op"), Now)).Errors[0].Field);

        var (decision, explained) = IncidentLifecycle.Reply(theater, incident, Red, ReplyKind.Explain, null, new OperationId("red-strike-1"), Now.AddHours(1));
        Assert.Equal(ReplyStanding.Replied, explained.StandingOf(Red));
        Assert.Equal(2, explained.Version);
        Assert.Equal(["aid", "blue", "registrar", "unmo"], decision.Events.Where(e => e.Type == "incident.replied").Select(e => e.Recipient.Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void a_grade_never_confirms_only_the_suspected_partys_own_admission_does()
    {
        var (theater, incident) = Reported();
        var (_, graded) = IncidentLifecycle.Grade(theater, incident, Unmo, IncidentGrade.Fair, "two independent observers", Now);
        Assert.False(graded.IsConfirmedAgainst(Red));
        Assert.Equal("fair", IncidentViews.StatusOf(graded, Red));
        Assert.Equal("ungraded", IncidentViews.StatusOf(incident, Red));

        var (_, admitted) = IncidentLifecycle.Reply(theater, graded, Red, ReplyKind.Admit, null, null, Now);
        Assert.True(admitted.IsConfirmedAgainst(Red));
        Assert.Equal("confirmed", IncidentViews.StatusOf(admitted, Red));

        // A later grade is kept in the history but does not undo an admission.
        var (_, regraded) = IncidentLifecycle.Grade(theater, admitted, Registrar, IncidentGrade.Discounted, "outside the agreement's area", Now);
        Assert.Equal("confirmed", IncidentViews.StatusOf(regraded, Red));
        Assert.Equal(2, regraded.Grades.Count);
    }

    [Fact]
    public void only_the_monitors_and_the_administrator_grade_and_always_with_a_reason()
    {
        var (theater, incident) = Reported();
        Assert.Equal(DomainError.Forbidden, Assert.Throws<DomainException>(() => IncidentLifecycle.Grade(theater, incident, Blue, IncidentGrade.Fair, "ours", Now)).Kind);
        Assert.Equal("reason", Assert.Throws<InputRejectedException>(() => IncidentLifecycle.Grade(theater, incident, Unmo, IncidentGrade.Weak, "", Now)).Errors[0].Field);
        var (decision, _) = IncidentLifecycle.Grade(theater, incident, Registrar, IncidentGrade.Contested, "two claims", Now);
        Assert.DoesNotContain(decision.Events, e => e.Recipient == Registrar);
        Assert.All(decision.Events, e => Assert.Equal("incident.graded", e.Type));
    }

    [Fact]
    public void silence_is_recorded_once_the_deadline_passes_as_silence_and_a_later_reply_is_late()
    {
        var (theater, incident) = Reported();
        Assert.True(IncidentLifecycle.RecordSilences(theater, incident.ReplyDeadline.AddTicks(-1)).IsEmpty);

        var silence = IncidentLifecycle.RecordSilences(theater, incident.ReplyDeadline);
        var silent = Assert.Single(silence.State.Incidents);
        Assert.Equal(Decision.Center, silence.Submitter);
        Assert.Equal(ReplyStanding.Silent, silent.StandingOf(Red));
        Assert.False(silent.IsConfirmedAgainst(Red));
        Assert.Empty(silent.Replies);
        theater.Apply(silence.State);
        Assert.True(IncidentLifecycle.RecordSilences(theater, incident.ReplyDeadline.AddDays(9)).IsEmpty);

        var (_, late) = IncidentLifecycle.Reply(theater, silent, Red, ReplyKind.Deny, "our forces were not there", null, incident.ReplyDeadline.AddHours(1));
        Assert.Equal(ReplyStanding.RepliedLate, late.StandingOf(Red));
        Assert.Single(late.Silences);
    }

    [Fact]
    public void an_incident_naming_no_party_asks_no_one_and_records_no_silence()
    {
        var theater = Theater();
        var report = IncidentReaderTests.Read(IncidentReaderTests.Example) with { Suspected = [] };
        var (decision, incident) = IncidentLifecycle.Report(theater, report, Now);
        theater.Apply(decision.State);
        Assert.DoesNotContain(decision.Events, e => e.Payload.Contains("\"reply_requested\":true", StringComparison.Ordinal));
        Assert.True(IncidentLifecycle.RecordSilences(theater, incident.ReplyDeadline.AddDays(1)).IsEmpty);
    }
}
