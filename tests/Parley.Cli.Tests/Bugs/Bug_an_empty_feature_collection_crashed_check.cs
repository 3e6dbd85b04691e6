using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests.Bugs;

/// <summary>
/// <c>parley check</c> with an empty FeatureCollection (<c>{"type":"FeatureCollection","features":[]}</c>) as
/// either file died with an unhandled <see cref="ArgumentOutOfRangeException"/> from <c>Partitioner.Create</c>
/// (exit 134 and a stack trace): the parallel reader asked for a range partition of zero features. An empty
/// collection is valid input: it checks nothing and exits 0.
/// </summary>
public sealed class Bug_an_empty_feature_collection_crashed_check : IDisposable
{
    private const string Empty = """{"type":"FeatureCollection","features":[]}""";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task an_empty_file_of_zones_checks_the_operations_against_each_other_and_exits_0()
    {
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Empty),
            "--operations", _dir.File("ops.geojson", Samples.Operations));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("{\"operation\":\"flight-a\",\"operation2\":\"flight-b\"}\n", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task an_empty_file_of_operations_finds_nothing_and_exits_0()
    {
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Empty), "--format", "table");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("0 conflicts: 0 with zones, 0 between operations (0 operations against 2 zones).", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_built_command_with_two_empty_files_prints_nothing_and_exits_0()
    {
        string empty = _dir.File("empty.geojson", Empty);
        var result = await ParleyBinary.RunAsync("check", "--zones", empty, "--operations", empty);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stdout);
        Assert.Equal("", result.Stderr);
    }
}
