using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Ports;
using Parley.Core.Probing;
using Parley.Core.Model;

namespace Parley.Server.Theaters;

/// <summary>Reads an agreement's whole state from the store: at start-up, and whenever a state must be loaded anew.</summary>
internal sealed class StateLoader(IParleyStore store, byte[] ledgerSeed, string centerName, TimeProvider time)
{
    /// <summary>
    /// The agreement's theater, ledger, recent touches and alerts, and spent nonces as the store holds them, read while
    /// <paramref name="write"/> holds off every commit, so they match its head.
    /// </summary>
    /// <remarks><paramref name="agreement"/> is the agreement's text; the amendments in force make the version the theater runs under.</remarks>
    public async Task<AgreementState> ReadAsync(Agreement agreement, IAgreementWrite write, CancellationToken cancellationToken)
    {
        var ledger = await AgreementLedger.LoadAsync(store, agreement.Id, centerName, ledgerSeed, cancellationToken);
        var amendments = await store.LoadAmendmentsAsync(agreement.Id, cancellationToken);
        var theater = new Theater(AmendmentReader.InForce(agreement, amendments));
        foreach (var amendment in amendments)
        {
            theater.Amendments.Upsert(amendment);
        }

        foreach (var zone in await store.LoadZonesAsync(agreement, cancellationToken))
        {
            theater.Upsert(zone);
        }

        foreach (var operation in await store.LoadOperationsAsync(agreement, cancellationToken))
        {
            theater.Upsert(operation);
        }

        foreach (var request in await store.LoadRequestsAsync(agreement.Id, cancellationToken))
        {
            theater.Requests.Upsert(request);
        }

        foreach (var subscription in await store.LoadSubscriptionsAsync(agreement.Id, cancellationToken))
        {
            theater.Subscriptions.Upsert(subscription);
        }

        foreach (var incident in await store.LoadIncidentsAsync(agreement, cancellationToken))
        {
            theater.Incidents.Upsert(incident);
        }

        var now = time.GetUtcNow();
        var touches = await store.LoadTouchesAsync(agreement.Id, now - ProbingWatch.Day, cancellationToken);
        // Only the alerts of the last hour matter (one per requester and zone an hour): read that window, not the outbox.
        var recent = await store.ReadEventsSinceAsync(agreement.Id, ProbingAlert.EventType, now - ProbingWatch.Hour, cancellationToken);
        var alerts = recent.Select(Probes.ReadAlert).OfType<ProbingAlert>().ToList();

        var nonces = new SpentNonces();
        foreach (var (party, nonce, signed) in await store.LoadNoncesAsync(agreement.Id, now - SpentNonces.Horizon, cancellationToken))
        {
            nonces.Add(party, nonce, signed, now);
        }

        return new AgreementState(theater, ledger, new ProbingWatch(touches, alerts), nonces, write.Head);
    }

    /// <summary>Loads the agreement (its text may have changed) and its whole state anew into <paramref name="slot"/>, inside an open store write.</summary>
    public async Task ReloadAsync(AgreementSlot slot, IAgreementWrite write, CancellationToken cancellationToken)
    {
        var id = slot.Theater.Agreement.Id;
        var sources = await store.LoadAgreementsAsync(cancellationToken);
        var agreement = sources.TryGetValue(id, out var source) ? AgreementReader.Parse(source) : slot.Theater.Agreement;
        slot.Set(await ReadAsync(agreement, write, cancellationToken));
    }

    /// <summary>After a failed commit: loads the state anew if the store answers; otherwise it stays drifted for the next read or write.</summary>
    public async Task TryReloadAsync(AgreementSlot slot)
    {
        try
        {
            await using var write = await store.BeginWriteAsync(slot.Theater.Agreement.Id, CancellationToken.None);
            await ReloadAsync(slot, write, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            slot.MarkDrifted();
        }
    }
}
