using NetTopologySuite.Geometries;
using Parley.Core.Geometry;

namespace Parley.Core.Tests.Support;

/// <summary>
/// A brute-force model of containment: a footprint is sampled (its boundary densely, its inside on a scatter) and each
/// sample is tested on its own against the areas as they are (a polygon by NetTopologySuite in the lon/lat plane, with
/// ±180 one meridian and a pole one point; a circle or corridor by the geodesic distance to its base, from
/// <see cref="GeometryOracle"/>), never against an inscribed polygon.
/// </summary>
internal static class CoverOracle
{
    /// <summary>Points of the footprint: on its boundary (densely) and inside it.</summary>
    public static List<(double X, double Y)> Samples(Shape footprint, Random r)
    {
        var points = new List<(double X, double Y)>();
        switch (footprint.Kind)
        {
            case ShapeKind.Polygonal:
                foreach (var ring in footprint.Paths)
                {
                    for (int i = 0; i + 3 < ring.Length; i += 2)
                    {
                        for (int s = 0; s < 24; s++)
                        {
                            double t = s / 24.0;
                            points.Add((ring[i] + ((ring[i + 2] - ring[i]) * t), ring[i + 1] + ((ring[i + 3] - ring[i + 1]) * t)));
                        }
                    }
                }

                var nts = GeometryOracle.ToNts(footprint, 0);
                var box = footprint.Bounds;
                for (int k = 0; k < 200 && points.Count < 2000; k++)
                {
                    var p = (box.MinX + (r.NextDouble() * (box.MaxX - box.MinX)), box.MinY + (r.NextDouble() * (box.MaxY - box.MinY)));
                    if (nts.Covers(GeometryServices.Factory.CreatePoint(new Coordinate(p.Item1, p.Item2))))
                    {
                        points.Add(p);
                    }
                }

                break;
            case ShapeKind.Point:
                AroundPoint(footprint.Paths[0][0], footprint.Paths[0][1], footprint.BufferMetres, points, 64);
                break;
            default:
                foreach (var line in footprint.Paths)
                {
                    for (int i = 0; i + 1 < line.Length; i += 2)
                    {
                        AroundPoint(line[i], line[i + 1], footprint.BufferMetres, points, 32);
                    }

                    for (int i = 0; i + 3 < line.Length; i += 2)
                    {
                        for (int s = 1; s < 12; s++)
                        {
                            double t = s / 12.0;
                            double x = line[i] + ((line[i + 2] - line[i]) * t), y = line[i + 1] + ((line[i + 3] - line[i + 1]) * t);
                            AroundPoint(x, y, footprint.BufferMetres, points, 8);
                        }
                    }
                }

                break;
        }

        return points;
    }

    /// <summary>The centre and points at the given distance (and inside it) in <paramref name="directions"/> directions: all within it.</summary>
    private static void AroundPoint(double x, double y, double metres, List<(double X, double Y)> points, int directions)
    {
        points.Add((x, y));
        for (int k = 0; k < directions; k++)
        {
            double azimuth = 360.0 * k / directions;
            points.Add(At(x, y, azimuth, metres));
            points.Add(At(x, y, azimuth, metres * 0.6));
        }
    }

    /// <summary>A point at exactly <paramref name="metres"/> (Vincenty) from (x, y), found by bisection along a great-circle azimuth.</summary>
    public static (double X, double Y) At(double x, double y, double azimuth, double metres)
    {
        double lo = 0, hi = metres * 1.1 + 1;
        (double X, double Y) best = (x, y);
        for (int i = 0; i < 80; i++)
        {
            double mid = (lo + hi) / 2;
            var p = Spherical(x, y, azimuth, mid);
            double d = Geodesy.Distance(x, y, p.X, p.Y);
            if (d <= metres)
            {
                lo = mid;
                best = p;
            }
            else
            {
                hi = mid;
            }
        }

        return best;
    }

    private static (double X, double Y) Spherical(double x, double y, double azimuth, double metres)
    {
        double d = metres / Geodesy.MeanRadius, t = azimuth * Math.PI / 180, p1 = y * Math.PI / 180, l1 = x * Math.PI / 180;
        double sp2 = (Math.Sin(p1) * Math.Cos(d)) + (Math.Cos(p1) * Math.Sin(d) * Math.Cos(t));
        double p2 = Math.Asin(Math.Clamp(sp2, -1, 1));
        double l2 = l1 + Math.Atan2(Math.Sin(t) * Math.Sin(d) * Math.Cos(p1), Math.Cos(d) - (Math.Sin(p1) * sp2));
        double lon = l2 * 180 / Math.PI;
        lon = lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon;
        return (lon, Math.Clamp(p2 * 180 / Math.PI, -90, 90));
    }

    /// <summary>The areas made ready for many samples.</summary>
    public sealed class Areas(IReadOnlyList<Shape> areas)
    {
        private readonly NetTopologySuite.Geometries.Geometry?[] _polygons =
            [.. areas.Select(a => a.Kind == ShapeKind.Polygonal ? GeometryOracle.ToNts(a, 0) : null)];

        private readonly Shape[] _rings = [.. areas.Select(a => Shape.Corridor([.. a.Paths], 0))];

        /// <summary>Whether the point lies in one of the areas (closed).</summary>
        public bool Inside(double x, double y)
        {
            for (int i = 0; i < areas.Count; i++)
            {
                if (InArea(i, x, y))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>How deep the point lies in the deepest area holding it: its distance to that area's edge (negative: outside every one).</summary>
        public double Depth(double x, double y)
        {
            double best = double.NegativeInfinity;
            for (int i = 0; i < areas.Count; i++)
            {
                var point = Shape.Circle(x, y, 0);
                double depth = areas[i].Kind != ShapeKind.Polygonal
                    ? areas[i].BufferMetres - GeometryOracle.BaseDistance(point, areas[i])
                    : (InArea(i, x, y) ? 1 : -1) * GeometryOracle.BaseDistance(point, _rings[i]);
                best = Math.Max(best, depth);
            }

            return best;
        }

        private bool InArea(int i, double x, double y)
        {
            var area = areas[i];
            if (_polygons[i] is not { } polygon)
            {
                return GeometryOracle.BaseDistance(Shape.Circle(x, y, 0), area) <= area.BufferMetres;
            }

            return Names(x, y).Any(n => polygon.Covers(GeometryServices.Factory.CreatePoint(new Coordinate(n.X, n.Y)))) ||
                (Math.Abs(y) == 90 && area.Paths.Any(p => Enumerable.Range(0, p.Length / 2).Any(k => p[(2 * k) + 1] == y)));
        }
    }

    private static IEnumerable<(double X, double Y)> Names(double x, double y)
    {
        yield return (x, y);
        if (x == 180)
        {
            yield return (-180, y);
        }
        else if (x == -180)
        {
            yield return (180, y);
        }
    }
}
