using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Valid;
using Parley.Core.Geometry;

namespace Parley.Core.Features;

/// <summary>Validity of rings and polygons (OGC simple-feature rules, edges straight in lon/lat).</summary>
internal static class RingCheck
{
    private const int QuadraticLimit = 256;

    /// <summary>Null when the ring is simple; otherwise where it crosses or touches itself.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static string? SelfIntersection(double[] ring)
    {
        int n = (ring.Length / 2) - 1; // segments
        if (n > QuadraticLimit)
        {
            var error = new IsValidOp(GeometryServices.Factory.CreatePolygon(ToCoordinates(ring))).ValidationError;
            return error is null ? null : Describe(error);
        }

        // Each segment's box, once: most pairs of segments are told apart by their boxes alone, as
        // Planar.SegmentsIntersect would tell them apart first.
        Span<double> boxes = stackalloc double[4 * Math.Max(0, n)];
        for (int i = 0; i < n; i++)
        {
            boxes[4 * i] = Math.Min(ring[2 * i], ring[(2 * i) + 2]);
            boxes[(4 * i) + 1] = Math.Min(ring[(2 * i) + 1], ring[(2 * i) + 3]);
            boxes[(4 * i) + 2] = Math.Max(ring[2 * i], ring[(2 * i) + 2]);
            boxes[(4 * i) + 3] = Math.Max(ring[(2 * i) + 1], ring[(2 * i) + 3]);
        }

        for (int i = 0; i < n; i++)
        {
            double ax = ring[2 * i], ay = ring[(2 * i) + 1], bx = ring[(2 * i) + 2], by = ring[(2 * i) + 3];
            for (int j = i + 1; j < n; j++)
            {
                bool next = j == i + 1, wrap = i == 0 && j == n - 1;
                if (!next && !wrap &&
                    (boxes[(4 * i) + 2] < boxes[4 * j] || boxes[(4 * j) + 2] < boxes[4 * i] ||
                     boxes[(4 * i) + 3] < boxes[(4 * j) + 1] || boxes[(4 * j) + 3] < boxes[(4 * i) + 1]))
                {
                    continue; // boxes apart: no contact
                }

                double cx = ring[2 * j], cy = ring[(2 * j) + 1], dx = ring[(2 * j) + 2], dy = ring[(2 * j) + 3];
                if (next || wrap)
                {
                    // Adjacent edges share one vertex; they must not fold back over each other.
                    var (px, py, qx, qy, rx, ry) = next ? (ax, ay, bx, by, dx, dy) : (cx, cy, ax, ay, bx, by);
                    if (Planar.Orientation(px, py, qx, qy, rx, ry) == 0 &&
                        (Planar.OnSegment(px, py, qx, qy, rx, ry) || Planar.OnSegment(qx, qy, rx, ry, px, py)))
                    {
                        return $"the ring folds back on itself at ({qx}, {qy})";
                    }

                    continue;
                }

                if (Planar.SegmentsIntersect(ax, ay, bx, by, cx, cy, dx, dy))
                {
                    return $"the ring crosses or touches itself near ({cx}, {cy})";
                }
            }
        }

        return null;
    }

    /// <summary>Null when the polygons (shells, holes, and their arrangement) are valid.</summary>
    public static string? PolygonsError(IReadOnlyList<IReadOnlyList<double[]>> polygons)
    {
        var f = GeometryServices.Factory;
        var parts = polygons.Select(rings => f.CreatePolygon(
            f.CreateLinearRing(ToCoordinates(rings[0])),
            [.. rings.Skip(1).Select(r => f.CreateLinearRing(ToCoordinates(r)))])).ToArray();
        NetTopologySuite.Geometries.Geometry g = parts.Length == 1 ? parts[0] : f.CreateMultiPolygon(parts);
        var error = new IsValidOp(g).ValidationError;
        return error is null ? null : Describe(error);
    }

    private static string Describe(TopologyValidationError error) =>
        error.Coordinate is { } c ? $"{error.Message.ToLowerInvariant()} at ({c.X}, {c.Y})" : error.Message.ToLowerInvariant();

    private static Coordinate[] ToCoordinates(double[] packed)
    {
        var coordinates = new Coordinate[packed.Length / 2];
        for (int i = 0; i < coordinates.Length; i++)
        {
            coordinates[i] = new Coordinate(packed[2 * i], packed[(2 * i) + 1]);
        }

        return coordinates;
    }
}
