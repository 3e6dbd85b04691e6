using System.Text;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Storage.Tests.Sqlite;

/// <summary>Zones and operations of every geometry kind, built the way the server builds them: from GeoJSON.</summary>
internal static class Samples
{
    public static readonly Agreement Agreement = new()
    {
        Id = new AgreementId("theater-1"),
        Name = "Test theater",
        Parties =
        [
            new Party(new PartyId("blue"), "Blue", PartyRole.Member),
            new Party(new PartyId("red"), "Red", PartyRole.Member),
            new Party(new PartyId("aid"), "Aid", PartyRole.Member),
        ],
    };

    // One feature per geometry kind, each with a different mix of the optional properties.
    private const string PolygonWithHole = """
        {"type":"Feature","id":"hole","geometry":{"type":"Polygon","coordinates":[
          [[10,10],[11,10],[11,11],[10,11],[10,10]],
          [[10.2,10.2],[10.2,10.4],[10.4,10.4],[10.4,10.2],[10.2,10.2]]]},
         "properties":{"kind":"KIND","owner":"blue","alt_min_m":0,"alt_max_m":3000.5,
          "start":"2026-05-01T06:00:00Z","end":"2026-05-02T06:00:00.25Z","name":"Field hospital",
          "visibility":"parties","shared_with":["aid","red"]}}
        """;

    private const string AntimeridianMultiPolygon = """
        {"type":"Feature","id":"split","geometry":{"type":"MultiPolygon","coordinates":[
          [[[179,0],[180,0],[180,1],[179,1],[179,0]]],
          [[[-180,0],[-179,0],[-179,1],[-180,1],[-180,0]]]]},
         "properties":{"kind":"KIND","owner":"red","start":"2026-05-01T00:00:00Z","end":null,"visibility":"public"}}
        """;

    private const string PointWithRadius = """
        {"type":"Feature","id":"circle","geometry":{"type":"Point","coordinates":[30.5,50.25]},
         "properties":{"kind":"KIND","owner":"aid","radius_m":500,"alt_min_m":-20,
          "start":"2026-06-01T12:30:00+02:00","end":"2026-06-01T18:00:00Z"}}
        """;

    private const string LineWithCorridor = """
        {"type":"Feature","id":"route","geometry":{"type":"LineString","coordinates":[[30,50],[30.5,50.5],[31,50.4]]},
         "properties":{"kind":"KIND","owner":"blue","corridor_m":250,"alt_max_m":120,
          "start":"2026-05-03T08:00:00Z","end":"2026-05-03T20:00:00Z","name":"Convoy route","visibility":"private"}}
        """;

    /// <summary>Four zones: a polygon with a hole, a split multipolygon, a circle and a corridor.</summary>
    public static IReadOnlyList<Zone> EveryZoneKind() =>
    [
        Zone(PolygonWithHole, "protected"),
        Zone(AntimeridianMultiPolygon, "restricted") with { Version = 3 },
        Zone(PointWithRadius, "designated"),
        Zone(LineWithCorridor, "protected") with { Version = 7 },
    ];

    /// <summary>Four operations of the four standard kinds, in four states, one per geometry kind.</summary>
    public static IReadOnlyList<Operation> EveryOperationKind() =>
    [
        Operation(PolygonWithHole, "strike") with { State = OperationState.AwaitingConcurrence, Version = 2 },
        Operation(AntimeridianMultiPolygon, "flight") with { State = OperationState.Accepted },
        Operation(PointWithRadius, "humanitarian-movement") with { State = OperationState.Active, Version = 5 },
        Operation(LineWithCorridor, "ground-movement") with { State = OperationState.Cancelled, Version = 9 },
    ];

    /// <summary>A small square zone with the given id, owner and corner.</summary>
    public static Zone Square(string id, string owner = "blue", double lon = 0, double lat = 0) => Zone($$$"""
        {"type":"Feature","id":"{{{id}}}","geometry":{"type":"Polygon","coordinates":[
          [[{{{lon}}},{{{lat}}}],[{{{lon + 0.1}}},{{{lat}}}],[{{{lon + 0.1}}},{{{lat + 0.1}}}],[{{{lon}}},{{{lat + 0.1}}}],[{{{lon}}},{{{lat}}}]]]},
         "properties":{"kind":"KIND","owner":"{{{owner}}}","start":"2026-05-01T00:00:00Z"}}
        """, "protected");

    public static Zone Zone(string json, string kind)
    {
        using var document = FeatureReader.ParseJson(Encoding.UTF8.GetBytes(json.Replace("KIND", kind, StringComparison.Ordinal)));
        return Assert.Single(FeatureReader.ReadZones(document.RootElement, Agreement));
    }

    public static Operation Operation(string json, string kind)
    {
        using var document = FeatureReader.ParseJson(Encoding.UTF8.GetBytes(json.Replace("KIND", kind, StringComparison.Ordinal)));
        return Assert.Single(FeatureReader.ReadOperations(document.RootElement, Agreement));
    }
}
