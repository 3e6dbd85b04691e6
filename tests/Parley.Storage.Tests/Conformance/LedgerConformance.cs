using Parley.Tests.Support;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Storage.Tests.Conformance;

/// <summary>The ledger: consecutive entries with their openings, checkpoints and cosignatures.</summary>
public abstract class LedgerConformance(IStoreBackend backend) : ConformanceTest(backend)
{
    private static readonly AgreementId Agreement = new("a");

    private static CommitBuilder Entry(long index)
    {
        var changes = new CommitBuilder();
        changes.Ledger.Add(new LedgerAppend(index, System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{index}}}"), [[(byte)index]]));
        return changes;
    }

    private static async Task<List<LedgerRecord>> ReadAllAsync(IParleyStore store)
    {
        var records = new List<LedgerRecord>();
        await foreach (var r in store.ReadLedgerAsync(Agreement, 0, Ct))
        {
            records.Add(r);
        }

        return records;
    }

    [Fact]
    public async Task a_batch_of_entries_lands_in_order_with_its_openings()
    {
        await using var store = await OpenAsync();
        await store.CommitBatchAsync(Agreement, [Entry(0), Entry(1), Entry(2)], Ct);
        var records = await ReadAllAsync(store);
        Assert.Equal([0L, 1, 2], records.Select(r => r.Index));
        Assert.Equal([(byte)2], Assert.Single(records[2].Openings));
        Assert.Equal("{\"n\":1}", System.Text.Encoding.UTF8.GetString((await store.ReadLedgerEntryAsync(Agreement, 1, Ct))!));
        Assert.Null(await store.ReadLedgerEntryAsync(Agreement, 3, Ct));
    }

    [Fact]
    public async Task a_batch_with_a_gap_writes_nothing_at_all()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement, Entry(0), Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitBatchAsync(Agreement, [Entry(1), Entry(3)], Ct));
        Assert.Equal([0L], (await ReadAllAsync(store)).Select(r => r.Index));
    }

    [Fact]
    public async Task a_batch_that_does_not_start_at_the_ledger_size_is_refused_with_everything_else_it_held()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement, Entry(0), Ct);
        long head = await store.ReadHeadAsync(Agreement, Ct);

        var first = new CommitBuilder();
        first.Events.Add(new EventAppend(new PartyId("red"), "zone.changed", "{}", DateTimeOffset.UnixEpoch));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitBatchAsync(Agreement, [first, Entry(2), Entry(3)], Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitAsync(Agreement, Entry(5), Ct));

        Assert.Equal([0L], (await ReadAllAsync(store)).Select(r => r.Index));
        Assert.Empty(await store.ReadEventsAsync(Agreement, null, 0, 10, Ct));
        Assert.Equal(head, await store.ReadHeadAsync(Agreement, Ct));
    }

    [Fact]
    public async Task an_entry_that_is_not_the_next_one_is_refused_so_two_writers_cannot_both_append_at_one_index()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement, Entry(0), Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitAsync(Agreement, Entry(0), Ct));
    }

    [Fact]
    public async Task checkpoints_are_kept_per_size_and_a_signer_has_one_cosignature_per_checkpoint()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement, Entry(0), Ct);
        await store.SaveCheckpointAsync(Agreement, 1, "note-1\n", Ct);
        await store.SaveCheckpointAsync(Agreement, 1, "other\n", Ct);
        await store.SetCosignatureAsync(Agreement, 1, "w+00000001", "— w AAAA", Ct);
        await store.SetCosignatureAsync(Agreement, 1, "w+00000001", "— w BBBB", Ct);
        await store.SetCosignatureAsync(Agreement, 1, "v+00000002", "— v CCCC", Ct);
        Assert.Equal([(1L, "note-1\n")], await store.LoadCheckpointsAsync(Agreement, Ct));
        Assert.Equal(["— v CCCC", "— w BBBB"], await store.LoadCosignaturesAsync(Agreement, 1, Ct));
    }

    [Fact]
    public async Task two_stores_racing_for_one_index_append_it_once_and_the_others_are_refused()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await first.CommitAsync(Agreement, Entry(0), Ct);

        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await (i % 2 == 0 ? first : second).CommitAsync(Agreement, Entry(1), Ct);
                return true;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }, Ct)).ToList();
        var landed = await Task.WhenAll(attempts);

        Assert.Equal(1, landed.Count(l => l));
        Assert.Equal([0L, 1], (await ReadAllAsync(second)).Select(r => r.Index));
    }

    [Fact]
    public async Task entries_read_from_an_index_and_survive_reopening()
    {
        await using (var store = await OpenAsync())
        {
            await store.CommitBatchAsync(Agreement, [Entry(0), Entry(1), Entry(2), Entry(3)], Ct);
        }

        await using var reopened = await OpenAsync();
        var records = new List<LedgerRecord>();
        await foreach (var r in reopened.ReadLedgerAsync(Agreement, 2, Ct))
        {
            records.Add(r);
        }

        Assert.Equal([2L, 3], records.Select(r => r.Index));
        Assert.Equal([(byte)3], Assert.Single(records[1].Openings));
        Assert.Empty(await ToListAsync(reopened.ReadLedgerAsync(new AgreementId("other"), 0, Ct)));
    }

    private static async Task<List<LedgerRecord>> ToListAsync(IAsyncEnumerable<LedgerRecord> records)
    {
        var list = new List<LedgerRecord>();
        await foreach (var r in records)
        {
            list.Add(r);
        }

        return list;
    }
}
