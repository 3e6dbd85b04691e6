using System.Diagnostics;
using Parley.Core.Ports;
using Parley.Ledger.Entries;
using Parley.Server.Telemetry;

namespace Parley.Server.Theaters;

/// <summary>
/// Runs an agreement's writes in batches, one batch at a time, under the agreement's lock and inside one store write
/// (<see cref="IStateStore.BeginWriteAsync"/>), which excludes every other writer of the agreement, in this process or
/// another on the same database.
/// </summary>
/// <remarks>
/// A batch first brings the state up to the store's head (catching up on commits other nodes made), then decides its
/// writes one after another, each on the state the previous ones left, and commits them all in one transaction: one
/// flush for many decisions (group commit). A write is answered only once its batch is committed, so two conflicting
/// operations can never both be accepted, and nothing unflushed is ever acknowledged. If the commit fails, the state
/// is loaded anew before anything else reads it.
/// </remarks>
internal sealed class GroupCommitter(IParleyStore store, NodeSync sync, StateLoader loader, CommitSignals signals, TimeProvider time)
{
    // The most writes decided and committed together: bounds a batch's transaction and the wait of its last write.
    private const int MaxBatch = 256;

    /// <summary>Queues a write and waits for it: the first waiter to hold the lock runs a batch of everything queued.</summary>
    public async Task<T> SubmitAsync<T>(AgreementSlot slot, WriteJob<T> job, CancellationToken cancellationToken)
    {
        // The write's own trace: it waits in "queue" until a batch takes it, wherever that batch runs. The span is not
        // made current: what this caller runs next (a batch, perhaps) is no part of the wait.
        var caller = Activity.Current;
        job.Queued = ParleyTelemetry.Source.StartActivity("queue");
        if (job.Queued is not null)
        {
            Activity.Current = caller;
        }

        slot.Pending.Enqueue(job);
        bool locked = false;
        try
        {
            await slot.Lock.WaitAsync(cancellationToken);
            locked = true;
        }
        catch (OperationCanceledException) when (job.TryAbandon())
        {
            ParleyTelemetry.Stop(job.Queued);
            throw; // never taken: nothing was decided
        }
        catch (OperationCanceledException)
        {
            // A batch already took it: it will be decided and maybe committed, so wait for its answer.
        }

        if (locked)
        {
            long held = Stopwatch.GetTimestamp();
            try
            {
                // A write deferred from a batch (its key was taken) is queued again: run batches until it is answered.
                while (!job.Answer.IsCompleted)
                {
                    await RunBatchAsync(slot);
                }
            }
            finally
            {
                slot.Lock.Release();
                ParleyTelemetry.LockHold.Record(ParleyTelemetry.Since(held), ParleyTelemetry.Agreement(slot.Theater.Agreement.Id.Value));
            }
        }

        return await job.Answer;
    }

    /// <summary>Takes up to <see cref="MaxBatch"/> queued writes, decides them in order on one state, commits them together (called under the lock).</summary>
    private async Task RunBatchAsync(AgreementSlot slot)
    {
        var jobs = new List<WriteJob>();
        var deferred = new List<WriteJob>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (jobs.Count < MaxBatch && slot.Pending.TryDequeue(out var queued))
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
                await RunAsync(slot, jobs);
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
                slot.Pending.Enqueue(job);
            }
        }
    }

    private async Task RunAsync(AgreementSlot slot, List<WriteJob> jobs)
    {
        var id = slot.Theater.Agreement.Id;
        var agreement = ParleyTelemetry.Agreement(id.Value);
        ParleyTelemetry.BatchSize.Record(jobs.Count, agreement);
        foreach (var job in jobs)
        {
            ParleyTelemetry.Stop(job.Queued);
        }

        IAgreementWrite write;
        try
        {
            var begin = store.BeginWriteAsync(id, CancellationToken.None);
            if (store.IsShared)
            {
                await sync.CatchUpWhileLockedOutAsync(slot, begin);
            }

            write = await begin;
        }
        catch (Exception e)
        {
            ParleyTelemetry.StoreErrors.Add(1, new KeyValuePair<string, object?>("operation", "begin"));
            ParleyTelemetry.Decisions.Add(jobs.Count, agreement, Outcome("failed"));
            jobs.ForEach(j => j.Fail(e));
            return;
        }

        var batch = new List<Commit>();
        var decided = new List<WriteJob>();
        var answered = new List<WriteJob>();
        bool failed = false;
        await using (write)
        {
            try
            {
                await sync.BringUpToAsync(slot, write, CancellationToken.None);
            }
            catch (Exception e)
            {
                slot.MarkDrifted();
                ParleyTelemetry.StoreErrors.Add(1, new KeyValuePair<string, object?>("operation", "catch-up"));
                ParleyTelemetry.Decisions.Add(jobs.Count, agreement, Outcome("failed"));
                jobs.ForEach(j => j.Fail(e));
                return;
            }

            try
            {
                foreach (var job in jobs)
                {
                    var now = time.GetUtcNow();
                    Accepted? accepted;
                    long started = Stopwatch.GetTimestamp();
                    using var deciding = job.Queued is { } queued
                        ? ParleyTelemetry.Source.StartActivity("decide", ActivityKind.Internal, queued.Parent?.Context ?? queued.Context)
                        : null;
                    try
                    {
                        accepted = await job.DecideAsync(slot, now);
                    }
                    catch (Exception e)
                    {
                        ParleyTelemetry.DecisionDuration.Record(ParleyTelemetry.Since(started), agreement);
                        ParleyTelemetry.Decisions.Add(1, agreement, Outcome("failed"));
                        deciding?.SetStatus(ActivityStatusCode.Error);
                        job.Fail(e); // refused: its decision applied nothing
                        continue;
                    }

                    ParleyTelemetry.DecisionDuration.Record(ParleyTelemetry.Since(started), agreement);
                    if (accepted is null)
                    {
                        ParleyTelemetry.Decisions.Add(1, agreement, Outcome("answered"));
                        answered.Add(job);
                        continue;
                    }

                    ParleyTelemetry.Decisions.Add(1, agreement, Outcome("committed"));

                    // Applied now, so the next write of the batch decides on it; undone by a reload if the commit fails.
                    var commit = Record(slot, accepted, now);
                    Apply(slot, commit, now);
                    batch.Add(commit);
                    decided.Add(job);
                }

                if (batch.Count > 0)
                {
                    // Once the commit starts, finish it: an acknowledged write must not depend on the client staying.
                    long committing = Stopwatch.GetTimestamp();
                    using (var commitSpan = ParleyTelemetry.Source.StartActivity("commit", ActivityKind.Internal, default(ActivityContext), links: Links(decided)))
                    {
                        commitSpan?.SetTag("parley.batch", batch.Count);
                        await write.CommitAsync(batch, CancellationToken.None);
                    }

                    ParleyTelemetry.CommitDuration.Record(ParleyTelemetry.Since(committing), agreement);
                    slot.Head = write.Head + 1;
                }
            }
            catch (Exception e)
            {
                // The commit may have landed before it failed (a flush that reported an error, a dropped connection),
                // and memory holds the batch either way: load the state anew before anything reads it.
                slot.MarkDrifted();
                ParleyTelemetry.StoreErrors.Add(1, new KeyValuePair<string, object?>("operation", "commit"));
                decided.ForEach(j => j.Fail(e));
                answered.ForEach(j => j.Complete());
                failed = true;
            }
        }

        if (failed)
        {
            // Only once the failed write is let go: loading takes the agreement's write, which it held.
            await loader.TryReloadAsync(slot);
            return;
        }

        using (ParleyTelemetry.Source.StartActivity("notify", ActivityKind.Internal, default(ActivityContext), links: Links(decided)))
        {
            answered.ForEach(j => j.Complete());
            decided.ForEach(j => j.Complete());
            signals.Committed(batch);
        }
    }

    private static KeyValuePair<string, object?> Outcome(string outcome) => new("outcome", outcome);

    /// <summary>The traces of the writes a batch commits, for its spans to link to (null when none is traced).</summary>
    private static IEnumerable<ActivityLink>? Links(List<WriteJob> jobs) =>
        jobs.Any(j => j.Queued is not null) ? [.. jobs.Where(j => j.Queued is not null).Select(j => new ActivityLink(j.Queued!.Context))] : null;

    /// <summary>The commit of an accepted write: its ledger entries (when the ledger records it) written against the state before it.</summary>
    private static Commit Record(AgreementSlot slot, Accepted accepted, DateTimeOffset now)
    {
        var decision = accepted.Decision;
        var ledger = decision.IsRecorded
            ? LedgerEntries.Build(slot.Ledger.Tree.Size, slot.Theater.Agreement.Id, decision, accepted.Submission, slot.Theater, now)
            : [];
        return new Commit(decision, ledger, accepted.Submission, accepted.Answer);
    }

    private static void Apply(AgreementSlot slot, Commit commit, DateTimeOffset now)
    {
        foreach (var append in commit.Ledger)
        {
            slot.Ledger.Tree.Append(append.Entry);
        }

        slot.Theater.Apply(commit.Decision.State);
        if (commit.Submission is { } submission)
        {
            slot.Nonces.Add(commit.Decision.Submitter, submission.Nonce, submission.Timestamp, now);
        }

        slot.Watch.Record(commit.Decision.Touches, commit.Decision.Alerts);
    }
}
