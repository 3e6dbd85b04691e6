using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests;

/// <summary><c>parley check --agreement</c> with terms: a line per breach after the conflicts' lines.</summary>
public sealed class CheckTermsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // Red's strikes only around the hospital's town, blue's flights grounded far east of the samples, one red flight a day.
    private const string Agreement = """
        id: pact
        parties: [{ id: blue }, { id: red }, { id: aid }]
        terms:
          - id: red-strikes-near-town
            type: designated-area
            parties: [red]
            kinds: [strike]
            areas: { type: Feature, geometry: { type: Polygon, coordinates: [[[9.9, 9.9], [10.1, 9.9], [10.1, 10.1], [9.9, 10.1], [9.9, 9.9]]] }, properties: {} }
          - id: blue-grounded-east
            type: suspension
            parties: [blue]
            kinds: [flight]
            area: { type: Polygon, coordinates: [[[20, 19], [21, 19], [21, 21], [20, 21], [20, 19]]] }
          - id: one-red-flight
            type: limit
            parties: [red]
            kinds: [flight, strike]
            max_per_day: 1
            on_breach: concurrence
        """;

    [Fact]
    public async Task Check_with_an_agreement_adds_one_line_per_breach_naming_the_operation_and_the_term()
    {
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Samples.Operations), "--agreement", _dir.File("pact.yaml", Agreement));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            Samples.ExpectedJsonLines +
            "{\"operation\":\"flight-a\",\"term\":\"blue-grounded-east\"}\n" +
            "{\"operation\":\"flight-b\",\"term\":\"one-red-flight\"}\n",
            result.Stdout);
    }

    [Fact]
    public async Task Check_refuses_an_agreement_with_a_misspelt_field_naming_the_file_and_the_field()
    {
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Samples.Operations),
            "--agreement", _dir.File("typo.yaml", Agreement.Replace("max_per_day", "max_per_dya", StringComparison.Ordinal)));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains("typo.yaml", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("terms[2].max_per_dya", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_table_format_lists_the_breaches_for_people()
    {
        var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
            "--operations", _dir.File("ops.geojson", Samples.Operations), "--agreement", _dir.File("pact.yaml", Agreement), "--format", "table");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("blue-grounded-east", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 breaches of 3 terms.", result.Stdout, StringComparison.Ordinal);
    }
}
