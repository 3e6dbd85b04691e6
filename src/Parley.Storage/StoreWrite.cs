using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Storage;

/// <summary>A change of a batch with its features serialised as the stores keep them.</summary>
internal sealed record SerialisedChange(Commit Changes, List<(Zone Zone, string Json)> Zones, List<(Operation Operation, string Json)> Operations);

/// <summary>
/// What both stores' writes share: a write commits once, not after it is disposed, and an empty batch commits nothing;
/// a batch whose ledger entries are not the next ones is refused whole (<see cref="LedgerOrder"/>); the features are
/// serialised before the store's own commit runs.
/// </summary>
internal abstract class StoreWrite : IAgreementWrite
{
    private bool _used;
    private int _released;

    /// <inheritdoc/>
    public abstract long Head { get; }

    /// <inheritdoc/>
    public abstract Task<CommittedChanges?> ReadChangesAsync(Agreement agreement, long since, CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public async Task CommitAsync(IReadOnlyList<Commit> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
        if (_used)
        {
            throw new InvalidOperationException("A write commits once.");
        }

        _used = true;
        cancellationToken.ThrowIfCancellationRequested();
        if (batch.All(c => c.IsEmpty))
        {
            return;
        }

        if (batch.Any(c => c.Ledger.Count > 0))
        {
            LedgerOrder.EnsureNext(batch.SelectMany(c => c.Ledger), await ReadLedgerSizeAsync(cancellationToken));
        }

        var serialised = batch.Select(changes => new SerialisedChange(
            changes,
            changes.Decision.State.Zones.Select(z => (Zone: z, Json: FeatureWriter.ToJson(z))).ToList(),
            changes.Decision.State.Operations.Select(o => (Operation: o, Json: FeatureWriter.ToJson(o))).ToList())).ToList();
        await CommitAsync(batch, serialised, cancellationToken);
    }

    /// <summary>How many entries the agreement's ledger holds, as the write's transaction sees it (no other write can append meanwhile).</summary>
    protected abstract ValueTask<long> ReadLedgerSizeAsync(CancellationToken cancellationToken);

    /// <summary>Writes the batch's rows and the journal row in the write's transaction, then commits it.</summary>
    protected abstract Task CommitAsync(IReadOnlyList<Commit> batch, List<SerialisedChange> serialised, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            await ReleaseAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Ends the transaction (rolled back unless committed) and lets the next write in.</summary>
    protected abstract ValueTask ReleaseAsync();
}
