using System.Text.Json;
using System.Xml.Linq;
using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests;

/// <summary><c>parley export kml|geojson|cot</c> against a server running in this process.</summary>
public sealed class ExportCommandTests(ServerFixture server) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Task<CliResult> RunAsync(string party, params string[] args) =>
        InProcess.RunAsync([.. args, "--server", server.Url, "--agreement", "demo", "--token", server.Token(party)]);

    [Fact]
    public async Task export_kml_writes_a_placemark_for_every_zone_and_operation_the_caller_may_see()
    {
        string file = Path.Combine(_dir.Path, "red.kml");
        var run = await RunAsync("red", "export", "kml", "--out", file, "--include", "zones,operations");
        Assert.True(run.ExitCode == 0, run.ToString());

        var zones = await RunAsync("red", "zone", "list", "--json");
        var operations = await RunAsync("red", "op", "list", "--json");
        var ids = JsonDocument.Parse(zones.Stdout).RootElement.GetProperty("features").EnumerateArray()
            .Concat(JsonDocument.Parse(operations.Stdout).RootElement.GetProperty("features").EnumerateArray())
            .Select(f => f.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToList();
        XNamespace kml = "http://www.opengis.net/kml/2.2";
        var exported = XDocument.Load(file).Descendants(kml + "Data").Where(d => d.Attribute("name")!.Value == "id")
            .Select(d => d.Element(kml + "value")!.Value).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(ids);
        Assert.Equal(ids, exported);
    }

    [Fact]
    public async Task export_geojson_prints_the_feature_collection_and_a_bad_filter_is_refused_naming_it()
    {
        var run = await RunAsync("blue", "export", "geojson", "--kind", "protected");
        Assert.True(run.ExitCode == 0, run.ToString());
        var features = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.NotEmpty(features);
        Assert.All(features, f => Assert.Equal("protected", f.GetProperty("properties").GetProperty("kind").GetString()));

        var bad = await RunAsync("blue", "export", "geojson", "--bbox", "north");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("bbox", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task export_cot_writes_a_drawing_for_every_current_zone_and_live_operation()
    {
        var run = await RunAsync("red", "export", "cot");
        Assert.True(run.ExitCode == 0, run.ToString());
        var events = run.Stdout.Split("</event>", StringSplitOptions.RemoveEmptyEntries).Where(e => e.Trim().Length > 0)
            .Select(e => XElement.Parse(e.Trim() + "</event>")).ToList();
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Contains(e.Attribute("type")!.Value, new[] { "u-d-f", "u-d-c-c" }));

        var geojson = JsonDocument.Parse((await RunAsync("red", "export", "geojson", "--include", "zones")).Stdout).RootElement;
        var now = DateTimeOffset.UtcNow;
        var current = geojson.GetProperty("features").EnumerateArray().Where(f => f.GetProperty("properties").GetProperty("end").ValueKind == JsonValueKind.Null ||
            DateTimeOffset.Parse(f.GetProperty("properties").GetProperty("end").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > now)
            .Select(f => "parley.demo.zone." + f.GetProperty("id").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(current, events.Select(e => e.Attribute("uid")!.Value).Where(u => u.StartsWith("parley.demo.zone.", StringComparison.Ordinal)).Select(u => u.Split(".p")[0]).Distinct().Order(StringComparer.Ordinal));
    }
}
