using System.Diagnostics;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Probing;

namespace Parley.Benchmarks.Throughput;

/// <summary>
/// Notes what each batch of writes spends under the agreement's lock: the decisions report themselves, the store's
/// commit closes the batch's record.
/// </summary>
/// <remarks>Every member is called under the agreement's lock (one batch at a time), so no synchronisation is needed.</remarks>
internal sealed class LockClock
{
    private long _lastCommitEnd;
    private long _batchStart;
    private long _decide;
    private int _writes;

    public List<LockPhases> Phases { get; } = new(1 << 16);

    public void Decided(long start, long end)
    {
        if (_batchStart == 0)
        {
            _batchStart = start;
        }

        _decide += end - start;
        _writes++;
    }

    public void Committed(long start, long end)
    {
        if (_writes == 0)
        {
            return; // not a batch of the load (the agreement's own entry, zones declared before it)
        }

        long handoff = _lastCommitEnd == 0 ? 0 : Math.Max(0, _batchStart - _lastCommitEnd);
        long prepare = Math.Max(0, start - _batchStart - _decide);
        Phases.Add(new LockPhases(end, handoff, _decide, prepare, end - start, _writes));
        _lastCommitEnd = end;
        (_batchStart, _decide, _writes) = (0, 0, 0);
    }
}

/// <summary>The store with its commits timed (and reported to a <see cref="LockClock"/>); everything else passes through.</summary>
internal sealed class TimedStore(IParleyStore inner, LockClock clock) : DelegatingStore(inner)
{
    public override async Task<IAgreementWrite> BeginWriteAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        new TimedWrite(await Inner.BeginWriteAsync(agreement, cancellationToken), clock);

    private sealed class TimedWrite(IAgreementWrite inner, LockClock clock) : DelegatingWrite(inner)
    {
        public override async Task CommitAsync(IReadOnlyList<Commit> batch, CancellationToken cancellationToken = default)
        {
            long start = Stopwatch.GetTimestamp();
            await Inner.CommitAsync(batch, cancellationToken);
            clock.Committed(start, Stopwatch.GetTimestamp());
        }
    }
}
