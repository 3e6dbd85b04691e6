using System.Net;
using System.Net.Http.Headers;
using Parley.Cli.Commands;
using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests;

public sealed class TokenTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Trait("Lane", "Slow")]
    [Fact]
    public async Task Parley_token_prints_one_line_that_the_server_on_the_same_data_folder_accepts()
    {
        var result = await ParleyBinary.RunAsync("token", "--data", server.DataDirectory, "--agreement", "demo", "--party", "red", "--role", "operator");

        Assert.True(result.ExitCode == 0, result.ToString());
        string token = Assert.Single(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim();
        Assert.Equal(result.Stdout.TrimEnd('\n'), token);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url + "/v1/agreements/demo/zones");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Trait("Lane", "Slow")]
    [Fact]
    public async Task Client_commands_take_the_server_and_token_from_the_environment()
    {
        var result = await ParleyBinary.RunAsync(
            new Dictionary<string, string> { ["PARLEY_TOKEN"] = server.Token("blue"), ["PARLEY_SERVER"] = server.Url },
            "zone", "list", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("blue-school-2", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_from_another_data_folder_is_refused()
    {
        using var other = new TempDirectory();
        var result = await InProcess.RunAsync("token", "--data", other.Path, "--agreement", "demo", "--party", "red", "--role", "operator");
        Assert.Equal(0, result.ExitCode);

        var list = await InProcess.RunAsync("zone", "list", "--server", server.Url, "--token", result.Stdout.Trim());
        Assert.Equal(2, list.ExitCode);
        Assert.Contains("401", list.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_role_is_a_usage_error()
    {
        var result = await InProcess.RunAsync("token", "--data", server.DataDirectory, "--agreement", "demo", "--party", "red", "--role", "king");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task A_token_for_a_monitor_may_read_but_not_declare()
    {
        var token = (await InProcess.RunAsync("token", "--data", server.DataDirectory, "--agreement", "demo", "--party", "aid", "--role", "monitor", "--lifetime", "30m")).Stdout.Trim();
        using var dir = new TempDirectory();

        Assert.Equal(0, (await InProcess.RunAsync("zone", "list", "--server", server.Url, "--token", token)).ExitCode);
        var add = await InProcess.RunAsync("zone", "add", dir.File("z.geojson", Samples.DemoZone("monitor-zone")), "--server", server.Url, "--token", token,
            "--key", KeyFiles.For(server.DataDirectory, "aid"));
        Assert.Equal(2, add.ExitCode);
        Assert.Contains("403", add.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("12h", 43200)]
    [InlineData("7d", 604800)]
    [InlineData("1.5h", 5400)]
    [InlineData("01:00:00", 3600)]
    public void Lifetimes_are_read_with_their_unit(string text, int seconds)
    {
        Assert.True(TokenCommand.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0h")]
    [InlineData("-1h")]
    [InlineData("12x")]
    [InlineData("400d")]
    [InlineData("soon")]
    public void Invalid_lifetimes_are_refused(string text) => Assert.False(TokenCommand.TryParseDuration(text, out _));

    [Fact]
    public async Task Keygen_writes_an_owner_only_key_prints_its_public_key_and_never_overwrites()
    {
        using var dir = new TempDirectory();
        string file = Path.Combine(dir.Path, "blue.pem");
        var made = await InProcess.RunAsync("keygen", "--out", file);

        Assert.True(made.ExitCode == 0, made.ToString());
        using var key = Parley.Server.Security.SubmissionKey.FromPem(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
        Assert.Equal(key.PublicKey, made.Stdout.Trim());
        Assert.True(Parley.Core.Features.AgreementReader.IsSigningKey(made.Stdout.Trim()));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var again = await InProcess.RunAsync("keygen", "--out", file);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("never overwritten", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, (await InProcess.RunAsync("keygen", "--out", Path.Combine(dir.Path, "x.pem"), "--development")).ExitCode);
        Assert.NotEqual(made.Stdout, (await InProcess.RunAsync("keygen", "--out", Path.Combine(dir.Path, "other.pem"))).Stdout);
    }

    [Fact]
    public async Task A_write_without_a_key_is_refused_before_anything_is_sent()
    {
        using var dir = new TempDirectory();
        var add = await InProcess.RunAsync("zone", "add", dir.File("z.geojson", Samples.DemoZone("keyless")), "--server", server.Url, "--token", server.Token("blue"));

        Assert.Equal(2, add.ExitCode);
        Assert.Contains("no submission key", add.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_creates_the_schema_of_a_new_store_then_has_nothing_to_do()
    {
        using var dir = new TempDirectory();
        string data = Path.Combine(dir.Path, "data");
        var first = await InProcess.RunAsync("migrate", "--data", data, "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        using var report = System.Text.Json.JsonDocument.Parse(first.Stdout);
        Assert.Equal(0, report.RootElement.GetProperty("before").GetInt32());
        Assert.Equal(Parley.Storage.Sqlite.SqliteStore.LatestSchemaVersion, report.RootElement.GetProperty("after").GetInt32());
        Assert.True(File.Exists(Path.Combine(data, "parley.db")));

        var again = await InProcess.RunAsync("migrate", "--data", data);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nothing to do", again.Stdout, StringComparison.Ordinal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var postgres = await InProcess.RunAsync("migrate", "--store", "postgres", "--data", data);
        Assert.Equal(2, postgres.ExitCode);
        Assert.Contains("connection string", postgres.Stderr, StringComparison.Ordinal);
    }
}
