using System.Text.Json;
using Parley.Cli.Tests.Support;
using Parley.Server.Security;

namespace Parley.Cli.Tests;

/// <summary>parley agreement show|history|propose|sign|refuse against the demo server running in this process.</summary>
public sealed class AgreementCommandTests(ServerFixture server) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Task<CliResult> RunAsync(string party, string role, params string[] args) =>
        InProcess.RunAsync([.. args, "--server", server.Url, "--agreement", "demo", "--token", server.Token(party, role),
            .. args is ["agreement", "propose" or "sign" or "refuse", ..] ? new[] { "--key", KeyFiles.For(server.DataDirectory, party) } : []]);

    private static string Deadline => DateTimeOffset.UtcNow.AddDays(2).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    private string Proposal(string name, int minutes) => _dir.File(name + ".yaml", $"""
        reason: Approvers need {minutes} minutes to answer at night
        signing_deadline: {Deadline}
        concurrence_deadline_minutes: {minutes}
        """);

    [Fact]
    public async Task show_lists_the_demo_terms_and_history_as_csv_lists_reds_amendment_waiting_for_blue()
    {
        var show = await RunAsync("aid", Roles.Monitor, "agreement", "show");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("Signatories: blue, red", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("red-strikes-in-designated-areas", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("red-flights-grounded-south", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("at most 4 a UTC day", show.Stdout, StringComparison.Ordinal);

        var history = await RunAsync("aid", Roles.Monitor, "agreement", "history", "--format", "csv");
        Assert.True(history.ExitCode == 0, history.ToString());
        var lines = history.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("amendment,state,proposer,", lines[0], StringComparison.Ordinal);
        var demo = lines[1].Split(',');
        Assert.Equal("red", demo[2]);
        Assert.Equal("1", demo[3]);
        Assert.StartsWith("red@", demo[8], StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_amendment_proposed_in_yaml_by_blue_and_signed_by_red_is_in_force_and_shown_as_the_next_version()
    {
        var before = await RunAsync("blue", Roles.Monitor, "agreement", "show", "--json");
        int version = JsonDocument.Parse(before.Stdout).RootElement.GetProperty("version").GetInt32();

        var propose = await RunAsync("blue", Roles.Approver, "agreement", "propose", Proposal("longer", 50), "--json");
        Assert.True(propose.ExitCode == 0, propose.ToString());
        var proposed = JsonDocument.Parse(propose.Stdout).RootElement;
        Assert.Equal("proposed", proposed.GetProperty("state").GetString());
        Assert.Equal(new[] { "red" }, proposed.GetProperty("missing").EnumerateArray().Select(p => p.GetString()));
        string id = proposed.GetProperty("id").GetString()!;

        var sign = await RunAsync("red", Roles.Approver, "agreement", "sign", id);
        Assert.True(sign.ExitCode == 0, sign.ToString());
        Assert.Contains($"Signed amendment {id}: in-force, version {version} → {version + 1}.", sign.Stdout, StringComparison.Ordinal);

        var after = JsonDocument.Parse((await RunAsync("red", Roles.Operator, "agreement", "show", "--json")).Stdout).RootElement;
        Assert.Equal(version + 1, after.GetProperty("version").GetInt32());
        Assert.Equal(50, after.GetProperty("concurrence_deadline_minutes").GetInt32());

        var history = await RunAsync("blue", Roles.Monitor, "agreement", "history");
        Assert.True(history.ExitCode == 0, history.ToString());
        Assert.Contains($"version {version + 1} in force", history.Stdout, StringComparison.Ordinal);
        Assert.Contains(id, history.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_amendment_red_refuses_lapses_and_the_history_names_the_refusal()
    {
        var propose = await RunAsync("blue", Roles.Approver, "agreement", "propose", Proposal("refused", 40), "--json");
        Assert.True(propose.ExitCode == 0, propose.ToString());
        string id = JsonDocument.Parse(propose.Stdout).RootElement.GetProperty("id").GetString()!;

        var refuse = await RunAsync("red", Roles.Approver, "agreement", "refuse", id, "--reason", "Forty minutes is too long", "--json");
        Assert.True(refuse.ExitCode == 0, refuse.ToString());
        var refused = JsonDocument.Parse(refuse.Stdout).RootElement;
        Assert.Equal("lapsed", refused.GetProperty("state").GetString());
        Assert.Equal("red", refused.GetProperty("refused_by").GetString());

        var csv = await RunAsync("aid", Roles.Monitor, "agreement", "history", "--format", "csv");
        var line = Assert.Single(csv.Stdout.Split('\n'), l => l.StartsWith(id + ",", StringComparison.Ordinal)).Split(',');
        Assert.Equal("lapsed", line[1]);
        Assert.Equal("red", line[11]);

        // A lapsed amendment takes no signature: the server's refusal is one line, status 2.
        var late = await RunAsync("red", Roles.Approver, "agreement", "sign", id);
        Assert.Equal(2, late.ExitCode);
        Assert.Contains("409", late.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_proposal_with_a_misspelt_field_is_refused_naming_it_and_changes_nothing()
    {
        var before = (await RunAsync("aid", Roles.Monitor, "agreement", "history", "--json")).Stdout;
        string file = _dir.File("typo.yaml", $"""
            reason: A typo
            signing_deadline: {Deadline}
            concurence_deadline_minutes: 45
            """);

        var propose = await RunAsync("blue", Roles.Approver, "agreement", "propose", file);

        Assert.Equal(2, propose.ExitCode);
        Assert.Equal("", propose.Stdout);
        Assert.Contains("concurence_deadline_minutes", Assert.Single(propose.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.Equal(before, (await RunAsync("aid", Roles.Monitor, "agreement", "history", "--json")).Stdout);
    }

    [Fact]
    public async Task an_operator_may_not_propose()
    {
        var propose = await RunAsync("blue", Roles.Operator, "agreement", "propose", Proposal("operator", 35));

        Assert.Equal(2, propose.ExitCode);
        Assert.Contains("403", propose.Stderr, StringComparison.Ordinal);
    }
}
