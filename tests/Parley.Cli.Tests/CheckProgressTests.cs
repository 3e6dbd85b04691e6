using System.Globalization;
using System.Text;
using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests;

public sealed class CheckProgressTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Large_inputs_report_progress_on_stderr_and_leave_stdout_to_the_conflicts()
    {
        // About 10 MB of small sites far from the sample operations, then the sample hospital.
        var zones = new StringBuilder("{\"type\":\"FeatureCollection\",\"features\":[");
        for (int i = 0; i < 40_000; i++)
        {
            string position = string.Create(CultureInfo.InvariantCulture, $"[{-170 + ((i % 300) * 0.5)},{-60 + ((i / 300) * 0.1)}]");
            zones.Append("{\"type\":\"Feature\",\"id\":\"site-").Append(i).Append("\",\"geometry\":{\"type\":\"Point\",\"coordinates\":").Append(position).Append("},")
                .Append("\"properties\":{\"kind\":\"protected\",\"owner\":\"aid\",\"radius_m\":100,\"alt_min_m\":0,\"alt_max_m\":500,\"start\":\"2026-01-01T00:00:00Z\",\"end\":null,\"name\":\"A site far from everything else\",\"visibility\":\"private\"}},");
        }

        zones.Append("""{"type":"Feature","id":"hospital-1","geometry":{"type":"Polygon","coordinates":[[[9.99,9.99],[10.01,9.99],[10.01,10.01],[9.99,10.01],[9.99,9.99]]]},"properties":{"kind":"protected","owner":"blue","start":"2026-01-01T00:00:00Z"}}]}""");
        string zonesFile = _dir.File("zones.geojson", zones.ToString());
        Assert.True(new FileInfo(zonesFile).Length > 8 * 1024 * 1024);

        var result = await InProcess.RunAsync("check", "--zones", zonesFile, "--operations", _dir.File("ops.geojson", Samples.Operations));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Samples.ExpectedJsonLines, result.Stdout);
        Assert.Contains("parley check: reading zones: 40,001 done", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("parley check: checking: 4 done", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("parley check: 2 conflicts", result.Stderr, StringComparison.Ordinal);
    }
}
