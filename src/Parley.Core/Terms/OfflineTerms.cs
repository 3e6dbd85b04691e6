using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Model;

namespace Parley.Core.Terms;

/// <summary>One breach found by the offline check: an operation and the term it breaches.</summary>
/// <param name="Operation">The operation's id.</param>
/// <param name="Term">The term's id.</param>
/// <param name="Reason">Why, in a plain sentence.</param>
public sealed record CheckedBreach(string Operation, string Term, string Reason);

/// <summary>
/// Checks a batch of operations against an agreement's terms with no store and no server, as if they were submitted
/// one after another in input order: a limit is breached by the operations of one owner and day past the first
/// <see cref="Term.MaxPerDay"/> that breach nothing else (an operation refused or waiting for concurrence does not count).
/// </summary>
public static class OfflineTerms
{
    /// <summary>Every breach, operations in input order, each with its terms in the agreement's order.</summary>
    public static IReadOnlyList<CheckedBreach> Run(Agreement agreement, IReadOnlyList<Operation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        ArgumentNullException.ThrowIfNull(operations);
        var result = new List<CheckedBreach>();
        if (agreement.Terms.Count == 0)
        {
            return result;
        }

        var theater = new Theater(agreement);
        foreach (var operation in operations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var proposed = operation with { State = OperationState.Proposed, InBreach = [] };
            var breaches = TermChecks.Breaches(theater, proposed);
            result.AddRange(breaches.Select(b => new CheckedBreach(operation.Id.Value, b.Term, b.Reason)));

            // Accepted when it breaches nothing: it counts against the limits of what follows.
            theater.Upsert(breaches.Count == 0 ? proposed with { State = OperationState.Accepted } : proposed);
        }

        return result;
    }
}
