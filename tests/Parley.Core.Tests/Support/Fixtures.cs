using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Tests.Support;

/// <summary>Small builders for shapes, volumes, zones and operations.</summary>
internal static class Fixtures
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A closed ring from lon/lat pairs; the closing point is added.</summary>
    public static double[] Ring(params double[] lonLat)
    {
        var ring = new double[lonLat.Length + 2];
        lonLat.CopyTo(ring, 0);
        ring[^2] = lonLat[0];
        ring[^1] = lonLat[1];
        return ring;
    }

    /// <summary>A lon/lat rectangle as a polygon.</summary>
    public static Shape Box(double minX, double minY, double maxX, double maxY) =>
        Shape.Polygons([[Ring(minX, minY, maxX, minY, maxX, maxY, minX, maxY)]]);

    /// <summary>One polygon from its rings (shell first).</summary>
    public static Shape Polygon(params double[][] rings) => Shape.Polygons([rings]);

    /// <summary>Several polygons, each a single shell.</summary>
    public static Shape MultiPolygon(params double[][] shells) => Shape.Polygons([.. shells.Select(s => (IReadOnlyList<double[]>)[s])]);

    public static Volume Volume(
        Shape shape, double altMin = 0, double altMax = 1000, DateTimeOffset? start = null, DateTimeOffset? end = null, bool openEnded = false) =>
        new(shape, new AltitudeBand(altMin, altMax), new TimeWindow(start ?? T0, openEnded ? null : end ?? (start ?? T0).AddHours(2)));

    public static Zone Zone(string id, string owner, ZoneKind kind, Volume volume) =>
        new() { Id = new ZoneId(id), Owner = new PartyId(owner), Kind = kind, Volume = volume };

    public static Operation Operation(string id, string owner, string kind, Volume volume, OperationState state = OperationState.Proposed) =>
        new() { Id = new OperationId(id), Owner = new PartyId(owner), Kind = kind, Volume = volume, State = state };
}
