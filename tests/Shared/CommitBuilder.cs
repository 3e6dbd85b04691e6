using Parley.Core.Decisions;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Core.Probing;
using Parley.Core.Workflow;

namespace Parley.Tests.Support;

/// <summary>
/// A commit put together item by item, for tests of the stores themselves: the server's commits come from the core's
/// decisions, but a store must keep whatever a commit holds, in any combination.
/// </summary>
internal sealed class CommitBuilder
{
    public string Command { get; init; } = "change";

    public PartyId Submitter { get; init; } = Decision.Center;

    public List<LedgerAppend> Ledger { get; } = [];

    public SignedSubmission? Submission { get; set; }

    public KeptAnswer? Answer { get; set; }

    public List<Zone> UpsertZones { get; } = [];

    public List<ZoneId> DeleteZones { get; } = [];

    public List<Operation> UpsertOperations { get; } = [];

    public List<ConcurrenceRequest> UpsertRequests { get; } = [];

    public List<ProbeTouch> Touches { get; } = [];

    public List<EventAppend> Events { get; } = [];

    public List<Subscription> UpsertSubscriptions { get; } = [];

    public List<SubscriptionId> DeleteSubscriptions { get; } = [];

    public List<Amendment> UpsertAmendments { get; } = [];

    public List<Incident> UpsertIncidents { get; } = [];

    /// <summary>The time the decision was taken at, if it says (a decision of the core always does).</summary>
    public DateTimeOffset? Time { get; set; }

    /// <summary>The agreement's text, when the commit records it (the agreement itself changes).</summary>
    public string? AgreementText { get; init; }

    public bool IsEmpty => ToCommit().IsEmpty;

    public Commit ToCommit() => new(
        new Decision(Command, Submitter,
            new StateChange(UpsertZones, DeleteZones, UpsertOperations, UpsertRequests, UpsertSubscriptions, DeleteSubscriptions, UpsertAmendments, UpsertIncidents),
            [.. Events], [.. Touches], agreementText: AgreementText, time: Time),
        [.. Ledger], Submission, Answer);

    public static implicit operator Commit(CommitBuilder builder) => builder.ToCommit();
}

/// <summary>Commits through a write, as the server does.</summary>
internal static class StoreCommits
{
    public static async Task CommitAsync(this IParleyStore store, AgreementId agreement, CommitBuilder changes, CancellationToken cancellationToken = default) =>
        await store.CommitBatchAsync(agreement, [changes], cancellationToken);

    public static async Task CommitBatchAsync(this IParleyStore store, AgreementId agreement, IReadOnlyList<CommitBuilder> batch, CancellationToken cancellationToken = default)
    {
        await using var write = await store.BeginWriteAsync(agreement, cancellationToken);
        await write.CommitAsync([.. batch.Select(c => c.ToCommit())], cancellationToken);
    }

    public static async Task<bool> IsNonceSpentAsync(this IParleyStore store, AgreementId agreement, PartyId party, string nonce, CancellationToken cancellationToken = default) =>
        (await store.LoadNoncesAsync(agreement, DateTimeOffset.MinValue, cancellationToken)).Any(n => n.Party == party && n.Nonce == nonce);
}
