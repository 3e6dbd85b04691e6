using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests;

public sealed class CheckCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Check_prints_one_json_line_per_conflict_and_nothing_else()
    {
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Samples.Operations));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Samples.ExpectedJsonLines, result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Check_with_no_conflicts_prints_nothing_and_exits_0()
    {
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Samples.DemoZone("x").Replace("protected", "flight", StringComparison.Ordinal)));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Check_table_format_lists_the_conflicts_for_people()
    {
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Samples.Operations), "--format", "table");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("strike-1", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("hospital-1", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("flight-b", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 conflicts: 1 with zones, 1 between operations (4 operations against 2 zones).", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_refuses_an_invalid_feature_naming_the_file_the_feature_and_the_field()
    {
        string zones = _dir.File("bad-zones.geojson", Samples.ZonesWithBadEnd);
        var result = await InProcess.RunAsync("check", "--zones", zones, "--operations", _dir.File("ops.geojson", Samples.Operations));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("bad-zones.geojson", line, StringComparison.Ordinal);
        Assert.Contains("'bad-zone'", line, StringComparison.Ordinal);
        Assert.Contains("features[1].properties.end", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_refuses_malformed_json_with_status_2()
    {
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Malformed),
            "--operations", _dir.File("ops.geojson", Samples.Operations));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("malformed JSON", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Check_refuses_duplicate_ids_in_a_file()
    {
        string twice = Samples.Zones.Replace("airspace-far", "hospital-1", StringComparison.Ordinal);
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", twice),
            "--operations", _dir.File("ops.geojson", Samples.Operations));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("feature 'hospital-1': features[1].id: duplicate id", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_refuses_a_feature_that_is_not_a_feature()
    {
        string zones = """{ "type": "FeatureCollection", "features": [ { "type": "FeatureCollection", "id": "nested", "features": [] } ] }""";
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", zones),
            "--operations", _dir.File("ops.geojson", Samples.Operations));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("feature 'nested': features[0].type", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_accepts_a_single_feature_file()
    {
        string zone = """
            { "type": "Feature", "id": "hospital-1",
              "geometry": { "type": "Point", "coordinates": [10.0, 10.0] },
              "properties": { "kind": "protected", "owner": "blue", "radius_m": 50, "start": "2026-01-01T00:00:00Z" } }
            """;
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zone.geojson", zone),
            "--operations", _dir.File("ops.geojson", Samples.Operations));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Samples.ExpectedJsonLines, result.Stdout);
    }

    [Fact]
    public async Task Check_refuses_a_missing_file_with_status_2()
    {
        var result = await InProcess.RunAsync("check", "--zones", Path.Combine(_dir.Path, "absent.geojson"),
            "--operations", _dir.File("ops.geojson", Samples.Operations));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("absent.geojson: no such file", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_applies_the_rules_and_parties_of_an_agreement_file()
    {
        // Only red and blue are parties, and strikes conflict with nothing: the aid convoy is an unknown owner.
        string agreement = _dir.File("agreement.yaml", """
            id: two-parties
            parties:
              - id: blue
              - id: red
            rules:
              - operation: flight
                zones: [restricted]
            """);
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Samples.Operations), "--agreement", agreement);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("feature 'convoy-1': features[1].properties.owner: unknown party 'aid'", result.Stderr, StringComparison.Ordinal);

        string withoutConvoy = Samples.Operations.Replace("\"aid\"", "\"blue\"", StringComparison.Ordinal);
        result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops2.geojson", withoutConvoy), "--agreement", agreement);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("{\"operation\":\"flight-a\",\"operation2\":\"flight-b\"}\n", result.Stdout);
    }

    [Fact]
    public async Task Check_refuses_an_invalid_agreement_file_with_status_2()
    {
        string agreement = _dir.File("agreement.json", """{ "id": "x", "separation": 5 }""");
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Samples.Operations), "--agreement", agreement);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("agreement.json: separation", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_refuses_an_unknown_format()
    {
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Samples.Operations), "--format", "xml");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
    }
}
