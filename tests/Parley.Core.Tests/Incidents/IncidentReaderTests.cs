using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Tests.Incidents;

/// <summary>Incident reports as GeoJSON Features: what reads, how it reads, and every refusal naming its field.</summary>
public class IncidentReaderTests
{
    internal static readonly Agreement Pact = Agreement.Default("pact") with
    {
        Parties =
        [
            new Party(new PartyId("blue"), "Blue", PartyRole.Member), new Party(new PartyId("red"), "Red", PartyRole.Member),
            new Party(new PartyId("aid"), "Aid", PartyRole.Member), new Party(new PartyId("unmo"), "Monitors", PartyRole.Observer),
            new Party(new PartyId("registrar"), "Registrar", PartyRole.Administrator),
        ],
    };

    // The example of the issue that asked for incident reports.
    internal const string Example = """
        {"type": "Feature", "id": "inc-2026-12-07-01",
         "geometry": {"type": "Point", "coordinates": [9.152, 42.148]},
         "properties": {"kind": "strike", "uncertainty_m": 500,
                        "start": "2026-12-07T08:10:00Z", "end": "2026-12-07T08:40:00Z",
                        "suspected": ["red"], "affected_zone": "blue-hospital-1",
                        "sources": [{"type": "observer", "count": 2, "ref": "patrol 14"}],
                        "description": "two explosions near the clinic", "visibility": "parties"}}
        """;

    internal static IncidentReport Read(string json, string reporter = "blue")
    {
        using var document = JsonDocument.Parse(json);
        return IncidentReader.Read(document.RootElement, Pact, new PartyId(reporter));
    }

    private static InputError Refused(string json, string reporter = "blue")
    {
        using var document = JsonDocument.Parse(json);
        return Assert.Throws<InputRejectedException>(() => IncidentReader.Read(document.RootElement, Pact, new PartyId(reporter))).Errors[0];
    }

    /// <summary>The example with properties replaced (or removed, when the value is null), as compact JSON.</summary>
    private static string With(string property, string? value, params (string Property, string? Value)[] more)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(Example)!;
        var properties = node["properties"]!.AsObject();
        foreach (var (name, json) in more.Prepend((property, value)))
        {
            properties.Remove(name);
            if (json is not null)
            {
                properties[name] = System.Text.Json.Nodes.JsonNode.Parse(json);
            }
        }

        return node.ToJsonString();
    }

    [Fact]
    public void the_example_report_reads_as_a_circle_of_its_uncertainty_over_its_window()
    {
        var report = Read(Example);
        Assert.Equal("inc-2026-12-07-01", report.Id.Value);
        Assert.Equal(IncidentKind.Strike, report.Kind);
        Assert.Equal(ShapeKind.Point, report.Area.Kind);
        Assert.Equal(500, report.Area.BufferMetres);
        Assert.Equal(TimeSpan.FromMinutes(30), report.Window.End - report.Window.Start);
        Assert.Equal([new PartyId("red")], report.Suspected);
        Assert.Equal(new ZoneId("blue-hospital-1"), report.AffectedZone);
        Assert.Equal(new IncidentSource("observer", 2, "patrol 14", []), Assert.Single(report.Sources));
        Assert.Equal(Visibility.Parties, report.Visibility);
    }

    [Fact]
    public void a_report_written_reads_back_to_the_same_report()
    {
        foreach (var json in new[]
        {
            Example,
            With("sources", """[{"type":"imagery","count":1,"sha256":["9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"]}]"""),
            With("start", null, ("end", null), ("time_precision", "\"week\""), ("at", "\"2026-12-09\"")),
            With("uncertainty_m", null, ("kind", "\"shelling\""), ("location_precision", "\"district\"")),
        })
        {
            var report = Read(json);
            Assert.Equal(report, Read(IncidentWriter.ReportJson(report)));
        }
    }

    [Theory]
    [InlineData("day", "2026-12-09", "2026-12-09T00:00:00Z", "2026-12-10T00:00:00Z")]
    [InlineData("week", "2026-12-09", "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z")]
    [InlineData("week", "2026-12-13", "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z")]
    [InlineData("month", "2026-12-31T23:30:00+01:00", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    public void a_date_with_a_precision_becomes_its_whole_day_week_or_month(string precision, string at, string start, string end)
    {
        var report = Read(With("start", null, ("end", null), ("time_precision", $"\"{precision}\""), ("at", $"\"{at}\"")));
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), report.Window.Start);
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), report.Window.End);
    }

    [Theory]
    [InlineData("town", 5_000)]
    [InlineData("district", 25_000)]
    [InlineData("province", 100_000)]
    public void a_location_precision_becomes_a_circle_of_its_radius(string precision, double metres)
    {
        var report = Read(With("uncertainty_m", null, ("location_precision", $"\"{precision}\"")));
        Assert.Equal(metres, report.Area.BufferMetres);
    }

    [Theory]
    [InlineData("kind", "\"bombing\"", "properties.kind")]
    [InlineData("kind", null, "properties.kind")]
    [InlineData("uncertainty_m", null, "properties.uncertainty_m")]
    [InlineData("uncertainty_m", "0", "properties.uncertainty_m")]
    [InlineData("uncertainty_m", "-5", "properties.uncertainty_m")]
    [InlineData("uncertainty_m", "\"500\"", "properties.uncertainty_m")]
    [InlineData("end", null, "properties.end")]
    [InlineData("end", "\"2026-12-07T08:00:00Z\"", "properties.end")]
    [InlineData("start", "\"2026-12-07 08:10\"", "properties.start")]
    [InlineData("at", "\"2026-12-07\"", "properties.at")]
    [InlineData("time_precision", "\"hour\"", "properties.time_precision")]
    [InlineData("suspected", "[\"green\"]", "properties.suspected[0]")]
    [InlineData("suspected", "[\"unmo\"]", "properties.suspected[0]")]
    [InlineData("suspected", "[\"blue\"]", "properties.suspected[0]")]
    [InlineData("suspected", "[\"red\",\"red\"]", "properties.suspected[1]")]
    [InlineData("suspected", "\"red\"", "properties.suspected")]
    [InlineData("affected_zone", "7", "properties.affected_zone")]
    [InlineData("sources", "[{\"type\":\"rumour\"}]", "properties.sources[0].type")]
    [InlineData("sources", "[{\"type\":\"media\",\"count\":0}]", "properties.sources[0].count")]
    [InlineData("sources", "[{\"type\":\"media\",\"sha256\":[\"abc\"]}]", "properties.sources[0].sha256[0]")]
    [InlineData("sources", "[{\"type\":\"media\",\"url\":\"x\"}]", "properties.sources[0].url")]
    [InlineData("visibility", "\"secret\"", "properties.visibility")]
    [InlineData("shared_with", "[\"green\"]", "properties.shared_with")]
    [InlineData("suspects", "[\"red\"]", "properties.suspects")]
    [InlineData("reporter", "\"red\"", "properties.reporter")]
    [InlineData("location_precision", "\"village\"", "properties.location_precision")]
    [InlineData("location_precision", "\"town\"", "properties.uncertainty_m")]
    public void a_bad_field_is_refused_by_its_name(string property, string? value, string field)
    {
        var error = Refused(With(property, value));
        Assert.Equal("inc-2026-12-07-01", error.FeatureId);
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void a_polygon_is_the_area_itself_and_takes_no_uncertainty()
    {
        string polygon = Example.Replace("{\"type\": \"Point\", \"coordinates\": [9.152, 42.148]}",
            "{\"type\": \"Polygon\", \"coordinates\": [[[9.14,42.14],[9.16,42.14],[9.16,42.16],[9.14,42.14]]]}", StringComparison.Ordinal);
        Assert.Equal("properties.uncertainty_m", Refused(polygon).Field);
        var report = Read(polygon.Replace("\"uncertainty_m\": 500,", "", StringComparison.Ordinal));
        Assert.Equal(ShapeKind.Polygonal, report.Area.Kind);
        Assert.Equal(0, report.Area.BufferMetres);
    }

    [Fact]
    public void a_bad_geometry_is_refused_by_its_field()
    {
        Assert.Equal("geometry.coordinates", Refused(Example.Replace("[9.152, 42.148]", "[9.152, 142.148]", StringComparison.Ordinal)).Field);
        Assert.Equal("geometry.type", Refused(Example.Replace("\"Point\"", "\"GeometryCollection\"", StringComparison.Ordinal)).Field);
        Assert.Equal("properties.location_precision", Refused(Example
            .Replace("{\"type\": \"Point\", \"coordinates\": [9.152, 42.148]}", "{\"type\": \"LineString\", \"coordinates\": [[9.1,42.1],[9.2,42.2]]}", StringComparison.Ordinal)
            .Replace("\"uncertainty_m\": 500", "\"location_precision\": \"town\"", StringComparison.Ordinal)).Field);
    }

    [Fact]
    public void an_id_is_required_and_may_not_hold_a_slash()
    {
        Assert.Equal("id", Refused(Example.Replace("\"id\": \"inc-2026-12-07-01\",", "", StringComparison.Ordinal)).Field);
        Assert.Equal("id", Refused(Example.Replace("inc-2026-12-07-01", "inc/1", StringComparison.Ordinal)).Field);
    }
}
