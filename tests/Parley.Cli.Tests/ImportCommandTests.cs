using System.Text.Json;
using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests;

/// <summary><c>parley import</c>: converting real files to Parley's GeoJSON, and declaring them on a server in signed batches.</summary>
public sealed class ImportCommandTests(ServerFixture server) : IClassFixture<ServerFixture>, IDisposable
{
    private static readonly string Germany = Path.Combine(AppContext.BaseDirectory, "Files", "germany_2026_03_Airspace_Germany_OA1.txt");
    private static readonly string Broken = Path.Combine(AppContext.BaseDirectory, "Files", "broken.txt");
    private static readonly string Circle = Path.Combine(AppContext.BaseDirectory, "Files", "Example_GeoZone_Circle.json");

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task importing_an_openair_file_writes_the_zones_to_standard_output_and_the_warnings_to_standard_error()
    {
        var run = await InProcess.RunAsync("import", "openair", Germany, "--start", "2026-03-19T00:00:00Z", "--kind", "protected", "--visibility", "public");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        var features = document.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(678, features.Count);
        Assert.All(features, f => Assert.Equal("protected", f.GetProperty("properties").GetProperty("kind").GetString()));
        Assert.All(features, f => Assert.Equal("public", f.GetProperty("properties").GetProperty("visibility").GetString()));
        Assert.All(features, f => Assert.Equal("2026-03-19T00:00:00Z", f.GetProperty("properties").GetProperty("start").GetString()));
        Assert.Contains("warning:", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("above the ground", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("standard atmosphere", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_bad_file_is_refused_naming_the_file_line_and_reason_and_skip_invalid_writes_the_rest_to_out()
    {
        var refused = await InProcess.RunAsync("import", "openair", Broken);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("", refused.Stdout);
        Assert.Contains("broken.txt: line 5 (RENO-C): DC without a centre", refused.Stderr, StringComparison.Ordinal);

        string output = _dir.Path + "/out.geojson";
        var skipped = await InProcess.RunAsync("import", "openair", Broken, "--skip-invalid", "--out", output);
        Assert.True(skipped.ExitCode == 0, skipped.ToString());
        Assert.Contains("skipped:", skipped.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 9", skipped.Stderr, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
        Assert.Single(document.RootElement.GetProperty("features").EnumerateArray());
    }

    [Fact]
    public async Task a_mapping_file_and_the_ground_elevation_change_kinds_and_limits()
    {
        string mapping = _dir.File("mapping.json", """{"PROHIBITED":"protected","REQ_AUTHORIZATION":"skip"}""");
        var run = await InProcess.RunAsync("import", "ed318", Circle, "--mapping", mapping, "--ground-m", "500");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Stdout);
        var properties = document.RootElement.GetProperty("features")[0].GetProperty("properties");
        Assert.Equal(550, properties.GetProperty("alt_min_m").GetDouble());
        Assert.Equal(650, properties.GetProperty("alt_max_m").GetDouble());

        var bad = await InProcess.RunAsync("import", "ed318", Circle, "--mapping", _dir.File("bad.json", """{"P":"forbidden"}"""));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--mapping", bad.Stderr, StringComparison.Ordinal);
        Assert.Contains("skip", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task importing_to_a_server_declares_every_zone_in_signed_batches_and_prints_a_summary()
    {
        var run = await InProcess.RunAsync("import", "openair", Germany, "--id-prefix", "de-", "--batch", "100",
            "--server", server.Url, "--agreement", "demo", "--token", server.Token("blue"), "--key", KeyFiles.For(server.DataDirectory, "blue"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Declared 678 zones in 7 requests", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("restricted", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("declared 678/678", run.Stderr, StringComparison.Ordinal);

        var list = await InProcess.RunAsync("zone", "list", "--json", "--server", server.Url, "--agreement", "demo", "--token", server.Token("blue"));
        using var document = JsonDocument.Parse(list.Stdout);
        var mine = document.RootElement.GetProperty("features").EnumerateArray().Where(f => f.GetProperty("id").GetString()!.StartsWith("de-", StringComparison.Ordinal)).ToList();
        Assert.Equal(678, mine.Count);
        Assert.All(mine, f => Assert.Equal("blue", f.GetProperty("properties").GetProperty("owner").GetString()));

        // Again: the first batch is refused (the ids exist) and nothing more is sent.
        var again = await InProcess.RunAsync("import", "openair", Germany, "--id-prefix", "de-", "--batch", "100",
            "--server", server.Url, "--agreement", "demo", "--token", server.Token("blue"), "--key", KeyFiles.For(server.DataDirectory, "blue"));
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("409", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("0 zones were declared before", again.Stderr, StringComparison.Ordinal);
    }
}
