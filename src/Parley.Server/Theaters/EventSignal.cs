namespace Parley.Server.Theaters;

/// <summary>A broadcast wake-up: waiters take <see cref="Next"/>, and <see cref="Notify"/> completes it for all of them.</summary>
/// <remarks>
/// Carries no data: a woken reader reads the store from where it stopped, so a wake-up that comes between its
/// read and its wait is never lost (it took <see cref="Next"/> before reading). Thread-safe.
/// </remarks>
public sealed class EventSignal
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes at the next <see cref="Notify"/>.</summary>
    public Task Next
    {
        get
        {
            lock (_gate)
            {
                return _next.Task;
            }
        }
    }

    /// <summary>Wakes everyone waiting on <see cref="Next"/>.</summary>
    public void Notify()
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            done = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.TrySetResult();
    }
}

/// <summary>The outcome of a check or submission under the probing budget: its result, or how long to wait.</summary>
/// <param name="Result">The result, when it ran.</param>
/// <param name="RetryAfter">How long until the requester may ask again, when its budget is spent.</param>
public readonly record struct ProbeOutcome<T>(T? Result, TimeSpan? RetryAfter);
