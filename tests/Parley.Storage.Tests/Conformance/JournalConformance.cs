using Microsoft.Extensions.Time.Testing;
using Parley.Tests.Support;
using Parley.Core.Decisions;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Probing;
using Parley.Storage.Tests.Sqlite;

namespace Parley.Storage.Tests.Conformance;

/// <summary>
/// Writes and the commit journal: a write excludes every other writer of its agreement, each commit moves the head by
/// one, and another store instance over the same state (another process) catches up on exactly what it missed.
/// </summary>
public abstract class JournalConformance(IStoreBackend backend) : ConformanceTest(backend)
{
    private static readonly AgreementId Agreement = Samples.Agreement.Id;
    private static readonly AgreementId Other = new("theater-2");
    private static readonly PartyId Blue = new("blue");
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static CommitBuilder Declare(params string[] zones)
    {
        var changes = new CommitBuilder { Submitter = Blue };
        changes.UpsertZones.AddRange(zones.Select(z => Samples.Square(z)));
        return changes;
    }

    private static async Task CommitAsync(IParleyStore store, AgreementId agreement, params CommitBuilder[] batch)
    {
        await using var write = await store.BeginWriteAsync(agreement, Ct);
        await write.CommitAsync([.. batch.Select(c => c.ToCommit())], Ct);
    }

    [Fact]
    public async Task every_commit_moves_its_agreements_head_by_one_and_an_empty_or_abandoned_write_does_not()
    {
        await using var store = await OpenAsync();
        Assert.Equal(0, await store.ReadHeadAsync(Agreement, Ct));
        await CommitAsync(store, Agreement, Declare("z1"), Declare("z2"));
        await CommitAsync(store, Agreement, Declare("z3"));
        await CommitAsync(store, Agreement, new CommitBuilder());
        await using (var abandoned = await store.BeginWriteAsync(Agreement, Ct))
        {
            Assert.Equal(2, abandoned.Head);
        }

        await CommitAsync(store, Other, Declare("z9"));
        Assert.Equal(2, await store.ReadHeadAsync(Agreement, Ct));
        Assert.Equal(1, await store.ReadHeadAsync(Other, Ct));
        await using var write = await store.BeginWriteAsync(Agreement, Ct);
        Assert.Equal(2, write.Head);
        await write.CommitAsync([Declare("z4")], Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(() => write.CommitAsync([Declare("z5")], Ct));
    }

    [Fact]
    public async Task another_instance_catches_up_on_exactly_what_was_committed_since()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await CommitAsync(first, Agreement, Declare("kept", "gone", "back"));
        long seen = await second.ReadHeadAsync(Agreement, Ct);
        Assert.Equal(1, seen);

        var withdraw = new CommitBuilder { Submitter = Blue };
        withdraw.DeleteZones.AddRange([new ZoneId("gone"), new ZoneId("back")]);
        var operation = Samples.EveryOperationKind()[1];
        var submit = new CommitBuilder { Submitter = Blue, Submission = new SignedSubmission("ed25519:k", "nonce-journal-000001", Now, [1], [2]) };
        submit.UpsertOperations.Add(operation);
        submit.Touches.Add(new ProbeTouch("r1", Now, Blue, new ZoneId("hidden"), new PartyId("red"), true, "p"));
        submit.Events.Add(new EventAppend(new PartyId("red"), "probing.suspected", """{"n":1}""", Now));
        submit.Events.Add(new EventAppend(Blue, "operation.state", """{"n":2}""", Now));
        await CommitAsync(first, Agreement, withdraw, submit);
        await CommitAsync(first, Agreement, Declare("back", "new"));
        await CommitAsync(first, Other, Declare("elsewhere"));

        await using var write = await second.BeginWriteAsync(Agreement, Ct);
        Assert.Equal(3, write.Head);
        var changes = await write.ReadChangesAsync(Samples.Agreement, seen, Ct);
        Assert.NotNull(changes);
        Assert.Equal(3, changes.Head);
        Assert.False(changes.AgreementChanged);
        Assert.Equal(["back", "new"], changes.State.Zones.Select(z => z.Id.Value).Order(StringComparer.Ordinal));
        Assert.Equal(["gone"], changes.State.WithdrawnZones.Select(z => z.Value));
        Assert.Equal([operation.Id], changes.State.Operations.Select(o => o.Id));
        Assert.Equal([(Blue, "nonce-journal-000001", Now)], changes.Nonces);
        Assert.Equal(["r1"], changes.Touches.Select(t => t.Request));
        Assert.Equal(["probing.suspected", "operation.state"], changes.Events.Select(e => e.Type));

        // Read without a write (for a node's reads), the same changes.
        var unlocked = await second.ReadChangesAsync(Samples.Agreement, seen, Ct);
        Assert.NotNull(unlocked);
        Assert.Equal(3, unlocked.Head);
        Assert.Equal(changes.State.Zones.Select(z => z.Id), unlocked.State.Zones.Select(z => z.Id));
        Assert.Equal(changes.State.WithdrawnZones, unlocked.State.WithdrawnZones);
        Assert.Equal(changes.Nonces, unlocked.Nonces);
        Assert.Equal(changes.Events.Select(e => e.Sequence), unlocked.Events.Select(e => e.Sequence));

        // Up to date: nothing to catch up on; ahead of the store (restored from an older copy): load anew.
        var none = await write.ReadChangesAsync(Samples.Agreement, 3, Ct);
        Assert.NotNull(none);
        Assert.Empty(none.State.Zones);
        Assert.Empty(none.Events);
        Assert.Null(await write.ReadChangesAsync(Samples.Agreement, 7, Ct));
    }

    [Fact]
    public async Task a_recorded_agreement_text_is_reported_so_the_state_is_loaded_anew()
    {
        await using var store = await OpenAsync();
        await CommitAsync(store, Agreement, Declare("z1"));
        var agreementEntry = new CommitBuilder { Command = Decision.AgreementCommand, AgreementText = """{"id":"pact"}""" };
        agreementEntry.Ledger.Add(new LedgerAppend(0, [1, 2, 3], []));
        await CommitAsync(store, Agreement, agreementEntry);
        await using var write = await store.BeginWriteAsync(Agreement, Ct);
        var changes = await write.ReadChangesAsync(Samples.Agreement, 1, Ct);
        Assert.NotNull(changes);
        Assert.True(changes.AgreementChanged);
    }

    [Fact]
    public async Task a_write_waits_for_another_instances_write_on_the_same_agreement_but_not_on_another()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        var holding = await first.BeginWriteAsync(Agreement, Ct);
        var waiting = Task.Run(async () =>
        {
            await using var write = await second.BeginWriteAsync(Agreement, Ct);
            long head = write.Head;
            await write.CommitAsync([Declare("after")], Ct);
            return head;
        }, Ct);

        await WriterWaitingAsync();
        Assert.False(waiting.IsCompleted);
        await holding.CommitAsync([Declare("before")], Ct);
        await holding.DisposeAsync();

        // It saw the commit it waited for, and committed after it.
        Assert.Equal(1, await waiting.WaitAsync(TimeSpan.FromSeconds(20), Ct));
        Assert.Equal(2, await first.ReadHeadAsync(Agreement, Ct));
    }

    [Fact]
    public async Task a_shared_store_reports_commits_made_through_another_instance()
    {
        await using var watcher = await OpenAsync();
        await using var writer = await OpenAsync();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        if (!watcher.IsShared)
        {
            // A store no other process writes has nothing to report: the watch ends at once.
            await watcher.WatchCommitsAsync(_ => throw new InvalidOperationException("no report expected"), stop.Token).WaitAsync(TimeSpan.FromSeconds(5), Ct);
            return;
        }

        // PostgreSQL notifies commits database-wide, and other tests commit in schemas of their own meanwhile: this one
        // watches an agreement of its own.
        var watched = new AgreementId("watched-" + Guid.NewGuid().ToString("N"));
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reported = new TaskCompletionSource<(AgreementId, long)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = watcher.WatchCommitsAsync(c =>
        {
            if (c is { } commit)
            {
                if (commit.Agreement == watched)
                {
                    reported.TrySetResult(commit);
                }
            }
            else
            {
                listening.TrySetResult();
            }
        }, stop.Token);
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        await CommitAsync(writer, watched, Declare("z1"));
        Assert.Equal((watched, 1L), await reported.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct));
        await stop.CancelAsync();
        await watch.WaitAsync(TimeSpan.FromSeconds(20), Ct);
    }

    [Fact]
    public async Task a_lease_is_held_by_one_holder_at_a_time_renewed_by_it_and_taken_over_once_it_lapses()
    {
        // Two nodes reading one clock, driven by the test.
        var clock = new FakeTimeProvider(Now);
        await using var first = await OpenAsync(clock);
        await using var second = await OpenAsync(clock);
        Assert.True(await first.HoldLeaseAsync("job", "node-a", TimeSpan.FromSeconds(2), Ct));
        Assert.False(await second.HoldLeaseAsync("job", "node-b", TimeSpan.FromSeconds(2), Ct));
        Assert.True(await second.HoldLeaseAsync("other-job", "node-b", TimeSpan.FromSeconds(2), Ct));
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(await first.HoldLeaseAsync("job", "node-a", TimeSpan.FromSeconds(2), Ct));

        // Renewed at 1.5 s, the lease runs to 3.5 s: at 3 s it is still node-a's.
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.False(await second.HoldLeaseAsync("job", "node-b", TimeSpan.FromSeconds(30), Ct));

        // node-a stops renewing: once the lease lapses, node-b takes it, and node-a no longer has it.
        clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(await second.HoldLeaseAsync("job", "node-b", TimeSpan.FromSeconds(30), Ct));
        Assert.False(await first.HoldLeaseAsync("job", "node-a", TimeSpan.FromSeconds(30), Ct));
    }
}
