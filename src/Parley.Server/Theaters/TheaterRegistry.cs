using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Core.Probing;
using Parley.Server.Ledger;
using Parley.Ledger.Entries;
using Parley.Server.Security;

namespace Parley.Server.Theaters;

/// <summary>
/// The agreements this server serves, each with its in-memory theater rebuilt from the store.
/// Every change goes through <c>WriteAsync</c> or <c>ProbeAsync</c>: decide on the current state, commit, then answer.
/// </summary>
/// <remarks>
/// <para>
/// Writes of one agreement run in batches, one at a time, under the agreement's lock and inside one store write
/// (<see cref="IParleyStore.BeginWriteAsync"/>), which excludes every other writer of the agreement, in this process
/// or another on the same database. A batch first brings the theater up to the store's head (catching up on commits
/// other nodes made), then decides its writes one after another, each on the state the previous ones left, and
/// commits them all in one transaction: one flush for many decisions (group commit). A write is answered only once
/// its batch is committed, so two conflicting operations can never both be accepted, and nothing unflushed is ever
/// acknowledged. If the commit fails, the theater is loaded anew before anything else reads it.
/// </para>
/// <para>
/// Checks and submissions run through <see cref="ProbeAsync{T}"/>, which checks the requester's probing budget and
/// records its touches of hidden zones in the same batch, so concurrent requests cannot overshoot it.
/// </para>
/// </remarks>
public sealed class TheaterRegistry(IParleyStore store, byte[] ledgerSeed, string centerName, TimeProvider time)
{
    // The most writes decided and committed together: bounds a batch's transaction and the wait of its last write.
    private const int MaxBatch = 256;

    // The head of a theater whose state is not known to match the store (a commit failed half-way): loaded anew before use.
    private const long Unknown = -1;

    private readonly Dictionary<AgreementId, Entry> _entries = [];
    private readonly Lock _gate = new();

    private sealed class Entry(AgreementState state, PartyTokenKeys tokenKeys)
    {
        public Theater Theater { get; set; } = state.Theater;

        public AgreementLedger Ledger { get; set; } = state.Ledger;

        public ProbingWatch Watch { get; set; } = state.Watch;

        public SpentNonces Nonces { get; set; } = state.Nonces;

        /// <summary>The store commits the theater has applied (<see cref="Unknown"/> when it may have drifted).</summary>
        public long Head { get; set; } = state.Head;

        /// <summary>The token keys of the agreement version the theater runs under; replaced with it.</summary>
        public PartyTokenKeys TokenKeys { get; set; } = tokenKeys;

        public SemaphoreSlim Lock { get; } = new(1, 1);

        /// <summary>Writes waiting for a batch.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<Job> Pending { get; } = new();

        /// <summary>Signalled when the store reports a commit on this agreement made through another node (see <see cref="ReportCommit"/>).</summary>
        public EventSignal CommitsReported { get; } = new();

        public void Set(AgreementState state) =>
            (Theater, Ledger, Watch, Nonces, Head) = (state.Theater, state.Ledger, state.Watch, state.Nonces, state.Head);
    }

    private sealed record AgreementState(Theater Theater, AgreementLedger Ledger, ProbingWatch Watch, SpentNonces Nonces, long Head);

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
                await RecordAgreementAsync(id, source, cancellationToken);
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
        await RecordAgreementAsync(agreement.Id, source, cancellationToken);
        return agreement;
    }

    private Task<int> RecordAgreementAsync(AgreementId id, string source, CancellationToken cancellationToken) =>
        SubmitAsync(id, new WriteJob<int>(_ => (new ChangeSet { Command = ChangeSet.AgreementCommand }, 0), null, source), cancellationToken);

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
                await EnsureCurrentAsync(id, entry, cancellationToken);
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
    /// Whether <paramref name="party"/> spent <paramref name="nonce"/> in an accepted write of the agreement (or one
    /// decided earlier in the same batch). Call it from a <see cref="WriteHooks{T}"/> step, so no commit runs in between.
    /// </summary>
    public bool IsNonceSpent(AgreementId id, PartyId party, string nonce) => Get(id).Nonces.Contains(party, nonce);

    /// <summary>Runs a read on the agreement's theater, with no write in between.</summary>
    public Task<T> ReadAsync<T>(AgreementId id, Func<Theater, T> read, CancellationToken cancellationToken = default) =>
        UnderLockAsync(id, entry => read(entry.Theater), cancellationToken);

    /// <summary>The store commits the agreement's theater has applied, if it is served (unsynchronised: a hint).</summary>
    public long? HeadOf(AgreementId id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var e) ? e.Head : null;
        }
    }

    /// <summary>Brings the agreement's theater up to the store (commits other nodes made) and wakes the event streams if it moved.</summary>
    public async Task CatchUpAsync(AgreementId id, CancellationToken cancellationToken = default)
    {
        var entry = Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            await EnsureCurrentAsync(id, entry, cancellationToken);
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    private async Task<T> UnderLockAsync<T>(AgreementId id, Func<Entry, T> read, CancellationToken cancellationToken)
    {
        var entry = Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            await EnsureCurrentAsync(id, entry, cancellationToken);
            return read(entry);
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    /// <summary>
    /// Decides a change on the current state, commits it durably, then answers.
    /// If the decision throws or the commit fails, nothing changes.
    /// </summary>
    public Task<T> WriteAsync<T>(AgreementId id, Func<Theater, (ChangeSet Changes, T Result)> decide, CancellationToken cancellationToken = default) =>
        SubmitAsync(id, new WriteJob<T>(decide, null, null), cancellationToken);

    /// <summary>
    /// As the other <c>WriteAsync</c>, with steps that run in the write's batch:
    /// <see cref="WriteHooks{T}.Answered"/> before deciding (an answer already given ends the write),
    /// <see cref="WriteHooks{T}.Accepting"/> once a change is decided, to add to it what must be committed with it
    /// and to shape the result.
    /// </summary>
    public Task<T> WriteAsync<T>(AgreementId id, Func<Theater, (ChangeSet Changes, T Result)> decide, WriteHooks<T> hooks, CancellationToken cancellationToken = default) =>
        SubmitAsync(id, new WriteJob<T>(decide, hooks, null), cancellationToken);

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
    /// <param name="hooks">For a submission: the steps around the decision, as for <c>WriteAsync</c> (a retry already answered spends no budget).</param>
    /// <param name="cancellationToken">Cancels the wait for a batch (not a write a batch has taken).</param>
    public Task<ProbeOutcome<T>> ProbeAsync<T>(AgreementId id, PartyId requester, Operation probe,
        Func<Theater, (ChangeSet Changes, T Result, IReadOnlyList<Conflict> Conflicts)> decide, WriteHooks<T>? hooks = null, CancellationToken cancellationToken = default) =>
        SubmitAsync(id, new ProbeJob<T>(requester, probe, decide, hooks, time), cancellationToken);

    /// <summary>Queues a write and waits for it: the first waiter to hold the lock runs a batch of everything queued.</summary>
    private async Task<T> SubmitAsync<T>(AgreementId id, Job<T> job, CancellationToken cancellationToken)
    {
        var entry = Get(id);
        entry.Pending.Enqueue(job);
        bool locked = false;
        try
        {
            await entry.Lock.WaitAsync(cancellationToken);
            locked = true;
        }
        catch (OperationCanceledException) when (job.TryAbandon())
        {
            throw; // never taken: nothing was decided
        }
        catch (OperationCanceledException)
        {
            // A batch already took it: it will be decided and maybe committed, so wait for its answer.
        }

        if (locked)
        {
            try
            {
                // A write deferred from a batch (its key was taken) is queued again: run batches until it is answered.
                while (!job.Answer.IsCompleted)
                {
                    await RunBatchAsync(id, entry);
                }
            }
            finally
            {
                entry.Lock.Release();
            }
        }

        return await job.Answer;
    }

    /// <summary>Takes up to <see cref="MaxBatch"/> queued writes, decides them in order on one state, commits them together (called under the lock).</summary>
    private async Task RunBatchAsync(AgreementId id, Entry entry)
    {
        var jobs = new List<Job>();
        var deferred = new List<Job>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (jobs.Count < MaxBatch && entry.Pending.TryDequeue(out var queued))
        {
            if (!queued.TryTake())
            {
                continue; // its caller gave up before a batch took it
            }

            if (queued.Exclusive is { } key && !keys.Add(key))
            {
                // A retry under the same idempotency key: it must see this batch's answer, so it waits for the next.
                queued.Untake();
                deferred.Add(queued);
                continue;
            }

            jobs.Add(queued);
        }

        try
        {
            if (jobs.Count > 0)
            {
                await RunAsync(id, entry, jobs);
            }
        }
        finally
        {
            // Never leave a caller waiting: a batch that ended without answering a write (a fault in Parley) fails it.
            foreach (var job in jobs)
            {
                job.Fail(new InvalidOperationException("the write's batch ended without answering it"));
            }

            foreach (var job in deferred)
            {
                entry.Pending.Enqueue(job);
            }
        }
    }

    private async Task RunAsync(AgreementId id, Entry entry, List<Job> jobs)
    {
        IAgreementWrite write;
        try
        {
            var begin = Store.BeginWriteAsync(id, CancellationToken.None);
            if (Store.IsShared)
            {
                await CatchUpWhileLockedOutAsync(id, entry, begin);
            }

            write = await begin;
        }
        catch (Exception e)
        {
            jobs.ForEach(j => j.Fail(e));
            return;
        }

        var batch = new List<ChangeSet>();
        var decided = new List<Job>();
        var answered = new List<Job>();
        await using (write)
        {
            try
            {
                await BringUpToAsync(id, entry, write, CancellationToken.None);
            }
            catch (Exception e)
            {
                entry.Head = Unknown;
                jobs.ForEach(j => j.Fail(e));
                return;
            }

            var now = time.GetUtcNow();
            try
            {
                foreach (var job in jobs)
                {
                    ChangeSet? changes;
                    try
                    {
                        changes = await job.DecideAsync(entry, CancellationToken.None);
                    }
                    catch (Exception e)
                    {
                        job.Fail(e); // refused: its decision applied nothing
                        continue;
                    }

                    if (changes is null || (changes.IsEmpty && job.AgreementSource is null))
                    {
                        answered.Add(job);
                        continue;
                    }

                    // Applied now, so the next write of the batch decides on it; undone by a reload if the commit fails.
                    Prepare(id, entry, changes, job.AgreementSource, now);
                    Apply(entry, changes, now);
                    job.Applied(entry);
                    batch.Add(changes);
                    decided.Add(job);
                }

                if (batch.Count > 0)
                {
                    // Once the commit starts, finish it: an acknowledged write must not depend on the client staying.
                    await write.CommitAsync(batch, CancellationToken.None);
                    entry.Head = write.Head + 1;
                }
            }
            catch (Exception e)
            {
                // The commit may have landed before it failed (a flush that reported an error, a dropped connection),
                // and memory holds the batch either way: load the state anew before anything reads it.
                entry.Head = Unknown;
                decided.ForEach(j => j.Fail(e));
                answered.ForEach(j => j.Complete());
                await TryReloadAsync(entry);
                return;
            }
        }

        answered.ForEach(j => j.Complete());
        decided.ForEach(j => j.Complete());
        if (batch.Any(c => c.Events.Count > 0))
        {
            Events.Notify();
        }

        if (batch.Any(c => c.HasSubscriptions))
        {
            SubscriptionsChanged.Notify();
        }
    }

    /// <summary>
    /// Adds to a decided change what is committed with it: the lifecycle and subscription events its declarations raise
    /// (for every write route alike, so that they are committed with the change or not at all) and the ledger entries
    /// that record it. Declarations, subscriptions and agreement texts get ledger entries; touches and events alone get none.
    /// </summary>
    private void Prepare(AgreementId id, Entry entry, ChangeSet changes, string? agreementSource, DateTimeOffset now)
    {
        if (changes.HasDeclarations)
        {
            Parley.Server.Workflow.LifecycleEvents.Add(entry.Theater, changes, now);
            changes.Events.AddRange(SubscriptionEvents.For(entry.Theater, changes, now));
        }

        if (changes.IsRecorded || agreementSource is not null)
        {
            long index = entry.Ledger.Tree.Size;
            changes.Ledger.AddRange(agreementSource is not null
                ? LedgerEntries.ForAgreement(index, id, agreementSource, now)
                : LedgerEntries.Build(index, id, changes, entry.Theater, now));
        }
    }

    private static void Apply(Entry entry, ChangeSet changes, DateTimeOffset now)
    {
        foreach (var append in changes.Ledger)
        {
            entry.Ledger.Tree.Append(append.Entry);
        }

        entry.Theater.Apply(changes);
        if (changes.Submission is { } submission)
        {
            entry.Nonces.Add(changes.Submitter, submission.Nonce, submission.Timestamp, now);
        }
    }

    /// <summary>Makes the theater current before a read (called under the lock): loaded anew if it may have drifted, caught up if another node committed.</summary>
    /// <remarks>
    /// Catching up for a read holds off no writer (other nodes keep committing): it may apply changes of commits past the
    /// head it records, which the next catch-up reads again, and a write catches up inside its own store write anyway.
    /// Only a theater that may have drifted is loaded anew under a store write.
    /// </remarks>
    private async Task EnsureCurrentAsync(AgreementId id, Entry entry, CancellationToken cancellationToken)
    {
        if (entry.Head != Unknown)
        {
            if (!Store.IsShared || await Store.ReadHeadAsync(id, cancellationToken) == entry.Head)
            {
                return;
            }

            if (await TryCatchUpAsync(id, entry, cancellationToken))
            {
                return;
            }
        }

        await using var write = await Store.BeginWriteAsync(id, cancellationToken);
        await BringUpToAsync(id, entry, write, cancellationToken);
    }

    /// <summary>
    /// While other nodes hold the agreement's write lock (<paramref name="begin"/> waits for it), applies the commits
    /// they report, so that the catch-up under the lock reads only what the last holder committed: every node's
    /// batch then holds the lock for less time. Called under the agreement's lock in this process.
    /// </summary>
    private async Task CatchUpWhileLockedOutAsync(AgreementId id, Entry entry, Task<IAgreementWrite> begin)
    {
        while (true)
        {
            var reported = entry.CommitsReported.Next;
            if (await Task.WhenAny(begin, reported) == begin || entry.Head == Unknown)
            {
                return;
            }

            try
            {
                await TryCatchUpAsync(id, entry, CancellationToken.None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return; // the catch-up under the lock reads it all
            }
        }
    }

    /// <summary>
    /// Applies the commits made since the theater's head without holding off writers; false when the journal cannot
    /// tell what they changed (pruned past the head, or the agreement itself changed) and the state must be loaded anew.
    /// </summary>
    private async Task<bool> TryCatchUpAsync(AgreementId id, Entry entry, CancellationToken cancellationToken)
    {
        if (await Store.ReadChangesAsync(entry.Theater.Agreement, entry.Head, cancellationToken) is not { AgreementChanged: false } changes)
        {
            return false;
        }

        if (changes.Head > entry.Head)
        {
            await ApplyCommittedAsync(id, entry, changes, cancellationToken);
            Signal(changes);
        }

        return true;
    }

    /// <summary>
    /// Tells the registry that another node committed on <paramref name="id"/> (on any agreement when null): a batch
    /// waiting for that agreement's lock catches up meanwhile.
    /// </summary>
    public void ReportCommit(AgreementId? id)
    {
        Entry[] entries;
        lock (_gate)
        {
            entries = id is { } one ? (_entries.TryGetValue(one, out var e) ? [e] : []) : [.. _entries.Values];
        }

        foreach (var entry in entries)
        {
            entry.CommitsReported.Notify();
        }
    }

    /// <summary>Wakes event streams and webhook delivery after commits made elsewhere were applied (null: the state was loaded anew).</summary>
    private void Signal(CommittedChanges? changes)
    {
        if (changes is null || changes.Events.Count > 0)
        {
            Events.Notify();
        }

        if (changes is null || changes.AgreementChanged || changes.Subscriptions.Count > 0 || changes.DeletedSubscriptions.Count > 0)
        {
            SubscriptionsChanged.Notify();
        }
    }

    /// <summary>Brings the theater up to the head of an open store write: applies the commits it missed, or loads it anew.</summary>
    private async Task BringUpToAsync(AgreementId id, Entry entry, IAgreementWrite write, CancellationToken cancellationToken)
    {
        if (entry.Head == write.Head)
        {
            return;
        }

        var changes = entry.Head == Unknown ? null : await write.ReadChangesAsync(entry.Theater.Agreement, entry.Head, cancellationToken);
        if (changes is null || changes.AgreementChanged)
        {
            await ReloadAsync(id, entry, write, cancellationToken);
            Signal(null);
        }
        else
        {
            await ApplyCommittedAsync(id, entry, changes, cancellationToken);
            Signal(changes);
        }
    }

    /// <summary>Applies commits made elsewhere: declarations and subscriptions as they are now, ledger entries, nonces, touches and alerts.</summary>
    private async Task ApplyCommittedAsync(AgreementId id, Entry entry, CommittedChanges committed, CancellationToken cancellationToken)
    {
        try
        {
            await ApplyCommittedInPlaceAsync(id, entry, committed, cancellationToken);
        }
        catch
        {
            // Applied in part, perhaps: whoever reads next loads the state anew.
            entry.Head = Unknown;
            throw;
        }
    }

    private async Task ApplyCommittedInPlaceAsync(AgreementId id, Entry entry, CommittedChanges committed, CancellationToken cancellationToken)
    {
        var changes = new ChangeSet();
        changes.UpsertZones.AddRange(committed.Zones);
        changes.DeleteZones.AddRange(committed.DeletedZones);
        changes.UpsertOperations.AddRange(committed.Operations);
        changes.UpsertRequests.AddRange(committed.Requests);
        changes.UpsertSubscriptions.AddRange(committed.Subscriptions);
        changes.DeleteSubscriptions.AddRange(committed.DeletedSubscriptions);
        var tree = entry.Ledger.Tree;
        await foreach (var record in Store.ReadLedgerAsync(id, tree.Size, cancellationToken))
        {
            if (record.Index != tree.Size)
            {
                throw new InvalidDataException($"ledger of '{id}': entry {tree.Size} is missing (the next stored entry is {record.Index})");
            }

            tree.Append(record.Entry);
        }

        entry.Theater.Apply(changes);
        var now = time.GetUtcNow();
        foreach (var (party, nonce, signed) in committed.Nonces)
        {
            entry.Nonces.Add(party, nonce, signed, now);
        }

        var alerts = committed.Events.Where(e => e.Type == ProbingAlert.EventType).Select(ReadAlert).OfType<ProbingAlert>().ToList();
        entry.Watch.Record(committed.Touches, alerts);
        entry.Head = committed.Head;
    }

    /// <summary>Loads the agreement (its text may have changed) and its whole state anew, inside an open store write.</summary>
    private async Task ReloadAsync(AgreementId id, Entry entry, IAgreementWrite write, CancellationToken cancellationToken)
    {
        var sources = await Store.LoadAgreementsAsync(cancellationToken);
        var agreement = sources.TryGetValue(id, out var source) ? AgreementReader.Parse(source) : entry.Theater.Agreement;
        var keys = source is null ? entry.TokenKeys : PartyTokenKeys.Load(agreement);
        var state = await ReadStateAsync(agreement, write, cancellationToken);
        lock (_gate)
        {
            entry.Set(state);
            entry.TokenKeys = keys;
        }
    }

    /// <summary>After a failed commit: loads the state anew if the store answers; otherwise the next read or write does.</summary>
    private async Task TryReloadAsync(Entry entry)
    {
        try
        {
            var id = entry.Theater.Agreement.Id;
            await using var write = await Store.BeginWriteAsync(id, CancellationToken.None);
            await ReloadAsync(id, entry, write, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            entry.Head = Unknown;
        }
    }

    /// <summary>A write waiting for a batch: taken once, decided under the lock, answered when its batch is committed.</summary>
    private abstract class Job
    {
        private int _state; // 0 queued, 1 taken by a batch, 2 abandoned by its caller

        /// <summary>A key no two writes of one batch may share (the caller's idempotency key), or null.</summary>
        public virtual string? Exclusive => null;

        /// <summary>The agreement text this write records, if it is an agreement's entry.</summary>
        public virtual string? AgreementSource => null;

        public bool TryTake() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        public void Untake() => Volatile.Write(ref _state, 0);

        public bool TryAbandon() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;

        /// <summary>Decides on the current state: the change to commit, or null when answered without one.</summary>
        public abstract Task<ChangeSet?> DecideAsync(Entry entry, CancellationToken cancellationToken);

        /// <summary>Once the change is applied in memory: what later writes of the batch must see besides the theater.</summary>
        public virtual void Applied(Entry entry)
        {
        }

        /// <summary>Answers with the result decided (the commit landed, or there was nothing to commit).</summary>
        public abstract void Complete();

        public abstract void Fail(Exception error);
    }

    private abstract class Job<T> : Job
    {
        private readonly TaskCompletionSource<T> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected T Result { get; set; } = default!;

        public Task<T> Answer => _answer.Task;

        public override void Complete() => _answer.TrySetResult(Result);

        public override void Fail(Exception error) => _answer.TrySetException(error);
    }

    private sealed class WriteJob<T>(Func<Theater, (ChangeSet Changes, T Result)> decide, WriteHooks<T>? hooks, string? agreementSource) : Job<T>
    {
        public override string? Exclusive => hooks?.Exclusive;

        public override string? AgreementSource => agreementSource;

        public override async Task<ChangeSet?> DecideAsync(Entry entry, CancellationToken cancellationToken)
        {
            if (hooks?.Answered is { } answered && await answered(cancellationToken) is { } earlier)
            {
                Result = earlier;
                return null;
            }

            var (changes, result) = decide(entry.Theater);
            if (changes.IsRecorded && hooks?.Accepting is { } accepting)
            {
                result = await accepting(changes, result, cancellationToken);
            }

            Result = result;
            return changes;
        }
    }

    private sealed class ProbeJob<T>(
        PartyId requester, Operation probe, Func<Theater, (ChangeSet Changes, T Result, IReadOnlyList<Conflict> Conflicts)> decide,
        WriteHooks<T>? hooks, TimeProvider time) : Job<ProbeOutcome<T>>
    {
        private List<ProbeTouch> _touches = [];
        private List<ProbingAlert> _alerts = [];

        public override string? Exclusive => hooks?.Exclusive;

        public override async Task<ChangeSet?> DecideAsync(Entry entry, CancellationToken cancellationToken)
        {
            if (hooks?.Answered is { } answered && await answered(cancellationToken) is { } earlier)
            {
                Result = new ProbeOutcome<T>(earlier, null);
                return null;
            }

            var now = time.GetUtcNow();
            if (entry.Watch.Refusal(requester, now, entry.Theater.Agreement.ProbingBudget) is { } wait)
            {
                Result = new ProbeOutcome<T>(default, wait);
                return null;
            }

            var (changes, result, conflicts) = decide(entry.Theater);
            if (changes.IsRecorded && hooks?.Accepting is { } accepting)
            {
                result = await accepting(changes, result, cancellationToken);
            }

            var hidden = conflicts.Select(c => c.Zone).OfType<Zone>().Where(z => !z.IsVisibleTo(requester)).DistinctBy(z => z.Id).ToList();
            if (hidden.Count > 0)
            {
                string request = Guid.CreateVersion7(now).ToString("N");
                bool small = entry.Theater.Grid.FitsInOneCell(probe.Volume.Footprint);
                string fingerprint = ProbingWatch.Fingerprint(probe.Volume);
                _touches = [.. hidden.Select(z => new ProbeTouch(request, now, requester, z.Id, z.Owner, small, fingerprint))];
                _alerts = entry.Watch.Suspicions(_touches, now);
                changes.Touches.AddRange(_touches);
                changes.Events.AddRange(_alerts.Select(a => new EventAppend(a.ZoneOwner, ProbingAlert.EventType, AlertPayload(a), now)));
            }

            Result = new ProbeOutcome<T>(result, null);
            return changes;
        }

        public override void Applied(Entry entry) => entry.Watch.Record(_touches, _alerts);
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
        AgreementState state;
        await using (var write = await Store.BeginWriteAsync(agreement.Id, cancellationToken))
        {
            state = await ReadStateAsync(agreement, write, cancellationToken);
        }

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

    /// <summary>
    /// The agreement's theater, ledger and recent touches as the store holds them (the snapshot, its log, the last day's
    /// touches), read while <paramref name="write"/> holds off every commit, so they match its head.
    /// </summary>
    private async Task<AgreementState> ReadStateAsync(Agreement agreement, IAgreementWrite write, CancellationToken cancellationToken)
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

        return new AgreementState(theater, ledger, new ProbingWatch(touches, alerts), nonces, write.Head);
    }
}

/// <summary>Steps of a write that run under its agreement's lock, around the decision.</summary>
/// <param name="Answered">Before deciding: an answer already given to this request (a retry), or null to go on.</param>
/// <param name="Accepting">Once a change is decided and before it is committed: adds what must be committed with it, returns the result to give.</param>
/// <param name="Exclusive">A key no two writes of one batch may share (the caller's idempotency key): a retry then sees the first's answer.</param>
public sealed record WriteHooks<T>(
    Func<CancellationToken, Task<T?>>? Answered = null,
    Func<ChangeSet, T, CancellationToken, Task<T>>? Accepting = null,
    string? Exclusive = null);
