using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Union;
using Parley.Core.Geometry;
using Parley.Interop.Geodesics;
using Parley.Interop.Import;

namespace Parley.Interop.Export;

/// <summary>
/// A footprint as polygons for tools that draw only polygons: polygons as declared (shells turned counter-clockwise,
/// holes clockwise), circles and corridors as geodesic outlines within <see cref="Arcs.MaxErrorMetres"/>.
/// </summary>
public static class Footprints
{
    /// <summary>Longest stretch of a corridor's line drawn as one piece, in metres.</summary>
    private const double PieceMetres = 5000;

    /// <summary>The polygons of <paramref name="shape"/>, each a list of closed rings, shell first.</summary>
    public static List<List<double[]>> Polygons(Shape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        switch (shape.Kind)
        {
            case ShapeKind.Point:
                return [[Arcs.Circle(shape.Paths[0][0], shape.Paths[0][1], shape.BufferMetres)]];
            case ShapeKind.Line:
                return Corridor(shape.Paths, shape.BufferMetres);
            default:
                var result = new List<List<double[]>>();
                for (int p = 0; p < shape.PolygonStarts.Count; p++)
                {
                    int end = p + 1 < shape.PolygonStarts.Count ? shape.PolygonStarts[p + 1] : shape.Paths.Count;
                    var rings = new List<double[]>();
                    for (int r = shape.PolygonStarts[p]; r < end; r++)
                    {
                        rings.Add(Oriented(shape.Paths[r], shell: r == shape.PolygonStarts[p]));
                    }

                    result.Add(rings);
                }

                return result;
        }
    }

    /// <summary>The ring turned counter-clockwise for a shell, clockwise for a hole (a copy when turned).</summary>
    public static double[] Oriented(double[] ring, bool shell)
    {
        if ((Rings.SignedArea(ring) > 0) == shell)
        {
            return ring;
        }

        var copy = new double[ring.Length];
        int n = ring.Length / 2;
        for (int i = 0; i < n; i++)
        {
            copy[2 * i] = ring[2 * (n - 1 - i)];
            copy[(2 * i) + 1] = ring[(2 * (n - 1 - i)) + 1];
        }

        return copy;
    }

    /// <summary>
    /// The outline of every point within <paramref name="halfWidth"/> of the lines: the union of a circle at every vertex
    /// and a geodesic band along every piece of at most <see cref="PieceMetres"/>.
    /// </summary>
    private static List<List<double[]>> Corridor(IReadOnlyList<double[]> lines, double halfWidth)
    {
        var factory = GeometryServices.Factory;
        var parts = new List<Geometry>();
        foreach (var line in lines)
        {
            for (int i = 0; i + 1 < line.Length; i += 2)
            {
                parts.Add(Polygon(factory, Arcs.Circle(line[i], line[i + 1], halfWidth)));
                if (i + 3 >= line.Length)
                {
                    continue;
                }

                var (length, bearing) = Ellipsoid.Inverse(line[i], line[i + 1], line[i + 2], line[i + 3]);
                int pieces = Math.Max(1, (int)Math.Ceiling(length / PieceMetres));
                var (ax, ay) = (line[i], line[i + 1]);
                for (int k = 1; k <= pieces; k++)
                {
                    var (bx, by) = k == pieces ? (line[i + 2], line[i + 3]) : Ellipsoid.Destination(line[i], line[i + 1], bearing, length * k / pieces);
                    double heading = Ellipsoid.Inverse(ax, ay, bx, by).BearingDegrees;
                    double back = Ellipsoid.Inverse(bx, by, ax, ay).BearingDegrees;
                    var a1 = Ellipsoid.Destination(ax, ay, heading - 90, halfWidth);
                    var a2 = Ellipsoid.Destination(ax, ay, heading + 90, halfWidth);
                    var b1 = Ellipsoid.Destination(bx, by, back + 90, halfWidth);
                    var b2 = Ellipsoid.Destination(bx, by, back - 90, halfWidth);
                    parts.Add(Polygon(factory, Oriented([a1.Lon, a1.Lat, b1.Lon, b1.Lat, b2.Lon, b2.Lat, a2.Lon, a2.Lat, a1.Lon, a1.Lat], shell: true)));
                    if (k < pieces)
                    {
                        parts.Add(Polygon(factory, Arcs.Circle(bx, by, halfWidth)));
                    }

                    (ax, ay) = (bx, by);
                }
            }
        }

        var union = CascadedPolygonUnion.Union(parts);
        var result = new List<List<double[]>>();
        for (int g = 0; g < union.NumGeometries; g++)
        {
            if (union.GetGeometryN(g) is Polygon polygon && !polygon.IsEmpty)
            {
                var rings = new List<double[]> { Oriented(Import.Outlines.Packed(polygon.Shell), shell: true) };
                rings.AddRange(polygon.Holes.Select(h => Oriented(Import.Outlines.Packed(h), shell: false)));
                result.Add(rings);
            }
        }

        return result;
    }

    private static Polygon Polygon(GeometryFactory factory, double[] ring)
    {
        var coordinates = new Coordinate[ring.Length / 2];
        for (int i = 0; i < coordinates.Length; i++)
        {
            coordinates[i] = new Coordinate(ring[2 * i], ring[(2 * i) + 1]);
        }

        return factory.CreatePolygon(coordinates);
    }
}
