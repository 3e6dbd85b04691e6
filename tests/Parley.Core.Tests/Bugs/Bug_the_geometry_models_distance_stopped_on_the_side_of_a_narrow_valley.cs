using Parley.Core.Geometry;
using Parley.Core.Index;
using Parley.Core.Tests.Support;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// The brute-force geometry model, not Parley, measured 1.6070 m between two polygons near the north pole that are
/// 1.4714 m apart (GeographicLib), and the distance property test (seed e9tg7NLug_31) failed Parley's right answer.
/// A vertex of the first polygon lies 155 m from the pole, beside an edge of the second that runs out of the pole:
/// over the two edges' parameters the distance is a long, narrow valley slanting across the model's grid, and the
/// model's compass search stopped on its side. The model now searches one parameter inside the other. Parley was
/// right: its distance, its predicate and its index's query are held here to the GeographicLib distance.
/// </summary>
public class Bug_the_geometry_models_distance_stopped_on_the_side_of_a_narrow_valley
{
    // GeographicLib (Karney) on WGS84: from the vertex (119.27395391607232, 89.99861246123534) of PolarPair's first
    // shape to the edge (118.74106285227495, 90)–(118.27868181822399, 89.94220086026525) of its second.
    private const double Apart = 1.471422;

    private static (Shape A, Shape B) PolarPair() => (
        MultiPolygon(
            Ring(127.82221702039563, 89.81980647661415, 127.4422343021145, 89.83931431616085, 127.90345185026149, 89.9193809587623,
                129.5742571628911, 89.92863366256194, 129.84767930937008, 89.92627365140746),
            Ring(118.75649808237279, 89.97747099256837, 118.71026481165396, 89.97943539116213, 119.27395391607232, 89.99861246123534,
                119.51926286890456, 89.9967064783313, 119.79814127568403, 89.99281461163422, 119.83446566065686, 89.98468816770009,
                119.4299627882498, 89.98189064605934)),
        Polygon(Ring(118.23824286628641, 89.93994849676051, 116.90673662482054, 90, 118.74106285227495, 90,
            118.27868181822399, 89.94220086026525)));

    [Fact]
    public void the_model_and_parley_measure_the_polar_pair_as_geographiclib_does()
    {
        var (a, b) = PolarPair();
        Assert.Equal(Apart, GeometryOracle.FootprintDistance(a, b), 0.0005);
        Assert.Equal(Apart, GeometryOracle.FootprintDistance(b, a), 0.0005);
        Assert.Equal(Apart, ShapeRelations.Distance(a, b), 0.0005);
        Assert.Equal(Apart, ShapeRelations.Distance(b, a), 0.0005);
    }

    [Fact]
    public void the_polar_pair_conflicts_within_a_separation_just_above_their_distance_and_not_just_below()
    {
        var (a, b) = PolarPair();
        Assert.True(ShapeRelations.WithinDistance(a, b, Apart + 0.002));
        Assert.True(ShapeRelations.WithinDistance(b, a, Apart + 0.002));
        Assert.False(ShapeRelations.WithinDistance(a, b, Apart - 0.002));
        Assert.False(ShapeRelations.WithinDistance(b, a, Apart - 0.002));
        Assert.False(ShapeRelations.BaseIntersects(a, b));
    }

    [Fact]
    public void the_index_finds_the_polar_pair_within_a_separation_just_above_their_distance_and_not_just_below()
    {
        var (a, b) = PolarPair();
        foreach (var (filed, asked) in new[] { (a, b), (b, a) })
        {
            var index = new SpatioTemporalIndex<string>();
            index.Upsert("filed", "filed", Volume(filed));
            var near = new List<string>();
            index.Query(Volume(asked), Apart + 0.002, 0, null, near);
            Assert.Equal(["filed"], near);
            var far = new List<string>();
            index.Query(Volume(asked), Apart - 0.002, 0, null, far);
            Assert.Empty(far);
        }
    }
}
