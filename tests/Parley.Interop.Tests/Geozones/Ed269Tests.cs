using System.Text.Json;
using Parley.Interop.Ed269;
using Parley.Interop.Import;
using Parley.Interop.Tests.Support;

namespace Parley.Interop.Tests.Geozones;

/// <summary>The InterUSS ED-269 samples (Swiss CHE-1 test data and the CIS source sample), imported and compared with what they say.</summary>
public sealed class Ed269Tests
{
    private static ImportResult Import(string file, ImportOptions? options = null) =>
        ZoneImporter.Convert("ed269", Ed269Reader.Read(TestFiles.Bytes("ed269/" + file)), KindMapping.Ed269Default, options ?? TestFiles.Options());

    [Fact]
    public void the_che_1_sample_gives_one_zone_per_volume_with_circles_units_references_and_windows_as_written()
    {
        var result = Import("interuss_uas_standards_che-1_2022-10-25.json");
        var features = TestFiles.Features(result);
        using var source = JsonDocument.Parse(TestFiles.Bytes("ed269/interuss_uas_standards_che-1_2022-10-25.json"));
        var volumes = source.RootElement.GetProperty("features").EnumerateArray()
            .SelectMany(z => z.GetProperty("geometry").EnumerateArray().Select(v => (Zone: z, Volume: v))).ToList();

        Assert.Equal(10, volumes.Count);
        Assert.Equal(10, features.Count);
        Assert.Equal(10, features.Select(f => f.GetProperty("id").GetString()).Distinct().Count());
        for (int i = 0; i < volumes.Count; i++)
        {
            var (zone, volume) = volumes[i];
            var p = features[i].GetProperty("properties");
            double scale = volume.GetProperty("uomDimensions").GetString() == "FT" ? 0.3048 : 1;
            var projection = volume.GetProperty("horizontalProjection");
            if (projection.GetProperty("type").GetString() == "Circle")
            {
                // Circles stay circles; the centre is [longitude, latitude] (Swiss longitudes 6–8, latitudes 46).
                Assert.Equal("Point", features[i].GetProperty("geometry").GetProperty("type").GetString());
                Assert.Equal(projection.GetProperty("center")[0].GetDouble(), features[i].GetProperty("geometry").GetProperty("coordinates")[0].GetDouble(), 7);
                Assert.Equal(projection.GetProperty("radius").GetDouble() * scale, p.GetProperty("radius_m").GetDouble(), 3);
            }
            else
            {
                Assert.Equal("Polygon", features[i].GetProperty("geometry").GetProperty("type").GetString());
            }

            Assert.InRange(features[i].GetProperty("geometry").GetRawText().Split("[")[^1].Split(',')[0].Trim(), "5", "9");
            // Lower limits are AGL: 0 is the surface (no lower bound); others are over the assumed ground, and warned.
            double lower = volume.GetProperty("lowerLimit").GetDouble() * scale;
            Assert.Equal(lower == 0, !p.TryGetProperty("alt_min_m", out var min));
            if (lower > 0)
            {
                Assert.Equal(lower, min.GetDouble(), 3);
            }

            Assert.Equal(volume.GetProperty("upperLimit").GetDouble() * scale, p.GetProperty("alt_max_m").GetDouble(), 3);
            string expectedKind = zone.GetProperty("restriction").GetString() == "NO_RESTRICTION" ? "designated" : "restricted";
            Assert.Equal(expectedKind, p.GetProperty("kind").GetString());
            var applicability = zone.GetProperty("applicability")[0];
            if (applicability.TryGetProperty("startDateTime", out var start))
            {
                Assert.Equal(DateTimeOffset.Parse(start.GetString()!, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse(p.GetProperty("start").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(DateTimeOffset.Parse(applicability.GetProperty("endDateTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse(p.GetProperty("end").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                Assert.Equal("2026-01-01T00:00:00Z", p.GetProperty("start").GetString());
                Assert.False(p.TryGetProperty("end", out _));
            }
        }

        // Montreux's weekend schedule is widened to its window, and said; every limit above the ground is said.
        Assert.Contains(result.Warnings, w => w.Name == "Sample protected area active during evening" && w.Message.Contains("SAT,SUN", StringComparison.Ordinal));
        int aboveGround = volumes.Sum(x => (x.Volume.GetProperty("upperVerticalReference").GetString() == "AGL" ? 1 : 0) +
            (x.Volume.GetProperty("lowerVerticalReference").GetString() == "AGL" && x.Volume.GetProperty("lowerLimit").GetDouble() > 0 ? 1 : 0));
        Assert.Equal(13, aboveGround);
        Assert.Equal(aboveGround, result.Warnings.Count(w => w.Message.Contains("above the ground", StringComparison.Ordinal)));
    }

    [Fact]
    public void the_pre_compliance_version_with_empty_strings_and_a_non_integer_limit_gives_the_same_ten_volumes()
    {
        var strict = TestFiles.Features(Import("interuss_uas_standards_che-1_2022-10-25.json"));
        var loose = TestFiles.Features(Import("interuss_dss_che-1_2022-06-13_precompliance.json"));
        Assert.Equal(strict.Count, loose.Count);
        for (int i = 0; i < strict.Count; i++)
        {
            Assert.Equal(strict[i].GetProperty("geometry").GetRawText(), loose[i].GetProperty("geometry").GetRawText());
            Assert.Equal(strict[i].GetProperty("properties").GetProperty("alt_max_m").GetDouble(), loose[i].GetProperty("properties").GetProperty("alt_max_m").GetDouble(), 0);
        }
    }

    [Fact]
    public void the_cis_sample_with_a_string_limit_a_null_ceiling_and_a_permanent_window_is_one_unbounded_zone()
    {
        var feature = Assert.Single(TestFiles.Features(Import("interuss_monitoring_cis_source_sample_ed269.json")));
        var p = feature.GetProperty("properties");
        Assert.Equal("LSXX City Sample", p.GetProperty("name").GetString());
        Assert.False(p.TryGetProperty("alt_min_m", out _));
        Assert.False(p.TryGetProperty("alt_max_m", out _));
        Assert.False(p.TryGetProperty("end", out _));
        Assert.Equal("restricted", p.GetProperty("kind").GetString());
        Assert.Equal("LSXX", feature.GetProperty("id").GetString());
    }

    [Fact]
    public void a_zone_with_a_bad_volume_is_refused_with_its_index_and_reason_and_skip_invalid_keeps_the_others()
    {
        string text = System.Text.Encoding.UTF8.GetString(TestFiles.Bytes("ed269/interuss_uas_standards_che-1_2022-10-25.json"))
            .Replace("\"uomDimensions\": \"FT\"", "\"uomDimensions\": \"YD\"", StringComparison.Ordinal);
        var reading = Ed269Reader.Read(System.Text.Encoding.UTF8.GetBytes(text));
        var refused = Assert.Throws<ImportRejectedException>(() => ZoneImporter.Convert("ed269", reading, KindMapping.Ed269Default, TestFiles.Options()));
        Assert.Equal("features[4]", refused.Problems[0].Location);
        Assert.Contains("uomDimensions 'YD' is not M or FT", refused.Problems[0].Message, StringComparison.Ordinal);

        var kept = ZoneImporter.Convert("ed269", reading, KindMapping.Ed269Default, TestFiles.Options(skipInvalid: true));
        Assert.Equal(8, kept.Features.Count);
        Assert.Equal(["features[4]", "features[5]"], kept.Skipped.Select(s => s.Location));
    }

    [Fact]
    public void the_ground_elevation_raises_limits_above_the_ground_and_a_mapping_file_changes_kinds()
    {
        var mapping = KindMapping.Parse("""{"PROHIBITED": "protected", "NO_RESTRICTION": "skip"}""", KindMapping.Ed269Default);
        var result = Import("interuss_uas_standards_che-1_2022-10-25.json", TestFiles.Options(groundMetres: 400) with { Mapping = mapping });
        var features = TestFiles.Features(result);
        Assert.Equal(9, features.Count);
        Assert.Contains(result.Skipped, s => s.Message.Contains("left out by the kind mapping", StringComparison.Ordinal));
        var reichenbach = features.Where(f => f.GetProperty("properties").GetProperty("name").GetString()!.Contains("Reichenbach", StringComparison.Ordinal) ||
            f.GetProperty("id").GetString()!.StartsWith("Flugplatz", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, reichenbach.Count);
        Assert.All(reichenbach, f => Assert.Equal(520, f.GetProperty("properties").GetProperty("alt_max_m").GetDouble(), 3));
        Assert.All(reichenbach, f => Assert.Equal("protected", f.GetProperty("properties").GetProperty("kind").GetString()));
        Assert.Equal(450, reichenbach[1].GetProperty("properties").GetProperty("alt_min_m").GetDouble(), 3);
    }
}
