using CsCheck;
using Parley.Core.Geometry;
using Parley.Core.Tests.Support;

namespace Parley.Core.Tests.Geometry;

/// <summary>
/// Containment (<see cref="CoverArea"/>) against the brute-force <see cref="CoverOracle"/> on random areas and footprints:
/// mid latitudes (stars, holes, several parts), split MultiPolygons and circles or corridors across the antimeridian,
/// polar caps and circles over the poles. Said covered: no sample of the footprint lies outside the areas. Said not
/// covered: some sample lies outside, or the footprint reaches within the stated error of an area's edge (a curved area
/// is covered through its inscribed polygon, at most <see cref="Inscribed.MaxErrorMetres"/> inside it).
/// </summary>
public sealed class CoverAreaPropertyTests
{
    // Samples this close outside an area are on its edge, within the precision of the geodesics.
    private const double OnTheEdgeMetres = 0.01;

    public static TheoryData<Region> Regions => [Region.Mid, Region.Antimeridian, Region.NorthPole, Region.SouthPole];

    private sealed record Case(Shape[] Areas, Shape Footprint, int Seed);

    private static Gen<Case> Cases(Region region) => ShapeGen.FromRandom(r =>
    {
        var (ax, ay) = ShapeGen.Anchor(r, region);
        bool polar = region is Region.NorthPole or Region.SouthPole;
        double scale = ShapeGen.LogUniform(r, 0.01, polar ? 2 : 1);
        var areas = new List<Shape>();
        int count = r.Next(1, 4);
        while (areas.Count < count)
        {
            double cx = ax + ShapeGen.Uniform(r, -1, 1) * scale / Math.Max(0.05, Math.Cos(ay * Math.PI / 180));
            double cy = Math.Clamp(ay + ShapeGen.Uniform(r, -1, 1) * scale, -89.9, 89.9);
            var area = ShapeGen.Make(r, region, cx, cy, scale);
            if (Inscribed.Refusal(area) is null && area.VertexCount < 400)
            {
                areas.Add(area);
            }
        }

        Shape footprint;
        if (r.Next(8) == 0)
        {
            // An area itself: a polygon covers itself (closed); a circle or corridor is not covered by its own inscribed polygon.
            footprint = areas[r.Next(areas.Count)];
        }
        else
        {
            var near = areas[r.Next(areas.Count)].Paths[0];
            double fx = near[0] + ShapeGen.Uniform(r, -0.5, 0.5) * scale, fy = Math.Clamp(near[1] + ShapeGen.Uniform(r, -0.5, 0.5) * scale, -89.95, 89.95);
            footprint = ShapeGen.Make(r, region, fx, fy, scale * ShapeGen.LogUniform(r, 0.02, 0.8));
        }

        return new Case([.. areas], footprint, r.Next());
    });

    [Theory]
    [MemberData(nameof(Regions))]
    public void containment_agrees_with_the_brute_force_model(Region region)
    {
        int covered = 0, notCovered = 0;
        Cases(region).Where(c => c.Footprint.VertexCount < 400).Sample(c =>
        {
            var said = CoverArea.Of(c.Areas).Covers(c.Footprint);
            var samples = CoverOracle.Samples(c.Footprint, new Random(c.Seed));
            var areas = new CoverOracle.Areas(c.Areas);
            if (said)
            {
                Interlocked.Increment(ref covered);
                foreach (var (x, y) in samples)
                {
                    if (!areas.Inside(x, y))
                    {
                        double depth = areas.Depth(x, y);
                        Assert.True(depth >= -OnTheEdgeMetres, FormattableString.Invariant($"said covered, but ({x:R}, {y:R}) lies {-depth:R} m outside every area"));
                    }
                }
            }
            else
            {
                Interlocked.Increment(ref notCovered);
                bool outsideOrEdge = samples.Any(p => !areas.Inside(p.X, p.Y)) ||
                    samples.Any(p => areas.Depth(p.X, p.Y) <= Inscribed.MaxErrorMetres + OnTheEdgeMetres);
                Assert.True(outsideOrEdge, "said not covered, but every sample lies inside an area, deeper than the stated error");
            }
        }, iter: 80, print: c => string.Join("\n", c.Areas.Select(ShapeGen.Describe)) + "\nfootprint: " + ShapeGen.Describe(c.Footprint));

        Assert.True(covered >= 5, $"only {covered} footprints were covered");
        Assert.True(notCovered >= 5, $"only {notCovered} footprints were not covered");
    }

    [Fact]
    public void an_inscribed_circle_lies_inside_the_circle_and_within_the_stated_error_of_it()
    {
        ShapeGen.FromRandom(r => (X: ShapeGen.Uniform(r, -170, 170), Y: ShapeGen.Uniform(r, -80, 80), Radius: ShapeGen.LogUniform(r, 1, 200_000)))
            .Sample(t =>
            {
                var polygon = Inscribed.Circle(t.X, t.Y, t.Radius);
                var ring = polygon.Shell.Coordinates;
                for (int k = 0; k + 1 < ring.Length; k += Math.Max(1, ring.Length / 40))
                {
                    for (int s = 0; s <= 10; s++)
                    {
                        double px = ring[k].X + ((ring[k + 1].X - ring[k].X) * s / 10), py = ring[k].Y + ((ring[k + 1].Y - ring[k].Y) * s / 10);
                        double d = Geodesy.Distance(t.X, t.Y, px, py);
                        Assert.InRange(d, t.Radius - Inscribed.MaxErrorMetres, t.Radius + 1e-6);
                    }
                }
            }, iter: 60);
    }

    [Fact]
    public void an_inscribed_corridor_lies_inside_the_corridor_and_within_the_stated_error_of_its_edge()
    {
        ShapeGen.FromRandom(r =>
        {
            double x = ShapeGen.Uniform(r, -170, 170), y = ShapeGen.Uniform(r, -75, 75), width = ShapeGen.LogUniform(r, 5, 20_000);
            var line = new List<double> { x, y };
            for (int i = r.Next(1, 4); i > 0; i--)
            {
                line.Add(line[^2] + ShapeGen.Uniform(r, -0.3, 0.3));
                line.Add(line[^2] + ShapeGen.Uniform(r, -0.3, 0.3));
            }

            return Shape.Corridor([.. line], width);
        }).Sample(corridor =>
        {
            var polygon = Inscribed.Polygon(corridor);
            // Ring by ring: a corridor that loops back on itself leaves a hole, and the boundary's coordinates run on from
            // the shell to the hole without an edge between them.
            var rings = polygon.Boundary;
            for (int g = 0; g < rings.NumGeometries; g++)
            {
                var ring = rings.GetGeometryN(g).Coordinates;
                for (int k = 0; k + 1 < ring.Length; k += Math.Max(1, ring.Length / 60))
                {
                    for (int s = 0; s <= 4; s++)
                    {
                        double px = ring[k].X + ((ring[k + 1].X - ring[k].X) * s / 4), py = ring[k].Y + ((ring[k + 1].Y - ring[k].Y) * s / 4);
                        double d = GeometryOracle.BaseDistance(Shape.Circle(px, py, 0), corridor);
                        Assert.InRange(d, corridor.BufferMetres - Inscribed.MaxErrorMetres, corridor.BufferMetres + 1e-6);
                    }
                }
            }
        }, iter: 25, print: ShapeGen.Describe);
    }
}
