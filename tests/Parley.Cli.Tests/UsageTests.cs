using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests;

public sealed class UsageTests
{
    [Fact]
    public async Task Help_lists_every_command()
    {
        var result = await InProcess.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "serve", "migrate", "backup", "check", "token", "zone", "op" })
        {
            Assert.Contains(command, result.Stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("check")]
    [InlineData("serve")]
    [InlineData("backup")]
    [InlineData("token")]
    [InlineData("zone", "add")]
    [InlineData("op", "submit")]
    public async Task Help_of_a_command_exits_0_even_without_its_required_options(params string[] command)
    {
        var result = await InProcess.RunAsync([.. command, "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error_with_status_2()
    {
        var result = await InProcess.RunAsync("token", "--agreement", "demo", "--party", "blue", "--role", "operator", "--bogus");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--bogus", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("parley token --help", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task No_command_is_a_usage_error_with_status_2()
    {
        var result = await InProcess.RunAsync();

        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task A_missing_required_option_is_a_usage_error_with_status_2()
    {
        var result = await InProcess.RunAsync("check", "--zones", "zones.geojson");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--operations", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_without_out_is_a_usage_error_and_without_a_store_an_input_error()
    {
        var noOut = await InProcess.RunAsync("backup", "--data", "parley-data");
        Assert.Equal(2, noOut.ExitCode);
        Assert.Contains("--out", noOut.Stderr, StringComparison.Ordinal);

        using var empty = new TempDirectory();
        var noStore = await InProcess.RunAsync("backup", "--data", empty.Path, "--out", System.IO.Path.Combine(empty.Path, "b.db"));
        Assert.Equal(2, noStore.ExitCode);
        Assert.Contains("no SQLite store", noStore.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(System.IO.Path.Combine(empty.Path, "b.db")));
    }
}
