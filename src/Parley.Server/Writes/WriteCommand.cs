using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Server.Writes;

/// <summary>What a route decides under its agreement's lock: the decision to commit (none for a refusal) and the answer.</summary>
/// <param name="Decision">What the core decided, or null when the write is answered without a change.</param>
/// <param name="Answer">The answer, as data.</param>
/// <param name="Conflicts">For a check or submission: the conflicts its answer carries (the touches of hidden zones come from them).</param>
public sealed record WriteOutcome(Decision? Decision, Answer Answer, IReadOnlyList<Conflict>? Conflicts = null)
{
    /// <summary>A refusal: nothing changes.</summary>
    public static WriteOutcome Refused(IResult problem) => new(null, Answer.Refuse(problem));
}

/// <summary>An idempotency key and the fingerprint of the request that named it: a retry must ask the same thing.</summary>
/// <param name="Key">The client's key.</param>
/// <param name="Fingerprint">SHA-256 of the request as signed, less its timestamp and nonce.</param>
public sealed record RetryKey(string Key, byte[] Fingerprint);

/// <summary>
/// A party's write, as read from its request before the agreement's lock is taken: who asks, the signed request (its
/// nonce is spent with the change), the idempotency key, for a check or submission the operation probed, and the
/// decision to take on the current state. Nothing in it reaches back to the HTTP request.
/// </summary>
/// <param name="Party">The party asking.</param>
/// <param name="Submission">The signed request, if signed.</param>
/// <param name="Retry">The idempotency key, if any.</param>
/// <param name="Probe">The operation checked or submitted: the write then runs under the probing budget.</param>
/// <param name="Decide">Decides on the agreement's current state and time.</param>
public sealed record WriteCommand(PartyId Party, SignedSubmission? Submission, RetryKey? Retry, Operation? Probe, Func<Theater, DateTimeOffset, WriteOutcome> Decide);

/// <summary>How a write was answered.</summary>
public abstract record WriteResult
{
    private WriteResult()
    {
    }

    /// <summary>Decided: committed (or refused) and answered.</summary>
    /// <param name="Answer">The answer decided.</param>
    /// <param name="Rendered">Its bytes, when they were written under the lock (they are kept for retries).</param>
    public sealed record Decided(Answer Answer, RenderedAnswer? Rendered) : WriteResult;

    /// <summary>A retry of a write already answered: the answer kept for it.</summary>
    public sealed record Replayed(RenderedAnswer Answer) : WriteResult;

    /// <summary>The idempotency key was used for another request.</summary>
    public sealed record KeyReused : WriteResult;

    /// <summary>The request's nonce was spent by an accepted write.</summary>
    public sealed record NonceSpent : WriteResult;

    /// <summary>The probing budget is spent: refused before anything was decided.</summary>
    /// <param name="Wait">How long until the party may ask again.</param>
    public sealed record BudgetSpent(TimeSpan Wait) : WriteResult;
}
