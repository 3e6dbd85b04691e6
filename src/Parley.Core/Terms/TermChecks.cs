using System.Globalization;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Terms;

/// <summary>
/// What the terms in force say of an operation: pure, on the theater's agreement and state. A term binds an operation of
/// one of its parties and kinds whose band and window meet the term's; a designated area is breached by a bound operation
/// not within the union of its areas, a suspension by one that touches its area (or anywhere, without one), a limit by
/// one that would make more than <see cref="Term.MaxPerDay"/> counted operations of its owner start that UTC day.
/// </summary>
/// <remarks>
/// A limit counts the owner's accepted, concurred, active and completed operations the term binds, whose windows start
/// on the same UTC day (touching the term's area, when it has one), and the operation itself once (a modification does
/// not count its earlier version); operations marked <see cref="Operation.InBreach"/> of the limit are over it already
/// and not counted against the others.
/// <para>
/// A decision reads a limit from the counts the theater keeps per limit, owner and day (<see cref="LimitCounts"/>),
/// corrected for the operation's own stored version and for the operations the same decision changes; designated areas
/// and suspensions try envelope tests before the exact geometry (<see cref="CoverArea"/>, <see cref="TouchArea"/>). The
/// scan of the owner's day that the counts replaced stays as their reference model (<see cref="BreachesByScan"/>), and
/// answers what the counts cannot: the invariant, which leaves excused breaches out, and a version not yet in force.
/// </para>
/// </remarks>
public static class TermChecks
{
    /// <summary>The concurrence requests' target type for a term.</summary>
    public const string TargetType = "term";

    /// <summary>Every breach of the terms in force by <paramref name="operation"/>, decided now (in the agreement's order of terms).</summary>
    public static IReadOnlyList<TermBreach> Breaches(Theater theater, Operation operation)
    {
        ArgumentNullException.ThrowIfNull(theater);
        return Find(theater, theater.Agreement, operation, countExcused: true, null, byScan: false);
    }

    /// <summary>
    /// As <see cref="Breaches(Theater, Operation)"/>, with the operations a decision is changing read as they will be
    /// (<paramref name="current"/> gives an operation of the theater as the decision leaves it).
    /// </summary>
    internal static IReadOnlyList<TermBreach> Breaches(Theater theater, Operation operation, ChangedOperations current) =>
        Find(theater, theater.Agreement, operation, countExcused: true, current, byScan: false);

    /// <summary>
    /// As <see cref="Breaches(Theater, Operation, ChangedOperations)"/> under <paramref name="agreement"/> rather than
    /// the theater's (a version coming into force).
    /// </summary>
    internal static IReadOnlyList<TermBreach> Breaches(Theater theater, Agreement agreement, Operation operation, Func<Operation, Operation> current) =>
        Find(theater, agreement, operation, countExcused: true, ChangedOperations.Opaque(current), byScan: false);

    /// <summary>
    /// The reference model of <see cref="Breaches(Theater, Operation, ChangedOperations)"/>: every term checked on its own, without
    /// the envelopes that clear many at once, and limits counted by scanning the owner's operations of the day, each tested
    /// against the term (the property tests hold the theater's counts and the envelopes to it).
    /// </summary>
    internal static IReadOnlyList<TermBreach> BreachesByScan(Theater theater, Operation operation, ChangedOperations? current = null) =>
        Find(theater, theater.Agreement, operation, countExcused: true, current, byScan: true);

    /// <summary>
    /// The breaches no concurrence covers: those of <see cref="Breaches(Theater, Operation)"/> without a concurred request about the term
    /// (for an operation already decided: activation and the invariants).
    /// </summary>
    public static IReadOnlyList<TermBreach> Unexcused(Theater theater, Operation operation)
    {
        ArgumentNullException.ThrowIfNull(theater);
        var found = Find(theater, theater.Agreement, operation, countExcused: true, null, byScan: false);
        return found.Count == 0 ? found : [.. found.Where(b => !Excused(theater, operation, b.Term))];
    }

    /// <summary>
    /// Whether every request about the term for the operation's current volumes (open or concurred: a change withdraws the
    /// others) is concurred: every other member party agreed to the breach.
    /// </summary>
    public static bool Excused(Theater theater, Operation operation, string term)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(operation);
        bool any = false;
        foreach (var request in theater.Requests.Of(operation.Id))
        {
            if (request.TargetType == TargetType && request.TargetId == term && request.State is RequestState.Open or RequestState.Concurred)
            {
                if (request.State == RequestState.Open)
                {
                    return false;
                }

                any = true;
            }
        }

        return any;
    }

    /// <summary>
    /// The breaches of the invariant Parley keeps: for an accepted or concurred operation, each breach that neither a
    /// concurrence covers nor an <see cref="Operation.InBreach"/> mark names, with limits counted without the operations
    /// whose own breaches were concurred with (they went over the limit by consent, not at the others' expense).
    /// </summary>
    public static IReadOnlyList<TermBreach> Unmarked(Theater theater, Operation operation)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(operation);
        return [.. Find(theater, theater.Agreement, operation, countExcused: false, null, byScan: true).Where(b => !operation.InBreach.Contains(b.Term) && !Excused(theater, operation, b.Term))];
    }

    private static IReadOnlyList<TermBreach> Find(Theater theater, Agreement agreement, Operation operation, bool countExcused, ChangedOperations? current, bool byScan)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(operation);
        var set = CompiledTerms.Of(agreement).For(operation.Owner, operation.Kind);
        if (set.Terms.Length == 0)
        {
            return [];
        }

        // What many terms ask of the operation, read once: its footprint's covering boxes, window and band; its owner's day
        // under the limits; and what the set's envelopes clear at once.
        var probe = new TermProbe(operation);
        var envelopes = set.Envelopes();
        bool withinDesignated = !byScan && envelopes.WithinEveryDesignatedArea(probe);
        bool awayFromSuspensions = !byScan && envelopes.AwayFromEverySuspension(probe);
        bool touchesLimitAreas = !byScan && envelopes.TouchesEveryLimitArea(probe);

        // A decision that changes nothing else, on a day where every limit has room for one more, breaches no limit.
        bool roomUnderLimits = !byScan && countExcused && (current is null || !current.Ids.Any()) && set.HasLimits &&
            theater.LimitCountsFor(agreement) is { } counts && set.RoomUnderEveryLimit(counts.On(operation.Owner, OperationDays.DayOf(operation.Volume.Time)));
        DayCounts? day = null;
        List<(int Order, TermBreach Breach)>? found = null;
        if (!withinDesignated)
        {
            Check(set.Designated, probe, ref found);
        }

        if (!awayFromSuspensions)
        {
            Check(set.Suspensions, probe, ref found);
        }

        if (!roomUnderLimits)
        {
            foreach (var compiled in set.Limits)
            {
                if (compiled.BindsScope(probe) &&
                    OverLimit(theater, agreement, compiled, probe, touchesLimitAreas, countExcused, current, byScan, ref day) is { } reason)
                {
                    (found ??= []).Add((compiled.Order, new TermBreach(compiled.Term.Id, compiled.Term.OnBreach, reason)));
                }
            }
        }

        if (found is null)
        {
            return [];
        }

        // In the agreement's order of terms, whichever types they are of.
        return [.. found.OrderBy(f => f.Order).Select(f => f.Breach)];
    }

    /// <summary>Adds the breaches of designated areas or suspensions.</summary>
    private static void Check(CompiledTerm[] terms, in TermProbe probe, ref List<(int Order, TermBreach Breach)>? found)
    {
        foreach (var compiled in terms)
        {
            if (!compiled.BindsScope(probe))
            {
                continue;
            }

            var term = compiled.Term;
            string? reason = term.Type == TermType.DesignatedArea
                ? compiled.WithinAreas(probe) ? null : "the operation does not lie within the term's designated areas (footprint, altitude band and window)"
                : compiled.Touch is not { } area
                    ? "the operation falls within a suspension over the whole theater"
                    : area.Touches(probe.Footprint, probe.Boxes) ? "the operation touches the suspended area during the suspension" : null;
            if (reason is not null)
            {
                (found ??= []).Add((compiled.Order, new TermBreach(term.Id, term.OnBreach, reason)));
            }
        }
    }

    /// <summary>
    /// The owner's day under the theater's limit counts, for one operation decided: the counts, and the operations whose
    /// counted versions the decision replaces (the operation's own stored version, and those the decision changes).
    /// </summary>
    private sealed class DayCounts
    {
        /// <summary>The theater's counts (null when the agreement is not the theater's version in force: then the day is scanned).</summary>
        public LimitCounts? Counts { get; private init; }

        public long Day { get; private init; }

        /// <summary>The owner's counts per limit that day (null: none counted).</summary>
        public int[]? PerLimit { get; private init; }

        /// <summary>The limits the operation's own stored version counts against that day (null: none, or it is new).</summary>
        public int[]? Own { get; private init; }

        /// <summary>Other stored operations of the owner's day, with their versions as the decision leaves them (null: none).</summary>
        public List<(Operation Stored, Operation Current)>? Replaced { get; private set; }

        public static DayCounts Of(Theater theater, Agreement agreement, Operation operation, ChangedOperations? current)
        {
            var counts = theater.LimitCountsFor(agreement);
            long day = OperationDays.DayOf(operation.Volume.Time);
            if (counts is null)
            {
                return new DayCounts { Day = day };
            }

            // The operation's own stored version is left out, whatever the decision makes of it (the scan skips its id).
            var made = new DayCounts { Counts = counts, Day = day, PerLimit = counts.On(operation.Owner, day), Own = counts.CountedOn(operation.Id, operation.Owner, day) };
            if (current is not null)
            {
                foreach (var id in current.Ids)
                {
                    if (id != operation.Id && made.Replaced?.Exists(r => r.Stored.Id == id) != true)
                    {
                        AddReplaced(theater, operation, id, current, made);
                    }
                }
            }

            return made;
        }

        private static void AddReplaced(Theater theater, Operation operation, OperationId id, ChangedOperations? current, DayCounts made)
        {
            if (theater.FindOperation(id) is { } stored && stored.Owner == operation.Owner && OperationDays.DayOf(stored.Volume.Time) == made.Day)
            {
                (made.Replaced ??= []).Add((stored, current is null ? stored : current.Current(stored)));
            }
        }
    }

    /// <summary>
    /// Why the operation would exceed the limit, or null: from the theater's counts when they serve (the version in force,
    /// every operation the decision changes known, excused breaches counted), else by the scan.
    /// </summary>
    private static string? OverLimit(Theater theater, Agreement agreement, CompiledTerm compiled, in TermProbe probe, bool touchesArea,
        bool countExcused, ChangedOperations? current, bool byScan, ref DayCounts? day)
    {
        var operation = probe.Operation;
        if (byScan || !countExcused || !(current?.Known ?? true))
        {
            return OverLimitByScan(theater, compiled.Term, operation, countExcused, current);
        }

        if (!touchesArea && compiled.Touch is { } area && !area.Touches(probe.Footprint, probe.Boxes))
        {
            return null;
        }

        day ??= DayCounts.Of(theater, agreement, operation, current);
        return day.Counts is null ? OverLimitByScan(theater, compiled.Term, operation, countExcused, current) : OverLimit(theater, compiled, operation, day);
    }

    /// <summary>Why the operation would exceed the limit, or null: from the theater's counts, corrected for what the decision replaces.</summary>
    private static string? OverLimit(Theater theater, CompiledTerm compiled, Operation operation, DayCounts day)
    {
        var term = compiled.Term;
        int count = 1 + (day.PerLimit?[compiled.Limit] ?? 0) - (day.Own is { } own && Array.IndexOf(own, compiled.Limit) >= 0 ? 1 : 0);
        for (int i = 0; i < (day.Replaced?.Count ?? 0); i++)
        {
            var (stored, now) = day.Replaced![i];
            if (day.Counts!.Counted(stored.Id, compiled.Limit))
            {
                count--;
            }

            // As the scan reads it: the stored operation of that day, as the decision leaves it.
            if (OperationDays.DayOf(now.Volume.Time) == day.Day && Counts(theater, term, operation, now, countExcused: true))
            {
                count++;
            }
        }

        return count <= term.MaxPerDay ? null : LimitReason(term, operation, count);
    }

    /// <summary>Why the operation would exceed the limit, or null: by scanning the owner's operations of the day (the reference).</summary>
    private static string? OverLimitByScan(Theater theater, Term term, Operation operation, bool countExcused, ChangedOperations? current)
    {
        if (term.Area is { } area && !ShapeRelations.WithinDistance(area, operation.Volume.Footprint))
        {
            return null;
        }

        long day = OperationDays.DayOf(operation.Volume.Time);
        int count = 1;
        foreach (var stored in theater.OperationsStartingOn(operation.Owner, day))
        {
            var other = current is null ? stored : current.Current(stored);
            if (OperationDays.DayOf(other.Volume.Time) == day && Counts(theater, term, operation, other, countExcused))
            {
                count++;
            }
        }

        return count <= term.MaxPerDay ? null : LimitReason(term, operation, count);
    }

    /// <summary>Whether <paramref name="other"/> counts against <paramref name="operation"/> under the limit.</summary>
    private static bool Counts(Theater theater, Term term, Operation operation, Operation other, bool countExcused) =>
        other.Id != operation.Id && IsCounted(other.State) && term.Binds(other) && !other.InBreach.Contains(term.Id) &&
        (term.Area is null || ShapeRelations.WithinDistance(term.Area, other.Volume.Footprint)) &&
        (countExcused || !Excused(theater, other, term.Id));

    /// <summary>
    /// For each daily limit binding <paramref name="party"/>, in the agreement's order, how many of its operations count
    /// against it on <paramref name="day"/> (a UTC day number): the figure a decision compares with the limit, less the one
    /// it would add. By the scan, for a reader: a decision reads the theater's kept counts.
    /// </summary>
    public static IReadOnlyList<(Term Term, int Count)> LimitsUsed(Theater theater, PartyId party, long day)
    {
        ArgumentNullException.ThrowIfNull(theater);
        var used = new List<(Term, int)>();
        foreach (var term in theater.Agreement.Terms.Where(t => t.Type == TermType.Limit && t.Parties.Contains(party)))
        {
            int count = theater.OperationsStartingOn(party, day).Count(o => OperationDays.DayOf(o.Volume.Time) == day && IsCounted(o.State) &&
                term.Binds(o) && !o.InBreach.Contains(term.Id) && (term.Area is null || ShapeRelations.WithinDistance(term.Area, o.Volume.Footprint)));
            used.Add((term, count));
        }

        return used;
    }

    /// <summary>Whether an operation in this state counts against a daily limit: it was allowed to go ahead, or went.</summary>
    public static bool IsCounted(OperationState state) => LimitCounts.IsCounted(state);

    internal static string LimitReason(Term term, Operation operation, int count) => string.Create(CultureInfo.InvariantCulture,
        $"{count} operations ({string.Join(", ", term.Kinds)}) of {operation.Owner} would start on {operation.Volume.Time.Start:yyyy-MM-dd} (UTC){(term.Area is null ? "" : " in the term's area")}, more than the {term.MaxPerDay} a day the term allows");
}
