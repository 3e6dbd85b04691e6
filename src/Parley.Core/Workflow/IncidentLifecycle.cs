using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Incidents;
using Parley.Core.Model;

namespace Parley.Core.Workflow;

/// <summary>
/// What happens to an incident: reported (correlated, its audience fixed, each suspected party asked to reply by the
/// agreement's deadline), replied to by a suspected party, graded by a monitor or the administrator, and each silence
/// recorded once its deadline passes. Each returns the <see cref="Decision"/> to commit. Pure: the time is passed in.
/// </summary>
/// <remarks>
/// An incident is a violation candidate against each party it names, never a finding: it is confirmed against a party only
/// by that party's own admission; a grade never confirms; silence is recorded as silence, never as an admission or a
/// denial. Every change keeps what came before: the incident's history only grows.
/// </remarks>
public static class IncidentLifecycle
{
    /// <summary>The command of a report.</summary>
    public const string ReportCommand = "incident.report";

    /// <summary>The command of a reply.</summary>
    public const string ReplyCommand = "incident.reply";

    /// <summary>The command of a grade.</summary>
    public const string GradeCommand = "incident.grade";

    /// <summary>The center's command recording silences.</summary>
    public const string SilenceCommand = "incident.silence";

    /// <summary>Records a report, correlated on the theater as it stands.</summary>
    /// <exception cref="DomainException">An incident of this id exists already.</exception>
    /// <exception cref="InputRejectedException">The site it names is not one of the reporter's zones.</exception>
    public static (Decision Decision, Incident Incident) Report(Theater theater, IncidentReport report, DateTimeOffset now, IncidentCorrelator? correlator = null)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(report);
        if (theater.Incidents.Find(report.Id) is not null)
        {
            throw new DomainException(DomainError.AlreadyExists, $"incident '{report.Id}' exists already: reply to it or grade it instead");
        }

        if (report.AffectedZone is { } named && theater.FindZone(named)?.Owner != report.Reporter)
        {
            // Another party's zone is answered like a missing one: the report must not tell which ids exist.
            throw new InputRejectedException(new InputError(report.Id.Value, "properties.affected_zone", $"no zone '{Clip(named.Value)}' of yours: name your own site affected, or leave it out"));
        }

        var correlation = (correlator ?? new IncidentCorrelator(theater)).Correlate(report);
        var incident = new Incident
        {
            Report = report,
            Reported = now,
            ReplyDeadline = now + theater.Agreement.IncidentReplyDeadline,
            Correlation = correlation,
            Audience = IncidentAudience.Of(report, correlation, theater.Agreement),
        };
        return (new Decision(ReportCommand, report.Reporter, new StateChange(incidents: [incident]), [.. IncidentEvents.ForReport(incident, now)], time: now), incident);
    }

    /// <summary>A suspected party's reply: admit, deny (with a reason), explain (by its own declared operation) or request information.</summary>
    /// <exception cref="DomainException">The party is not suspected.</exception>
    /// <exception cref="InputRejectedException">A denial without a reason, an explanation without an operation of the party's own.</exception>
    public static (Decision Decision, Incident Incident) Reply(Theater theater, Incident incident, PartyId party, ReplyKind kind, string? reason, OperationId? operation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(incident);
        if (!incident.Suspects(party))
        {
            throw new DomainException(DomainError.Forbidden, "only a party the incident names as suspected replies to it");
        }

        if (kind == ReplyKind.Deny && string.IsNullOrWhiteSpace(reason))
        {
            throw new InputRejectedException(new InputError(null, "reason", "required to deny: why the party denies it"));
        }

        if (kind == ReplyKind.Explain)
        {
            if (operation is not { } id)
            {
                throw new InputRejectedException(new InputError(null, "operation", "required to explain: the id of one of the party's own declared operations"));
            }

            if (theater.FindOperation(id)?.Owner != party)
            {
                throw new InputRejectedException(new InputError(null, "operation", $"no operation '{Clip(id.Value)}' of yours: an explanation names the party's own declared operation"));
            }
        }
        else if (operation is not null)
        {
            throw new InputRejectedException(new InputError(null, "operation", "only an explanation names an operation"));
        }

        var reply = new IncidentReply(party, kind, string.IsNullOrWhiteSpace(reason) ? null : reason, operation, now);
        var replied = incident with { Replies = [.. incident.Replies, reply], Version = incident.Version + 1 };
        return (new Decision(ReplyCommand, party, new StateChange(incidents: [replied]), [.. IncidentEvents.ForReply(replied, reply, now)], time: now), replied);
    }

    /// <summary>A grade by a monitor (an observer party) or the administrator, with its reason.</summary>
    /// <exception cref="DomainException">The party is neither an observer nor an administrator of the agreement.</exception>
    /// <exception cref="InputRejectedException">No reason.</exception>
    public static (Decision Decision, Incident Incident) Grade(Theater theater, Incident incident, PartyId by, IncidentGrade grade, string? reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(incident);
        if (theater.Agreement.FindParty(by)?.Role is not (PartyRole.Observer or PartyRole.Administrator))
        {
            throw new DomainException(DomainError.Forbidden, "only the monitors (observer parties) and the administrator grade incidents");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new InputRejectedException(new InputError(null, "reason", "required: why the incident gets this grade"));
        }

        var grading = new IncidentGrading(by, grade, reason, now);
        var graded = incident with { Grades = [.. incident.Grades, grading], Version = incident.Version + 1 };
        return (new Decision(GradeCommand, by, new StateChange(incidents: [graded]), [.. IncidentEvents.ForGrade(graded, grading, now)], time: now), graded);
    }

    /// <summary>Records the silence of every suspected party that had not replied when its deadline passed (at or before <paramref name="now"/>).</summary>
    public static Decision RecordSilences(Theater theater, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        var changed = new List<Incident>();
        foreach (var due in theater.Incidents.DueAt(now))
        {
            var silences = due.Awaiting.Select(p => new IncidentSilence(p, now)).ToList();
            if (silences.Count > 0)
            {
                changed.Add(due with { Silences = [.. due.Silences, .. silences], Version = due.Version + 1 });
            }
        }

        return changed.Count == 0
            ? Decision.Nothing(SilenceCommand, Decision.Center)
            : new Decision(SilenceCommand, Decision.Center, new StateChange(incidents: changed), [], time: now);
    }

    private static string Clip(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
