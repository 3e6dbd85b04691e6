using Parley.Core.Agreements;

namespace Parley.Core.Terms;

/// <summary>A breach of a term in force: which term, what it gets, and why, in a plain sentence.</summary>
/// <param name="Term">The term's id, exactly as the agreement names it.</param>
/// <param name="Action">What the term says a breach gets.</param>
/// <param name="Reason">What was exceeded or where the operation is, naming nothing of any hidden zone.</param>
public sealed record TermBreach(string Term, BreachAction Action, string Reason);

/// <summary>Thrown when a submission, modification or counter-proposal breaches a term whose breaches are refused.</summary>
/// <remarks>Carries every breach found (the refused ones first); nothing of the write is stored.</remarks>
public sealed class TermBreachException : Exception
{
    /// <summary>Creates the exception from at least one breach.</summary>
    public TermBreachException(IReadOnlyList<TermBreach> breaches)
        : base(breaches is { Count: > 0 } ? $"{breaches[0].Term}: {breaches[0].Reason}" : "a term is breached")
    {
        ArgumentNullException.ThrowIfNull(breaches);
        ArgumentOutOfRangeException.ThrowIfZero(breaches.Count, nameof(breaches));
        Breaches = breaches;
    }

    /// <summary>Every breach found.</summary>
    public IReadOnlyList<TermBreach> Breaches { get; }
}
