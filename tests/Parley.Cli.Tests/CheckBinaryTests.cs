using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests;

/// <summary>The built command, as scripts run it: exact standard output and exit statuses.</summary>
[Trait("Lane", "Slow")]
public sealed class CheckBinaryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Parley_check_prints_exactly_the_conflict_lines_and_exits_0()
    {
        var result = await ParleyBinary.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Samples.Operations));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Samples.ExpectedJsonLines, result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Parley_check_exits_2_on_an_invalid_feature_with_its_id_and_field_on_stderr()
    {
        var result = await ParleyBinary.RunAsync("check", "--zones", _dir.File("bad.geojson", Samples.ZonesWithBadEnd),
            "--operations", _dir.File("ops.geojson", Samples.Operations), "--format", "jsonl");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("", result.Stdout);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("bad.geojson", line, StringComparison.Ordinal);
        Assert.Contains("bad-zone", line, StringComparison.Ordinal);
        Assert.Contains("properties.end", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parley_check_exits_2_on_malformed_json()
    {
        var result = await ParleyBinary.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Samples.Malformed));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("", result.Stdout);
        Assert.Contains("ops.geojson", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parley_with_an_unknown_option_exits_2()
    {
        var result = await ParleyBinary.RunAsync("check", "--zones", "z", "--operations", "o", "--frobnicate");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--frobnicate", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }
}
