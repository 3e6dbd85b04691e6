namespace Parley.Core.Ports;

/// <summary>What a shared token bucket granted: tokens taken, and when the next whole token will be there if none were left.</summary>
/// <param name="Granted">Tokens taken (0 up to the number wanted).</param>
/// <param name="NextToken">How long until the bucket holds a whole token again; zero when it still holds one.</param>
public readonly record struct TokenGrant(int Granted, TimeSpan NextToken);

/// <summary>
/// Token buckets kept in the store, so that every node sharing it draws on one bucket per key: request rate limits that
/// hold across nodes. Nodes take tokens a few at a time (never one per request) and spend them locally.
/// </summary>
/// <remarks>
/// A bucket holds at most <c>capacity</c> tokens and gains <c>perSecond</c> tokens a second, counted from the latest time
/// any caller passed (a clock behind that adds nothing, never takes away). Only a store shared by several processes
/// implements it; implementations are safe to call from several threads and processes.
/// </remarks>
public interface IRateBucketStore
{
    /// <summary>
    /// Takes up to <paramref name="wanted"/> whole tokens from the bucket <paramref name="bucket"/> at <paramref name="now"/>,
    /// a bucket first seen being full: atomically, so two callers never take the same token.
    /// </summary>
    Task<TokenGrant> TakeTokensAsync(string bucket, int wanted, double perSecond, int capacity, DateTimeOffset now, CancellationToken cancellationToken = default);
}
