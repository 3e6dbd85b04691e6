using Parley.Core.Decisions;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Probing;
using Parley.Core.Workflow;

namespace Parley.Core.Ports;

/// <summary>
/// A write on one agreement, open from <see cref="IStateStore.BeginWriteAsync"/> until it is committed or disposed:
/// no other write on the agreement runs in between, in this process or any other on the same store. A server decides
/// inside it, on a state it first brings up to <see cref="Head"/>, so several servers on one database decide as one.
/// </summary>
/// <remarks>Disposing a write that was not committed changes nothing.</remarks>
public interface IAgreementWrite : IAsyncDisposable
{
    /// <summary>How many commits the agreement has had: the count a state must have applied to be current.</summary>
    long Head { get; }

    /// <summary>
    /// What the commits after the first <paramref name="since"/> changed, as the store holds it now; null when the
    /// store no longer keeps that far back (the caller then loads the whole state).
    /// </summary>
    Task<CommittedChanges?> ReadChangesAsync(Parley.Core.Agreements.Agreement agreement, long since, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits the accepted commands, in order, in one atomic and durable transaction (group commit: one flush for many
    /// accepted commands); the head moves on by one. Their ledger entries must be consecutive. Call it once.
    /// </summary>
    /// <exception cref="InvalidOperationException">A ledger entry is not the next index.</exception>
    Task CommitAsync(IReadOnlyList<Commit> batch, CancellationToken cancellationToken = default);
}

/// <summary>What a run of commits changed, to bring a state that missed them up to date.</summary>
/// <param name="Head">The head the state reaches once these are applied.</param>
/// <param name="AgreementChanged">Whether an agreement text or an amendment was recorded among them (the state is then loaded anew).</param>
/// <param name="State">
/// What they changed: zones, operations, requests and subscriptions written since, as they are now; zones withdrawn and
/// subscriptions deleted since (and not made again).
/// </param>
/// <param name="Touches">Touches of hidden zones recorded since.</param>
/// <param name="Nonces">Nonces spent since, with their submitters and signing times.</param>
/// <param name="Events">Events appended since, in order.</param>
public sealed record CommittedChanges(
    long Head,
    bool AgreementChanged,
    StateChange State,
    IReadOnlyList<ProbeTouch> Touches,
    IReadOnlyList<(PartyId Party, string Nonce, DateTimeOffset Signed)> Nonces,
    IReadOnlyList<StoredEvent> Events);

/// <summary>A write that passes every call to another: derive from it to watch a few calls (tests, measurements).</summary>
public abstract class DelegatingWrite(IAgreementWrite inner) : IAgreementWrite
{
    /// <summary>The write the calls go to.</summary>
    protected IAgreementWrite Inner { get; } = inner;

    /// <inheritdoc/>
    public long Head => Inner.Head;

    /// <inheritdoc/>
    public virtual Task<CommittedChanges?> ReadChangesAsync(Parley.Core.Agreements.Agreement agreement, long since, CancellationToken cancellationToken = default) =>
        Inner.ReadChangesAsync(agreement, since, cancellationToken);

    /// <inheritdoc/>
    public virtual Task CommitAsync(IReadOnlyList<Commit> batch, CancellationToken cancellationToken = default) =>
        Inner.CommitAsync(batch, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return Inner.DisposeAsync();
    }
}
