using CsCheck;
using NetTopologySuite.Geometries;
using Parley.Core.Geometry;

namespace Parley.Core.Tests.Support;

/// <summary>Where a random scenario is placed.</summary>
public enum Region
{
    /// <summary>Mid latitudes, away from the antimeridian.</summary>
    Mid,

    /// <summary>Straddling longitude ±180: polygons arrive split, circles and corridors reach across.</summary>
    Antimeridian,

    /// <summary>Above 85° N: polar caps, circles over the pole.</summary>
    NorthPole,

    /// <summary>Below 85° S.</summary>
    SouthPole,
}

/// <summary>Random shapes for property tests, valid as <c>FeatureReader</c> would accept them.</summary>
/// <remarks>
/// Shapes are built in an unwrapped longitude frame around an anchor and then brought into [-180, 180]:
/// polygons are clipped at the antimeridian into a MultiPolygon (as RFC 7946 asks) and at the poles,
/// circle centres wrap, corridor vertices beyond ±180 are brought onto the antimeridian.
/// </remarks>
internal static class ShapeGen
{
    /// <summary>A generator driven by a seeded <see cref="Random"/>, for structured geometry.</summary>
    public static Gen<T> FromRandom<T>(Func<Random, T> make) => Gen.Int.Select(seed => make(new Random(seed)));

    /// <summary>Two shapes near each other in <paramref name="region"/>.</summary>
    public static Gen<(Shape A, Shape B)> Pair(Region region) => FromRandom(r =>
    {
        var (ax, ay) = Anchor(r, region);
        bool polar = region is Region.NorthPole or Region.SouthPole;
        double scale = LogUniform(r, 0.003, polar ? 3 : 1.5);
        var a = Make(r, region, ax, ay, scale);
        double bx, by;
        if (polar && r.Next(2) == 0)
        {
            // Across the pole: any longitude, about as far from the pole.
            bx = ax + Uniform(r, -180, 180);
            by = ay + Uniform(r, -scale, scale);
        }
        else
        {
            by = ay + (Uniform(r, -2.5, 2.5) * scale);
            bx = ax + (Uniform(r, -2.5, 2.5) * scale / Math.Max(0.05, Math.Cos(ay * Math.PI / 180)));
        }

        if (a.Kind == ShapeKind.Polygonal && a.PolygonStarts.Count > 1 && r.Next(2) == 0)
        {
            // Around the last part of a MultiPolygon, larger than it: that part may lie strictly inside.
            var last = a.Paths[^1];
            var cover = ConvexSplit(r, last[0], last[1], scale * 1.5, scale * 1.5 / Math.Max(0.05, Math.Cos(last[1] * Math.PI / 180)));
            if (cover is not null && GeometryOracle.ToNts(cover, 0).IsValid)
            {
                return (a, cover);
            }
        }

        var b = Make(r, region, bx, Math.Clamp(by, -89.999, 89.999), LogUniform(r, 0.003, polar ? 3 : 1.5));
        return (a, b);
    });

    /// <summary>One shape anywhere, in a random region.</summary>
    public static Gen<Shape> Any => FromRandom(r =>
    {
        var region = (Region)r.Next(4);
        var (x, y) = Anchor(r, region);
        return Make(r, region, x, y, LogUniform(r, 0.003, 2));
    });

    public static (double X, double Y) Anchor(Random r, Region region) => region switch
    {
        Region.Antimeridian => (Uniform(r, 178, 182), Uniform(r, -60, 60)),
        Region.NorthPole => (Uniform(r, -180, 180), Uniform(r, 85.5, 89.95)),
        Region.SouthPole => (Uniform(r, -180, 180), Uniform(r, -89.95, -85.5)),
        _ => (Uniform(r, -150, 150), Uniform(r, -60, 60)),
    };

    /// <summary>A shape of random form centred near (cx, cy) in the unwrapped frame, about <paramref name="scale"/> degrees of latitude across.</summary>
    public static Shape Make(Random r, Region region, double cx, double cy, double scale)
    {
        double lonScale = Math.Min(60, scale / Math.Max(0.02, Math.Cos(cy * Math.PI / 180)));
        for (int attempt = 0; ; attempt++)
        {
            Shape? shape = r.Next(10) switch
            {
                0 or 1 => Circle(r, cx, cy, scale),
                2 or 3 => Corridor(r, cx, cy, scale, lonScale),
                4 => region == Region.Mid ? Star(r, cx, cy, scale, lonScale) : ConvexSplit(r, cx, cy, scale, lonScale),
                5 => region == Region.Mid ? Donut(r, cx, cy, scale, lonScale) : ConvexSplit(r, cx, cy, scale, lonScale),
                6 => TwoParts(r, cx, cy, scale, lonScale),
                _ => ConvexSplit(r, cx, cy, scale, lonScale),
            };
            if (shape is not null && (shape.Kind != ShapeKind.Polygonal || GeometryOracle.ToNts(shape, 0).IsValid))
            {
                return shape;
            }

            if (attempt > 50)
            {
                return Shape.Circle(Wrap(cx), Math.Clamp(cy, -90, 90), 1000);
            }
        }
    }

    private static Shape Circle(Random r, double cx, double cy, double scale)
    {
        double radius = LogUniform(r, 1, Math.Max(1000, scale * 111_000 * 3));
        return Shape.Circle(Wrap(cx), Math.Clamp(cy, -90, 90), radius);
    }

    private static Shape? Corridor(Random r, double cx, double cy, double scale, double lonScale)
    {
        int n = r.Next(2, 5);
        var points = new List<(double X, double Y)> { (cx, cy) };
        for (int i = 1; i < n; i++)
        {
            double angle = Uniform(r, 0, 2 * Math.PI);
            var (px, py) = points[^1];
            points.Add((px + (Math.Cos(angle) * lonScale), py + (Math.Sin(angle) * scale)));
        }

        double shift = points.All(p => p.X > 180) ? -360 : points.All(p => p.X < -180) ? 360 : 0;
        var packed = new List<double>();
        foreach (var (px, py) in points)
        {
            double x = Math.Clamp(px + shift, -180, 180), y = Math.Clamp(py, -90, 90);
            if (packed.Count == 0 || packed[^2] != x || packed[^1] != y)
            {
                packed.Add(x);
                packed.Add(y);
            }
        }

        return packed.Count < 4 ? null : Shape.Corridor([.. packed], LogUniform(r, 1, Math.Max(500, scale * 111_000)));
    }

    /// <summary>A convex polygon, clipped at the poles and split at the antimeridian.</summary>
    private static Shape? ConvexSplit(Random r, double cx, double cy, double scale, double lonScale)
    {
        int n = r.Next(3, 9);
        var f = GeometryServices.Factory;
        var points = Enumerable.Range(0, n)
            .Select(_ =>
            {
                double angle = Uniform(r, 0, 2 * Math.PI), radius = Math.Sqrt(r.NextDouble());
                return new Coordinate(cx + (Math.Cos(angle) * radius * lonScale), cy + (Math.Sin(angle) * radius * scale));
            })
            .ToArray();
        if (f.CreateMultiPointFromCoords(points).ConvexHull() is not Polygon hull)
        {
            return null;
        }

        var ring = hull.Shell.Coordinates.Take(hull.Shell.Coordinates.Length - 1).Select(c => (c.X, c.Y)).ToList();
        var parts = new List<IReadOnlyList<double[]>>();
        for (int k = -1; k <= 1; k++)
        {
            double west = -180 + (360 * k), east = 180 + (360 * k);
            var part = Clip(ring, p => p.X >= west, (p, q) => Cut(p, q, west, vertical: true));
            part = Clip(part, p => p.X <= east, (p, q) => Cut(p, q, east, vertical: true));
            part = Clip(part, p => p.Y <= 90, (p, q) => Cut(p, q, 90, vertical: false));
            part = Clip(part, p => p.Y >= -90, (p, q) => Cut(p, q, -90, vertical: false));
            part = Distinct(part.Select(p => (p.X - (360 * k), p.Y)).ToList());
            if (part.Count >= 3)
            {
                parts.Add([Close(part)]);
            }
        }

        return parts.Count == 0 ? null : Shape.Polygons(parts);
    }

    /// <summary>A MultiPolygon of two separate parts, the second one possibly far from the first.</summary>
    private static Shape? TwoParts(Random r, double cx, double cy, double scale, double lonScale)
    {
        var first = ConvexSplit(r, cx, cy, scale, lonScale);
        double angle = Uniform(r, 0, 2 * Math.PI), distance = Uniform(r, 2.5, 5), size = Uniform(r, 0.1, 0.5);
        var second = ConvexSplit(r, cx + (Math.Cos(angle) * distance * lonScale), cy + (Math.Sin(angle) * distance * scale), scale * size, lonScale * size);
        return first is null || second is null ? null : Shape.Polygons([.. first.Paths.Concat(second.Paths).Select(p => (IReadOnlyList<double[]>)[p])]);
    }

    /// <summary>A star-shaped (generally concave) polygon.</summary>
    private static Shape? Star(Random r, double cx, double cy, double scale, double lonScale)
    {
        int n = r.Next(5, 12);
        var angles = Enumerable.Range(0, n).Select(_ => Uniform(r, 0, 2 * Math.PI)).Order().ToArray();
        var ring = angles.Select(a =>
        {
            double radius = Uniform(r, 0.2, 1);
            return (cx + (Math.Cos(a) * radius * lonScale), cy + (Math.Sin(a) * radius * scale));
        }).ToList();
        return InRange(ring) ? Shape.Polygons([[Close(Distinct(ring))]]) : null;
    }

    /// <summary>A polygon with a hole.</summary>
    private static Shape? Donut(Random r, double cx, double cy, double scale, double lonScale)
    {
        int n = r.Next(6, 11);
        var shell = Enumerable.Range(0, n).Select(i =>
        {
            double a = (2 * Math.PI * i / n) + Uniform(r, -0.4, 0.4) * Math.PI / n, radius = Uniform(r, 1.5, 2);
            return (cx + (Math.Cos(a) * radius * lonScale), cy + (Math.Sin(a) * radius * scale));
        }).ToList();
        int m = r.Next(3, 8);
        var hole = Enumerable.Range(0, m).Select(_ => Uniform(r, 0, 2 * Math.PI)).Order().Select(a =>
        {
            double radius = Uniform(r, 0.2, 0.7);
            return (cx + (Math.Cos(a) * radius * lonScale), cy + (Math.Sin(a) * radius * scale));
        }).ToList();
        return InRange(shell) ? Shape.Polygons([[Close(Distinct(shell)), Close(Distinct(hole))]]) : null;
    }

    private static bool InRange(List<(double X, double Y)> ring) => ring.All(p => p.X is >= -180 and <= 180 && p.Y is >= -90 and <= 90);

    private static List<(double X, double Y)> Clip(
        List<(double X, double Y)> ring, Func<(double X, double Y), bool> inside, Func<(double X, double Y), (double X, double Y), (double X, double Y)> cut)
    {
        var output = new List<(double X, double Y)>();
        for (int i = 0; i < ring.Count; i++)
        {
            var current = ring[i];
            var previous = ring[(i + ring.Count - 1) % ring.Count];
            if (inside(current))
            {
                if (!inside(previous))
                {
                    output.Add(cut(previous, current));
                }

                output.Add(current);
            }
            else if (inside(previous))
            {
                output.Add(cut(previous, current));
            }
        }

        return output;
    }

    /// <summary>Where p–q meets the line x = v (or y = v), with that coordinate set exactly.</summary>
    private static (double X, double Y) Cut((double X, double Y) p, (double X, double Y) q, double v, bool vertical)
    {
        if (vertical)
        {
            double t = (v - p.X) / (q.X - p.X);
            return (v, p.Y + ((q.Y - p.Y) * t));
        }
        else
        {
            double t = (v - p.Y) / (q.Y - p.Y);
            return (p.X + ((q.X - p.X) * t), v);
        }
    }

    private static List<(double X, double Y)> Distinct(List<(double X, double Y)> ring)
    {
        var result = new List<(double X, double Y)>();
        foreach (var p in ring)
        {
            if (result.Count == 0 || result[^1] != p)
            {
                result.Add(p);
            }
        }

        while (result.Count > 1 && result[0] == result[^1])
        {
            result.RemoveAt(result.Count - 1);
        }

        return result;
    }

    private static double[] Close(List<(double X, double Y)> ring)
    {
        var packed = new double[(ring.Count + 1) * 2];
        for (int i = 0; i <= ring.Count; i++)
        {
            packed[2 * i] = ring[i % ring.Count].X;
            packed[(2 * i) + 1] = ring[i % ring.Count].Y;
        }

        return packed;
    }

    public static double Wrap(double x) => x > 180 ? x - 360 : x < -180 ? x + 360 : x;

    public static double Uniform(Random r, double lo, double hi) => lo + (r.NextDouble() * (hi - lo));

    public static double LogUniform(Random r, double lo, double hi) => Math.Exp(Uniform(r, Math.Log(lo), Math.Log(hi)));

    /// <summary>A readable form of a shape for failure reports.</summary>
    public static string Describe(Shape s)
    {
        string paths = string.Join(" | ", s.Paths.Select(p => string.Join(",", Enumerable.Range(0, p.Length / 2).Select(i => FormattableString.Invariant($"({p[2 * i]:R} {p[(2 * i) + 1]:R})")))));
        return FormattableString.Invariant($"{s.Kind} buffer={s.BufferMetres:R} starts=[{string.Join(",", s.PolygonStarts)}] {paths}");
    }
}
