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
/// </remarks>
public static class TermChecks
{
    /// <summary>The concurrence requests' target type for a term.</summary>
    public const string TargetType = "term";

    /// <summary>Every breach of the terms in force by <paramref name="operation"/>, decided now (in the agreement's order of terms).</summary>
    public static IReadOnlyList<TermBreach> Breaches(Theater theater, Operation operation)
    {
        ArgumentNullException.ThrowIfNull(theater);
        return Find(theater, theater.Agreement, operation, countExcused: true, null);
    }

    /// <summary>
    /// As <see cref="Breaches(Theater, Operation)"/>, with the operations a decision is changing read as they will be
    /// (<paramref name="current"/> gives an operation of the theater as the decision leaves it).
    /// </summary>
    internal static IReadOnlyList<TermBreach> Breaches(Theater theater, Operation operation, Func<Operation, Operation> current) =>
        Find(theater, theater.Agreement, operation, countExcused: true, current);

    /// <summary>
    /// As <see cref="Breaches(Theater, Operation, Func{Operation, Operation})"/> under <paramref name="agreement"/> rather than
    /// the theater's (a version coming into force).
    /// </summary>
    internal static IReadOnlyList<TermBreach> Breaches(Theater theater, Agreement agreement, Operation operation, Func<Operation, Operation> current) =>
        Find(theater, agreement, operation, countExcused: true, current);

    /// <summary>
    /// The breaches no concurrence covers: those of <see cref="Breaches(Theater, Operation)"/> without a concurred request about the term
    /// (for an operation already decided: activation and the invariants).
    /// </summary>
    public static IReadOnlyList<TermBreach> Unexcused(Theater theater, Operation operation)
    {
        ArgumentNullException.ThrowIfNull(theater);
        var found = Find(theater, theater.Agreement, operation, countExcused: true, null);
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
        return [.. Find(theater, theater.Agreement, operation, countExcused: false, null).Where(b => !operation.InBreach.Contains(b.Term) && !Excused(theater, operation, b.Term))];
    }

    private static IReadOnlyList<TermBreach> Find(Theater theater, Agreement agreement, Operation operation, bool countExcused, Func<Operation, Operation>? current)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(operation);
        var terms = CompiledTerms.Of(agreement).For(operation.Owner, operation.Kind);
        if (terms.Count == 0)
        {
            return [];
        }

        List<TermBreach>? found = null;
        foreach (var compiled in terms)
        {
            var term = compiled.Term;
            if (!term.Binds(operation))
            {
                continue;
            }

            string? reason = term.Type switch
            {
                TermType.DesignatedArea => compiled.WithinAreas(operation) ? null
                    : "the operation does not lie within the term's designated areas (footprint, altitude band and window)",
                TermType.Suspension => term.Area is null
                    ? "the operation falls within a suspension over the whole theater"
                    : ShapeRelations.WithinDistance(term.Area, operation.Volume.Footprint) ? "the operation touches the suspended area during the suspension" : null,
                _ => OverLimit(theater, term, operation, countExcused, current),
            };
            if (reason is not null)
            {
                (found ??= []).Add(new TermBreach(term.Id, term.OnBreach, reason));
            }
        }

        return found ?? (IReadOnlyList<TermBreach>)[];
    }

    /// <summary>Why the operation would exceed the limit, or null.</summary>
    private static string? OverLimit(Theater theater, Term term, Operation operation, bool countExcused, Func<Operation, Operation>? current)
    {
        if (term.Area is { } area && !ShapeRelations.WithinDistance(area, operation.Volume.Footprint))
        {
            return null;
        }

        long day = OperationDays.DayOf(operation.Volume.Time);
        int count = 1;
        foreach (var stored in theater.OperationsStartingOn(operation.Owner, day))
        {
            var other = current is null ? stored : current(stored);
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

    /// <summary>Whether an operation in this state counts against a daily limit: it was allowed to go ahead, or went.</summary>
    public static bool IsCounted(OperationState state) =>
        state is OperationState.Accepted or OperationState.Concurred or OperationState.Active or OperationState.Completed;

    internal static string LimitReason(Term term, Operation operation, int count) => string.Create(CultureInfo.InvariantCulture,
        $"{count} operations ({string.Join(", ", term.Kinds)}) of {operation.Owner} would start on {operation.Volume.Time.Start:yyyy-MM-dd} (UTC){(term.Area is null ? "" : " in the term's area")}, more than the {term.MaxPerDay} a day the term allows");
}
