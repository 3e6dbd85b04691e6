using NetTopologySuite.Geometries;
using Parley.Core.Geometry;

namespace Parley.Core.Tests.Support;

/// <summary>
/// An independent, brute-force model of Parley's geometry semantics, used to check
/// <see cref="ShapeRelations"/> on random shapes.
/// </summary>
/// <remarks>
/// Intersection of base geometries is decided by NetTopologySuite in the lon/lat plane, with copies shifted
/// by ±360° (longitudes -180 and 180 are one meridian) and the rule that every point at latitude ±90 is the
/// pole. When the base geometries are disjoint, their distance is the least distance between their edges:
/// every edge is sampled linearly in lon/lat, every pair of edges is searched on a grid of samples, and the
/// pairs that the grid cannot rule out (by the Lipschitz bound of the distance) are refined by a shrinking
/// pattern search. Distances are Vincenty on WGS84 (checked separately against GeographicLib).
/// </remarks>
internal static class GeometryOracle
{
    private readonly record struct Segment(double Ax, double Ay, double Bx, double By)
    {
        public (double X, double Y) At(double t) => (Ax + ((Bx - Ax) * t), Ay + ((By - Ay) * t));
    }

    /// <summary>Least geodesic distance between the footprints (buffers included; 0 when they overlap).</summary>
    public static double FootprintDistance(Shape a, Shape b) => Math.Max(0, BaseDistance(a, b) - a.BufferMetres - b.BufferMetres);

    /// <summary>Least geodesic distance between the base geometries (0 when they meet).</summary>
    public static double BaseDistance(Shape a, Shape b) => BaseIntersects(a, b) ? 0 : EdgeDistance(a, b);

    /// <summary>Closed intersection of the base geometries.</summary>
    public static bool BaseIntersects(Shape a, Shape b)
    {
        if ((HasLatitude(a, 90) && HasLatitude(b, 90)) || (HasLatitude(a, -90) && HasLatitude(b, -90)))
        {
            return true;
        }

        var ga = ToNts(a, 0);
        return ToNts(b, 0).Intersects(ga) || ToNts(b, 360).Intersects(ga) || ToNts(b, -360).Intersects(ga);
    }

    /// <summary>The base geometry as a NetTopologySuite geometry, shifted east by <paramref name="shiftX"/> degrees.</summary>
    public static NetTopologySuite.Geometries.Geometry ToNts(Shape shape, double shiftX)
    {
        var f = GeometryServices.Factory;
        Coordinate[] Coords(double[] p)
        {
            var c = new Coordinate[p.Length / 2];
            for (int i = 0; i < c.Length; i++)
            {
                c[i] = new Coordinate(p[2 * i] + shiftX, p[(2 * i) + 1]);
            }

            return c;
        }

        switch (shape.Kind)
        {
            case ShapeKind.Point:
                return f.CreatePoint(Coords(shape.Paths[0])[0]);
            case ShapeKind.Line:
                return f.CreateLineString(Coords(shape.Paths[0]));
            default:
                var polygons = new List<Polygon>();
                for (int p = 0; p < shape.PolygonStarts.Count; p++)
                {
                    int end = p + 1 < shape.PolygonStarts.Count ? shape.PolygonStarts[p + 1] : shape.Paths.Count;
                    int start = shape.PolygonStarts[p];
                    polygons.Add(f.CreatePolygon(
                        f.CreateLinearRing(Coords(shape.Paths[start])),
                        [.. Enumerable.Range(start + 1, end - start - 1).Select(h => f.CreateLinearRing(Coords(shape.Paths[h])))]));
                }

                return polygons.Count == 1 ? polygons[0] : f.CreateMultiPolygon([.. polygons]);
        }
    }

    private static bool HasLatitude(Shape shape, double lat) =>
        shape.Paths.Any(p => Enumerable.Range(0, p.Length / 2).Any(i => p[(2 * i) + 1] == lat));

    private static List<Segment> Segments(Shape shape)
    {
        var list = new List<Segment>();
        foreach (var p in shape.Paths)
        {
            if (p.Length == 2)
            {
                list.Add(new Segment(p[0], p[1], p[0], p[1]));
            }

            for (int i = 0; i + 3 < p.Length; i += 2)
            {
                list.Add(new Segment(p[i], p[i + 1], p[i + 2], p[i + 3]));
            }
        }

        return list;
    }

    private sealed class Sampled(Segment segment)
    {
        public Segment Segment { get; } = segment;

        public int N { get; private set; }

        public (double X, double Y)[] Points { get; private set; } = [];

        /// <summary>Largest geodesic step between consecutive samples.</summary>
        public double Step { get; private set; }

        /// <summary>
        /// A radius around the edge's parameter middle (<see cref="Segment.At"/> 0.5) that holds every point of
        /// the edge, with margin.
        /// </summary>
        /// <remarks>
        /// Not half the edge's length: the middle in lon/lat is not the middle along the ground. Near a pole,
        /// where a degree of longitude shrinks fast with latitude, an edge over 52° of longitude from 88.30° to
        /// 89.25° is 91 km long on its southern half and 73 km on its northern one: its southern end lies 90 km
        /// from its middle, 7 km beyond half its length, and a pair of edges near that end was wrongly ruled out.
        /// </remarks>
        public double Radius { get; private set; }

        public static Sampled Of(Segment s)
        {
            var sampled = new Sampled(s);
            double length = Geodesy.Distance(s.Ax, s.Ay, s.Bx, s.By);
            int n = length == 0 ? 0 : (int)Math.Clamp(Math.Ceiling(length / 10_000), 4, 48);
            // Nearly polar edges are long in degrees and short on the ground: sample by degrees too.
            n = length == 0 ? 0 : Math.Max(n, (int)Math.Min(64, Math.Ceiling(Math.Max(Math.Abs(s.Bx - s.Ax), Math.Abs(s.By - s.Ay)) / 0.5)));
            sampled.N = n;
            sampled.Points = [.. Enumerable.Range(0, n + 1).Select(i => s.At(n == 0 ? 0 : (double)i / n))];
            double step = 0;
            for (int i = 0; i < n; i++)
            {
                double piece = Geodesy.Distance(sampled.Points[i].X, sampled.Points[i].Y, sampled.Points[i + 1].X, sampled.Points[i + 1].Y);
                step = Math.Max(step, piece);
            }

            // Every point of the edge lies within half a step (along the edge, hence the margin) of a sample.
            var (mx, my) = s.At(0.5);
            double farthest = 0;
            foreach (var (px, py) in sampled.Points)
            {
                farthest = Math.Max(farthest, Geodesy.Distance(mx, my, px, py));
            }

            sampled.Step = step;
            sampled.Radius = length == 0 ? 0 : farthest + (step * 1.05 / 2) + 1e-6;
            return sampled;
        }
    }

    private static double EdgeDistance(Shape a, Shape b)
    {
        var sa = Segments(a).Select(Sampled.Of).ToList();
        var sb = Segments(b).Select(Sampled.Of).ToList();

        // Branch and bound over pairs of edges: every point of an edge lies within its radius of its middle,
        // so a pair whose middles are farther apart than the best distance found plus both radii cannot hold
        // the minimum.
        var pairs = new List<(double Bound, Sampled A, Sampled B)>();
        foreach (var ea in sa)
        {
            foreach (var eb in sb)
            {
                var (ax, ay) = ea.Segment.At(0.5);
                var (bx, by) = eb.Segment.At(0.5);
                pairs.Add((Geodesy.Distance(ax, ay, bx, by) - ea.Radius - eb.Radius, ea, eb));
            }
        }

        double best = double.PositiveInfinity;
        foreach (var (bound, ea, eb) in pairs.OrderBy(p => p.Bound))
        {
            if (bound > best)
            {
                break;
            }

            var d = new double[ea.N + 1, eb.N + 1];
            for (int i = 0; i <= ea.N; i++)
            {
                for (int j = 0; j <= eb.N; j++)
                {
                    var (px, py) = ea.Points[i];
                    var (qx, qy) = eb.Points[j];
                    d[i, j] = Geodesy.Distance(px, py, qx, qy);
                    best = Math.Min(best, d[i, j]);
                }
            }

            // The minimum of the pair lies within half a step of a grid point whose value is at most the
            // minimum plus both half steps (the distance is 1-Lipschitz in each end): refine from those.
            double slack = ((ea.Step + eb.Step) / 2 * 1.05) + 1e-9;
            var candidates = new List<(double V, int I, int J)>();
            for (int i = 0; i <= ea.N; i++)
            {
                for (int j = 0; j <= eb.N; j++)
                {
                    if (d[i, j] <= best + slack)
                    {
                        candidates.Add((d[i, j], i, j));
                    }
                }
            }

            foreach (var (_, i, j) in candidates.OrderBy(c => c.V).Take(8))
            {
                best = Math.Min(best, Refine(ea, eb, i, j));
            }
        }

        return best;
    }

    /// <summary>Compass search from a grid point: move to a better neighbour (and stride further), else shrink the stride.</summary>
    private static double Refine(Sampled ea, Sampled eb, int i, int j)
    {
        double ht = ea.N == 0 ? 0 : 1.0 / ea.N, hu = eb.N == 0 ? 0 : 1.0 / eb.N;
        double t = ea.N == 0 ? 0 : (double)i / ea.N, u = eb.N == 0 ? 0 : (double)j / eb.N;
        double best = Eval(ea.Segment, eb.Segment, t, u);
        for (int round = 0; round < 2000 && (ht > 1e-14 || hu > 1e-14); round++)
        {
            double bt = t, bu = u;
            for (int a = -1; a <= 1; a++)
            {
                for (int b = -1; b <= 1; b++)
                {
                    double tt = Math.Clamp(t + (a * ht), 0, 1), uu = Math.Clamp(u + (b * hu), 0, 1);
                    double v = Eval(ea.Segment, eb.Segment, tt, uu);
                    if (v < best)
                    {
                        best = v;
                        bt = tt;
                        bu = uu;
                    }
                }
            }

            double factor = bt == t && bu == u ? 0.5 : 1.5;
            ht = Math.Min(1, ht * factor);
            hu = Math.Min(1, hu * factor);
            t = bt;
            u = bu;
        }

        return best;
    }

    private static double Eval(Segment a, Segment b, double t, double u)
    {
        var (px, py) = a.At(t);
        var (qx, qy) = b.At(u);
        return Geodesy.Distance(px, py, qx, qy);
    }
}
