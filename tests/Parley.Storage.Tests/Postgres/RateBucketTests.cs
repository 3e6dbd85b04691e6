using Parley.Core.Ports;
using Parley.Storage.Tests.Conformance;

namespace Parley.Storage.Tests.Postgres;

/// <summary>The shared token buckets of request rate limits: one bucket per key for every node, refilled at its rate.</summary>
[Trait("Lane", "Slow")]
public sealed class RateBucketTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly PostgresBackend _backend = new();
    private readonly List<IParleyStore> _opened = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }

        await _backend.DisposeAsync();
    }

    private async Task<IRateBucketStore> OpenAsync()
    {
        var store = await _backend.OpenAsync(Ct);
        _opened.Add(store);
        return (IRateBucketStore)store;
    }

    [Fact]
    public async Task a_bucket_first_seen_is_full_and_hands_out_no_more_than_it_holds()
    {
        var store = await OpenAsync();
        var grants = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            grants.Add((await store.TakeTokensAsync("party\nhot\nred", 4, perSecond: 2, capacity: 10, Now, Ct)).Granted);
        }

        Assert.Equal([4, 4, 2, 0], grants);
        var empty = await store.TakeTokensAsync("party\nhot\nred", 4, 2, 10, Now, Ct);
        Assert.Equal(new TokenGrant(0, TimeSpan.FromSeconds(0.5)), empty);

        // Another key has a bucket of its own.
        Assert.Equal(4, (await store.TakeTokensAsync("party\nhot\nblue", 4, 2, 10, Now, Ct)).Granted);
    }

    [Fact]
    public async Task a_bucket_refills_at_its_rate_up_to_its_capacity_and_a_clock_behind_adds_nothing()
    {
        var store = await OpenAsync();
        Assert.Equal(10, (await store.TakeTokensAsync("k", 10, 2, 10, Now, Ct)).Granted);

        // 1.5 s at 2 a second: 3 tokens.
        Assert.Equal(3, (await store.TakeTokensAsync("k", 10, 2, 10, Now.AddSeconds(1.5), Ct)).Granted);

        // A node whose clock is a second behind gets nothing more, and takes nothing away.
        var behind = await store.TakeTokensAsync("k", 10, 2, 10, Now.AddSeconds(0.5), Ct);
        Assert.Equal(0, behind.Granted);
        Assert.Equal(TimeSpan.FromSeconds(0.5), behind.NextToken);

        // A fraction is kept: 0.25 s gives half a token, another 0.25 s the whole one.
        Assert.Equal(0, (await store.TakeTokensAsync("k", 1, 2, 10, Now.AddSeconds(1.75), Ct)).Granted);
        Assert.Equal(1, (await store.TakeTokensAsync("k", 1, 2, 10, Now.AddSeconds(2), Ct)).Granted);

        // An hour later the bucket is full, not fuller.
        Assert.Equal(10, (await store.TakeTokensAsync("k", 50, 2, 10, Now.AddHours(1), Ct)).Granted);
    }

    [Fact]
    public async Task takers_on_several_connections_at_once_never_take_one_token_twice()
    {
        var stores = new List<IRateBucketStore>();
        for (int i = 0; i < 3; i++)
        {
            stores.Add(await OpenAsync());
        }

        var taken = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(async () =>
            (await stores[i % 3].TakeTokensAsync("flood", 3, 0, 100, Now, Ct)).Granted, Ct)));

        Assert.Equal(100, taken.Sum());
        Assert.All(taken, t => Assert.InRange(t, 0, 3));
    }
}
