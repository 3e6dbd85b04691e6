using Parley.Core.Geometry;
using Parley.Core.Tests.Support;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Geometry;

/// <summary>Deterministic cases on the boundaries of Parley's geometry semantics (closed sets, geodesic metres).</summary>
public class ShapeRelationsEdgeCaseTests
{
    // GeographicLib (Karney) reference distances on WGS84, in metres.
    private const double OneDegreeOfEquator = 111319.490793;
    private const double OneDegreeOfMeridianAtEquator = 110574.388558;
    private const double HundredthDegreeOfEquator = 1113.194908;
    private const double PoleToLatitude89_9 = 11169.397841;
    private const double From0_89_5To170_89_6 = 100146.757457;

    // Near the north pole (property-test seed dSBAzNRv7Dc6): the first edge of PolarLineB runs 52° of longitude
    // straight in lon/lat, from 88.30° N up to 89.25° N, and passes 547.008 m from the first vertex of
    // PolarLineA. The edge's lon/lat middle is far from its middle on the ground: a degree of longitude is
    // more than twice as long at its southern end as at its northern one.
    private static readonly double[] PolarLineA =
        [103.30768795838009, 88.31231211021651, 103.37811500313933, 88.3181444723614, 103.185501806559, 88.32062211383561];

    private static readonly double[] PolarLineB =
        [103.47120384541962, 88.30360933909373, 51.220491881370734, 89.24866223279246, 17.078270520610573, 87.66771094114733];

    private const double PolarLineAToPolarLineB = 547.008019;
    private const double Point103_88_3ToPolarLineB = 1156.163496;
    private const double PolarTriangleToPolarLineB = 720.400325;

    [Fact]
    public void polygons_sharing_an_edge_conflict()
    {
        var a = Box(0, 0, 1, 1);
        var b = Box(1, 0, 2, 1);
        Assert.True(ShapeRelations.WithinDistance(a, b));
        Assert.True(ShapeRelations.WithinDistance(b, a));
        Assert.Equal(0, ShapeRelations.Distance(a, b));
    }

    [Fact]
    public void polygons_sharing_only_a_vertex_conflict()
    {
        var a = Box(0, 0, 1, 1);
        var b = Box(1, 1, 2, 2);
        Assert.True(ShapeRelations.WithinDistance(a, b));
        Assert.True(ShapeRelations.WithinDistance(b, a));
    }

    [Fact]
    public void a_vertex_touching_the_middle_of_an_edge_conflicts()
    {
        var a = Box(0, 0, 1, 1);
        var triangle = Polygon(Ring(1, 0.5, 2, 0, 2, 1));
        Assert.True(ShapeRelations.WithinDistance(a, triangle));
        Assert.True(ShapeRelations.WithinDistance(triangle, a));
    }

    [Fact]
    public void polygons_a_hair_apart_do_not_conflict()
    {
        var a = Box(0, 0, 1, 1);
        var b = Box(1.000001, 0, 2, 1);
        Assert.False(ShapeRelations.WithinDistance(a, b));
        Assert.InRange(ShapeRelations.Distance(a, b), 0.11, 0.112);
    }

    [Fact]
    public void a_polygon_inside_a_hole_does_not_conflict_but_touching_the_hole_boundary_does()
    {
        var donut = Polygon(Ring(0, 0, 10, 0, 10, 10, 0, 10), Ring(3, 3, 7, 3, 7, 7, 3, 7));
        var inHole = Box(4, 4, 6, 6);
        var touchingHole = Box(3, 4, 5, 6);
        var inRing = Box(1, 1, 2, 2);

        Assert.False(ShapeRelations.WithinDistance(donut, inHole));
        Assert.False(ShapeRelations.WithinDistance(inHole, donut));
        Assert.True(ShapeRelations.WithinDistance(donut, touchingHole));
        Assert.True(ShapeRelations.WithinDistance(touchingHole, donut));
        Assert.True(ShapeRelations.WithinDistance(donut, inRing));
        Assert.True(ShapeRelations.WithinDistance(inRing, donut));
        // From x = 4 to the hole's edge at x = 3, near the equator: about a degree.
        Assert.InRange(ShapeRelations.Distance(donut, inHole), 110_000, 111_400);
    }

    [Fact]
    public void a_circle_in_a_hole_conflicts_only_when_its_radius_reaches_the_hole_boundary()
    {
        var donut = Polygon(Ring(-5, -5, 5, -5, 5, 5, -5, 5), Ring(-1, -1, 1, -1, 1, 1, -1, 1));
        // From the centre on the equator, the nearest points of the hole's boundary are (0, ±1): a degree
        // of meridian is shorter than a degree of equator.
        Assert.False(ShapeRelations.WithinDistance(Shape.Circle(0, 0, OneDegreeOfMeridianAtEquator - 0.01), donut));
        Assert.True(ShapeRelations.WithinDistance(Shape.Circle(0, 0, OneDegreeOfMeridianAtEquator + 0.01), donut));
    }

    [Theory]
    [InlineData(+0.01, true)]
    [InlineData(-0.01, false)]
    public void a_circle_tangent_to_a_meridian_edge_conflicts_only_when_it_reaches(double radiusOffset, bool expected)
    {
        // The nearest point of the meridian x = 1 to (0, 0) is (1, 0), by symmetry.
        var polygon = Box(1, -1, 2, 1);
        var circle = Shape.Circle(0, 0, OneDegreeOfEquator + radiusOffset);
        Assert.Equal(expected, ShapeRelations.WithinDistance(circle, polygon));
        Assert.Equal(expected, ShapeRelations.WithinDistance(polygon, circle));
    }

    [Theory]
    [InlineData(+0.01, true)]
    [InlineData(-0.01, false)]
    public void a_circle_tangent_to_an_equator_edge_conflicts_only_when_it_reaches(double radiusOffset, bool expected)
    {
        var polygon = Box(-1, -1, 1, 0);
        var circle = Shape.Circle(0, 1, OneDegreeOfMeridianAtEquator + radiusOffset);
        Assert.Equal(expected, ShapeRelations.WithinDistance(circle, polygon));
    }

    [Fact]
    public void the_distance_from_a_circle_to_a_tangent_edge_is_its_gap_to_the_millimetre()
    {
        var polygon = Box(1, -1, 2, 1);
        Assert.Equal(1000, ShapeRelations.Distance(Shape.Circle(0, 0, OneDegreeOfEquator - 1000), polygon), 0.001);
        Assert.Equal(0, ShapeRelations.Distance(Shape.Circle(0, 0, OneDegreeOfEquator + 1), polygon));
    }

    [Theory]
    [InlineData(HundredthDegreeOfEquator + 0.01, true)]
    [InlineData(HundredthDegreeOfEquator - 0.01, false)]
    [InlineData(1000, false)]
    public void a_circle_at_179_99_reaches_a_polygon_beyond_the_antimeridian(double radius, bool expected)
    {
        var polygon = Box(-180, -1, -179.9, 1);
        var circle = Shape.Circle(179.99, 0, radius);
        Assert.Equal(expected, ShapeRelations.WithinDistance(circle, polygon));
        Assert.Equal(expected, ShapeRelations.WithinDistance(polygon, circle));
    }

    [Fact]
    public void a_polygon_ending_at_180_touches_one_starting_at_minus_180()
    {
        var east = Box(179, -1, 180, 1);
        var west = Box(-180, 0.5, -179, 2);
        Assert.True(ShapeRelations.WithinDistance(east, west));
        Assert.True(ShapeRelations.WithinDistance(west, east));
        Assert.Equal(0, ShapeRelations.Distance(east, west));
    }

    [Fact]
    public void polygons_on_either_side_of_the_antimeridian_at_different_latitudes_do_not_touch()
    {
        var east = Box(179, 0, 180, 1);
        var west = Box(-180, 1.5, -179, 2);
        Assert.False(ShapeRelations.WithinDistance(east, west));
        Assert.InRange(ShapeRelations.Distance(east, west), 55_000, 56_000);
    }

    [Fact]
    public void a_split_multipolygon_conflicts_through_either_half()
    {
        var split = MultiPolygon(Ring(179, -1, 180, -1, 180, 1, 179, 1), Ring(-180, -1, -179, -1, -179, 1, -180, 1));
        Assert.True(ShapeRelations.WithinDistance(split, Box(-179.5, 0, -179.2, 0.5)));
        Assert.True(ShapeRelations.WithinDistance(split, Box(179.2, 0, 179.5, 0.5)));
        Assert.True(ShapeRelations.WithinDistance(split, Shape.Circle(180, 0, 1)));
        Assert.True(ShapeRelations.WithinDistance(split, Shape.Circle(-180, 0, 1)));
        Assert.False(ShapeRelations.WithinDistance(split, Box(-178, 0, -177, 1)));
    }

    [Theory]
    [InlineData(10_000, false)]
    [InlineData(11_000, true)]
    public void a_corridor_ending_on_the_antimeridian_reaches_across_it(double halfWidth, bool expected)
    {
        // From (180, 10) to the meridian -179.9 is a little under 10963.94 m.
        var corridor = Shape.Corridor([179.9, 10, 180, 10], halfWidth);
        var polygon = Box(-179.9, 9.95, -179.8, 10.05);
        Assert.Equal(expected, ShapeRelations.WithinDistance(corridor, polygon));
        Assert.Equal(expected, ShapeRelations.WithinDistance(polygon, corridor));
    }

    [Fact]
    public void a_corridor_near_the_antimeridian_reaches_a_circle_on_the_other_side()
    {
        var corridor = Shape.Corridor([179.95, -5, 179.95, 5], 3_000);
        Assert.True(ShapeRelations.WithinDistance(corridor, Shape.Circle(-179.99, 0, 4_000)));
        Assert.False(ShapeRelations.WithinDistance(corridor, Shape.Circle(-179.99, 0, 2_000)));
    }

    [Fact]
    public void polar_caps_touching_the_pole_at_different_longitudes_conflict()
    {
        var a = Box(0, 89, 10, 90);
        var b = Box(100, 89, 110, 90);
        var c = Polygon(Ring(-120, 88, -110, 88, -115, 90));
        Assert.True(ShapeRelations.WithinDistance(a, b));
        Assert.True(ShapeRelations.WithinDistance(b, c));
        Assert.True(ShapeRelations.WithinDistance(c, a));
        Assert.Equal(0, ShapeRelations.Distance(a, c));
    }

    [Fact]
    public void south_polar_caps_touching_the_pole_conflict()
    {
        var a = Box(0, -90, 10, -89);
        var b = Polygon(Ring(-170, -88, -160, -88, -165, -90));
        Assert.True(ShapeRelations.WithinDistance(a, b));
        Assert.False(ShapeRelations.WithinDistance(a, Box(100, 89, 110, 90)));
    }

    [Theory]
    [InlineData(PoleToLatitude89_9 - 0.01, false)]
    [InlineData(PoleToLatitude89_9 + 0.01, true)]
    public void a_polar_cap_and_a_polygon_short_of_the_pole_are_apart_by_the_polar_distance(double metres, bool expected)
    {
        var cap = Box(0, 89, 10, 90);
        var nearPole = Box(100, 89, 110, 89.9);
        Assert.Equal(expected, ShapeRelations.WithinDistance(cap, nearPole, metres));
        Assert.Equal(PoleToLatitude89_9, ShapeRelations.Distance(cap, nearPole), 0.001);
    }

    [Theory]
    [InlineData(From0_89_5To170_89_6 - 0.01, false)]
    [InlineData(From0_89_5To170_89_6 + 0.01, true)]
    public void a_circle_reaches_over_the_north_pole(double radius, bool expected)
    {
        // The nearest point of the far polygon, across the pole, is its corner (170, 89.6).
        var far = Box(170, 89.5, 180, 89.6);
        var circle = Shape.Circle(0, 89.5, radius);
        Assert.Equal(expected, ShapeRelations.WithinDistance(circle, far));
        Assert.Equal(expected, ShapeRelations.WithinDistance(far, circle));
    }

    [Fact]
    public void a_circle_over_the_south_pole_reaches_a_polygon_on_the_far_side_and_across_the_antimeridian()
    {
        var circle = Shape.Circle(0, -89.5, 120_000);
        Assert.True(ShapeRelations.WithinDistance(circle, Box(179, -89.6, 180, -89.5)));
        Assert.True(ShapeRelations.WithinDistance(circle, Box(-180, -89.6, -179, -89.5)));
        Assert.False(ShapeRelations.WithinDistance(Shape.Circle(0, -89.5, 90_000), Box(-180, -89.6, -179, -89.5)));
    }

    [Fact]
    public void a_circle_centred_on_the_pole_reaches_every_longitude()
    {
        var circle = Shape.Circle(0, 90, PoleToLatitude89_9 + 0.01);
        foreach (double lon in new[] { -180, -135.5, -90, 0, 45, 179.99, 180 })
        {
            Assert.True(ShapeRelations.WithinDistance(circle, Shape.Circle(lon, 89.9, 0.001)), $"lon {lon}");
            Assert.False(ShapeRelations.WithinDistance(circle, Shape.Circle(lon, 89.89, 0.001)), $"lon {lon}");
        }
    }

    [Fact]
    public void a_point_on_the_pole_is_inside_every_polygon_touching_the_pole()
    {
        Assert.True(ShapeRelations.WithinDistance(Shape.Circle(-77, 90, 1), Box(0, 89, 10, 90)));
        Assert.True(ShapeRelations.WithinDistance(Shape.Circle(123, -90, 1), Box(0, -90, 10, -89)));
    }

    [Fact]
    public void two_circles_conflict_when_their_radii_add_up_to_the_distance()
    {
        var a = Shape.Circle(0, 0, OneDegreeOfEquator / 2);
        Assert.True(ShapeRelations.WithinDistance(a, Shape.Circle(1, 0, (OneDegreeOfEquator / 2) + 0.01)));
        Assert.False(ShapeRelations.WithinDistance(a, Shape.Circle(1, 0, (OneDegreeOfEquator / 2) - 0.01)));
        Assert.True(ShapeRelations.WithinDistance(a, Shape.Circle(1, 0, 1), (OneDegreeOfEquator / 2) - 0.99));
        Assert.False(ShapeRelations.WithinDistance(a, Shape.Circle(1, 0, 1), (OneDegreeOfEquator / 2) - 1.01));
    }

    [Fact]
    public void crossing_corridors_conflict_whatever_their_width()
    {
        var a = Shape.Corridor([-1, 0, 1, 0], 0.001);
        var b = Shape.Corridor([0, -1, 0, 1], 0.001);
        Assert.True(ShapeRelations.WithinDistance(a, b));
        Assert.Equal(0, ShapeRelations.Distance(a, b));
    }

    [Fact]
    public void a_corridor_inside_a_polygon_conflicts_without_touching_its_boundary()
    {
        Assert.True(ShapeRelations.WithinDistance(Shape.Corridor([0.2, 0.2, 0.8, 0.8], 1), Box(0, 0, 1, 1)));
        Assert.True(ShapeRelations.WithinDistance(Box(0, 0, 1, 1), Shape.Corridor([0.2, 0.2, 0.8, 0.8], 1)));
    }

    [Fact]
    public void a_polygon_inside_another_conflicts_without_touching_its_boundary()
    {
        Assert.True(ShapeRelations.WithinDistance(Box(0, 0, 10, 10), Box(4, 4, 6, 6)));
        Assert.True(ShapeRelations.WithinDistance(Box(4, 4, 6, 6), Box(0, 0, 10, 10)));
    }

    [Fact]
    public void polar_corridors_whose_half_widths_exceed_the_gap_between_their_lines_overlap()
    {
        // The shapes of property-test seed dSBAzNRv7Dc6: 95.90 + 575.51 m of half-widths across a 547.008 m gap.
        var a = Shape.Corridor(PolarLineA, 95.90256147814554);
        var b = Shape.Corridor(PolarLineB, 575.5068227943194);
        Assert.True(ShapeRelations.WithinDistance(a, b));
        Assert.True(ShapeRelations.WithinDistance(b, a));
        Assert.Equal(0, ShapeRelations.Distance(a, b));
        Assert.Equal(0, ShapeRelations.Distance(b, a));
        Assert.Equal(0, GeometryOracle.FootprintDistance(a, b));
        Assert.Equal(0, GeometryOracle.FootprintDistance(b, a));
    }

    public static TheoryData<string> PolarCases => ["corridor", "corridor mirrored south", "corridor turned 120° west", "point", "triangle"];

    [Theory]
    [MemberData(nameof(PolarCases))]
    public void a_long_polar_edge_is_measured_to_the_millimetre_near_its_end(string name)
    {
        var (other, line, metres) = PolarCase(name, halfWidth: 0);

        Assert.Equal(metres, ShapeRelations.Distance(other, line), 0.001);
        Assert.Equal(metres, ShapeRelations.Distance(line, other), 0.001);
        Assert.False(ShapeRelations.WithinDistance(other, line, metres - 0.01));
        Assert.False(ShapeRelations.WithinDistance(line, other, metres - 0.01));
        Assert.True(ShapeRelations.WithinDistance(other, line, metres + 0.01));
        Assert.True(ShapeRelations.WithinDistance(line, other, metres + 0.01));

        // The brute-force model of the property tests must find it too.
        Assert.Equal(metres, GeometryOracle.BaseDistance(other, line), 0.001);
        Assert.Equal(metres, GeometryOracle.BaseDistance(line, other), 0.001);
    }

    [Theory]
    [MemberData(nameof(PolarCases))]
    public void a_polar_corridor_reaches_a_shape_when_its_half_width_covers_the_gap(string name)
    {
        double gap = PolarCase(name, halfWidth: 0).Metres;
        var (other, narrow, _) = PolarCase(name, halfWidth: gap - 0.01);
        var (_, wide, _) = PolarCase(name, halfWidth: gap + 0.01);
        Assert.False(ShapeRelations.WithinDistance(other, narrow));
        Assert.False(ShapeRelations.WithinDistance(narrow, other));
        Assert.True(ShapeRelations.WithinDistance(other, wide));
        Assert.True(ShapeRelations.WithinDistance(wide, other));
    }

    /// <summary>A base shape near the first edge of <see cref="PolarLineB"/>, that line as a corridor, and their GeographicLib distance.</summary>
    private static (Shape Other, Shape Line, double Metres) PolarCase(string name, double halfWidth)
    {
        static double[] Map(double[] packed, Func<double, double> lon, Func<double, double> lat) =>
            [.. packed.Select((v, i) => i % 2 == 0 ? lon(v) : lat(v))];
        return name switch
        {
            "corridor" => (Shape.Corridor(PolarLineA, 0), Shape.Corridor(PolarLineB, halfWidth), PolarLineAToPolarLineB),
            "corridor mirrored south" => (
                Shape.Corridor(Map(PolarLineA, x => x, y => -y), 0), Shape.Corridor(Map(PolarLineB, x => x, y => -y), halfWidth), PolarLineAToPolarLineB),
            "corridor turned 120° west" => (
                Shape.Corridor(Map(PolarLineA, x => x - 120, y => y), 0), Shape.Corridor(Map(PolarLineB, x => x - 120, y => y), halfWidth), PolarLineAToPolarLineB),
            "point" => (Shape.Circle(103.0, 88.3, 0), Shape.Corridor(PolarLineB, halfWidth), Point103_88_3ToPolarLineB),
            "triangle" => (Polygon(Ring(103.2, 88.3, 103.6, 88.295, 103.4, 88.29)), Shape.Corridor(PolarLineB, halfWidth), PolarTriangleToPolarLineB),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }
}
