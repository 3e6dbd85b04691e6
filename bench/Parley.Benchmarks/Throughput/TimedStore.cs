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

/// <summary>The store with its commits timed (and reported to a <see cref="LockClock"/>); everything else passes through.</summary>
internal sealed class TimedStore(IParleyStore inner, LockClock clock) : DelegatingStore(inner)
{
    public override async Task<IAgreementWrite> BeginWriteAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        new TimedWrite(await Inner.BeginWriteAsync(agreement, cancellationToken), clock);

    private sealed class TimedWrite(IAgreementWrite inner, LockClock clock) : DelegatingWrite(inner)
    {
        public override async Task CommitAsync(IReadOnlyList<ChangeSet> batch, CancellationToken cancellationToken = default)
        {
            long start = Stopwatch.GetTimestamp();
            await Inner.CommitAsync(batch, cancellationToken);
            clock.Committed(start, Stopwatch.GetTimestamp());
        }
    }
}
