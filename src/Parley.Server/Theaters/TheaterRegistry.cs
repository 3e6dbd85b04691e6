using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Core.Probing;
using Parley.Server.Ledger;
using Parley.Server.Security;

namespace Parley.Server.Theaters;

/// <summary>
/// The agreements this server serves, each with its in-memory theater rebuilt from the store.
/// Every change goes through <c>WriteAsync</c>: decide on the current state, commit, then apply.
/// </summary>
/// <remarks>
/// One lock per agreement serialises access to its theater: the decision and the commit that records it
/// happen with no other change in between, so two conflicting operations cannot both be accepted. Checks
/// and submissions go through <see cref="ProbeAsync{T}"/>, which checks the requester's probing budget and
/// records its touches of hidden zones under the same lock, so concurrent requests cannot overshoot it.
/// </remarks>
public sealed class TheaterRegistry(IParleyStore store, byte[] ledgerSeed, string centerName, TimeProvider time)
{
    private readonly Dictionary<AgreementId, Entry> _entries = [];
    private readonly Lock _gate = new();

    private sealed class Entry(AgreementState state, PartyTokenKeys tokenKeys)
    {
        public Theater Theater { get; set; } = state.Theater;

        public AgreementLedger Ledger { get; set; } = state.Ledger;

        public ProbingWatch Watch { get; set; } = state.Watch;

        public SpentNonces Nonces { get; set; } = state.Nonces;

        /// <summary>The token keys of the agreement version the theater runs under; replaced with it.</summary>
        public PartyTokenKeys TokenKeys { get; set; } = tokenKeys;

        public SemaphoreSlim Lock { get; } = new(1, 1);

        public void Set(AgreementState state) => (Theater, Ledger, Watch, Nonces) = (state.Theater, state.Ledger, state.Watch, state.Nonces);
    }

    private sealed record AgreementState(Theater Theater, AgreementLedger Ledger, ProbingWatch Watch, SpentNonces Nonces);

    /// <summary>The center name that prefixes every ledger origin.</summary>
    public string CenterName { get; } = centerName;

    /// <summary>Signalled after every commit that appended events (for live event streams).</summary>
    public EventSignal Events { get; } = new();

    /// <summary>Signalled after every commit that changed subscriptions, and when an agreement is loaded (for webhook delivery).</summary>
    public EventSignal SubscriptionsChanged { get; } = new();

    /// <summary>The store behind the registry.</summary>
    public IParleyStore Store { get; } = store;

    /// <summary>Initialises the store and rebuilds every agreement's theater from it.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await Store.InitializeAsync(cancellationToken);
        foreach (var (id, source) in await Store.LoadAgreementsAsync(cancellationToken))
        {
            var agreement = AgreementReader.Parse(source);
            await LoadAsync(agreement, PartyTokenKeys.Load(agreement), cancellationToken);
            if (await ReadLedgerAsync(id, l => l.Tree.Size, cancellationToken) == 0)
            {
                // Stored before its ledger entry landed (a crash between the two): record it now.
                await WriteCoreAsync(id, _ => (new ChangeSet { Command = "agreement.put" }, 0), cancellationToken, agreementSource: source, hooks: null);
            }
        }
    }

    /// <summary>Adds or updates an agreement from its source text, stores it and records it in its ledger.</summary>
    /// <exception cref="InputRejectedException">The agreement is invalid or its parties' token keys cannot be read; nothing is stored.</exception>
    public async Task<Agreement> PutAgreementAsync(string source, CancellationToken cancellationToken = default)
    {
        var agreement = AgreementReader.Parse(source);
        var tokenKeys = PartyTokenKeys.Load(agreement);
        var stored = await Store.LoadAgreementsAsync(cancellationToken);
        if (stored.TryGetValue(agreement.Id, out var existing) && existing == source && Find(agreement.Id) is not null)
        {
            return agreement;
        }

        await Store.SaveAgreementAsync(agreement.Id, source, cancellationToken);
        await LoadAsync(agreement, tokenKeys, cancellationToken);
        await WriteCoreAsync(agreement.Id, _ => (new ChangeSet { Command = "agreement.put" }, 0), cancellationToken, agreementSource: source, hooks: null);
        return agreement;
    }

    /// <summary>Runs a read on the agreement's ledger, with no write in between.</summary>
    public Task<T> ReadLedgerAsync<T>(AgreementId id, Func<AgreementLedger, T> read, CancellationToken cancellationToken = default) =>
        UnderLockAsync(id, entry => read(entry.Ledger), cancellationToken);

    /// <summary>Signs and stores a checkpoint for every agreement whose log grew since its last one.</summary>
    public async Task SignCheckpointsAsync(CancellationToken cancellationToken = default)
    {
        foreach (var id in AgreementIds)
        {
            var entry = Get(id);
            await entry.Lock.WaitAsync(cancellationToken);
            try
            {
                if (entry.Ledger.SignIfBehind() is { } signed)
                {
                    await Store.SaveCheckpointAsync(id, signed.Size, signed.SignedNote, CancellationToken.None);
                    entry.Ledger.Published(signed);
                }
            }
            finally
            {
                entry.Lock.Release();
            }
        }
    }

    /// <summary>The ids of the agreements served.</summary>
    public IReadOnlyList<AgreementId> AgreementIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries.Keys];
            }
        }
    }

    /// <summary>The agreement with this id, if served.</summary>
    public Agreement? Find(AgreementId id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var e) ? e.Theater.Agreement : null;
        }
    }

    /// <summary>The agreement with this id and its parties' token keys, read together, if served.</summary>
    public (Agreement Agreement, PartyTokenKeys Keys)? FindTokenKeys(AgreementId id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var e) ? (e.Theater.Agreement, e.TokenKeys) : null;
        }
    }

    /// <summary>
    /// Whether <paramref name="party"/> spent <paramref name="nonce"/> in an accepted write of the agreement. Call it
    /// under the agreement's lock (from a <see cref="WriteHooks{T}"/> step), so no commit runs in between.
    /// </summary>
    public bool IsNonceSpent(AgreementId id, PartyId party, string nonce) => Get(id).Nonces.Contains(party, nonce);

    /// <summary>Runs a read on the agreement's theater, with no write in between.</summary>
    public Task<T> ReadAsync<T>(AgreementId id, Func<Theater, T> read, CancellationToken cancellationToken = default) =>
        UnderLockAsync(id, entry => read(entry.Theater), cancellationToken);

    private async Task<T> UnderLockAsync<T>(AgreementId id, Func<Entry, T> read, CancellationToken cancellationToken)
    {
        var entry = Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            return read(entry);
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    /// <summary>
    /// Decides a change on the current state, commits it durably, then applies it to the theater.
    /// If the decision throws or the commit fails, nothing changes.
    /// </summary>
    public Task<T> WriteAsync<T>(AgreementId id, Func<Theater, (ChangeSet Changes, T Result)> decide, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(id, decide, cancellationToken, agreementSource: null, hooks: null);

    /// <summary>
    /// As the other <c>WriteAsync</c>, with steps that run under the agreement's lock:
    /// <see cref="WriteHooks{T}.Answered"/> before deciding (an answer already given ends the write),
    /// <see cref="WriteHooks{T}.Accepting"/> once a change is decided, to add to it what must be committed with it
    /// and to shape the result.
    /// </summary>
    public Task<T> WriteAsync<T>(AgreementId id, Func<Theater, (ChangeSet Changes, T Result)> decide, WriteHooks<T> hooks, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(id, decide, cancellationToken, agreementSource: null, hooks);

    private async Task<T> WriteCoreAsync<T>(AgreementId id, Func<Theater, (ChangeSet Changes, T Result)> decide, CancellationToken cancellationToken,
        string? agreementSource, WriteHooks<T>? hooks)
    {
        var entry = Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (hooks?.Answered is { } answered && await answered(cancellationToken) is { } earlier)
            {
                return earlier;
            }

            var (changes, result) = decide(entry.Theater);
            if (changes.IsRecorded && hooks?.Accepting is { } accepting)
            {
                result = await accepting(changes, result, cancellationToken);
            }

            await CommitAsync(id, entry, changes, agreementSource);
            return result;
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    /// <summary>
    /// Runs a check or submission of <paramref name="probe"/> by <paramref name="requester"/> under the probing
    /// budget: refused before anything is decided when the budget is spent (so the refusal says nothing about
    /// where zones are); otherwise decided, and its touches of zones hidden from the requester recorded (one
    /// per zone) and committed with the change, with the mapping alerts they raise.
    /// </summary>
    /// <param name="id">The agreement.</param>
    /// <param name="requester">The party asking.</param>
    /// <param name="probe">The operation checked or submitted.</param>
    /// <param name="decide">Decides on the current state: the change to commit (empty for a check), the result, and the conflicts answered.</param>
    /// <param name="cancellationToken">Cancels the wait for the lock.</param>
    /// <param name="hooks">For a submission: the steps around the decision, as for <c>WriteAsync</c> (a retry already answered spends no budget).</param>
    public async Task<ProbeOutcome<T>> ProbeAsync<T>(AgreementId id, PartyId requester, Operation probe,
        Func<Theater, (ChangeSet Changes, T Result, IReadOnlyList<Conflict> Conflicts)> decide, WriteHooks<T>? hooks = null, CancellationToken cancellationToken = default)
    {
        var entry = Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (hooks?.Answered is { } answered && await answered(cancellationToken) is { } earlier)
            {
                return new ProbeOutcome<T>(earlier, null);
            }

            var now = time.GetUtcNow();
            if (entry.Watch.Refusal(requester, now, entry.Theater.Agreement.ProbingBudget) is { } wait)
            {
                return new ProbeOutcome<T>(default, wait);
            }

            var (changes, result, conflicts) = decide(entry.Theater);
            if (changes.IsRecorded && hooks?.Accepting is { } accepting)
            {
                result = await accepting(changes, result, cancellationToken);
            }

            var hidden = conflicts.Select(c => c.Zone).OfType<Zone>().Where(z => !z.IsVisibleTo(requester)).DistinctBy(z => z.Id).ToList();
            List<ProbeTouch> touches = [];
            List<ProbingAlert> alerts = [];
            if (hidden.Count > 0)
            {
                string request = Guid.CreateVersion7(now).ToString("N");
                bool small = entry.Theater.Grid.FitsInOneCell(probe.Volume.Footprint);
                string fingerprint = ProbingWatch.Fingerprint(probe.Volume);
                touches = [.. hidden.Select(z => new ProbeTouch(request, now, requester, z.Id, z.Owner, small, fingerprint))];
                alerts = entry.Watch.Suspicions(touches, now);
                changes.Touches.AddRange(touches);
                changes.Events.AddRange(alerts.Select(a => new EventAppend(a.ZoneOwner, ProbingAlert.EventType, AlertPayload(a), now)));
            }

            await CommitAsync(id, entry, changes, agreementSource: null);
            entry.Watch.Record(touches, alerts);
            return new ProbeOutcome<T>(result, null);
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    /// <summary>
    /// Commits a decided change (called under the agreement's lock) and applies it. Declarations, subscriptions and
    /// agreement texts get their ledger entry in the same transaction; touches and events alone get none. Changed
    /// declarations raise their subscription events here, for every write route alike, so that they are committed with
    /// the change or not at all.
    /// </summary>
    private async Task CommitAsync(AgreementId id, Entry entry, ChangeSet changes, string? agreementSource)
    {
        if (changes.IsEmpty && agreementSource is null)
        {
            return;
        }

        if (changes.HasDeclarations)
        {
            Parley.Server.Workflow.LifecycleEvents.Add(entry.Theater, changes, time.GetUtcNow());
            changes.Events.AddRange(SubscriptionEvents.For(entry.Theater, changes, time.GetUtcNow()));
        }

        if (changes.IsRecorded || agreementSource is not null)
        {
            // The entry that records the change is committed with it, in one transaction.
            long index = entry.Ledger.Tree.Size;
            changes.Ledger.AddRange(agreementSource is not null
                ? LedgerEntries.ForAgreement(index, id, agreementSource, time.GetUtcNow())
                : LedgerEntries.Build(index, id, changes, entry.Theater, time.GetUtcNow()));
        }

        // Once the commit starts, finish it: an acknowledged write must not depend on the client staying.
        try
        {
            await Store.CommitAsync(id, changes, CancellationToken.None);
        }
        catch
        {
            // The commit may have landed before it failed (a flush that reported an error, a dropped
            // connection): take the state back from the store so memory never drifts from it.
            entry.Set(await ReadStateAsync(entry.Theater.Agreement, CancellationToken.None));
            throw;
        }

        foreach (var append in changes.Ledger)
        {
            entry.Ledger.Tree.Append(append.Entry);
        }

        entry.Theater.Apply(changes);
        if (changes.Submission is { } submission)
        {
            entry.Nonces.Add(changes.Submitter, submission.Nonce, submission.Timestamp, time.GetUtcNow());
        }

        if (changes.Events.Count > 0)
        {
            Events.Notify();
        }

        if (changes.HasSubscriptions)
        {
            SubscriptionsChanged.Notify();
        }
    }

    /// <summary>The payload of a <c>probing.suspected</c> event: only what the zone's owner may know.</summary>
    internal static string AlertPayload(ProbingAlert alert) => new System.Text.Json.Nodes.JsonObject
    {
        ["requester"] = alert.Requester.Value,
        ["zone"] = alert.Zone.Value,
        ["count"] = alert.Count,
        ["from"] = Parley.Core.Features.FeatureWriter.Time(alert.From),
        ["to"] = Parley.Core.Features.FeatureWriter.Time(alert.To),
        ["window_minutes"] = (int)ProbingWatch.Hour.TotalMinutes,
    }.ToJsonString();

    /// <summary>An alert read back from its event, to remember it across a restart.</summary>
    private static ProbingAlert? ReadAlert(StoredEvent stored)
    {
        try
        {
            var o = System.Text.Json.Nodes.JsonNode.Parse(stored.Payload)!.AsObject();
            return new ProbingAlert(new PartyId((string)o["requester"]!), new ZoneId((string)o["zone"]!), stored.Recipient,
                (int)o["count"]!, DateTimeOffset.Parse((string)o["from"]!, System.Globalization.CultureInfo.InvariantCulture), stored.Created);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            return null; // not an alert this version wrote: nothing to remember
        }
    }

    private Entry Get(AgreementId id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var e) ? e : throw new DomainException(DomainError.NotFound, $"unknown agreement '{id}'");
        }
    }

    private async Task LoadAsync(Agreement agreement, PartyTokenKeys tokenKeys, CancellationToken cancellationToken)
    {
        var state = await ReadStateAsync(agreement, cancellationToken);
        lock (_gate)
        {
            if (_entries.TryGetValue(agreement.Id, out var existing))
            {
                existing.Set(state);
                existing.TokenKeys = tokenKeys;
            }
            else
            {
                _entries[agreement.Id] = new Entry(state, tokenKeys);
            }
        }

        SubscriptionsChanged.Notify();
    }

    /// <summary>The agreement's theater, ledger and recent touches as the store holds them (the snapshot, its log, the last day's touches).</summary>
    private async Task<AgreementState> ReadStateAsync(Agreement agreement, CancellationToken cancellationToken)
    {
        var ledger = await AgreementLedger.LoadAsync(Store, agreement.Id, CenterName, ledgerSeed, cancellationToken);
        var theater = new Theater(agreement);
        foreach (var zone in await Store.LoadZonesAsync(agreement, cancellationToken))
        {
            theater.Upsert(zone);
        }

        foreach (var operation in await Store.LoadOperationsAsync(agreement, cancellationToken))
        {
            theater.Upsert(operation);
        }

        foreach (var request in await Store.LoadRequestsAsync(agreement.Id, cancellationToken))
        {
            theater.Requests.Upsert(request);
        }

        foreach (var subscription in await Store.LoadSubscriptionsAsync(agreement.Id, cancellationToken))
        {
            theater.Subscriptions.Upsert(subscription);
        }

        var now = time.GetUtcNow();
        var touches = await Store.LoadTouchesAsync(agreement.Id, now - ProbingWatch.Day, cancellationToken);
        var alerts = new List<ProbingAlert>();
        for (long after = 0; ;)
        {
            // Events are rare (alerts only), so reading them all at start-up is cheap.
            var page = await Store.ReadEventsAsync(agreement.Id, null, after, 1000, cancellationToken);
            alerts.AddRange(page.Where(e => e.Type == ProbingAlert.EventType && e.Created > now - ProbingWatch.Hour).Select(ReadAlert).OfType<ProbingAlert>());
            if (page.Count < 1000)
            {
                break;
            }

            after = page[^1].Sequence;
        }

        var nonces = new SpentNonces();
        foreach (var (party, nonce, signed) in await Store.LoadNoncesAsync(agreement.Id, now - SpentNonces.Horizon, cancellationToken))
        {
            nonces.Add(party, nonce, signed, now);
        }

        return new AgreementState(theater, ledger, new ProbingWatch(touches, alerts), nonces);
    }
}

/// <summary>Steps of a write that run under its agreement's lock, around the decision.</summary>
/// <param name="Answered">Before deciding: an answer already given to this request (a retry), or null to go on.</param>
/// <param name="Accepting">Once a change is decided and before it is committed: adds what must be committed with it, returns the result to give.</param>
public sealed record WriteHooks<T>(
    Func<CancellationToken, Task<T?>>? Answered = null,
    Func<ChangeSet, T, CancellationToken, Task<T>>? Accepting = null);
