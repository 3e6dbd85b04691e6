using Parley.Core.Decisions;

namespace Parley.Core.Ports;

/// <summary>
/// One accepted command as the store commits it, atomically with the others of its batch: the core's decision, the
/// ledger entries that record it, the signed request behind it (its nonce spent in the same transaction) and, under an
/// idempotency key, the answer kept for retries.
/// </summary>
/// <param name="Decision">What the core decided.</param>
/// <param name="Ledger">
/// The ledger entries written in the same transaction, consecutive (a command whose items would not fit one leaf of the
/// tlog-tiles format spans several); none for a command the ledger does not record (touches and events alone).
/// </param>
/// <param name="Submission">The signed request that asked for it, if any.</param>
/// <param name="Answer">The answer to keep for retries under the request's idempotency key, if it carried one.</param>
public sealed record Commit(Decision Decision, IReadOnlyList<LedgerAppend> Ledger, SignedSubmission? Submission = null, KeptAnswer? Answer = null)
{
    /// <summary>Whether there is nothing to commit.</summary>
    public bool IsEmpty => Decision.IsEmpty && Ledger.Count == 0;
}
