using System.Text.Json;
using System.Text.RegularExpressions;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Interop.Import;
using Parley.Interop.OpenAir;
using Parley.Interop.Tests.Support;

namespace Parley.Interop.Tests.OpenAir;

/// <summary>Real national OpenAir files, imported whole and compared with what independent parsers found in them.</summary>
public sealed partial class OpenAirFileTests
{
    private static ImportResult Import(byte[] bytes, ImportOptions? options = null) =>
        ZoneImporter.Convert("openair", OpenAirReader.Read(OpenAirText.Decode(bytes)), KindMapping.OpenAirDefault, options ?? TestFiles.Options());

    [Fact]
    public void the_german_2026_file_gives_the_678_airspaces_aerofiles_counts_and_every_one_is_a_zone_the_server_accepts()
    {
        var result = Import(TestFiles.Bytes("openair/aerofiles/germany_2026_03_Airspace_Germany_OA1.txt"));

        Assert.Empty(result.Skipped);
        Assert.Equal(678, result.Features.Count);
        Assert.Equal(678, result.Features.Select(f => f.Id).Distinct().Count());
        // The whole collection reads back as Parley zones, as a server would read it.
        using var document = FeatureReader.ParseJson(result.ToFeatureCollection());
        var zones = FeatureReader.ReadZones(document.RootElement, Agreement.Default(), new Parley.Core.Model.PartyId("blue"));
        Assert.Equal(678, zones.Count);
        Assert.Contains(zones, z => z.Volume.Footprint.Kind == Parley.Core.Geometry.ShapeKind.Point);
        // Limits above the ground are listed, each with its airspace; flight levels are said to be converted.
        Assert.Contains(result.Warnings, w => w.Message.Contains("above the ground", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.Contains("standard atmosphere", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mosel25_germany-benelux_crlf.txt", 799)]
    [InlineData("switzerland_shv_2025_feet.txt", 288)]
    [InlineData("switzerland_shv_2025_metric.txt", 288)]
    [InlineData("germany_2026_03_Airspace_Germany_OA1.txt", 678)]
    public void every_shared_national_file_imports_whole(string file, int airspaces)
    {
        string shared = TestFiles.SharedOrSkip(file);
        var bytes = File.ReadAllBytes(Path.Combine(shared, "openair", "files", file));
        var result = Import(bytes);

        Assert.Empty(result.Skipped);
        Assert.Equal(airspaces, result.Features.Count);
        // CRLF and trailing spaces leave nothing behind in names.
        Assert.All(result.Features, f => Assert.DoesNotMatch(@"[\r\n]|\s$", f.Name ?? ""));
    }

    [Fact]
    public void the_swiss_feet_and_metric_files_describe_the_same_airspaces_within_the_fifty_metre_rounding_of_the_metric_one()
    {
        string shared = TestFiles.SharedOrSkip("the SHV/FSVL Swiss files");
        var feet = TestFiles.Features(Import(File.ReadAllBytes(Path.Combine(shared, "openair", "files", "switzerland_shv_2025_feet.txt"))));
        var metric = TestFiles.Features(Import(File.ReadAllBytes(Path.Combine(shared, "openair", "files", "switzerland_shv_2025_metric.txt"))));

        Assert.Equal(feet.Count, metric.Count);
        var apart = new List<string>();
        for (int i = 0; i < feet.Count; i++)
        {
            var (a, b) = (feet[i].GetProperty("properties"), metric[i].GetProperty("properties"));
            Assert.Equal(a.GetProperty("name").GetString(), b.GetProperty("name").GetString());
            foreach (var limit in new[] { "alt_min_m", "alt_max_m" })
            {
                Assert.Equal(a.TryGetProperty(limit, out var x), b.TryGetProperty(limit, out var y));
                if (x.ValueKind == JsonValueKind.Number && Math.Abs(x.GetDouble() - y.GetDouble()) > 50)
                {
                    apart.Add($"{a.GetProperty("name").GetString()} {a.GetProperty("source").GetProperty(limit == "alt_min_m" ? "floor" : "ceiling").GetString()}");
                }
            }

            Assert.Equal(feet[i].GetProperty("geometry").GetRawText(), metric[i].GetProperty("geometry").GetRawText());
        }

        // One limit of the metric export is not FL75 in metres (2286 m) but 2600 m: the two files disagree there, not the reader.
        Assert.Equal(["TMA Geneva 4 126.350 FL75"], apart);
    }

    [Theory]
    [InlineData("Germany_2025-06.txt", "parser__germany_fixture-2.snap", 677)]
    [InlineData("Switzerland_flyland_2016.txt", "parser__switzerland_fixture-2.snap", 334)]
    public void each_airspace_has_the_name_class_limits_and_circle_openair_rs_found(string input, string snapshot, int count)
    {
        var reading = OpenAirReader.Read(OpenAirText.Decode(TestFiles.Bytes("openair/openair-rs/" + input)));
        var all = File.ReadAllLines(TestFiles.Path("openair/openair-rs/" + snapshot))
            .Select(l => SnapshotLine().Match(l.Trim())).Where(m => m.Success).ToList();
        Assert.Equal(count, all.Count);

        // Lines (obstacle cables drawn with two points) are not areas: each is refused with its line, the rest kept.
        var lines = all.Where(m => m.Groups["geometry"].Value is "Polygon[1]" or "Polygon[2]").ToList();
        var expected = all.Except(lines).ToList();
        Assert.Equal(lines.Select(m => Unescape(m.Groups["name"].Value)), reading.Errors.Select(e => e.Name));
        Assert.All(reading.Errors, e => Assert.Equal("fewer than three points", e.Message));
        Assert.Equal(expected.Count, reading.Zones.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var zone = reading.Zones[i];
            var line = expected[i];
            Assert.Equal(Unescape(line.Groups["name"].Value), zone.Name);
            AssertLimit(line.Groups["lower"].Value, zone.Floor, zone.Name);
            AssertLimit(line.Groups["upper"].Value, zone.Ceiling, zone.Name);
            string geometry = line.Groups["geometry"].Value;
            if (geometry.StartsWith("Circle", StringComparison.Ordinal))
            {
                var circle = Assert.IsType<ZoneOutline.Circle>(zone.Outline);
                double nm = double.Parse(CircleRadius().Match(geometry).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(nm * 1852, circle.RadiusMetres, 6);
            }
            else
            {
                Assert.IsType<ZoneOutline.Polygons>(zone.Outline);
            }
        }
    }

    private static string Unescape(string snapshotName) => snapshotName.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    private static void AssertLimit(string expected, VerticalLimit actual, string? name)
    {
        var (reference, metres) = expected switch
        {
            "GND" => (VerticalReference.Surface, 0.0),
            _ when expected.StartsWith("FL", StringComparison.Ordinal) => (VerticalReference.FlightLevel, double.Parse(expected[2..], System.Globalization.CultureInfo.InvariantCulture) * 30.48),
            _ when expected.EndsWith(" ft AMSL", StringComparison.Ordinal) => (VerticalReference.MeanSeaLevel, double.Parse(expected[..^8], System.Globalization.CultureInfo.InvariantCulture) * 0.3048),
            _ when expected.EndsWith(" ft AGL", StringComparison.Ordinal) => (VerticalReference.Ground, double.Parse(expected[..^7], System.Globalization.CultureInfo.InvariantCulture) * 0.3048),
            _ => throw new InvalidOperationException($"unknown limit '{expected}' in the snapshot"),
        };

        Assert.True(reference == actual.Reference || (metres == 0 && actual.Metres == 0 && actual.Reference is VerticalReference.Surface or VerticalReference.Ground or VerticalReference.MeanSeaLevel),
            $"{name}: {actual.Text} read as {actual.Reference}, expected {expected}");
        Assert.Equal(metres, actual.Metres, 6);
    }

    [GeneratedRegex(@"^""(?<name>.*) \[(?<class>\w+)\] \((?<lower>[^()]*) → (?<upper>[^()]*)\) \{(?<geometry>[^{}]*)\}"",$")]
    private static partial Regex SnapshotLine();

    [GeneratedRegex(@"r=([\d.]+)NM")]
    private static partial Regex CircleRadius();

    [Fact]
    public void the_winpilot_sample_gives_the_airspaces_names_classes_and_limits_aerofiles_reads()
    {
        var reading = OpenAirReader.Read(OpenAirText.Decode(TestFiles.Bytes("openair/aerofiles/sample.txt")));
        using var expected = JsonDocument.Parse(TestFiles.Bytes("openair/aerofiles/sample.json"));
        var airspaces = expected.RootElement.EnumerateArray().Where(a => a.GetProperty("type").GetString() == "airspace").ToList();

        // What Parley cannot take as a zone is refused with its line and reason: activation windows that are not START/END,
        // a ceiling that is a radio instruction. Remarks in brackets after a limit ("UNLIM (Mon-Fri)") are kept in its text.
        Assert.Equal(["LAKE TAHOE", "Minden West"], reading.Errors.Select(e => e.Name));
        Assert.Equal(["line 358", "line 373"], reading.Errors.Select(e => e.Location));
        Assert.Contains("'line2' is not START/END", reading.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("unknown vertical limit 'Ask on 122.8'", reading.Errors[1].Message, StringComparison.Ordinal);
        airspaces = [.. airspaces.Where(a => !reading.Errors.Any(e => e.Name == a.GetProperty("name").GetString()))];
        Assert.Equal(airspaces.Count, reading.Zones.Count);
        for (int i = 0; i < airspaces.Count; i++)
        {
            Assert.Equal(airspaces[i].GetProperty("name").GetString(), reading.Zones[i].Name);
            Assert.Equal(airspaces[i].GetProperty("class").GetString(), reading.Zones[i].Attributes["class"]);
            Assert.Equal(airspaces[i].GetProperty("floor").GetString(), reading.Zones[i].Floor.Text);
            Assert.Equal(airspaces[i].GetProperty("ceiling").GetString(), reading.Zones[i].Ceiling.Text);

            // Every arc with a radius passes through the outline: some vertex lies at that radius from its centre.
            foreach (var element in airspaces[i].GetProperty("elements").EnumerateArray())
            {
                if (element.GetProperty("type").GetString() == "arc" && element.TryGetProperty("radius", out var radius))
                {
                    var ring = Assert.IsType<ZoneOutline.Polygons>(reading.Zones[i].Outline).Parts[0][0];
                    var centre = element.GetProperty("center");
                    double r = radius.GetDouble() * 1852;
                    double nearest = Enumerable.Range(0, ring.Length / 2)
                        .Min(k => Math.Abs(Metres.Between(centre[1].GetDouble(), centre[0].GetDouble(), ring[2 * k], ring[(2 * k) + 1]) - r));
                    Assert.True(nearest < r * 0.005, $"{reading.Zones[i].Name}: no vertex at {radius} NM from the arc's centre (nearest off by {nearest:F0} m)");
                }
            }
        }
    }

    [Fact]
    public void a_broken_file_is_refused_at_its_first_bad_line_and_with_skip_invalid_the_good_airspace_is_imported_and_the_others_listed()
    {
        var bytes = TestFiles.Bytes("openair/aerofiles/broken.txt");

        var refused = Assert.Throws<ImportRejectedException>(() => Import(bytes));
        Assert.Equal("line 5", refused.Problems[0].Location);
        Assert.Contains("V X=", refused.Problems[0].Message, StringComparison.Ordinal);

        var result = Import(bytes, TestFiles.Options(skipInvalid: true));
        Assert.Single(result.Features);
        Assert.Equal(["line 5", "line 9"], result.Skipped.Select(s => s.Location));
        Assert.Contains("unknown record 'XX'", result.Skipped[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("without-ac.txt", "line 3", "the first record must be AC")]
    [InlineData("invalid-coordinates.txt", "line 14", "unknown coordinate")]
    [InlineData("insufficient-coordinates.txt", "line 1", "fewer than three distinct points")]
    public void files_the_openaip_parser_refuses_are_refused_with_the_line_and_the_reason(string file, string location, string reason)
    {
        var refused = Assert.Throws<ImportRejectedException>(() => Import(TestFiles.Bytes("openair/openaip/" + file)));
        Assert.Equal(location, refused.Problems[0].Location);
        Assert.Contains(reason, refused.Problems[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void an_outline_that_touches_or_crosses_itself_is_drawn_as_the_valid_polygons_covering_its_area_with_a_warning()
    {
        // Frankfurt's keyhole (a ring through one vertex twice) in the German file, and the openAIP parser's crossing ring.
        var frankfurt = Import(TestFiles.Bytes("openair/aerofiles/germany_2026_03_Airspace_Germany_OA1.txt"));
        Assert.Contains(frankfurt.Warnings, w => w.Name == "Frankfurt" && w.Message.Contains("touches or crosses itself", StringComparison.Ordinal));

        var crossing = Import(TestFiles.Bytes("openair/openaip/self-intersecting.txt"));
        var warning = Assert.Single(crossing.Warnings, w => w.Message.Contains("touches or crosses itself", StringComparison.Ordinal));
        Assert.Equal("line 1", warning.Location);
        var feature = Assert.Single(TestFiles.Features(crossing));
        using var document = FeatureReader.ParseJson(crossing.ToFeatureCollection());
        Assert.Single(FeatureReader.ReadZones(document.RootElement, Agreement.Default(), new Parley.Core.Model.PartyId("blue")));
        Assert.Contains(feature.GetProperty("geometry").GetProperty("type").GetString(), new[] { "Polygon", "MultiPolygon" });
    }

    [Fact]
    public void a_latin1_file_is_read_as_latin1_and_a_utf8_file_as_utf8()
    {
        byte[] latin1 = [.. "AC R\nAN Zone "u8, 0xE9, .. "t\u00e9\nAL GND\nAH 1000ft MSL\nV X=47:00:00 N 008:00:00 E\nDC 1\n"u8];
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes("\uFEFFAC R\r\nAN Zone été\r\nAL GND\r\nAH 1000ft MSL\r\nV X=47:00:00 N 008:00:00 E\r\nDC 1\r\n");
        Assert.Equal("Zone ét\u00c3\u00a9", Import(latin1).Features[0].Name);
        Assert.Equal("Zone été", Import(utf8).Features[0].Name);
    }
}
