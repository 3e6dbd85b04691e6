using System.Collections.Concurrent;
using Parley.Core.Features;
using Parley.Core.Ports;
using Parley.Server.Configuration;

namespace Parley.Server.Security;

/// <summary>
/// Bounds the validation work one party can make the server do: its bodies are read one at a time, and their
/// vertices are charged to a budget that refills at <see cref="ParleyServerOptions.ValidationVerticesPerMinute"/>.
/// </summary>
/// <remarks>
/// A party may start a feature while its budget is above zero; the feature's vertices may take it below, and the
/// party then waits (429 with Retry-After) until the refill brings it back above zero. One party's bodies are read
/// one after another (others wait without holding a thread), each on one thread, so a party's large declarations
/// use at most one core at a time and other parties' requests keep the others. A large body is read on a thread of
/// its own, never one of the pool's that serve other requests. The canonical form a signature covers is made the
/// same way. When several nodes share the store, the budget is one per party across them (<see cref="SharedBudget"/>).
/// Thread-safe.
/// </remarks>
internal sealed class ValidationBudgets(ParleyServerOptions options, TimeProvider time, IParleyStore store)
{
    private readonly IRateBucketStore? _shared = store is { IsShared: true } and IRateBucketStore shared ? shared : null;

    /// <summary>From this size on, a body is read on a thread of its own.</summary>
    public const int LargeBodyBytes = 256 * 1024;

    private readonly ConcurrentDictionary<(string Agreement, string Party), Bucket> _buckets = new();
    private readonly ConcurrentDictionary<(string Agreement, string Party), SharedBudget> _sharedBuckets = new();
    private readonly ConcurrentDictionary<(string Agreement, string Party), SemaphoreSlim> _gates = new();

    /// <summary>
    /// Runs <paramref name="read"/> for <paramref name="caller"/> under a guard that observes <paramref name="cancellation"/>
    /// and charges the party's budget, once no other body of the party is being read.
    /// </summary>
    /// <exception cref="ValidationBudgetSpentException">The party's budget is spent.</exception>
    /// <exception cref="OperationCanceledException">The request's time limit passed or it was aborted.</exception>
    public async Task<T> ReadAsync<T>(Caller caller, int bodyBytes, Func<ReadGuard, T> read, CancellationToken cancellation)
    {
        var key = (caller.Agreement.Id.Value, caller.Party.Value);
        var gate = _gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellation);
        try
        {
            // One thread per reading: a party's large body never takes every core, nor threads of the pool.
            var guard = options.ValidationVerticesPerMinute > 0
                ? new ReadGuard(cancellation, Charger(key), maxParallelism: 1)
                : new ReadGuard(cancellation, maxParallelism: 1);
            if (bodyBytes < LargeBodyBytes)
            {
                return read(guard);
            }

            return await Task.Factory.StartNew(() => read(guard), cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            gate.Release();
        }
    }

    private Action<int> Charger((string Agreement, string Party) key)
    {
        var alone = _buckets.GetOrAdd(key, _ => new Bucket(options.ValidationVerticesPerMinute, time.GetTimestamp()));
        if (_shared is null)
        {
            return n => alone.Charge(n, time);
        }

        var shared = _sharedBuckets.GetOrAdd(key, k => new SharedBudget(_shared, $"validation\n{k.Agreement}\n{k.Party}", options.ValidationVerticesPerMinute, time, alone));
        return shared.Charge;
    }

    /// <summary>
    /// A party's budget kept in the shared store: one bucket of a minute's vertices for every node. The node takes
    /// vertices from it a chunk at a time (a twentieth of the budget, at most 50,000) and spends them without asking
    /// again; a feature that takes the node below zero is owed, and paid first from the next chunk.
    /// </summary>
    /// <remarks>
    /// Tolerance, against one bucket: in any minute the nodes together validate at most the budget, its refill, one
    /// chunk per node and one feature per node more. The store is asked on the reading thread (a large body's own).
    /// While the store cannot be reached, the node charges its own bucket of the same size. Only one body of a party is
    /// read at a time on a node, so no two threads charge one budget at once; the lock keeps it safe regardless.
    /// </remarks>
    internal sealed class SharedBudget(IRateBucketStore store, string bucket, int perMinute, TimeProvider time, Bucket alone)
    {
        private readonly Lock _lock = new();
        private double _held;

        /// <summary>The vertices a node takes from the store at a time.</summary>
        public int Chunk { get; } = Math.Clamp(perMinute / 20, 1, 50_000);

        /// <summary>Charges <paramref name="count"/> vertices: allowed while the node holds vertices of the party, or the store gives more.</summary>
        /// <exception cref="ValidationBudgetSpentException">Neither the node nor the store holds any.</exception>
        public void Charge(int count)
        {
            lock (_lock)
            {
                if (_held > 0)
                {
                    _held -= count;
                    return;
                }
            }

            double rate = perMinute / 60.0;
            int owed = (int)Math.Ceiling(-_held);
            TokenGrant grant;
            try
            {
                grant = store.TakeTokensAsync(bucket, Math.Min(perMinute, Chunk + owed), rate, perMinute, time.GetUtcNow()).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The store could not answer: the node charges the party's budget alone, as the rate limit does.
                alone.Charge(count, time);
                return;
            }

            lock (_lock)
            {
                _held += grant.Granted;
                if (_held <= 0)
                {
                    throw new ValidationBudgetSpentException(perMinute, TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((1 - _held) / rate))));
                }

                _held -= count;
            }
        }
    }

    /// <summary>A party's budget: vertices that refill continuously up to a minute's worth.</summary>
    internal sealed class Bucket(int perMinute, long now)
    {
        private readonly Lock _lock = new();
        private double _vertices = perMinute;
        private long _updated = now;

        public void Charge(int count, TimeProvider time)
        {
            lock (_lock)
            {
                long stamp = time.GetTimestamp();
                double rate = perMinute / 60.0; // per second
                _vertices = Math.Min(perMinute, _vertices + (time.GetElapsedTime(_updated, stamp).TotalSeconds * rate));
                _updated = stamp;
                if (_vertices <= 0)
                {
                    throw new ValidationBudgetSpentException(perMinute, TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((1 - _vertices) / rate))));
                }

                _vertices -= count;
            }
        }
    }
}

/// <summary>A party's budget of validation work is spent: answered 429 with Retry-After.</summary>
internal sealed class ValidationBudgetSpentException(int perMinute, TimeSpan retryAfter)
    : Exception($"this party's validation budget ({perMinute:N0} vertices a minute) is spent: retry after {retryAfter.TotalSeconds:N0} s")
{
    /// <summary>The budget's refill, in vertices per minute.</summary>
    public int PerMinute { get; } = perMinute;

    /// <summary>When the budget is above zero again.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}
