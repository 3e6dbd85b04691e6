using System.Text;
using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Tests.Features;

/// <summary>Validation of GeoJSON input: every refusal names the feature and the field.</summary>
public class FeatureReaderTests
{
    private const string Square = "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]";

    private static readonly Agreement WithParties = Agreement.Default() with
    {
        Parties = [new Party(new PartyId("blue"), "Blue", PartyRole.Member), new Party(new PartyId("red"), "Red", PartyRole.Member)],
    };

    internal static string Feature(
        string id = "f1", string type = "Polygon", string coordinates = Square, string kind = "protected", string owner = "blue", string extra = "") =>
        "{\"type\":\"Feature\",\"id\":\"" + id + "\",\"geometry\":{\"type\":\"" + type + "\",\"coordinates\":" + coordinates + "}," +
        "\"properties\":{\"kind\":\"" + kind + "\",\"owner\":\"" + owner + "\",\"start\":\"2026-05-01T06:00:00Z\"" + extra + "}}";

    internal static InputError RejectedZone(string json, Agreement? agreement = null)
    {
        using var doc = JsonDocument.Parse(json);
        var e = Assert.Throws<InputRejectedException>(() => FeatureReader.ReadZones(doc.RootElement, agreement ?? Agreement.Default()));
        return e.Errors[0];
    }

    private static InputError RejectedOperation(string json, Agreement? agreement = null)
    {
        using var doc = JsonDocument.Parse(json);
        var e = Assert.Throws<InputRejectedException>(() => FeatureReader.ReadOperations(doc.RootElement, agreement ?? Agreement.Default()));
        return e.Errors[0];
    }

    internal static void AssertNames(InputError error, string field, string? id = "f1")
    {
        Assert.Equal(id, error.FeatureId);
        Assert.Contains(field, error.Field, StringComparison.Ordinal);
    }

    [Fact]
    public void a_valid_polygon_zone_is_read()
    {
        using var doc = JsonDocument.Parse(Feature(extra: ""","alt_min_m":0,"alt_max_m":100,"end":"2026-05-01T08:00:00Z" """));
        var zone = Assert.Single(FeatureReader.ReadZones(doc.RootElement, Agreement.Default()));
        Assert.Equal("f1", zone.Id.Value);
        Assert.Equal(ZoneKind.Protected, zone.Kind);
        Assert.Equal(new AltitudeBand(0, 100), zone.Volume.Altitude);
        Assert.Equal(TimeSpan.FromHours(2), zone.Volume.Time.End - zone.Volume.Time.Start);
    }

    [Fact]
    public void an_unclosed_ring_is_refused()
    {
        AssertNames(RejectedZone(Feature(coordinates: "[[[0,0],[1,0],[1,1],[0,1],[0,0.5]]]")), "geometry.coordinates");
    }

    [Fact]
    public void a_bow_tie_ring_is_refused_as_self_intersecting()
    {
        var error = RejectedZone(Feature(coordinates: "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]"));
        AssertNames(error, "geometry.coordinates");
        Assert.Contains("self-intersecting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_ring_touching_itself_at_a_vertex_is_refused()
    {
        AssertNames(RejectedZone(Feature(coordinates: "[[[0,0],[2,0],[1,1],[2,2],[0,2],[1,1],[0,0]]]")), "geometry.coordinates");
    }

    [Fact]
    public void a_hole_outside_its_shell_is_refused()
    {
        AssertNames(RejectedZone(Feature(coordinates: "[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[5,5],[6,5],[6,6],[5,6],[5,5]]]")), "geometry.coordinates");
    }

    [Theory]
    [InlineData("[[[\"NaN\",0],[1,0],[1,1],[0,1],[\"NaN\",0]]]")]
    [InlineData("[[[\"0\",0],[1,0],[1,1],[0,1],[\"0\",0]]]")]
    [InlineData("[[[0,null],[1,0],[1,1],[0,1],[0,null]]]")]
    [InlineData("[[[0,1e999],[1,0],[1,1],[0,1],[0,1e999]]]")]
    [InlineData("[[[0],[1,0],[1,1],[0,1],[0]]]")]
    public void coordinates_that_are_not_finite_numbers_are_refused(string coordinates)
    {
        AssertNames(RejectedZone(Feature(coordinates: coordinates)), "geometry.coordinates");
    }

    [Theory]
    [InlineData("[[[181,0],[182,0],[182,1],[181,1],[181,0]]]")]
    [InlineData("[[[-180.5,0],[1,0],[1,1],[-180.5,0]]]")]
    [InlineData("[[[0,90],[1,91],[1,89],[0,90]]]")]
    [InlineData("[[[0,-91],[1,-89],[0,-89],[0,-91]]]")]
    public void coordinates_out_of_range_are_refused(string coordinates)
    {
        var error = RejectedZone(Feature(coordinates: coordinates));
        AssertNames(error, "geometry.coordinates");
        Assert.Contains("outside", error.Message, StringComparison.Ordinal);
    }

    private static string RegularRing(int positions)
    {
        var sb = new StringBuilder("[[");
        for (int i = 0; i < positions - 1; i++)
        {
            double a = 2 * Math.PI * i / (positions - 1);
            sb.Append(FormattableString.Invariant($"[{Math.Cos(a):R},{Math.Sin(a):R}],"));
        }

        sb.Append("[1,0]]]");
        return sb.ToString();
    }

    [Fact]
    public void more_vertices_than_the_agreement_allows_are_refused()
    {
        // A ring's closing position repeats its first and is not a vertex: eleven positions are ten vertices.
        var small = Agreement.Default() with { MaxVerticesPerFeature = 10 };
        using (var ok = JsonDocument.Parse(Feature(coordinates: RegularRing(11))))
        {
            Assert.Single(FeatureReader.ReadZones(ok.RootElement, small));
        }

        var error = RejectedZone(Feature(coordinates: RegularRing(12)), small);
        AssertNames(error, "geometry.coordinates");
        Assert.Contains("10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void the_default_limit_is_ten_thousand_vertices_per_feature()
    {
        Assert.Equal(10_000, Agreement.Default().MaxVerticesPerFeature);
        using (var ok = JsonDocument.Parse(Feature(coordinates: RegularRing(10_001))))
        {
            Assert.Single(FeatureReader.ReadZones(ok.RootElement, Agreement.Default()));
        }

        AssertNames(RejectedZone(Feature(coordinates: RegularRing(10_002))), "geometry.coordinates");
    }

    [Theory]
    [InlineData("2026-05-01T06:00:00Z")]
    [InlineData("2026-05-01T05:00:00Z")]
    public void an_end_not_after_the_start_is_refused(string end)
    {
        AssertNames(RejectedZone(Feature(extra: $$""","end":"{{end}}" """)), "properties.end");
    }

    [Theory]
    [InlineData("2026-05-01T09:00:00+01:00", 2)]
    [InlineData("2026-05-01T08:00:00-02:30", 4.5)]
    [InlineData("2026-05-01t08:00:00z", 2)]
    public void a_time_with_a_zone_offset_is_read_in_utc(string end, double hoursAfterStart)
    {
        using var doc = JsonDocument.Parse(Feature(extra: $$""","end":"{{end}}" """));
        var zone = Assert.Single(FeatureReader.ReadZones(doc.RootElement, Agreement.Default()));
        Assert.Equal(TimeSpan.FromHours(hoursAfterStart), zone.Volume.Time.End - zone.Volume.Time.Start);
    }

    [Fact]
    public void a_missing_start_is_refused()
    {
        var json = Feature().Replace("\"start\":\"2026-05-01T06:00:00Z\"", "\"name\":\"x\"", StringComparison.Ordinal);
        AssertNames(RejectedZone(json), "properties.start");
    }

    [Fact]
    public void alt_min_above_alt_max_is_refused()
    {
        AssertNames(RejectedZone(Feature(extra: ""","alt_min_m":500,"alt_max_m":100""")), "properties.alt_min_m");
    }

    [Theory]
    [InlineData("")]
    [InlineData(",\"radius_m\":0")]
    [InlineData(",\"radius_m\":-5")]
    [InlineData(",\"radius_m\":\"100\"")]
    public void a_point_without_a_positive_radius_is_refused(string radius)
    {
        AssertNames(RejectedZone(Feature(type: "Point", coordinates: "[10,20]", extra: radius)), "properties.radius_m");
    }

    [Theory]
    [InlineData("")]
    [InlineData(",\"corridor_m\":0")]
    [InlineData(",\"corridor_m\":-1")]
    public void a_line_string_without_a_positive_corridor_is_refused(string corridor)
    {
        AssertNames(RejectedOperation(Feature(type: "LineString", coordinates: "[[10,20],[11,21]]", kind: "flight", extra: corridor)), "properties.corridor_m");
    }

    [Fact]
    public void an_unknown_zone_kind_is_refused()
    {
        AssertNames(RejectedZone(Feature(kind: "forbidden")), "properties.kind");
    }

    [Fact]
    public void an_unknown_operation_kind_is_refused()
    {
        AssertNames(RejectedOperation(Feature(kind: "bombardment")), "properties.kind");
    }

    [Fact]
    public void an_unknown_party_is_refused_when_the_agreement_lists_its_parties()
    {
        AssertNames(RejectedZone(Feature(owner: "green"), WithParties), "properties.owner");
        using var doc = JsonDocument.Parse(Feature(owner: "red"));
        Assert.Single(FeatureReader.ReadZones(doc.RootElement, WithParties));
    }

    [Fact]
    public void an_unknown_geometry_type_is_refused()
    {
        AssertNames(RejectedZone(Feature(type: "MultiPoint", coordinates: "[[0,0]]")), "geometry.type");
    }

    [Fact]
    public void duplicate_ids_in_a_feature_collection_are_refused()
    {
        string json = $$"""{"type":"FeatureCollection","features":[{{Feature(id: "a")}},{{Feature(id: "b")}},{{Feature(id: "a")}}]}""";
        var error = RejectedZone(json);
        Assert.Equal("a", error.FeatureId);
        Assert.Equal("features[2].id", error.Field);
    }

    [Fact]
    public void an_error_in_a_feature_collection_names_that_feature()
    {
        string json = $$"""{"type":"FeatureCollection","features":[{{Feature(id: "good")}},{{Feature(id: "bad", kind: "nope")}}]}""";
        var error = RejectedZone(json);
        Assert.Equal("bad", error.FeatureId);
        Assert.Equal("features[1].properties.kind", error.Field);
    }

    [Theory]
    [InlineData("{\"type\":\"Feature\",")]
    [InlineData("{\"type\":\"Feature\" \"id\":1}")]
    [InlineData("[1,2,]")]
    [InlineData("{\"coordinates\":[NaN,0]}")]
    public void malformed_json_is_refused(string text)
    {
        var e = Assert.Throws<InputRejectedException>(() => FeatureReader.ParseJson(Encoding.UTF8.GetBytes(text)));
        Assert.Equal("$", e.Errors[0].Field);
        Assert.Contains("malformed JSON", e.Errors[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"type\":\"Feature\",\"type\":\"FeatureCollection\"}", "type", "'type' is repeated")]
    [InlineData("{\"a\":{\"b\":1,\"\\u0062\":2}}", "a.b", "'b' is repeated")]
    [InlineData("{\"\\udc00\\udc00\":1}", "$", "lone UTF-16 surrogate")]
    public void a_property_name_repeated_in_one_object_or_holding_a_lone_surrogate_is_refused(string text, string field, string reason)
    {
        var e = Assert.Throws<InputRejectedException>(() => FeatureReader.ParseJson(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(field, e.Errors[0].Field);
        Assert.Contains(reason, e.Errors[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'"', 0xFF, (byte)'"' }, 2)]
    [InlineData(new byte[] { (byte)'"', (byte)'a', 0xC0, 0xAF, (byte)'"' }, 3)]
    [InlineData(new byte[] { (byte)'"', 0xED, 0xA0, 0x80, (byte)'"' }, 2)]
    [InlineData(new byte[] { (byte)'"', (byte)'"', 0xE2, 0x82 }, 3)]
    public void text_that_is_not_utf8_is_refused_naming_the_first_bad_byte(byte[] text, int position)
    {
        var e = Assert.Throws<InputRejectedException>(() => FeatureReader.ParseJson(text));
        Assert.Equal("$", e.Errors[0].Field);
        Assert.Equal($"not valid UTF-8 (byte {position})", e.Errors[0].Message);
    }

    [Fact]
    public void a_position_whose_altitude_is_not_a_finite_number_is_refused()
    {
        var error = RejectedZone(Feature(type: "Point", coordinates: "[0,0,1e400]", extra: ",\"radius_m\":5"));
        Assert.Equal("geometry.coordinates", error.Field);
    }

    public static TheoryData<string, string> ValidGeometries => new()
    {
        { "Polygon", Square },
        { "Polygon", "[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[3,3],[7,3],[7,7],[3,7],[3,3]]]" },
        { "MultiPolygon", "[[[[179,-1],[180,-1],[180,1],[179,1],[179,-1]]],[[[-180,-1],[-179,-1],[-179,1],[-180,1],[-180,-1]]]]" },
        { "Polygon", "[[[0,89],[10,89],[10,90],[0,90],[0,89]]]" },
        { "Point", "[179.99,0]" },
        { "LineString", "[[179.9,10],[180,10.5],[179.5,11]]" },
    };

    [Theory]
    [MemberData(nameof(ValidGeometries))]
    public void every_geometry_type_round_trips_through_the_writer(string type, string coordinates)
    {
        string extra = type switch
        {
            "Point" => ""","radius_m":1500.5""",
            "LineString" => ""","corridor_m":250""",
            _ => "",
        };
        extra += ""","alt_min_m":-10.5,"alt_max_m":12000,"end":null,"name":"Site","visibility":"parties","shared_with":["red"]""";
        using var doc = JsonDocument.Parse(Feature(type: type, coordinates: coordinates, kind: "flight", extra: extra));
        var op = Assert.Single(FeatureReader.ReadOperations(doc.RootElement, WithParties));

        using var again = JsonDocument.Parse(FeatureWriter.ToJson(op));
        var back = Assert.Single(FeatureReader.ReadOperations(again.RootElement, WithParties));

        Assert.Equal(op.Id, back.Id);
        Assert.Equal(op.Owner, back.Owner);
        Assert.Equal(op.Kind, back.Kind);
        Assert.Equal(op.Name, back.Name);
        Assert.Equal(op.Visibility, back.Visibility);
        Assert.Equal(op.SharedWith, back.SharedWith);
        Assert.Equal(op.Volume.Altitude, back.Volume.Altitude);
        Assert.Equal(op.Volume.Time, back.Volume.Time);
        Assert.Null(back.Volume.Time.End);
        Assert.Equal(op.Volume.Footprint.Kind, back.Volume.Footprint.Kind);
        Assert.Equal(op.Volume.Footprint.BufferMetres, back.Volume.Footprint.BufferMetres);
        Assert.Equal(op.Volume.Footprint.PolygonStarts, back.Volume.Footprint.PolygonStarts);
        Assert.Equal(op.Volume.Footprint.Paths, back.Volume.Footprint.Paths);
    }

    [Fact]
    public void a_zone_with_unbounded_altitude_and_a_fractional_end_round_trips()
    {
        using var doc = JsonDocument.Parse(Feature(extra: ""","end":"2026-05-01T07:30:00.125Z" """));
        var zone = Assert.Single(FeatureReader.ReadZones(doc.RootElement, Agreement.Default()));
        Assert.Equal(double.NegativeInfinity, zone.Volume.Altitude.MinMetres);
        using var again = JsonDocument.Parse(FeatureWriter.ToJson(zone));
        var back = Assert.Single(FeatureReader.ReadZones(again.RootElement, Agreement.Default()));
        Assert.Equal(zone.Volume.Time, back.Volume.Time);
        Assert.Equal(zone.Volume.Altitude, back.Volume.Altitude);
        Assert.Equal(zone.Kind, back.Kind);
    }

    [Fact]
    public void numeric_ids_are_accepted()
    {
        using var doc = JsonDocument.Parse(Feature().Replace("\"id\":\"f1\"", "\"id\":42", StringComparison.Ordinal));
        Assert.Equal("42", Assert.Single(FeatureReader.ReadZones(doc.RootElement, Agreement.Default())).Id.Value);
    }
}
