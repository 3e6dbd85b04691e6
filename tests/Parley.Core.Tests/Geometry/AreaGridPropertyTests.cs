using CsCheck;
using NetTopologySuite.Geometries;
using Parley.Core.Geometry;
using Parley.Core.Tests.Support;

namespace Parley.Core.Tests.Geometry;

/// <summary>
/// The quick answers the terms try before the exact geometry: the cells of <see cref="AreaGrid"/> against
/// NetTopologySuite's predicates on the cells' own rectangles and random boxes, and <see cref="TouchArea"/> and
/// <see cref="CoverArea"/>'s quick containment against the exact predicates they stand in front of
/// (<see cref="ShapeRelations.WithinDistance"/>, <see cref="CoverArea"/>'s exact containment), on random shapes at mid
/// latitudes, across the antimeridian and over the poles. Each also counts the cases the quick answer decided, so that a
/// grid that never answers cannot pass.
/// </summary>
public sealed class AreaGridPropertyTests
{
    public static TheoryData<Region> Regions => [Region.Mid, Region.Antimeridian, Region.NorthPole, Region.SouthPole];

    /// <summary>An area, and a footprint near it or within its bounds, often much smaller than it.</summary>
    private static Gen<(Shape Area, Shape Footprint)> NearOrInside(Region region, bool polygonalArea) => ShapeGen.FromRandom(r =>
    {
        var (ax, ay) = ShapeGen.Anchor(r, region);
        bool polar = region is Region.NorthPole or Region.SouthPole;
        double scale = ShapeGen.LogUniform(r, 0.05, polar ? 2 : 1.5);
        Shape area;
        do
        {
            area = ShapeGen.Make(r, region, ax, ay, scale);
        }
        while (polygonalArea && area.Kind != ShapeKind.Polygonal);

        var b = area.Bounds;
        double fx = b.MinX + (r.NextDouble() * (b.MaxX - b.MinX)), fy = b.MinY + (r.NextDouble() * (b.MaxY - b.MinY));
        if (r.Next(4) == 0)
        {
            fx += ShapeGen.Uniform(r, -1, 1) * scale;
            fy += ShapeGen.Uniform(r, -1, 1) * scale;
        }

        var footprint = ShapeGen.Make(r, region, fx, Math.Clamp(fy, -89.95, 89.95), scale * ShapeGen.LogUniform(r, 0.005, 0.5));
        return (area, footprint);
    });

    [Theory]
    [MemberData(nameof(Regions))]
    public void a_cell_said_inside_or_outside_is_so_and_boxes_answer_as_their_cells(Region region)
    {
        int inside = 0, outside = 0;
        NearOrInside(region, polygonalArea: true).Select(Gen.Int, (pair, seed) => (pair.Area, Seed: seed)).Sample(c =>
        {
            var (area, seed) = c;
            var geometry = CoverArea.ToGeometry(area);
            var grid = AreaGrid.Of(geometry);
            Assert.NotNull(grid);
            var random = new Random(seed);
            var b = area.Bounds;
            for (int k = 0; k < 40; k++)
            {
                double x0 = b.MinX + ((random.NextDouble() * 1.2) - 0.1) * (b.MaxX - b.MinX), y0 = b.MinY + ((random.NextDouble() * 1.2) - 0.1) * (b.MaxY - b.MinY);
                double w = random.NextDouble() * 0.3 * (b.MaxX - b.MinX), h = random.NextDouble() * 0.3 * (b.MaxY - b.MinY);
                var box = new GeoBox(Math.Clamp(x0, -180, 180), Math.Clamp(y0, -90, 90), Math.Clamp(x0 + w, -180, 180), Math.Clamp(y0 + h, -90, 90));
                var rectangle = Rectangle(box);
                if (grid.Inside(box))
                {
                    Interlocked.Increment(ref inside);
                    Assert.True(geometry.Covers(rectangle), $"box {box} said inside, but the area does not cover it");
                }

                if (grid.Outside(box))
                {
                    Interlocked.Increment(ref outside);
                    Assert.False(geometry.Intersects(rectangle), $"box {box} said outside, but it meets the area");
                }

                // A point is a box too: its corners, on the edges of cells and of the area alike.
                if (grid.Inside(box.MinX, box.MinY))
                {
                    Assert.True(geometry.Covers(GeometryServices.Factory.CreatePoint(new Coordinate(box.MinX, box.MinY))));
                }

                if (grid.Outside(box.MaxX, box.MaxY))
                {
                    Assert.False(geometry.Intersects(GeometryServices.Factory.CreatePoint(new Coordinate(box.MaxX, box.MaxY))));
                }
            }
        }, iter: 60, print: p => ShapeGen.Describe(p.Item1) + $" seed {p.Item2}");

        Assert.True(inside >= 30, $"only {inside} boxes were said inside");
        Assert.True(outside >= 30, $"only {outside} boxes were said outside");
    }

    [Theory]
    [MemberData(nameof(Regions))]
    public void the_touch_test_answers_as_the_exact_predicate(Region region)
    {
        int quickTrue = 0, quickFalse = 0, exact = 0;
        var cases = Gen.OneOf(NearOrInside(region, polygonalArea: true), NearOrInside(region, polygonalArea: false), ShapeGen.Pair(region));
        cases.Sample(c =>
        {
            var (area, footprint) = c;
            var touch = TouchArea.Of(area);
            bool expected = ShapeRelations.WithinDistance(area, footprint);
            Assert.Equal(expected, touch.Touches(footprint));
            switch (touch.Quick(footprint, footprint.CoveringBoxes()))
            {
                case true: Interlocked.Increment(ref quickTrue); break;
                case false when area.CoveringBoxes().Intersects(footprint.CoveringBoxes()): Interlocked.Increment(ref quickFalse); break;
                case null: Interlocked.Increment(ref exact); break;
                default: break;
            }
        }, iter: 300, print: p => ShapeGen.Describe(p.Item1) + "\nfootprint: " + ShapeGen.Describe(p.Item2));

        // The grid decided both ways where the boxes alone could not; the rest went to the exact geometry.
        // Near the poles most areas reach the pole or are circles: the grid answers less often there.
        Assert.True(quickTrue >= (region is Region.Mid or Region.Antimeridian ? 20 : 5), $"the grid said 'touches' only {quickTrue} times");
        Assert.True(region != Region.Mid || quickFalse >= 5, $"the grid said 'does not touch' only {quickFalse} times");
        Assert.True(exact >= 10, $"only {exact} cases needed the exact geometry");
    }

    [Theory]
    [MemberData(nameof(Regions))]
    public void quick_containment_answers_as_the_exact_containment(Region region)
    {
        int quickTrue = 0, quickFalse = 0;
        ShapeGen.FromRandom(r => (Areas: Areas(r, region), Seed: r.Next())).Sample(c =>
        {
            var cover = CoverArea.Of(c.Areas);
            var r = new Random(c.Seed);
            for (int k = 0; k < 10; k++)
            {
                var area = c.Areas[r.Next(c.Areas.Length)];
                var b = area.Bounds;
                double fx = b.MinX + (r.NextDouble() * (b.MaxX - b.MinX)), fy = Math.Clamp(b.MinY + (r.NextDouble() * (b.MaxY - b.MinY)), -89.95, 89.95);
                var footprint = ShapeGen.Make(r, region, fx, fy, Math.Max(1e-4, (b.MaxY - b.MinY) * ShapeGen.LogUniform(r, 0.002, 0.3)));
                if (footprint.VertexCount > 400)
                {
                    continue;
                }

                var quick = cover.Quick(footprint, footprint.CoveringBoxes());
                if (quick is { } said)
                {
                    Interlocked.Increment(ref said ? ref quickTrue : ref quickFalse);
                    Assert.True(said == cover.Exact(footprint), $"quick {said}, exact {!said}: footprint {ShapeGen.Describe(footprint)}");
                }

                Assert.Equal(cover.Exact(footprint), cover.Covers(footprint));
            }
        }, iter: 60, print: c => string.Join("\n", c.Areas.Select(ShapeGen.Describe)));

        Assert.True(quickTrue >= 10, $"the grid said 'within' only {quickTrue} times");
        Assert.True(quickFalse >= 10, $"the grid said 'not within' only {quickFalse} times");
    }

    private static Shape[] Areas(Random r, Region region)
    {
        var (ax, ay) = ShapeGen.Anchor(r, region);
        bool polar = region is Region.NorthPole or Region.SouthPole;
        double scale = ShapeGen.LogUniform(r, 0.05, polar ? 2 : 1);
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

        return [.. areas];
    }

    private static NetTopologySuite.Geometries.Geometry Rectangle(GeoBox b) => GeometryServices.Factory.ToGeometry(new Envelope(b.MinX, b.MaxX, b.MinY, b.MaxY));
}
