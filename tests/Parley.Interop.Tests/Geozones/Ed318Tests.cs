using System.IO.Compression;
using System.Text.Json;
using Parley.Interop.Ed318;
using Parley.Interop.Import;
using Parley.Interop.Tests.Support;

namespace Parley.Interop.Tests.Geozones;

/// <summary>The official ED-318 examples (valid and invalid as the ED-318 repository tabulates them) and real Swiss data.</summary>
public sealed class Ed318Tests
{
    private static ImportResult Import(byte[] bytes, ImportOptions? options = null) =>
        ZoneImporter.Convert("ed318", Ed318Reader.Read(bytes), KindMapping.Ed318Default, options ?? TestFiles.Options());

    [Theory]
    [InlineData("Example_GeoZone_2_Layers.json", 2)]
    [InlineData("Example_GeoZone_Circle.json", 1)]
    [InlineData("Example_Collection.json", 3)]
    [InlineData("Example_GeoZone_with_extension.json", 1)]
    public void every_valid_official_example_imports_one_zone_per_layer(string file, int zones)
    {
        var result = Import(TestFiles.Bytes("ed318/examples/" + file));
        Assert.Empty(result.Skipped);
        Assert.Equal(zones, result.Features.Count);
    }

    [Fact]
    public void two_layers_keep_their_own_bands_above_the_ground_and_the_circle_its_radius_in_metres()
    {
        var layers = TestFiles.Features(Import(TestFiles.Bytes("ed318/examples/Example_GeoZone_2_Layers.json")));
        Assert.Equal(50, layers[0].GetProperty("properties").GetProperty("alt_min_m").GetDouble());
        Assert.Equal(150, layers[0].GetProperty("properties").GetProperty("alt_max_m").GetDouble());
        Assert.False(layers[1].GetProperty("properties").TryGetProperty("alt_min_m", out _));
        Assert.Equal(50, layers[1].GetProperty("properties").GetProperty("alt_max_m").GetDouble());
        Assert.Equal(["NFZ6547-v1", "NFZ6547-v2"], layers.Select(f => f.GetProperty("id").GetString()));
        Assert.Equal("LFPG-2", layers[0].GetProperty("properties").GetProperty("name").GetString());

        var circle = Assert.Single(TestFiles.Features(Import(TestFiles.Bytes("ed318/examples/Example_GeoZone_Circle.json"))));
        Assert.Equal("Point", circle.GetProperty("geometry").GetProperty("type").GetString());
        Assert.Equal(3500, circle.GetProperty("properties").GetProperty("radius_m").GetDouble());
    }

    [Fact]
    public void the_invalid_official_example_is_refused_for_each_of_its_three_faults_with_the_reason()
    {
        string text = System.Text.Encoding.UTF8.GetString(TestFiles.Bytes("ed318/examples/InvalidExample_GeoZone_2_Layers.json"));

        var metadata = Assert.Throws<ImportRejectedException>(() => Import(System.Text.Encoding.UTF8.GetBytes(text)));
        Assert.Equal("metadata.validFrom", metadata.Problems[0].Location);
        Assert.Contains("date-time", metadata.Problems[0].Message, StringComparison.Ordinal);

        // With the metadata mended, the name without a language is next, then the ED-269 spelling of the type.
        text = ReplaceFirst(text, "\"validFrom\"", "\"validFromX\"");
        var name = Assert.Throws<ImportRejectedException>(() => Import(System.Text.Encoding.UTF8.GetBytes(text)));
        Assert.Equal("features[0]", name.Problems[0].Location);
        Assert.Contains("properties.name[0] needs both text and lang", name.Problems[0].Message, StringComparison.Ordinal);

        text = ReplaceFirst(text, "\"text\": \"LFPG-2\"", "\"text\": \"LFPG-2\", \"lang\": \"en-GB\"");
        var type = Assert.Throws<ImportRejectedException>(() => Import(System.Text.Encoding.UTF8.GetBytes(text)));
        Assert.Contains("REQ_AUTHORISATION", type.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("REQ_AUTHORIZATION", type.Problems[0].Message, StringComparison.Ordinal);

        text = ReplaceFirst(text, "REQ_AUTHORISATION", "REQ_AUTHORIZATION");
        Assert.Equal(2, Import(System.Text.Encoding.UTF8.GetBytes(text)).Features.Count);
    }

    [Fact]
    public void the_swiss_national_set_gives_its_1179_zones_holes_kept_and_the_99999_sentinel_read_as_unlimited_with_a_warning()
    {
        using var zip = ZipFile.OpenRead(TestFiles.Path("ed318/real/SwissGeozones_ED318_Testdaten.zip"));
        using var stream = zip.Entries.Single().Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var result = Import(buffer.ToArray());

        Assert.Empty(result.Skipped);
        Assert.Equal(1179, result.Features.Count);
        var features = TestFiles.Features(result);
        int unlimited = features.Count(f => !f.GetProperty("properties").TryGetProperty("alt_max_m", out _));
        Assert.Equal(875, unlimited);
        // 809 are written 99999 m AGL and 66 are 99999 m AMSL: the same sentinel.
        Assert.Equal(875, result.Warnings.Count(w => w.Message.Contains("99999 m A", StringComparison.Ordinal) && w.Message.Contains("read as no upper limit", StringComparison.Ordinal)));
        Assert.Equal(36, features.Count(f => f.GetProperty("geometry").GetProperty("coordinates").GetArrayLength() > 1 &&
            f.GetProperty("geometry").GetProperty("type").GetString() == "Polygon"));
        Assert.All(features, f => Assert.Equal("restricted", f.GetProperty("properties").GetProperty("kind").GetString()));
    }

    [Fact]
    public void the_cis_sample_gives_three_zones_reaching_up_without_limit()
    {
        var features = TestFiles.Features(Import(TestFiles.Bytes("ed318/real/interuss_monitoring_cis_source_sample_ed318.json")));
        Assert.Equal(3, features.Count);
        Assert.All(features, f => Assert.False(f.GetProperty("properties").TryGetProperty("alt_max_m", out _)));
    }

    private static string ReplaceFirst(string text, string what, string with)
    {
        int at = text.IndexOf(what, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{what}' is not in the file");
        return text[..at] + with + text[(at + what.Length)..];
    }
}
