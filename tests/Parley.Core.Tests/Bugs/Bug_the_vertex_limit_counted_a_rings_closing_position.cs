using System.Globalization;
using System.Text;
using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Tests.Features;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// The agreement's vertex limit counted every position, the closing one of each ring too, so a polygon of exactly
/// the limit's distinct vertices was refused. A ring's closing position, which repeats its first, is no longer
/// counted; a line string's positions all are.
/// </summary>
public class Bug_the_vertex_limit_counted_a_rings_closing_position
{
    private static readonly Agreement Limit8 = Agreement.Default() with { MaxVerticesPerFeature = 8 };

    /// <summary>A closed ring of <paramref name="n"/> distinct vertices on a small circle.</summary>
    private static string Ring(int n, double lon = 10)
    {
        var points = Enumerable.Range(0, n + 1).Select(i =>
        {
            double a = 2 * Math.PI * (i % n) / n;
            return string.Create(CultureInfo.InvariantCulture, $"[{lon + Math.Cos(a):R},{Math.Sin(a):R}]");
        });
        return "[" + string.Join(",", points) + "]";
    }

    private static int Read(string coordinates, string type = "Polygon")
    {
        string json = FeatureReaderTests.Feature(type: type, coordinates: coordinates);
        using var document = JsonDocument.Parse(json);
        int byDocument = FeatureReader.ReadZones(document.RootElement, Limit8).Count;
        int byStream = StreamingFeatureReader.ReadZones(Encoding.UTF8.GetBytes(json), Limit8).Count;
        Assert.Equal(byDocument, byStream);
        return byDocument;
    }

    [Fact]
    public void a_polygon_of_exactly_the_limits_distinct_vertices_is_read()
    {
        Assert.Equal(1, Read("[" + Ring(8) + "]"));
    }

    [Fact]
    public void a_polygon_of_one_vertex_more_is_refused_naming_the_count()
    {
        var error = IdGrammarTests.RefusedByBoth(FeatureReaderTests.Feature(coordinates: "[" + Ring(9) + "]"), Limit8);
        Assert.Equal("geometry.coordinates", error.Field);
        Assert.Contains("more than 8 vertices", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_multipolygon_counts_each_rings_distinct_vertices()
    {
        Assert.Equal(1, Read("[[" + Ring(4) + "],[" + Ring(4, lon: 20) + "]]", "MultiPolygon"));
        using var document = JsonDocument.Parse(FeatureReaderTests.Feature(type: "MultiPolygon", coordinates: "[[" + Ring(4) + "],[" + Ring(5, lon: 20) + "]]"));
        var e = Assert.Throws<InputRejectedException>(() => FeatureReader.ReadZones(document.RootElement, Limit8));
        Assert.Contains("more than 8 vertices", e.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_line_string_counts_every_position()
    {
        string line = "[" + string.Join(",", Enumerable.Range(0, 9).Select(i => $"[{i},0]")) + "]";
        string json = FeatureReaderTests.Feature(type: "LineString", coordinates: line, extra: ""","corridor_m":100""");
        using var document = JsonDocument.Parse(json);
        Assert.Throws<InputRejectedException>(() => FeatureReader.ReadZones(document.RootElement, Limit8));
        Assert.Throws<InputRejectedException>(() => StreamingFeatureReader.ReadZones(Encoding.UTF8.GetBytes(json), Limit8));
    }
}
