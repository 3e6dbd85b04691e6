using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Tests.Support;

/// <summary>A query of an index: a volume and how far around it.</summary>
public sealed record IndexProbe(Volume Volume, double LateralMetres, double VerticalMetres);

/// <summary>The brute-force model the index property tests compare against: the exact predicate, entry by entry.</summary>
public static class IndexOracle
{
    /// <summary>Whether an entry's volume is within the probe's reach while their windows overlap.</summary>
    public static bool Matches(Volume entry, IndexProbe probe) =>
        entry.Time.Overlaps(probe.Volume.Time) &&
        entry.Altitude.GapTo(probe.Volume.Altitude) <= probe.VerticalMetres &&
        ShapeRelations.WithinDistance(probe.Volume.Footprint, entry.Footprint, probe.LateralMetres);
}
