using Parley.Core.Geometry;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Geometry;

/// <summary>Containment at its edges: touching from inside, holes, the antimeridian, the poles, curved areas.</summary>
public sealed class CoverAreaTests
{
    private static bool Covers(Shape footprint, params Shape[] areas) => CoverArea.Of(areas).Covers(footprint);

    [Fact]
    public void a_polygon_touching_the_areas_edge_from_inside_is_inside_and_one_crossing_it_is_not()
    {
        var area = Box(10, 40, 11, 41);
        Assert.True(Covers(Box(10, 40, 10.5, 40.5), area));
        Assert.True(Covers(area, area));
        Assert.False(Covers(Box(10.5, 40.5, 11.0001, 40.6), area));
        Assert.False(Covers(Box(12, 40, 13, 41), area));
    }

    [Fact]
    public void two_areas_that_share_an_edge_cover_a_footprint_across_it()
    {
        Assert.True(Covers(Box(10.8, 40.2, 11.2, 40.4), Box(10, 40, 11, 41), Box(11, 40, 12, 41)));
        Assert.True(Covers(Shape.Circle(11, 40.5, 5000), Box(10, 40, 11, 41), Box(11, 40, 12, 41)));
        Assert.False(Covers(Shape.Circle(11, 40.5, 5000), Box(10, 40, 11, 41), Box(11.01, 40, 12, 41)));
    }

    [Fact]
    public void a_footprint_over_a_hole_is_not_inside()
    {
        var donut = Polygon(Ring(10, 40, 12, 40, 12, 42, 10, 42), Ring(10.8, 40.8, 11.2, 40.8, 11.2, 41.2, 10.8, 41.2));
        Assert.True(Covers(Box(10.1, 40.1, 10.5, 40.5), donut));
        Assert.False(Covers(Box(10.9, 40.9, 11.1, 41.1), donut));
        Assert.False(Covers(Shape.Circle(11, 41, 100), donut));
        Assert.True(Covers(Shape.Circle(10.3, 40.3, 1000), donut));
        // A circle whose centre is in the shell but which reaches into the hole.
        Assert.False(Covers(Shape.Circle(10.75, 41, 10_000), donut));
    }

    [Fact]
    public void a_circle_tangent_to_the_edge_from_inside_is_inside_and_a_millimetre_wider_one_is_not()
    {
        var area = Box(10, 40, 11, 41);
        // Centre due north of the southern edge at 40°, radius its distance to that edge (the nearest one).
        double radius = Geodesy.Distance(10.5, 40, 10.5, 40.2);
        Assert.True(Covers(Shape.Circle(10.5, 40.2, radius), area));
        Assert.False(Covers(Shape.Circle(10.5, 40.2, radius + 0.01), area));
    }

    [Fact]
    public void areas_split_at_the_antimeridian_cover_a_circle_and_a_corridor_across_it()
    {
        var split = MultiPolygon(Ring(170, -5, 180, -5, 180, 5, 170, 5), Ring(-180, -5, -170, -5, -170, 5, -180, 5));
        Assert.True(Covers(Shape.Circle(179.99, 0, 20_000), split));
        Assert.True(Covers(Shape.Circle(-180, 0, 20_000), split));
        Assert.True(Covers(Shape.Corridor([[178, 1, 180, 1], [-180, 1, -178, 1]], 1000), split));
        Assert.True(Covers(MultiPolygon(Ring(179, -1, 180, -1, 180, 1, 179, 1), Ring(-180, -1, -179, -1, -179, 1, -180, 1)), split));

        // Only the east half: a circle reaching across is not covered.
        var east = Box(170, -5, 180, 5);
        Assert.False(Covers(Shape.Circle(179.99, 0, 20_000), east));
        Assert.True(Covers(Shape.Circle(179, 0, 20_000), east));

        // Halves that do not meet at the same latitudes leave an edge on the meridian.
        var staggered = MultiPolygon(Ring(170, -5, 180, -5, 180, 5, 170, 5), Ring(-180, 1, -170, 1, -170, 10, -180, 10));
        Assert.False(Covers(Shape.Circle(179.99, 0, 20_000), staggered));
        Assert.True(Covers(Shape.Circle(179.99, 3, 20_000), staggered));
    }

    [Fact]
    public void a_polar_cap_covers_a_circle_over_the_pole_and_a_part_of_it_does_not()
    {
        var cap = Box(-180, 85, 180, 90);
        Assert.True(Covers(Shape.Circle(0, 90, 50_000), cap));
        Assert.True(Covers(Shape.Circle(120, 89.9, 100_000), cap));
        Assert.False(Covers(Shape.Circle(0, 86, 200_000), cap));

        var sector = Box(0, 85, 90, 90);
        Assert.False(Covers(Shape.Circle(0, 90, 50_000), sector));
        Assert.True(Covers(Shape.Circle(45, 87, 10_000), sector));

        var southCap = Box(-180, -90, 180, -80);
        Assert.True(Covers(Shape.Circle(33, -90, 500_000), southCap));
    }

    [Fact]
    public void a_curved_area_covers_what_lies_a_metre_inside_its_edge_and_not_what_lies_beyond_it()
    {
        var circle = Shape.Circle(10, 40, 10_000);
        Assert.True(Covers(Shape.Circle(10, 40, 9_998), circle));
        Assert.True(Covers(Box(9.99, 39.99, 10.01, 40.01), circle));
        Assert.False(Covers(Shape.Circle(10, 40, 10_001), circle));
        Assert.False(Covers(Shape.Circle(10.2, 40, 1_000), circle));

        var corridor = Shape.Corridor([10, 40, 10.5, 40.2, 11, 40], 3_000);
        Assert.True(Covers(Shape.Corridor([10.1, 40.04, 10.5, 40.2, 10.9, 40.04], 2_900), corridor));
        Assert.True(Covers(Shape.Circle(10.5, 40.2, 2_990), corridor));
        Assert.False(Covers(Shape.Circle(10.5, 40.2, 3_010), corridor));
    }

    [Fact]
    public void curved_areas_across_the_antimeridian_or_over_a_pole_are_refused_with_the_reason()
    {
        Assert.Contains("antimeridian", Inscribed.Refusal(Shape.Circle(179.99, 0, 5_000)), StringComparison.Ordinal);
        Assert.Contains("pole", Inscribed.Refusal(Shape.Circle(0, 89.99, 5_000)), StringComparison.Ordinal);
        Assert.Null(Inscribed.Refusal(Shape.Circle(170, 60, 5_000)));
        Assert.Null(Inscribed.Refusal(Box(179, 0, 180, 1)));
    }

    [Fact]
    public void nothing_is_inside_an_empty_union()
    {
        Assert.False(CoverArea.Of([]).Covers(Box(0, 0, 1, 1)));
    }
}
