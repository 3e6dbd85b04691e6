using System.Diagnostics;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Probing;

namespace Parley.Benchmarks.Throughput;

/// <summary>
/// Notes when each step of a write runs under the agreement's lock, to split the serialised section of a write:
/// the nonce check and the decision report themselves, the store's commit closes the record.
/// </summary>
/// <remarks>Every member is called under the agreement's lock (one write at a time), so no synchronisation is needed.</remarks>
internal sealed class LockClock
{
    private long _lastCommitEnd;
    private long _enteredAt;
    private long _nonce;
    private long _decideStart;
    private long _decideEnd;

    public List<LockPhases> Phases { get; } = new(1 << 16);

    /// <summary>The write's first step under the lock begins.</summary>
    public void Entered() => _enteredAt = Stopwatch.GetTimestamp();

    public void NonceChecked(long ticks) => _nonce = ticks;

    public void Decided(long start, long end) => (_decideStart, _decideEnd) = (start, end);

    public void Committed(long start, long end)
    {
        if (_decideEnd == 0)
        {
            return; // not a write of the load (the agreement's own entry)
        }

        long entered = _enteredAt != 0 ? _enteredAt : _decideStart;
        long handoff = _lastCommitEnd == 0 ? 0 : Math.Max(0, entered - _lastCommitEnd);
        Phases.Add(new LockPhases(end, handoff, _nonce, _decideEnd - _decideStart, start - _decideEnd, end - start));
        _lastCommitEnd = end;
        (_enteredAt, _nonce, _decideStart, _decideEnd) = (0, 0, 0, 0);
    }
}

/// <summary>The store with its commit timed (and reported to a <see cref="LockClock"/>); everything else passes through.</summary>
internal sealed class TimedStore(IParleyStore inner, LockClock clock) : IParleyStore
{
    public async Task CommitAsync(AgreementId agreement, ChangeSet changes, CancellationToken cancellationToken = default)
    {
        long start = Stopwatch.GetTimestamp();
        await inner.CommitAsync(agreement, changes, cancellationToken);
        clock.Committed(start, Stopwatch.GetTimestamp());
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public Task<IReadOnlyDictionary<AgreementId, string>> LoadAgreementsAsync(CancellationToken cancellationToken = default) => inner.LoadAgreementsAsync(cancellationToken);

    public Task SaveAgreementAsync(AgreementId id, string sourceJson, CancellationToken cancellationToken = default) => inner.SaveAgreementAsync(id, sourceJson, cancellationToken);

    public Task<IReadOnlyList<Zone>> LoadZonesAsync(Agreement agreement, CancellationToken cancellationToken = default) => inner.LoadZonesAsync(agreement, cancellationToken);

    public Task<IReadOnlyList<Operation>> LoadOperationsAsync(Agreement agreement, CancellationToken cancellationToken = default) => inner.LoadOperationsAsync(agreement, cancellationToken);

    public Task CommitBatchAsync(AgreementId agreement, IReadOnlyList<ChangeSet> batch, CancellationToken cancellationToken = default) => inner.CommitBatchAsync(agreement, batch, cancellationToken);

    public Task<bool> IsNonceSpentAsync(AgreementId agreement, PartyId party, string nonce, CancellationToken cancellationToken = default) => inner.IsNonceSpentAsync(agreement, party, nonce, cancellationToken);

    public Task<IdempotentAnswer?> FindAnswerAsync(AgreementId agreement, PartyId party, string key, DateTimeOffset notBefore, CancellationToken cancellationToken = default) => inner.FindAnswerAsync(agreement, party, key, notBefore, cancellationToken);

    public IAsyncEnumerable<LedgerRecord> ReadLedgerAsync(AgreementId agreement, long fromIndex = 0, CancellationToken cancellationToken = default) => inner.ReadLedgerAsync(agreement, fromIndex, cancellationToken);

    public Task<byte[]?> ReadLedgerEntryAsync(AgreementId agreement, long index, CancellationToken cancellationToken = default) => inner.ReadLedgerEntryAsync(agreement, index, cancellationToken);

    public Task SaveCheckpointAsync(AgreementId agreement, long size, string signedNote, CancellationToken cancellationToken = default) => inner.SaveCheckpointAsync(agreement, size, signedNote, cancellationToken);

    public Task<IReadOnlyList<(long Size, string SignedNote)>> LoadCheckpointsAsync(AgreementId agreement, CancellationToken cancellationToken = default) => inner.LoadCheckpointsAsync(agreement, cancellationToken);

    public Task SetCosignatureAsync(AgreementId agreement, long size, string signer, string signatureLine, CancellationToken cancellationToken = default) => inner.SetCosignatureAsync(agreement, size, signer, signatureLine, cancellationToken);

    public Task<IReadOnlyList<string>> LoadCosignaturesAsync(AgreementId agreement, long size, CancellationToken cancellationToken = default) => inner.LoadCosignaturesAsync(agreement, size, cancellationToken);

    public Task<IReadOnlyList<ProbeTouch>> LoadTouchesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default) => inner.LoadTouchesAsync(agreement, since, cancellationToken);

    public Task<IReadOnlyList<TouchSummary>> SummarizeTouchesAsync(AgreementId agreement, PartyId zoneOwner, DateTimeOffset now, CancellationToken cancellationToken = default) => inner.SummarizeTouchesAsync(agreement, zoneOwner, now, cancellationToken);

    public Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(AgreementId agreement, PartyId? recipient, long afterSequence, int limit, CancellationToken cancellationToken = default) => inner.ReadEventsAsync(agreement, recipient, afterSequence, limit, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
