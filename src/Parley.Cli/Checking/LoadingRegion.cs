using System.Runtime;

namespace Parley.Cli.Checking;

/// <summary>
/// While <c>parley check</c> reads and indexes, it keeps nearly everything it allocates (the zones, the operations,
/// their index): a collection then finds almost nothing to free and copies the survivors from one generation to the
/// next. Up to a budget in proportion to the input, this asks the runtime for no collection until disposed.
/// </summary>
internal sealed class LoadingRegion : IDisposable
{
    // What reading and indexing allocate, per byte of GeoJSON read (about 1.2 for the benchmark's theater), with room to spare.
    private const double BytesPerInputByte = 2.5;
    private const long MinimumBytes = 64L << 20;
    private const long MaximumBytes = 8L << 30;

    private readonly bool _started;

    private LoadingRegion(bool started) => _started = started;

    /// <summary>Asks for no collection while about <paramref name="inputBytes"/> of GeoJSON are read and indexed; does nothing when the runtime cannot grant it.</summary>
    public static LoadingRegion Begin(long inputBytes)
    {
        long budget = Math.Clamp((long)(inputBytes * BytesPerInputByte), MinimumBytes, MaximumBytes);
        try
        {
            return new LoadingRegion(GC.TryStartNoGCRegion(budget));
        }
        catch (ArgumentOutOfRangeException)
        {
            return new LoadingRegion(false); // more than the runtime grants at once: collections as usual
        }
    }

    /// <summary>Lets collections run again (if the budget ran out, they already have).</summary>
    public void Dispose()
    {
        if (_started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            GC.EndNoGCRegion();
        }
    }
}
