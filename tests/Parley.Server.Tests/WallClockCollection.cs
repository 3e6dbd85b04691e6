namespace Parley.Server.Tests;

/// <summary>
/// Tests of the server's own time limits, which measure wall-clock time itself: they run alone, one at a time, so that
/// they measure the server and not the other tests sharing its cores.
/// </summary>
[CollectionDefinition(nameof(WallClockCollection), DisableParallelization = true)]
public sealed class WallClockCollection;
