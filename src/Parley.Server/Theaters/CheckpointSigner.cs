using Parley.Core.Ports;

namespace Parley.Server.Theaters;

/// <summary>Signs a checkpoint for every agreement whose log grew since its last one, and stores it before it is served.</summary>
internal sealed class CheckpointSigner(ILedgerStore ledgers, NodeSync sync)
{
    /// <summary>Signs and stores the checkpoints of <paramref name="slots"/> that are behind, each under its agreement's lock.</summary>
    public async Task SignAsync(IEnumerable<AgreementSlot> slots, CancellationToken cancellationToken)
    {
        foreach (var slot in slots)
        {
            await slot.Lock.WaitAsync(cancellationToken);
            try
            {
                await sync.EnsureCurrentAsync(slot, cancellationToken);
                Telemetry.ParleyTelemetry.Ledger(slot.Theater.Agreement.Id.Value, slot.Ledger.Tree.Size, slot.Ledger.Latest?.Size ?? 0);
                if (slot.Ledger.SignIfBehind() is { } signed)
                {
                    await ledgers.SaveCheckpointAsync(slot.Theater.Agreement.Id, signed.Size, signed.SignedNote, CancellationToken.None);
                    slot.Ledger.Published(signed);
                    Telemetry.ParleyTelemetry.Ledger(slot.Theater.Agreement.Id.Value, slot.Ledger.Tree.Size, signed.Size);
                }
            }
            finally
            {
                slot.Lock.Release();
            }
        }
    }
}
