using System.Text.Json;
using Parley.Interop.Import;
using Parley.Interop.OpenAir;
using Parley.Interop.Tests.Support;

namespace Parley.Interop.Tests.OpenAir;

/// <summary>
/// The openAIP parser's fixtures and the GeoJSON it publishes for them. Its arcs are drawn on a sphere (R = 6,371,008.8 m)
/// and Parley's on the WGS84 ellipsoid, which differ by up to half a percent of a radius: outlines are compared within
/// 0.6 % of the airspace's size plus 30 m, never vertex by vertex.
/// </summary>
public sealed class OpenAipExpectedTests
{
    private static ImportResult Import(string file) =>
        ZoneImporter.Convert("openair", OpenAirReader.Read(OpenAirText.Decode(TestFiles.Bytes("openair/openaip/" + file))), KindMapping.OpenAirDefault, TestFiles.Options());

    [Theory]
    [InlineData("polygon.txt", "polygon-result.json")]
    [InlineData("arc-cw.txt", "arc-cw-result.json")]
    [InlineData("arc-ccw.txt", "arc-ccw-result.json")]
    [InlineData("arc-angle-cw.txt", "arc-angle-cw-result.json")]
    [InlineData("arc-angle-ccw.txt", "arc-angle-ccw-result.json")]
    [InlineData("arc-angle-single-vx.txt", "arc-angle-single-vx-result.json")]
    [InlineData("arc-cw-ccw.txt", "arc-cw-ccw-result.json")]
    [InlineData("arc-first.txt", "arc-first-result.json")]
    [InlineData("inline-comments.txt", "inline-comments-result.json")]
    public void the_outline_and_limits_match_the_openaip_parsers_expected_geojson(string input, string expected)
    {
        var features = TestFiles.Features(Import(input));
        using var document = JsonDocument.Parse(TestFiles.Bytes("openair/openaip/" + expected));
        var theirs = document.RootElement.GetProperty("features").EnumerateArray().ToList();

        Assert.Equal(theirs.Count, features.Count);
        for (int i = 0; i < theirs.Count; i++)
        {
            var mine = features[i];
            Assert.Equal(theirs[i].GetProperty("properties").GetProperty("name").GetString(), mine.GetProperty("properties").GetProperty("name").GetString());
            double[] theirRing = Ring(theirs[i].GetProperty("geometry").GetProperty("coordinates")[0]);
            double[] myRing = Ring(mine.GetProperty("geometry").GetProperty("coordinates")[0]);

            // RFC 7946: shells are counter-clockwise, as openAIP writes them.
            Assert.True(Rings.SignedArea(myRing) > 0, "the shell must be counter-clockwise");
            double size = Size(theirRing);
            double gap = Metres.Hausdorff(myRing, theirRing);
            Assert.True(gap <= (size * 0.006) + 30, $"{input}: the outlines differ by {gap:F1} m (size {size:F0} m)");

            AssertLimit(theirs[i].GetProperty("properties").GetProperty("lowerCeiling"), mine.GetProperty("properties"), "alt_min_m");
            AssertLimit(theirs[i].GetProperty("properties").GetProperty("upperCeiling"), mine.GetProperty("properties"), "alt_max_m");
        }
    }

    [Fact]
    public void a_circle_stays_a_circle_of_its_radius_in_nautical_miles_and_the_openaip_vertices_lie_on_it()
    {
        var feature = Assert.Single(TestFiles.Features(Import("circular.txt")));
        Assert.Equal("Point", feature.GetProperty("geometry").GetProperty("type").GetString());
        double radius = feature.GetProperty("properties").GetProperty("radius_m").GetDouble();
        Assert.Equal(1.10 * 1852, radius, 6);

        var centre = feature.GetProperty("geometry").GetProperty("coordinates");
        using var document = JsonDocument.Parse(TestFiles.Bytes("openair/openaip/circular-result.json"));
        foreach (var p in document.RootElement.GetProperty("features")[0].GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray())
        {
            double d = Metres.Between(centre[0].GetDouble(), centre[1].GetDouble(), p[0].GetDouble(), p[1].GetDouble());
            Assert.InRange(d, radius * 0.995, radius * 1.005);
        }
    }

    [Fact]
    public void a_counter_clockwise_arc_from_east_to_west_goes_through_the_north()
    {
        var feature = Assert.Single(TestFiles.Features(Import("arc-angle-ccw.txt")));
        double[] ring = Ring(feature.GetProperty("geometry").GetProperty("coordinates")[0]);
        double centreLat = 39 + (26.0 / 60);
        var lats = Enumerable.Range(0, ring.Length / 2).Select(k => ring[(2 * k) + 1]).ToList();
        // 15 NM north is 0.2498° of latitude here. Nothing lies south of the centre but the ends due east and west, which a
        // geodesic 15 NM long leaves 0.0004° south of the centre's parallel (the arc through the south would reach 0.25°).
        Assert.InRange(lats.Max() - centreLat, 0.2490, 0.2506);
        Assert.True(lats.Min() >= centreLat - 0.001, $"{centreLat - lats.Min():F4}° south of the centre");
    }

    [Fact]
    public void an_airway_is_a_corridor_of_half_its_width_and_the_openaip_outline_lies_within_it()
    {
        var feature = Assert.Single(TestFiles.Features(Import("airway.txt")));
        Assert.Equal("LineString", feature.GetProperty("geometry").GetProperty("type").GetString());
        double half = feature.GetProperty("properties").GetProperty("corridor_m").GetDouble();
        Assert.Equal(2.5 * 1852 / 2, half, 6);

        var line = Ring(feature.GetProperty("geometry").GetProperty("coordinates"));
        using var document = JsonDocument.Parse(TestFiles.Bytes("openair/openaip/awy-result.json"));
        foreach (var p in document.RootElement.GetProperty("features")[0].GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray())
        {
            // The line's two points are an open path; ToRing closes it, which adds the same segment back.
            Assert.True(Metres.ToRing(p[0].GetDouble(), p[1].GetDouble(), line) <= half * 1.006, $"{p} lies outside the corridor");
        }
    }

    [Fact]
    public void version_2_records_keep_type_frequency_station_and_transponder_and_each_activation_window_is_a_zone()
    {
        var reading = OpenAirReader.Read(OpenAirText.Decode(TestFiles.Bytes("openair/openaip/activation-times.txt")));
        // A window without a start begins at the import's start: one that ends before it is refused, naming --start.
        var refused = Assert.Throws<ImportRejectedException>(() => ZoneImporter.Convert("openair", reading, KindMapping.OpenAirDefault, TestFiles.Options()));
        Assert.Contains("--start", refused.Problems[0].Message, StringComparison.Ordinal);

        var result = ZoneImporter.Convert("openair", reading, KindMapping.OpenAirDefault, TestFiles.Options() with { DefaultStart = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero) });
        var features = TestFiles.Features(result);
        Assert.Equal(4, features.Count);
        var starts = features.Select(f => f.GetProperty("properties").GetProperty("start").GetString()).ToList();
        var ends = features.Select(f => f.GetProperty("properties").TryGetProperty("end", out var e) ? e.GetString() : null).ToList();
        Assert.Equal(["2025-01-01T12:00:00Z", "2025-01-01T14:00:00Z", "2024-06-01T00:00:00Z", "2025-03-03T11:00:00Z"], starts);
        Assert.Equal(["2025-01-01T13:00:00Z", "2025-01-01T15:00:00Z", "2025-02-02T12:00:00Z", null], ends);
        Assert.Equal(4, features.Select(f => f.GetProperty("id").GetString()).Distinct().Count());
        var source = features[0].GetProperty("properties").GetProperty("source");
        Assert.Equal("TMA", source.GetProperty("type").GetString());
        Assert.Equal("D", source.GetProperty("class").GetString());
        Assert.Equal("123.505", source.GetProperty("frequency").GetString());
        Assert.Equal("Ground Station Name", source.GetProperty("station").GetString());
        Assert.Equal("7000", source.GetProperty("transponder").GetString());
    }

    [Theory]
    [InlineData("check-limits-unit-conversion.txt", 180 * 30.48, 35000 * 0.3048)]
    [InlineData("meter-altitude-unit.txt", 3000.0, 150 * 30.48)]
    [InlineData("round-altitude-values.txt", 1607.611551 * 0.3048, 90 * 30.48)]
    public void limits_in_feet_metres_and_flight_levels_become_metres_with_exact_factors(string file, double floor, double ceiling)
    {
        var p = Assert.Single(TestFiles.Features(Import(file))).GetProperty("properties");
        // openAIP converts with 3.28084 ft/m (35000 ft = 10667.99965862401 m); the foot is 0.3048 m exactly: within 1e-4 relative.
        Assert.Equal(floor, p.GetProperty("alt_min_m").GetDouble(), 3);
        Assert.Equal(ceiling, p.GetProperty("alt_max_m").GetDouble(), 3);
        if (file.StartsWith("check", StringComparison.Ordinal))
        {
            Assert.True(Math.Abs(p.GetProperty("alt_max_m").GetDouble() - 10667.99965862401) / 10668 < 1e-4);
        }

        // A flight level keeps its datum in the source text.
        var source = p.GetProperty("source");
        Assert.Contains(new[] { source.GetProperty("floor").GetString()!, source.GetProperty("ceiling").GetString()! }, t => t.StartsWith("FL", StringComparison.Ordinal));
    }

    [Fact]
    public void activation_by_notam_is_imported_as_always_active_with_a_warning()
    {
        var result = Import("activation-times-none.txt");
        var feature = Assert.Single(TestFiles.Features(result));
        Assert.False(feature.GetProperty("properties").TryGetProperty("end", out _));
        Assert.Contains(result.Warnings, w => w.Message.Contains("NOTAM", StringComparison.Ordinal));
    }

    private static void AssertLimit(JsonElement theirs, JsonElement properties, string field)
    {
        double value = theirs.GetProperty("value").GetDouble();
        string unit = theirs.GetProperty("unit").GetString()!;
        string datum = theirs.GetProperty("referenceDatum").GetString()!;
        bool present = properties.TryGetProperty(field, out var mine);
        if (datum == "GND" && value == 0)
        {
            Assert.False(present, $"{field}: the surface is no lower bound");
            return;
        }

        double metres = unit switch
        {
            "FT" => value * 0.3048,
            "M" => value,
            "FL" => value * 30.48,
            _ => throw new InvalidOperationException(unit),
        };
        // Above the ground with an assumed ground of 0 m, the metres are the same.
        Assert.True(present, field);
        Assert.Equal(metres, mine.GetDouble(), 3);
    }

    private static double[] Ring(JsonElement positions) => [.. positions.EnumerateArray().SelectMany(p => new[] { p[0].GetDouble(), p[1].GetDouble() })];

    private static double Size(double[] ring)
    {
        double worst = 0;
        for (int i = 0; i + 1 < ring.Length; i += 2)
        {
            worst = Math.Max(worst, Metres.Between(ring[0], ring[1], ring[i], ring[i + 1]));
        }

        return worst;
    }
}
