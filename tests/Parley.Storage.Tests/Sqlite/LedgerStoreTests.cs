using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Sqlite;

namespace Parley.Storage.Tests.Sqlite;

public sealed class LedgerStoreTests : IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "parley-ledger-store-" + Guid.NewGuid().ToString("N"));
    private static readonly AgreementId Agreement = new("a");

    private static ChangeSet Entry(long index)
    {
        var changes = new ChangeSet();
        changes.Ledger.Add(new LedgerAppend(index, System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{index}}}"), [[(byte)index]]));
        return changes;
    }

    private async Task<SqliteStore> OpenAsync()
    {
        var store = new SqliteStore(Path.Combine(_folder, "parley.db"));
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        return store;
    }

    private static async Task<List<LedgerRecord>> ReadAllAsync(SqliteStore store)
    {
        var records = new List<LedgerRecord>();
        await foreach (var r in store.ReadLedgerAsync(Agreement, 0, TestContext.Current.CancellationToken))
        {
            records.Add(r);
        }

        return records;
    }

    [Fact]
    public async Task a_batch_of_entries_lands_in_order_with_its_openings()
    {
        await using var store = await OpenAsync();
        await store.CommitBatchAsync(Agreement, [Entry(0), Entry(1), Entry(2)], TestContext.Current.CancellationToken);
        var records = await ReadAllAsync(store);
        Assert.Equal([0L, 1, 2], records.Select(r => r.Index));
        Assert.Equal([(byte)2], Assert.Single(records[2].Openings));
        Assert.Equal("{\"n\":1}", System.Text.Encoding.UTF8.GetString((await store.ReadLedgerEntryAsync(Agreement, 1, TestContext.Current.CancellationToken))!));
        Assert.Null(await store.ReadLedgerEntryAsync(Agreement, 3, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task a_batch_with_a_gap_writes_nothing_at_all()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement, Entry(0), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitBatchAsync(Agreement, [Entry(1), Entry(3)], TestContext.Current.CancellationToken));
        Assert.Equal([0L], (await ReadAllAsync(store)).Select(r => r.Index));
    }

    [Fact]
    public async Task an_entry_that_is_not_the_next_one_is_refused_so_two_writers_cannot_both_append_at_one_index()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement, Entry(0), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitAsync(Agreement, Entry(0), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task checkpoints_are_kept_per_size_and_a_signer_has_one_cosignature_per_checkpoint()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement, Entry(0), TestContext.Current.CancellationToken);
        await store.SaveCheckpointAsync(Agreement, 1, "note-1\n", TestContext.Current.CancellationToken);
        await store.SaveCheckpointAsync(Agreement, 1, "other\n", TestContext.Current.CancellationToken);
        await store.SetCosignatureAsync(Agreement, 1, "w+00000001", "— w AAAA", TestContext.Current.CancellationToken);
        await store.SetCosignatureAsync(Agreement, 1, "w+00000001", "— w BBBB", TestContext.Current.CancellationToken);
        await store.SetCosignatureAsync(Agreement, 1, "v+00000002", "— v CCCC", TestContext.Current.CancellationToken);
        Assert.Equal([(1L, "note-1\n")], await store.LoadCheckpointsAsync(Agreement, TestContext.Current.CancellationToken));
        Assert.Equal(["— v CCCC", "— w BBBB"], await store.LoadCosignaturesAsync(Agreement, 1, TestContext.Current.CancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
