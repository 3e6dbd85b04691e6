using CsCheck;
using Parley.Core.Geometry;
using Parley.Core.Tests.Support;

namespace Parley.Core.Tests.Geometry;

/// <summary>
/// <see cref="ShapeRelations"/> against the brute-force <see cref="GeometryOracle"/> on random shapes: mid
/// latitudes, split MultiPolygons and circles or corridors across the antimeridian, polar caps and circles
/// over the poles, polygons with holes.
/// </summary>
public class ShapeRelationsPropertyTests
{
    /// <summary>Decisions this close to the threshold (metres, plus a relative part) are not judged.</summary>
    private const double AbsoluteMargin = 0.001, RelativeMargin = 1e-9;

    private static double Margin(double metres) => AbsoluteMargin + (RelativeMargin * metres);

    public static TheoryData<Region> Regions => [Region.Mid, Region.Antimeridian, Region.NorthPole, Region.SouthPole];

    [Theory]
    [MemberData(nameof(Regions))]
    public void distance_agrees_with_the_brute_force_model(Region region)
    {
        // Parley's Distance measures every pair of half-degree pieces (it is not on the query path), so
        // huge polar caps are left to the WithinDistance property below.
        ShapeGen.Pair(region).Where(p => Pieces(p.A) * Pieces(p.B) <= 5000).Sample((a, b) =>
        {
            double expected = GeometryOracle.FootprintDistance(a, b);
            double actual = ShapeRelations.Distance(a, b);
            Assert.True(Math.Abs(actual - expected) <= Margin(expected),
                $"Parley {actual:R} m, model {expected:R} m, difference {actual - expected:R} m");
        }, iter: 60, print: Print);
    }

    [Theory]
    [MemberData(nameof(Regions))]
    public void within_distance_agrees_with_the_brute_force_model(Region region)
    {
        var gen = ShapeGen.Pair(region).Select(Gen.Int[0, 3], Gen.Double[0, 2], (pair, mode, factor) => (pair.A, pair.B, mode, factor));
        gen.Sample((a, b, mode, factor) =>
        {
            double baseDistance = GeometryOracle.BaseDistance(a, b);
            double footprintDistance = Math.Max(0, baseDistance - a.BufferMetres - b.BufferMetres);
            // Thresholds around the true distance, exactly zero, or clearly apart.
            double extra = mode switch
            {
                0 => 0,
                1 => footprintDistance * factor,
                2 => footprintDistance + ((factor - 1) * 100),
                _ => factor * 50_000,
            };
            extra = Math.Max(0, extra);
            double reach = a.BufferMetres + b.BufferMetres + extra;
            if (baseDistance > 0 && Math.Abs(baseDistance - reach) <= Margin(reach))
            {
                return; // on the decision boundary, within the model's own precision
            }

            bool expected = baseDistance <= reach;
            Assert.Equal(expected, ShapeRelations.WithinDistance(a, b, extra));
            Assert.Equal(expected, ShapeRelations.WithinDistance(b, a, extra));
        }, iter: 150, print: t => Print((t.Item1, t.Item2)) + FormattableString.Invariant($" extra mode {t.Item3} factor {t.Item4:R}"));
    }

    [Theory]
    [MemberData(nameof(Regions))]
    public void base_intersection_agrees_with_the_brute_force_model(Region region)
    {
        ShapeGen.Pair(region).Sample((a, b) =>
        {
            bool expected = GeometryOracle.BaseIntersects(a, b);
            Assert.Equal(expected, ShapeRelations.BaseIntersects(a, b));
            Assert.Equal(expected, ShapeRelations.BaseIntersects(b, a));
        }, iter: 400, print: Print);
    }

    [Fact]
    public void covering_boxes_contain_every_point_within_the_buffer()
    {
        // Points at the buffer distance (and a little more margin) in random directions lie in the boxes.
        var gen = ShapeGen.Any.Select(Gen.Double[0, 360], Gen.Double[0, 1], Gen.Int[0, 1000], (s, azimuth, along, vertex) => (s, azimuth, along, vertex));
        gen.Sample((shape, azimuth, along, vertex) =>
        {
            var path = shape.Paths[vertex % shape.Paths.Count];
            int i = vertex % (path.Length / 2);
            var (lon, lat) = Direct(path[2 * i], path[(2 * i) + 1], azimuth, shape.BufferMetres * along);
            var boxes = shape.CoveringBoxes();
            var point = new GeoBoxPair(new GeoBox(lon, lat, lon, lat), null);
            Assert.True(boxes.Intersects(point), FormattableString.Invariant($"({lon:R}, {lat:R}) outside {boxes}"));
        }, iter: 2000, print: t => ShapeGen.Describe(t.Item1));
    }

    private static int Pieces(Shape shape) => shape.Paths.Sum(p => Math.Max(1, Enumerable.Range(0, (p.Length / 2) - 1)
        .Sum(i => (int)Math.Ceiling(Math.Max(Math.Abs(p[(2 * i) + 2] - p[2 * i]), Math.Abs(p[(2 * i) + 3] - p[(2 * i) + 1])) / 0.5))));

    private static string Print((Shape A, Shape B) pair) => $"A: {ShapeGen.Describe(pair.A)}\nB: {ShapeGen.Describe(pair.B)}";

    /// <summary>
    /// The point at <paramref name="metres"/> along an azimuth, on the sphere of the mean radius shrunk by
    /// 1% so that it lies within that geodesic distance on the ellipsoid too.
    /// </summary>
    internal static (double Lon, double Lat) Direct(double lon, double lat, double azimuthDegrees, double metres)
    {
        const double Rad = Math.PI / 180;
        if (metres == 0)
        {
            return (lon, lat);
        }

        double delta = metres * 0.99 / Geodesy.MeanRadius / 1.01, theta = azimuthDegrees * Rad, phi1 = lat * Rad;
        double phi2 = Math.Asin(Math.Clamp((Math.Sin(phi1) * Math.Cos(delta)) + (Math.Cos(phi1) * Math.Sin(delta) * Math.Cos(theta)), -1, 1));
        double lambda2 = (lon * Rad) + Math.Atan2(Math.Sin(theta) * Math.Sin(delta) * Math.Cos(phi1), Math.Cos(delta) - (Math.Sin(phi1) * Math.Sin(phi2)));
        return (ShapeGen.Wrap(ShapeGen.Wrap(lambda2 / Rad)), phi2 / Rad);
    }
}
