using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Utilities;
using Parley.Core.Geometry;

namespace Parley.Interop.Import;

/// <summary>Polygon outlines made ready for Parley: rings normalized and, when a ring touches or crosses itself, repaired.</summary>
internal static class Outlines
{
    /// <summary>
    /// The polygons with normalized rings (<see cref="Rings.Normalize"/>). A ring that collapses is kept as given, so that
    /// the check names it. An outline that is not a valid polygon (a ring through one vertex twice, the keyhole some
    /// national files draw instead of a hole; a ring that crosses itself) is rebuilt by NetTopologySuite's fixer into
    /// the valid polygons covering the same area, and <paramref name="repaired"/> says so. Null when a ring has fewer
    /// than three distinct vertices.
    /// </summary>
    public static List<List<double[]>>? Prepare(IReadOnlyList<IReadOnlyList<double[]>> parts, out string? repaired)
    {
        repaired = null;
        var result = new List<List<double[]>>();
        bool collapsed = false;
        foreach (var part in parts)
        {
            var rings = new List<double[]>();
            for (int r = 0; r < part.Count; r++)
            {
                var ring = Rings.Normalize(part[r], shell: r == 0);
                collapsed |= ring is null;
                rings.Add(ring ?? part[r]);
            }

            result.Add(rings);
        }

        if (collapsed)
        {
            return null;
        }

        var factory = GeometryServices.Factory;
        var polygons = result.Select(rings => factory.CreatePolygon(
            factory.CreateLinearRing(Coordinates(rings[0])), [.. rings.Skip(1).Select(h => factory.CreateLinearRing(Coordinates(h)))])).ToArray();
        Geometry geometry = polygons.Length == 1 ? polygons[0] : factory.CreateMultiPolygon(polygons);
        if (geometry.IsValid)
        {
            return result;
        }

        var fixedGeometry = GeometryFixer.Fix(geometry);
        var fixedParts = new List<List<double[]>>();
        for (int i = 0; i < fixedGeometry.NumGeometries; i++)
        {
            if (fixedGeometry.GetGeometryN(i) is not Polygon polygon || polygon.IsEmpty)
            {
                continue;
            }

            var rings = new List<double[]> { Rings.Normalize(Packed(polygon.Shell), shell: true) ?? Packed(polygon.Shell) };
            rings.AddRange(polygon.Holes.Select(h => Rings.Normalize(Packed(h), shell: false) ?? Packed(h)));
            fixedParts.Add(rings);
        }

        if (fixedParts.Count == 0)
        {
            return result; // nothing left: let the check refuse the original
        }

        int holes = fixedParts.Sum(p => p.Count - 1);
        repaired = $"the outline touches or crosses itself: drawn as {fixedParts.Count} polygon{(fixedParts.Count == 1 ? "" : "s")}" +
            (holes > 0 ? $" with {holes} hole{(holes == 1 ? "" : "s")}" : "") + " covering the same area";
        return fixedParts;
    }

    private static Coordinate[] Coordinates(double[] packed)
    {
        var coordinates = new Coordinate[packed.Length / 2];
        for (int i = 0; i < coordinates.Length; i++)
        {
            coordinates[i] = new Coordinate(packed[2 * i], packed[(2 * i) + 1]);
        }

        return coordinates;
    }

    /// <summary>A ring's coordinates packed x0,y0,x1,y1,… as Parley's shapes keep them.</summary>
    internal static double[] Packed(LineString ring)
    {
        var packed = new double[ring.NumPoints * 2];
        for (int i = 0; i < ring.NumPoints; i++)
        {
            var c = ring.GetCoordinateN(i);
            packed[2 * i] = c.X;
            packed[(2 * i) + 1] = c.Y;
        }

        return packed;
    }
}
