using Parley.Core.Geometry;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// A MultiPolygon whose first part lies outside another shape and whose later part lies strictly inside
/// it (no boundary contact) was reported as not intersecting: containment was decided from the first
/// vertex of the first part only.
/// </summary>
public class Bug_contained_second_part_of_a_multipolygon_was_missed
{
    [Fact]
    public void a_multipolygon_whose_second_part_lies_inside_a_polygon_conflicts_with_it()
    {
        var multi = MultiPolygon(Ring(20, 20, 21, 20, 21, 21, 20, 21), Ring(4, 4, 6, 4, 6, 6, 4, 6));
        var big = Box(0, 0, 10, 10);
        Assert.True(ShapeRelations.BaseIntersects(multi, big));
        Assert.True(ShapeRelations.BaseIntersects(big, multi));
        Assert.True(ShapeRelations.WithinDistance(multi, big));
        Assert.True(ShapeRelations.WithinDistance(big, multi));
        Assert.Equal(0, ShapeRelations.Distance(multi, big));
    }

    [Fact]
    public void a_split_zone_whose_western_half_lies_inside_a_polygon_conflicts_with_it()
    {
        var split = MultiPolygon(Ring(-175, 0, -174, 0, -174, 1, -175, 1), Ring(175, 0, 176, 0, 176, 1, 175, 1));
        var big = Box(170, -10, 180, 10);
        Assert.True(ShapeRelations.WithinDistance(split, big));
        Assert.True(ShapeRelations.WithinDistance(big, split));
    }

    [Fact]
    public void a_multipolygon_whose_second_part_lies_inside_another_multipolygon_part_conflicts_with_it()
    {
        var a = MultiPolygon(Ring(50, 50, 51, 50, 51, 51, 50, 51), Ring(4, 4, 6, 4, 6, 6, 4, 6));
        var b = MultiPolygon(Ring(-50, -50, -49, -50, -49, -49, -50, -49), Ring(0, 0, 10, 0, 10, 10, 0, 10));
        Assert.True(ShapeRelations.WithinDistance(a, b));
        Assert.True(ShapeRelations.WithinDistance(b, a));
    }
}
