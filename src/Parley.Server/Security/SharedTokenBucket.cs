using System.Threading.RateLimiting;
using Parley.Core.Ports;

namespace Parley.Server.Security;

/// <summary>
/// One party's request rate limit on a node whose store is shared: a token bucket kept in the store, drawn on by every
/// node. The node takes a few tokens at a time (a <i>chunk</i>) and spends them without asking the store again, so only
/// one request in a chunk waits for a round trip to the store.
/// </summary>
/// <remarks>
/// <para>
/// Tolerance, against one bucket of <c>capacity</c> and <c>perSecond</c>: every admitted request spent a token the
/// store handed out, and a node holds at most one chunk unspent (it takes more only for requests already waiting), so in any interval of length t the nodes together admit at
/// most <c>capacity + perSecond·t + N·chunk</c> requests (N nodes); a request is refused only when the store's bucket
/// holds no whole token, so no earlier than <c>capacity + perSecond·t − 1 − (N−1)·chunk</c> admitted. A refusal is
/// remembered until the store's bucket holds a token again, so a flood costs the store at most one round trip per node
/// per token refilled.
/// </para>
/// <para>
/// When the store cannot be reached, the node limits the party alone (its own bucket of the same size) for a few
/// seconds, then tries the store again. Thread-safe.
/// </para>
/// </remarks>
internal sealed class SharedTokenBucket : RateLimiter
{
    // How long the node limits alone after the store failed to answer.
    private static readonly TimeSpan AloneAfterFailure = TimeSpan.FromSeconds(5);

    // The most trips to the store one request waits for (each brings tokens for every request waiting).
    private const int MaxTrips = 20;

    // The shortest wait before asking an empty store again.
    private static readonly TimeSpan LeastEmptyWait = TimeSpan.FromMilliseconds(20);

    private readonly IRateBucketStore _store;
    private readonly string _bucket;
    private readonly double _perSecond;
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly TokenBucketRateLimiter _alone;
    private readonly Lock _gate = new();
    private int _held;
    private long _emptyUntil; // timestamp before which the store's bucket is known to be empty
    private long _aloneUntil; // timestamp before which this node limits alone
    private long _lastUsed;
    private int _waiting; // requests waiting for a trip to the store
    private Task? _refill;

    public SharedTokenBucket(IRateBucketStore store, string bucket, double perSecond, int capacity, TimeProvider time)
    {
        _store = store;
        _bucket = bucket;
        _perSecond = perSecond;
        _capacity = capacity;
        _time = time;
        Chunk = ChunkFor(capacity);
        _lastUsed = time.GetTimestamp();
        _alone = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = capacity,
            TokensPerPeriod = Math.Max(1, (int)Math.Round(perSecond)),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>The tokens a node takes from the store at a time: a twentieth of the bucket, at least 1 and at most 50.</summary>
    public static int ChunkFor(int capacity) => Math.Clamp(capacity / 20, 1, 50);

    /// <summary>The tokens this node takes at a time.</summary>
    public int Chunk { get; }

    /// <inheritdoc/>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_gate)
            {
                return _refill is null ? _time.GetElapsedTime(_lastUsed) : null;
            }
        }
    }

    /// <inheritdoc/>
    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            return new RateLimiterStatistics { CurrentAvailablePermits = _held };
        }
    }

    /// <inheritdoc/>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            _lastUsed = now;
            if (now < _aloneUntil)
            {
                return _alone.AttemptAcquire(permitCount);
            }

            if (_held >= permitCount)
            {
                _held -= permitCount;
                return Lease.Granted;
            }

            // The caller then waits in AcquireAsyncCore, which asks the store.
            return now < _emptyUntil ? Lease.Refused(_time.GetElapsedTime(now, _emptyUntil)) : Lease.Refused(null);
        }
    }

    /// <inheritdoc/>
    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        if (permitCount > _capacity)
        {
            return Lease.Refused(null);
        }

        lock (_gate)
        {
            _waiting++;
        }

        try
        {
            // Until this request gets a token or the store's bucket is empty: a trip that brought tokens others took is
            // followed by another, so a refusal always means the store had none.
            for (int trip = 0; ; trip++)
            {
                Task refill;
                long now = _time.GetTimestamp();
                lock (_gate)
                {
                    _lastUsed = now;
                    if (now < _aloneUntil)
                    {
                        return _alone.AttemptAcquire(permitCount);
                    }

                    if (_held >= permitCount)
                    {
                        _held -= permitCount;
                        return Lease.Granted;
                    }

                    if (now < _emptyUntil || trip == MaxTrips)
                    {
                        return Lease.Refused(now < _emptyUntil ? _time.GetElapsedTime(now, _emptyUntil) : null);
                    }

                    // One trip to the store at a time per party, for every request waiting: they share what it brings.
                    refill = _refill ??= RefillAsync(Math.Max(Chunk, _waiting * permitCount));
                }

                await refill.WaitAsync(cancellationToken);
            }
        }
        finally
        {
            lock (_gate)
            {
                _waiting--;
            }
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _alone.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task RefillAsync(int wanted)
    {
        // Return to the caller (who holds the gate and keeps this task as the trip under way) before anything else: a
        // trip that finished at once would clear _refill before the caller set it, and no trip would follow.
        await Task.Yield();
        TokenGrant grant;
        try
        {
            grant = await _store.TakeTokensAsync(_bucket, wanted, _perSecond, _capacity, _time.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            lock (_gate)
            {
                _aloneUntil = _time.GetTimestamp() + Ticks(AloneAfterFailure);
                _refill = null;
            }

            return;
        }

        lock (_gate)
        {
            _held += grant.Granted;
            if (grant.Granted < wanted)
            {
                var wait = grant.NextToken < LeastEmptyWait ? LeastEmptyWait : grant.NextToken > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : grant.NextToken;
                _emptyUntil = _time.GetTimestamp() + Ticks(wait);
            }

            _refill = null;
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>A lease that holds nothing to give back (tokens are spent, not returned).</summary>
    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public static Lease Refused(TimeSpan? retryAfter) => new(false, retryAfter);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
