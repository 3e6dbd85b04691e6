using Parley.Core.Geometry;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// A corridor of several lines (a MultiLineString) whose first line lies outside a polygon and whose later line
/// lies strictly inside it (no contact with its boundary) was reported as not intersecting it: containment was
/// decided from the first vertex of the first line only, and the buffer was measured to the polygon's boundary.
/// </summary>
public class Bug_contained_second_line_of_a_corridor_was_missed
{
    [Fact]
    public void a_corridor_whose_second_line_lies_inside_a_polygon_conflicts_with_it()
    {
        var corridor = Shape.Corridor([[20, 20, 21, 21], [4, 4, 6, 6]], 100);
        var big = Box(0, 0, 10, 10);
        Assert.True(ShapeRelations.BaseIntersects(corridor, big));
        Assert.True(ShapeRelations.BaseIntersects(big, corridor));
        Assert.True(ShapeRelations.WithinDistance(corridor, big));
        Assert.True(ShapeRelations.WithinDistance(big, corridor));
        Assert.Equal(0, ShapeRelations.Distance(corridor, big));
    }
}
