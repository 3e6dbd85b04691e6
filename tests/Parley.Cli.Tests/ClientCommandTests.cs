using System.Text.Json;
using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests;

/// <summary>zone add|list and op submit|list|show against a server running in this process.</summary>
public sealed class ClientCommandTests(ServerFixture server) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Task<CliResult> RunAsync(string party, params string[] args) =>
        InProcess.RunAsync([.. args, "--server", server.Url, "--agreement", "demo", "--token", server.Token(party),
            .. args is ["zone", "add", ..] or ["op", "submit", ..] ? new[] { "--key", KeyFiles.For(server.DataDirectory, party) } : []]);

    [Fact]
    public async Task Zone_add_declares_a_zone_that_zone_list_then_shows()
    {
        var add = await RunAsync("blue", "zone", "add", _dir.File("zone.geojson", Samples.DemoZone("clinic-add")));

        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Contains("Declared 1 zone.", add.Stdout, StringComparison.Ordinal);
        Assert.Contains("clinic-add", add.Stdout, StringComparison.Ordinal);

        var list = await RunAsync("red", "zone", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("clinic-add", list.Stdout, StringComparison.Ordinal); // public: red sees it
        Assert.Contains("Clinic clinic-add", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Zone_list_with_json_prints_the_feature_collection()
    {
        Assert.Equal(0, (await RunAsync("blue", "zone", "add", _dir.File("zone.geojson", Samples.DemoZone("clinic-json")))).ExitCode);

        var list = await RunAsync("blue", "zone", "list", "--json");

        Assert.Equal(0, list.ExitCode);
        using var document = JsonDocument.Parse(list.Stdout);
        Assert.Equal("FeatureCollection", document.RootElement.GetProperty("type").GetString());
        Assert.Contains(document.RootElement.GetProperty("features").EnumerateArray(), f => f.GetProperty("id").GetString() == "clinic-json");
    }

    [Fact]
    public async Task Zone_add_with_json_prints_the_accepted_zones()
    {
        var add = await RunAsync("blue", "zone", "add", _dir.File("zone.geojson", Samples.DemoZone("clinic-add-json")), "--json");

        Assert.Equal(0, add.ExitCode);
        using var document = JsonDocument.Parse(add.Stdout);
        Assert.Equal("clinic-add-json", document.RootElement.GetProperty("accepted")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Zone_add_of_invalid_input_is_one_line_naming_the_feature_and_field_with_status_2()
    {
        string bad = Samples.DemoZone("clinic-bad").Replace("\"radius_m\": 300", "\"radius_m\": -5", StringComparison.Ordinal);
        var add = await RunAsync("blue", "zone", "add", _dir.File("zone.geojson", bad));

        Assert.Equal(2, add.ExitCode);
        Assert.Equal("", add.Stdout);
        string line = Assert.Single(add.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("400", line, StringComparison.Ordinal);
        Assert.Contains("clinic-bad", line, StringComparison.Ordinal);
        Assert.Contains("radius_m", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Zone_add_of_an_existing_id_is_refused_with_status_2()
    {
        string file = _dir.File("zone.geojson", Samples.DemoZone("clinic-twice"));
        Assert.Equal(0, (await RunAsync("blue", "zone", "add", file)).ExitCode);

        var again = await RunAsync("blue", "zone", "add", file);

        Assert.Equal(2, again.ExitCode);
        Assert.Contains("409", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("exists already", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Op_submit_prints_the_state_and_the_conflicts()
    {
        var submit = await RunAsync("red", "op", "submit", _dir.File("op.geojson", Samples.StrikeOnSchool("strike-table")));

        Assert.True(submit.ExitCode == 0, submit.ToString());
        Assert.Contains("Submitted 'strike-table'", submit.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 conflict", submit.Stdout, StringComparison.Ordinal);
        Assert.Contains("blue-school-2", submit.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Op_submit_with_json_prints_the_server_answer()
    {
        var submit = await RunAsync("red", "op", "submit", _dir.File("op.geojson", Samples.StrikeOnSchool("strike-json")), "--json");

        Assert.Equal(0, submit.ExitCode);
        using var document = JsonDocument.Parse(submit.Stdout);
        var root = document.RootElement;
        Assert.Equal("strike-json", root.GetProperty("id").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("state").GetString()));
        var conflict = Assert.Single(root.GetProperty("conflicts").EnumerateArray());
        Assert.Equal("blue-school-2", conflict.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Op_list_shows_the_operations_with_their_states_and_op_show_one()
    {
        Assert.Equal(0, (await RunAsync("red", "op", "submit", _dir.File("op.geojson", Samples.StrikeOnSchool("strike-list")))).ExitCode);

        var list = await RunAsync("red", "op", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("strike-list", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("State", list.Stdout, StringComparison.Ordinal);

        var json = await RunAsync("red", "op", "list", "--json");
        using var document = JsonDocument.Parse(json.Stdout);
        var mine = Assert.Single(document.RootElement.GetProperty("features").EnumerateArray(), f => f.GetProperty("id").GetString() == "strike-list");
        string state = mine.GetProperty("properties").GetProperty("state").GetString()!;
        Assert.Contains(state, list.Stdout, StringComparison.Ordinal);

        var show = await RunAsync("red", "op", "show", "strike-list");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains($"Operation 'strike-list': {state}", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("blue-school-2", show.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Op_show_of_an_unknown_operation_is_status_2()
    {
        var show = await RunAsync("red", "op", "show", "no-such-op");

        Assert.Equal(2, show.ExitCode);
        Assert.Contains("404", show.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_command_without_a_token_is_status_2()
    {
        var result = await InProcess.RunAsync("zone", "list", "--server", server.Url, "--token", "");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no token", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_status_1()
    {
        var result = await InProcess.RunAsync("zone", "list", "--server", "http://127.0.0.1:9", "--token", "x");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot reach the server", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_input_file_is_status_2()
    {
        var result = await RunAsync("blue", "zone", "add", Path.Combine(_dir.Path, "absent.geojson"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no such file", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_list_shows_the_request_a_strike_opens_and_request_answer_concurs_with_it()
    {
        Assert.Equal(0, (await RunAsync("red", "op", "submit", _dir.File("op.geojson", Samples.StrikeOnSchool("strike-asked")))).ExitCode);

        var listed = await InProcess.RunAsync("request", "list", "--role", "affected", "--state", "open", "--json",
            "--server", server.Url, "--agreement", "demo", "--token", server.Token("blue", Parley.Server.Security.Roles.Approver));
        Assert.True(listed.ExitCode == 0, listed.ToString());
        using var document = System.Text.Json.JsonDocument.Parse(listed.Stdout);
        var request = document.RootElement.GetProperty("requests").EnumerateArray()
            .Last(r => r.GetProperty("submitter").GetString() == "red" && r.GetProperty("target_id").GetString() == "blue-school-2");
        string id = request.GetProperty("id").GetString()!;

        var table = await InProcess.RunAsync("request", "list", "--server", server.Url, "--agreement", "demo", "--token", server.Token("blue", Parley.Server.Security.Roles.Approver));
        Assert.Contains(id, table.Stdout, StringComparison.Ordinal);

        var answered = await InProcess.RunAsync("request", "answer", id, "--concur", "--server", server.Url, "--agreement", "demo",
            "--token", server.Token("blue", Parley.Server.Security.Roles.Approver), "--key", KeyFiles.For(server.DataDirectory, "blue"));
        Assert.True(answered.ExitCode == 0, answered.ToString());
        Assert.Contains($"Request {id}: concurred", answered.Stdout, StringComparison.Ordinal);

        var twice = await InProcess.RunAsync("request", "answer", id, "--concur", "--refuse", "no", "--server", server.Url, "--token", server.Token("blue", Parley.Server.Security.Roles.Approver),
            "--key", KeyFiles.For(server.DataDirectory, "blue"));
        Assert.Equal(2, twice.ExitCode);
    }
}
