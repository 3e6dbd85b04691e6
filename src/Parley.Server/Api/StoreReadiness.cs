using Parley.Core.Ports;

namespace Parley.Server.Api;

/// <summary>
/// Whether the store answers now, for <c>/health/ready</c>: a load balancer takes a node whose database it cannot
/// reach out of rotation, and puts it back once it can; the process itself stays up and recovers on its own.
/// </summary>
/// <remarks>
/// The route is anonymous and not rate-limited, so one probe of the store is shared by every call within
/// <see cref="CacheFor"/>, and concurrent calls wait for the same probe. Thread-safe.
/// </remarks>
internal sealed class StoreReadiness(IParleyStore store, TimeProvider time)
{
    /// <summary>How long one probe's answer is reused.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    /// <summary>Longest a probe may take before the store counts as unreachable.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _probe = new(1, 1);
    private (DateTimeOffset At, bool Ready)? _last;

    /// <summary>Whether the store answered a small read (the agreements' texts) within <see cref="ProbeTimeout"/>, without error.</summary>
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        await _probe.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (_last is { } last && now - last.At < CacheFor)
            {
                return last.Ready;
            }

            bool ready;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            try
            {
                await store.LoadAgreementsAsync(timeout.Token);
                ready = true;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Unreachable, too slow, or failing in any other way: not ready to serve writes either way.
                ready = false;
            }

            _last = (time.GetUtcNow(), ready);
            return ready;
        }
        finally
        {
            _probe.Release();
        }
    }
}
