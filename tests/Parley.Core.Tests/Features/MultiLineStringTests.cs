using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Geometry;

namespace Parley.Core.Tests.Features;

public sealed class MultiLineStringTests
{
    private const string RouteAcrossTheAntimeridian = """
        {"type":"Feature","id":"route-1","geometry":{"type":"MultiLineString","coordinates":[[[179.5,10],[180,10]],[[-180,10],[-179.5,10]]]},
         "properties":{"kind":"flight","owner":"a","corridor_m":1000,"start":"2026-01-01T00:00:00Z"}}
        """;

    [Fact]
    public void a_route_split_at_the_antimeridian_is_one_corridor_that_reaches_both_sides()
    {
        using var doc = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(RouteAcrossTheAntimeridian));
        var op = Assert.Single(FeatureReader.ReadOperations(doc.RootElement, Agreement.Default()));
        Assert.Equal(2, op.Volume.Footprint.Paths.Count);

        // Points 500 m north of the route on either side of the antimeridian lie in the corridor.
        Assert.True(ShapeRelations.WithinDistance(Shape.Circle(-179.8, 10.0045, 1), op.Volume.Footprint));
        Assert.True(ShapeRelations.WithinDistance(Shape.Circle(179.8, 10.0045, 1), op.Volume.Footprint));
        Assert.False(ShapeRelations.WithinDistance(Shape.Circle(0, 10, 1), op.Volume.Footprint));
    }

    [Fact]
    public void a_multilinestring_round_trips_through_the_writer()
    {
        using var doc = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(RouteAcrossTheAntimeridian));
        var op = FeatureReader.ReadOperations(doc.RootElement, Agreement.Default())[0];
        using var again = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(FeatureWriter.ToJson(op)));
        var back = FeatureReader.ReadOperations(again.RootElement, Agreement.Default())[0];
        Assert.Equal(op.Volume.Footprint.Paths, back.Volume.Footprint.Paths);
        Assert.Equal(1000, back.Volume.Footprint.BufferMetres);
    }
}
