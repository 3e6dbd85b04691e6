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
    public static Operation Settled(Theater theater, Operation settled, IEnumerable<ConcurrenceRequest> requests, ChangedOperations current)
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
    /// goes too). <paramref name="current"/> gives an operation as the change leaves it, and says which it changes.
    /// </summary>
    /// <remarks>
    /// The marked ones of a day are those the theater holds marked (<see cref="Theater.MarkedOperationsStartingOn"/>) and
    /// those of that day the change touches, read as it leaves them: every other operation of the day is unmarked and
    /// stays so.
    /// </remarks>
    public static IReadOnlyList<Operation> Released(Theater theater, IReadOnlyList<(Operation? Before, Operation After)> changed, ChangedOperations current)
    {
        if (!MayRelease(theater, changed, current))
        {
            return [];
        }

        var released = new List<Operation>();
        var groups = new HashSet<(PartyId Owner, long Day)>();
        var touched = new List<Operation>();
        foreach (var (before, after) in changed)
        {
            if (before is not null)
            {
                groups.Add((before.Owner, OperationDays.DayOf(before.Volume.Time)));
                touched.Add(before);
            }

            groups.Add((after.Owner, OperationDays.DayOf(after.Volume.Time)));
        }

        Dictionary<OperationId, Operation>? releasedById = null;
        ChangedOperations? asReleased = null;
        HashSet<string>? limits = null;
        foreach (var (owner, day) in groups)
        {
            bool InDay(Operation o) => o.Owner == owner && OperationDays.DayOf(o.Volume.Time) == day;
            if (!theater.AnyMarkedOn(owner, day) && !touched.Exists(o => InDay(o) && IsMarked(current.Current(o))))
            {
                continue; // nothing of that day is marked, nor will be
            }

            var marked = theater.MarkedOperationsStartingOn(owner, day).Concat(touched.Where(InDay)).DistinctBy(o => o.Id)
                .Select(current.Current).Where(IsMarked)
                .OrderBy(o => o.Volume.Time.StartTicks).ThenBy(o => o.Id.Value, StringComparer.Ordinal).ToList();
            foreach (var operation in marked)
            {
                limits ??= theater.Agreement.Terms.Where(t => t.Type == TermType.Limit).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
                releasedById ??= [];
                asReleased ??= ChangedOperations.Of(releasedById, current);
                var stillOver = TermChecks.Breaches(theater, operation with { InBreach = [] }, asReleased)
                    .Select(b => b.Term).ToHashSet(StringComparer.Ordinal);
                var kept = operation.InBreach.Where(t => !limits.Contains(t) ? theater.Agreement.FindTerm(t) is not null : stillOver.Contains(t)).ToList();
                if (kept.Count != operation.InBreach.Count)
                {
                    var lifted = operation with { InBreach = kept, Version = operation.Version + 1 };
                    released.Add(lifted);
                    releasedById[lifted.Id] = lifted;
                }
            }
        }

        return released;
    }

    /// <summary>Whether any day the change touches holds a marked operation, or will: else it lifts nothing (most decisions).</summary>
    private static bool MayRelease(Theater theater, IReadOnlyList<(Operation? Before, Operation After)> changed, ChangedOperations current)
    {
        for (int i = 0; i < changed.Count; i++)
        {
            var (before, after) = changed[i];
            if (theater.AnyMarkedOn(after.Owner, OperationDays.DayOf(after.Volume.Time)) ||
                (before is not null && (theater.AnyMarkedOn(before.Owner, OperationDays.DayOf(before.Volume.Time)) || IsMarked(current.Current(before)))))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsMarked(Operation operation) => Theater.IsLive(operation.State) && operation.InBreach.Count > 0;
}
