using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>The outcome of submitting an operation: its new state and every conflict found.</summary>
public sealed record OperationDecision(Operation Operation, IReadOnlyList<Conflict> Conflicts);

/// <summary>The decisions of the operation lifecycle that do not need an answer from anyone.</summary>
public static class Decisions
{
    /// <summary>
    /// Decides a newly submitted (or modified, re-checked from scratch) operation: accepted when nothing
    /// conflicts, awaiting concurrence otherwise, under the relation its owner sees
    /// (<see cref="Theater.FindConflictsFor"/>: a zone it may not see is judged on disclosure cells and slots).
    /// </summary>
    public static OperationDecision Submit(Theater theater, Operation proposed)
    {
        var candidate = proposed with { State = OperationState.Proposed };
        var conflicts = theater.FindConflictsFor(candidate);
        var state = conflicts.Count == 0 ? OperationState.Accepted : OperationState.AwaitingConcurrence;
        return new OperationDecision(candidate with { State = state }, conflicts);
    }

    /// <summary>
    /// The operations that an accepted zone change puts back into concurrence: accepted operations of other
    /// parties that the zone now conflicts with, under the relation each operation's owner sees
    /// (<see cref="Theater.OperationsConcernedBy"/>). Silence is never consent, so they wait again.
    /// </summary>
    public static IReadOnlyList<Operation> ReopenedBy(Theater theater, Zone zone) =>
        [.. theater.OperationsConcernedBy(zone)
            .Where(op => op.State is OperationState.Accepted)
            .Select(op => op with { State = OperationState.AwaitingConcurrence, Version = op.Version + 1 })];
}
