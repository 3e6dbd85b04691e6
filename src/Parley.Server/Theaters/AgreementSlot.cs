using System.Collections.Concurrent;
using Parley.Core.Conflicts;
using Parley.Core.Probing;

namespace Parley.Server.Theaters;

/// <summary>One agreement's state as this server holds it in memory, read together at one store head.</summary>
/// <param name="Theater">The zones, operations, requests and subscriptions, with the agreement they run under.</param>
/// <param name="Ledger">The agreement's log: its tree and signed checkpoints.</param>
/// <param name="Watch">The recent touches of hidden zones and the alerts raised.</param>
/// <param name="Nonces">The nonces a replay could still reuse.</param>
/// <param name="Head">The store commits this state has applied.</param>
internal sealed record AgreementState(Theater Theater, AgreementLedger Ledger, ProbingWatch Watch, SpentNonces Nonces, long Head);

/// <summary>
/// One agreement served: its state, the lock every read and batch of writes holds, the writes waiting for a batch, and
/// the signal of commits other nodes report.
/// </summary>
/// <remarks>
/// The state's parts are changed in place under <see cref="Lock"/>; <see cref="Head"/> says which store commit they
/// reflect. A state that may have drifted from the store (a commit or catch-up failed half-way) is marked with
/// <see cref="MarkDrifted"/> and loaded anew before anything reads it.
/// </remarks>
internal sealed class AgreementSlot(AgreementState state)
{
    private const long Drifted = -1;

    public Theater Theater { get; private set; } = state.Theater;

    public AgreementLedger Ledger { get; private set; } = state.Ledger;

    public ProbingWatch Watch { get; private set; } = state.Watch;

    public SpentNonces Nonces { get; private set; } = state.Nonces;

    /// <summary>The store commits the state has applied (unsynchronised reads are hints).</summary>
    public long Head { get; set; } = state.Head;

    /// <summary>Whether the state may differ from the store and must be loaded anew before use.</summary>
    public bool IsDrifted => Head == Drifted;

    public SemaphoreSlim Lock { get; } = new(1, 1);

    /// <summary>Writes waiting for a batch.</summary>
    public ConcurrentQueue<WriteJob> Pending { get; } = new();

    /// <summary>Signalled when the store reports a commit on this agreement made through another node.</summary>
    public EventSignal CommitsReported { get; } = new();

    /// <summary>The one way a state is marked as possibly out of step with the store.</summary>
    public void MarkDrifted() => Head = Drifted;

    public void Set(AgreementState loaded) =>
        (Theater, Ledger, Watch, Nonces, Head) = (loaded.Theater, loaded.Ledger, loaded.Watch, loaded.Nonces, loaded.Head);
}
