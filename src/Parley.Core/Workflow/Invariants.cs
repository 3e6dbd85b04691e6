using Parley.Core.Conflicts;
using Parley.Core.Model;

namespace Parley.Core.Workflow;

/// <summary>
/// The safety property Parley keeps whatever the interleaving of requests: no accepted, concurred or active
/// operation conflicts with another party's live operation, and no accepted or concurred one with another party's
/// zone, unless the party concerned concurred; and no accepted or concurred one breaches a term in force without every
/// other member party's concurrence or a mark that stops it.
/// </summary>
public static class Invariants
{
    /// <summary>Every violation in the theater's current state (empty when it holds).</summary>
    public static IReadOnlyList<string> Check(Theater theater)
    {
        ArgumentNullException.ThrowIfNull(theater);
        var violations = new List<string>();
        foreach (var operation in theater.Operations.Where(o => o.State is OperationState.Accepted or OperationState.Concurred or OperationState.Active))
        {
            foreach (var conflict in theater.FindConflicts(operation))
            {
                if (conflict.Zone is { } zone)
                {
                    // A zone declared over an operation already under way does not stop it (it is reported, not re-asked).
                    if (operation.State != OperationState.Active && !Concurred(theater, operation, "zone", zone.Id.Value))
                    {
                        violations.Add($"operation '{operation.Id}' ({Name(operation)}) conflicts with zone '{zone.Id}' of {zone.Owner} without its concurrence");
                    }
                }
                else if (conflict.OtherOperation is { State: OperationState.Accepted or OperationState.Concurred or OperationState.Active } other &&
                         !Concurred(theater, operation, "operation", other.Id.Value) && !Concurred(theater, other, "operation", operation.Id.Value))
                {
                    violations.Add($"operations '{operation.Id}' ({Name(operation)}) and '{other.Id}' ({Name(other)}) conflict without concurrence");
                }
            }
        }

        // The terms in force: an accepted or concurred operation breaches none without the concurrence it asks for or a mark naming it.
        foreach (var operation in theater.Operations.Where(o => o.State is OperationState.Accepted or OperationState.Concurred))
        {
            foreach (var breach in Terms.TermChecks.Unmarked(theater, operation))
            {
                violations.Add($"operation '{operation.Id}' ({Name(operation)}) breaches term '{breach.Term}' without concurrence or mark: {breach.Reason}");
            }
        }

        return violations;
    }

    private static bool Concurred(Theater theater, Operation operation, string targetType, string targetId) =>
        theater.Requests.Of(operation.Id).Any(r => r.State == RequestState.Concurred && r.TargetType == targetType && r.TargetId == targetId);

    private static string Name(Operation operation) => Features.OperationStates.Name(operation.State);
}
