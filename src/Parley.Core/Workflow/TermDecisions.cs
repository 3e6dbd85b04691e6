using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Terms;

namespace Parley.Core.Workflow;

/// <summary>
/// How the lifecycle applies the terms in force: a breach that the term refuses refuses the write; one that asks for
/// concurrence opens a request to every other member party; an operation that goes over a limit while it waits is
/// marked when it settles; marks of a limit are lifted when the owner's day has room again.
/// </summary>
internal static class TermDecisions
{
    /// <summary>
    /// The breaches of <paramref name="candidate"/> decided now, those that ask for concurrence; the write is refused when a
    /// term refuses its breaches (or asks concurrence of an agreement with no other member party to give it).
    /// </summary>
    /// <exception cref="TermBreachException">A breach the term refuses; every breach is listed, the refused ones first.</exception>
    public static IReadOnlyList<TermBreach> Check(Theater theater, Operation candidate)
    {
        var breaches = TermChecks.Breaches(theater, candidate);
        if (breaches.Count == 0)
        {
            return breaches;
        }

        bool anyoneToAsk = OthersThan(theater.Agreement, candidate.Owner).Any();
        var refused = breaches.Where(b => b.Action == BreachAction.Refuse || !anyoneToAsk).ToList();
        if (refused.Count > 0)
        {
            throw new TermBreachException([.. refused, .. breaches.Where(b => !refused.Contains(b))]);
        }

        return breaches;
    }

    /// <summary>The member parties a breach by <paramref name="owner"/> is put to: every other one, in the agreement's order.</summary>
    public static IEnumerable<PartyId> OthersThan(Agreement agreement, PartyId owner) => agreement.Members.Where(p => p != owner);

    /// <summary>The request putting a breach to one party, opened like a conflict's.</summary>
    public static ConcurrenceRequest Request(Theater theater, Operation operation, TermBreach breach, PartyId affected, string id, DateTimeOffset now) => new()
    {
        Id = id,
        Operation = operation.Id,
        OperationVersion = operation.Version,
        Submitter = operation.Owner,
        Affected = affected,
        TargetType = TermChecks.TargetType,
        TargetId = breach.Term,
        Opened = now,
        Deadline = now + theater.Agreement.ConcurrenceDeadline,
    };

    /// <summary>
    /// An operation that settles (accepted or concurred at last): marked with the breaches no concurred request among
    /// <paramref name="requests"/> covers — a limit others filled while it waited.
    /// </summary>
    /// <remarks>Other operations the same decision settles or changes are read as it leaves them (<paramref name="current"/>).</remarks>
    public static Operation Settled(Theater theater, Operation settled, IEnumerable<ConcurrenceRequest> requests, Func<Operation, Operation> current)
    {
        var breaches = TermChecks.Breaches(theater, settled, current);
        if (breaches.Count == 0)
        {
            return settled;
        }

        var excused = requests.Where(r => r.TargetType == TermChecks.TargetType && r.State == RequestState.Concurred).Select(r => r.TargetId).ToHashSet(StringComparer.Ordinal);
        var marks = breaches.Select(b => b.Term).Where(t => !excused.Contains(t)).ToList();
        return marks.Count == 0 ? settled : settled with { InBreach = [.. settled.InBreach.Union(marks, StringComparer.Ordinal)] };
    }

    /// <summary>
    /// The operations whose limit marks a change lifts: in each (owner, day) the <paramref name="changed"/> operations left
    /// or joined, the marked ones that the limit now has room for, earliest first (a mark of a limit no longer in force
    /// goes too). <paramref name="current"/> gives an operation as the change leaves it.
    /// </summary>
    public static List<Operation> Released(Theater theater, IEnumerable<(Operation? Before, Operation After)> changed, Func<Operation, Operation> current)
    {
        var released = new List<Operation>();
        var limits = theater.Agreement.Terms.Where(t => t.Type == TermType.Limit).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var groups = new HashSet<(PartyId Owner, long Day)>();
        foreach (var (before, after) in changed)
        {
            if (before is not null)
            {
                groups.Add((before.Owner, OperationDays.DayOf(before.Volume.Time)));
            }

            groups.Add((after.Owner, OperationDays.DayOf(after.Volume.Time)));
        }

        foreach (var (owner, day) in groups)
        {
            var marked = theater.OperationsStartingOn(owner, day).Select(current)
                .Where(o => Theater.IsLive(o.State) && o.InBreach.Count > 0)
                .OrderBy(o => o.Volume.Time.StartTicks).ThenBy(o => o.Id.Value, StringComparer.Ordinal).ToList();
            foreach (var operation in marked)
            {
                var stillOver = TermChecks.Breaches(theater, operation with { InBreach = [] }, o => released.FirstOrDefault(r => r.Id == o.Id) ?? current(o))
                    .Select(b => b.Term).ToHashSet(StringComparer.Ordinal);
                var kept = operation.InBreach.Where(t => !limits.Contains(t) ? theater.Agreement.FindTerm(t) is not null : stillOver.Contains(t)).ToList();
                if (kept.Count != operation.InBreach.Count)
                {
                    released.Add(operation with { InBreach = kept, Version = operation.Version + 1 });
                }
            }
        }

        return released;
    }
}
