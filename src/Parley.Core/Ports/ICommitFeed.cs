using Parley.Core.Model;

namespace Parley.Core.Ports;

/// <summary>Reports commits made through other processes sharing the store.</summary>
/// <remarks>One role of the store (<see cref="IParleyStore"/>); implementations are safe to call from several threads.</remarks>
public interface ICommitFeed
{
    /// <summary>Whether other processes may write to the same store (each must then catch up before deciding or reading).</summary>
    bool IsShared { get; }

    /// <summary>
    /// Calls <paramref name="committed"/> whenever another process (or this one) commits to an agreement, with the
    /// agreement and its new head, and with null when commits may have been missed (after a lost connection), until
    /// cancelled. A store no other process writes returns at once.
    /// </summary>
    Task WatchCommitsAsync(Action<(AgreementId Agreement, long Head)?> committed, CancellationToken cancellationToken);
}
