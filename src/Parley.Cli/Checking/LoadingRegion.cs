using System.Runtime;

namespace Parley.Cli.Checking;

/// <summary>
/// While <c>parley check</c> reads and indexes, it keeps nearly everything it allocates (the zones, the operations,
/// their index): a collection then finds almost nothing to free and copies the survivors from one generation to the
/// next. Up to a budget in proportion to the input, this asks the runtime for no collection until disposed.
/// </summary>
/// <remarks>The region is the whole process's: in a process that holds one already, a check goes without.</remarks>
internal sealed class LoadingRegion : IDisposable
{
    // What reading and indexing allocate, per byte of GeoJSON read (about 1.2 for the benchmark's theater), with room to spare.
    private const double BytesPerInputByte = 2.5;
    private const long MinimumBytes = 64L << 20;
    private const long MaximumBytes = 8L << 30;

    private static int s_held;

    private readonly bool _started;

    private LoadingRegion(bool started) => _started = started;

    /// <summary>Asks for no collection while about <paramref name="inputBytes"/> of GeoJSON are read and indexed; does nothing when the runtime cannot grant it.</summary>
    public static LoadingRegion Begin(long inputBytes)
    {
        // Asking while the process is in a region already ends that region (and is refused): one check of a process
        // holds the region at a time, and none asks while a holder of its own (an embedding host) is in one.
        if (Interlocked.CompareExchange(ref s_held, 1, 0) != 0)
        {
            return new LoadingRegion(false);
        }

        bool started = false;
        try
        {
            long budget = Math.Clamp((long)(inputBytes * BytesPerInputByte), MinimumBytes, MaximumBytes);
            started = GCSettings.LatencyMode != GCLatencyMode.NoGCRegion && GC.TryStartNoGCRegion(budget);
        }
        catch (ArgumentOutOfRangeException)
        {
            // more than the runtime grants at once: collections as usual
        }
        catch (InvalidOperationException)
        {
            // a region began elsewhere between the look and the call
        }
        finally
        {
            if (!started)
            {
                Volatile.Write(ref s_held, 0);
            }
        }

        return new LoadingRegion(started);
    }

    /// <summary>Lets collections run again (if the budget ran out, they already have).</summary>
    public void Dispose()
    {
        if (!_started)
        {
            return;
        }

        try
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }
        catch (InvalidOperationException)
        {
            // The region ended between the look and the call (its budget spent, or a collection induced elsewhere).
        }
        finally
        {
            Volatile.Write(ref s_held, 0);
        }
    }
}
