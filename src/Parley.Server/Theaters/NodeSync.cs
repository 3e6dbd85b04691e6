using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Probing;

namespace Parley.Server.Theaters;

/// <summary>
/// Keeps each agreement's state in step with the store when several nodes write to it: before a read, before a batch
/// (inside the batch's store write, so no commit lands in between), and when the store reports a commit.
/// </summary>
/// <remarks>Every member is called under the agreement's lock.</remarks>
internal sealed class NodeSync(IParleyStore store, StateLoader loader, CommitSignals signals, TimeProvider time)
{
    /// <summary>Makes the state current before a read: loaded anew if it may have drifted, caught up if another node committed.</summary>
    /// <remarks>
    /// Catching up for a read holds off no writer (other nodes keep committing): it may apply changes of commits past the
    /// head it records, which the next catch-up reads again, and a write catches up inside its own store write anyway.
    /// Only a state that may have drifted is loaded anew under a store write.
    /// </remarks>
    public async Task EnsureCurrentAsync(AgreementSlot slot, CancellationToken cancellationToken)
    {
        var id = slot.Theater.Agreement.Id;
        if (!slot.IsDrifted)
        {
            if (!store.IsShared || await store.ReadHeadAsync(id, cancellationToken) == slot.Head)
            {
                return;
            }

            if (await TryCatchUpAsync(slot, cancellationToken))
            {
                return;
            }
        }

        await using var write = await store.BeginWriteAsync(id, cancellationToken);
        await BringUpToAsync(slot, write, cancellationToken);
    }

    /// <summary>Brings the state up to the head of an open store write: applies the commits it missed, or loads it anew.</summary>
    public async Task BringUpToAsync(AgreementSlot slot, IAgreementWrite write, CancellationToken cancellationToken)
    {
        if (slot.Head == write.Head)
        {
            return;
        }

        var changes = slot.IsDrifted ? null : await write.ReadChangesAsync(slot.Theater.Agreement, slot.Head, cancellationToken);
        if (changes is null || changes.AgreementChanged)
        {
            await loader.ReloadAsync(slot, write, cancellationToken);
            Telemetry.ParleyTelemetry.CatchUps.Add(1, Telemetry.ParleyTelemetry.Agreement(slot.Theater.Agreement.Id.Value), new KeyValuePair<string, object?>("kind", "reloaded"));
            signals.Reloaded();
        }
        else
        {
            await ApplyAsync(slot, changes, cancellationToken);
            signals.Applied(changes);
        }
    }

    /// <summary>
    /// While other nodes hold the agreement's write lock (<paramref name="begin"/> waits for it), applies the commits
    /// they report, so that the catch-up under the lock reads only what the last holder committed: every node's
    /// batch then holds the lock for less time.
    /// </summary>
    public async Task CatchUpWhileLockedOutAsync(AgreementSlot slot, Task<IAgreementWrite> begin)
    {
        while (true)
        {
            var reported = slot.CommitsReported.Next;
            if (await Task.WhenAny(begin, reported) == begin || slot.IsDrifted)
            {
                return;
            }

            try
            {
                await TryCatchUpAsync(slot, CancellationToken.None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return; // the catch-up under the lock reads it all
            }
        }
    }

    /// <summary>
    /// Applies the commits made since the state's head without holding off writers; false when the journal cannot tell
    /// what they changed (pruned past the head, or the agreement itself changed) and the state must be loaded anew.
    /// </summary>
    private async Task<bool> TryCatchUpAsync(AgreementSlot slot, CancellationToken cancellationToken)
    {
        if (await store.ReadChangesAsync(slot.Theater.Agreement, slot.Head, cancellationToken) is not { AgreementChanged: false } changes)
        {
            return false;
        }

        if (changes.Head > slot.Head)
        {
            await ApplyAsync(slot, changes, cancellationToken);
            signals.Applied(changes);
        }

        return true;
    }

    /// <summary>Applies commits made elsewhere: declarations and subscriptions as they are now, ledger entries, nonces, touches and alerts.</summary>
    private async Task ApplyAsync(AgreementSlot slot, CommittedChanges committed, CancellationToken cancellationToken)
    {
        try
        {
            var id = slot.Theater.Agreement.Id;
            var tree = slot.Ledger.Tree;
            await foreach (var record in store.ReadLedgerAsync(id, tree.Size, cancellationToken))
            {
                if (record.Index != tree.Size)
                {
                    throw new InvalidDataException($"ledger of '{id}': entry {tree.Size} is missing (the next stored entry is {record.Index})");
                }

                tree.Append(record.Entry);
            }

            slot.Theater.Apply(committed.State);
            var now = time.GetUtcNow();
            foreach (var (party, nonce, signed) in committed.Nonces)
            {
                slot.Nonces.Add(party, nonce, signed, now);
            }

            slot.Watch.Record(committed.Touches, [.. committed.Events.Select(Probes.ReadAlert).OfType<ProbingAlert>()]);
            slot.Head = committed.Head;
            Telemetry.ParleyTelemetry.CatchUps.Add(1, Telemetry.ParleyTelemetry.Agreement(id.Value), new KeyValuePair<string, object?>("kind", "applied"));
        }
        catch
        {
            // Applied in part, perhaps: whoever reads next loads the state anew.
            slot.MarkDrifted();
            throw;
        }
    }
}

/// <summary>Wake-ups for readers of committed data: event streams and webhook delivery. They carry no data.</summary>
public sealed class CommitSignals
{
    /// <summary>Signalled after every commit that appended events (for live event streams).</summary>
    public EventSignal Events { get; } = new();

    /// <summary>Signalled after every commit that changed subscriptions, and when an agreement is loaded (for webhook delivery).</summary>
    public EventSignal SubscriptionsChanged { get; } = new();

    /// <summary>Signalled after every commit that changed declarations, here or applied from another node (for live pictures).</summary>
    public EventSignal StateChanged { get; } = new();

    /// <summary>After this node's commit of <paramref name="batch"/>.</summary>
    internal void Committed(IReadOnlyList<Commit> batch)
    {
        if (batch.Any(c => !c.Decision.Events.IsEmpty))
        {
            Events.Notify();
        }

        if (batch.Any(c => c.Decision.State.HasSubscriptions))
        {
            SubscriptionsChanged.Notify();
        }

        if (batch.Any(c => c.Decision.State.HasDeclarations))
        {
            StateChanged.Notify();
        }
    }

    /// <summary>After commits made elsewhere were applied.</summary>
    internal void Applied(CommittedChanges changes)
    {
        if (changes.Events.Count > 0)
        {
            Events.Notify();
        }

        if (changes.AgreementChanged || changes.State.HasSubscriptions)
        {
            SubscriptionsChanged.Notify();
        }

        if (changes.AgreementChanged || changes.State.HasDeclarations)
        {
            StateChanged.Notify();
        }
    }

    /// <summary>After a state was loaded anew: anything may have changed.</summary>
    internal void Reloaded()
    {
        Events.Notify();
        SubscriptionsChanged.Notify();
        StateChanged.Notify();
    }
}
