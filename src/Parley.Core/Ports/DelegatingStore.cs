using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Core.Probing;

namespace Parley.Core.Ports;

/// <summary>A store that passes every call to another: derive from it to watch or change a few calls (tests, measurements).</summary>
public abstract class DelegatingStore(IParleyStore inner) : IParleyStore
{
    /// <summary>The store the calls go to.</summary>
    protected IParleyStore Inner { get; } = inner;

    /// <inheritdoc/>
    public virtual Task InitializeAsync(CancellationToken cancellationToken = default) =>
        Inner.InitializeAsync(cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyDictionary<AgreementId, string>> LoadAgreementsAsync(CancellationToken cancellationToken = default) =>
        Inner.LoadAgreementsAsync(cancellationToken);

    /// <inheritdoc/>
    public virtual Task SaveAgreementAsync(AgreementId id, string sourceJson, CancellationToken cancellationToken = default) =>
        Inner.SaveAgreementAsync(id, sourceJson, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<Zone>> LoadZonesAsync(Agreement agreement, CancellationToken cancellationToken = default) =>
        Inner.LoadZonesAsync(agreement, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<Operation>> LoadOperationsAsync(Agreement agreement, CancellationToken cancellationToken = default) =>
        Inner.LoadOperationsAsync(agreement, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<Parley.Core.Model.ConcurrenceRequest>> LoadRequestsAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        Inner.LoadRequestsAsync(agreement, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<Amendment>> LoadAmendmentsAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        Inner.LoadAmendmentsAsync(agreement, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<Incident>> LoadIncidentsAsync(Agreement agreement, CancellationToken cancellationToken = default) =>
        Inner.LoadIncidentsAsync(agreement, cancellationToken);

    /// <inheritdoc/>
    public virtual bool IsShared => Inner.IsShared;

    /// <inheritdoc/>
    public virtual Task<IAgreementWrite> BeginWriteAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        Inner.BeginWriteAsync(agreement, cancellationToken);

    /// <inheritdoc/>
    public virtual Task WatchCommitsAsync(Action<(AgreementId Agreement, long Head)?> committed, CancellationToken cancellationToken) =>
        Inner.WatchCommitsAsync(committed, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<bool> HoldLeaseAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default) =>
        Inner.HoldLeaseAsync(name, holder, duration, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<CommittedChanges?> ReadChangesAsync(Parley.Core.Agreements.Agreement agreement, long since, CancellationToken cancellationToken = default) =>
        Inner.ReadChangesAsync(agreement, since, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<long> ReadHeadAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        Inner.ReadHeadAsync(agreement, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<(PartyId Party, string Nonce, DateTimeOffset Signed)>> LoadNoncesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        Inner.LoadNoncesAsync(agreement, since, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<KeptAnswer?> FindAnswerAsync(AgreementId agreement, PartyId party, string key, DateTimeOffset notBefore, CancellationToken cancellationToken = default) =>
        Inner.FindAnswerAsync(agreement, party, key, notBefore, cancellationToken);

    /// <inheritdoc/>
    public virtual IAsyncEnumerable<LedgerRecord> ReadLedgerAsync(AgreementId agreement, long fromIndex = 0, CancellationToken cancellationToken = default) =>
        Inner.ReadLedgerAsync(agreement, fromIndex, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<byte[]?> ReadLedgerEntryAsync(AgreementId agreement, long index, CancellationToken cancellationToken = default) =>
        Inner.ReadLedgerEntryAsync(agreement, index, cancellationToken);

    /// <inheritdoc/>
    public virtual Task SaveCheckpointAsync(AgreementId agreement, long size, string signedNote, CancellationToken cancellationToken = default) =>
        Inner.SaveCheckpointAsync(agreement, size, signedNote, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<(long Size, string SignedNote)>> LoadCheckpointsAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        Inner.LoadCheckpointsAsync(agreement, cancellationToken);

    /// <inheritdoc/>
    public virtual Task SetCosignatureAsync(AgreementId agreement, long size, string signer, string signatureLine, CancellationToken cancellationToken = default) =>
        Inner.SetCosignatureAsync(agreement, size, signer, signatureLine, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<string>> LoadCosignaturesAsync(AgreementId agreement, long size, CancellationToken cancellationToken = default) =>
        Inner.LoadCosignaturesAsync(agreement, size, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<ProbeTouch>> LoadTouchesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        Inner.LoadTouchesAsync(agreement, since, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<TouchSummary>> SummarizeTouchesAsync(AgreementId agreement, PartyId zoneOwner, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Inner.SummarizeTouchesAsync(agreement, zoneOwner, now, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(AgreementId agreement, PartyId? recipient, long afterSequence, int limit, CancellationToken cancellationToken = default) =>
        Inner.ReadEventsAsync(agreement, recipient, afterSequence, limit, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<StoredEvent>> ReadEventsSinceAsync(AgreementId agreement, string type, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        Inner.ReadEventsSinceAsync(agreement, type, since, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<Parley.Core.Model.Subscription>> LoadSubscriptionsAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        Inner.LoadSubscriptionsAsync(agreement, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<long?> ReadWebhookCursorAsync(AgreementId agreement, Parley.Core.Model.SubscriptionId subscription, CancellationToken cancellationToken = default) =>
        Inner.ReadWebhookCursorAsync(agreement, subscription, cancellationToken);

    /// <inheritdoc/>
    public virtual Task SaveWebhookCursorAsync(AgreementId agreement, Parley.Core.Model.SubscriptionId subscription, long sequence, CancellationToken cancellationToken = default) =>
        Inner.SaveWebhookCursorAsync(agreement, subscription, sequence, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return Inner.DisposeAsync();
    }
}
