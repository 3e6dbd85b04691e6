namespace Parley.Core.Features;

/// <summary>
/// Bounds the work of reading one input: its cancellation (a server request's time limit) is observed between
/// features, and every feature's vertices are charged to a budget before its rings are checked.
/// </summary>
/// <remarks>
/// A feature holds at most the agreement's vertex limit, so no reading runs on for longer than one feature's
/// checks once it is cancelled or its budget is spent. Called from several threads at once when a large input is
/// read in parallel: <paramref name="charge"/> must be thread-safe.
/// </remarks>
/// <param name="cancellation">Cancelled when the reading must stop (it then throws <see cref="OperationCanceledException"/>).</param>
/// <param name="charge">Charges a number of vertices, throwing when the budget cannot pay for them; null: no budget.</param>
/// <param name="maxParallelism">The most threads a large input is read on at once (1: only the calling thread); 0 or less: as many as there are cores.</param>
[Mutable("its cancellation token is cancelled from outside while a reading runs: that is what it is for")]
public sealed class ReadGuard(CancellationToken cancellation, Action<int>? charge = null, int maxParallelism = 0)
{
    private readonly CancellationToken _cancellation = cancellation;
    private readonly Action<int>? _charge = charge;

    /// <summary>No bound: never cancelled, no budget.</summary>
    public static ReadGuard None { get; } = new(CancellationToken.None);

    /// <summary>The most threads a large input is read on at once; 0 or less: as many as there are cores.</summary>
    public int MaxParallelism { get; } = maxParallelism;

    /// <summary>Observes the cancellation, then charges <paramref name="count"/> vertices (none: only the cancellation).</summary>
    /// <exception cref="OperationCanceledException">The reading was cancelled.</exception>
    public void Vertices(int count)
    {
        _cancellation.ThrowIfCancellationRequested();
        if (count > 0)
        {
            _charge?.Invoke(count);
        }
    }
}
