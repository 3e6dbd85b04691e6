using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Parley.Cli.Tests.Support;
using Parley.Server;
using Parley.Server.Configuration;
using Parley.Server.Security;

namespace Parley.Cli.Tests;

/// <summary>
/// parley incident report|list|show|reply|grade and parley report compliance against a server in this process; and the
/// figures recomputed from an export, with no server, against the server's report for the same caller — for the
/// administrator's full openings and for a party's own.
/// </summary>
public sealed class ComplianceCommandTests : IAsyncLifetime
{
    private const string Agreement = "pact";

    private static readonly string AgreementJson = """
        {"id":"pact","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"},{"id":"unmo","role":"observer"},{"id":"registrar","role":"admin"}],
         "probing_budget":{"per_hour":1000,"per_day":1000}}
        """;

    private readonly TempDirectory _dir = new();
    private readonly Parley.Server.Tests.Contract.AnswerRecorder _answers = new();
    private WebApplication _app = null!;
    private string _url = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        string file = _dir.File("pact.json", AgreementJson);
        _app = await ParleyApp.StartAsync(_answers.Watch(new ParleyServerOptions
        {
            DataDirectory = Path.Combine(_dir.Path, "data"),
            Urls = "http://127.0.0.1:0",
            ConsoleLogging = false,
            AgreementFiles = [file],
        }));
        _url = _app.Urls.First();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _dir.Dispose();
        _answers.AssertDescribed();
    }

    private string Data => Path.Combine(_dir.Path, "data");

    private string Token(string party, string role) => TokenKeys.Issue(Data, Agreement, party, role, TimeSpan.FromHours(1));

    private Task<CliResult> RunAsync(string party, string role, params string[] args) =>
        InProcess.RunAsync([.. args, "--server", _url, "--agreement", Agreement, "--token", Token(party, role),
            .. args is ["incident", "report" or "reply" or "grade", ..] ? new[] { "--key", KeyFiles.For(Data, party, Agreement) } : []]);

    private HttpClient Http(string party, string role)
    {
        var http = new HttpClient { BaseAddress = new Uri(_url.TrimEnd('/') + $"/v1/agreements/{Agreement}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(party, role));
        return http;
    }

    /// <summary>A write signed with the party's development key, as any client signs it.</summary>
    private async Task<HttpResponseMessage> SendSignedAsync(string party, string role, string path, string body)
    {
        using var http = Http(party, role);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(http.BaseAddress!, path))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("If-Match", "*");
        using var key = DevelopmentKeys.For(Data, Agreement, party);
        await SignedRequests.SignAsync(request, Agreement, key, DateTimeOffset.UtcNow, Ct);
        return await http.SendAsync(request, Ct);
    }

    private async Task DeclareAsync(string party, string kind, string path, string feature)
    {
        var response = await SendSignedAsync(party, Roles.Operator, path, feature);
        Assert.True(response.IsSuccessStatusCode, $"{kind}: {await response.Content.ReadAsStringAsync(Ct)}");
    }

    private static string Incident(string id, string suspected, double lon, string visibility) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $$$"""
        {"type":"Feature","id":"{{{id}}}","geometry":{"type":"Point","coordinates":[{{{lon}}},42.148]},
         "properties":{"kind":"shelling","uncertainty_m":800,"time_precision":"day","at":"2026-12-07","suspected":["{{{suspected}}}"],
                       "sources":[{"type":"witness","count":1}],"visibility":"{{{visibility}}}"}}
        """);

    /// <summary>Some of everything: zones hidden from some, conflicts answered, incidents replied to and graded, through the CLI where it can.</summary>
    private async Task MakeHistoryAsync()
    {
        await DeclareAsync("blue", "zone", "zones", """{"type":"Feature","id":"blue-clinic","geometry":{"type":"Point","coordinates":[9.152,42.148]},"properties":{"kind":"protected","radius_m":200,"start":"2026-01-01T00:00:00Z","visibility":"private"}}""");
        await DeclareAsync("aid", "zone", "zones", """{"type":"Feature","id":"aid-school","geometry":{"type":"Point","coordinates":[9.3,42.148]},"properties":{"kind":"protected","radius_m":200,"start":"2026-01-01T00:00:00Z","visibility":"private"}}""");
        await DeclareAsync("red", "operation", "operations", """{"type":"Feature","id":"red-strike","geometry":{"type":"Point","coordinates":[9.152,42.148]},"properties":{"kind":"strike","radius_m":500,"start":"2026-12-07T08:00:00Z","end":"2026-12-07T09:00:00Z"}}""");
        using (var blue = Http("blue", Roles.Approver))
        {
            var requests = JsonNode.Parse(await blue.GetStringAsync("requests?state=open&role=affected", Ct))!["requests"]!.AsArray();
            var request = Assert.Single(requests)!;
            var answer = await SendSignedAsync("blue", Roles.Approver, $"requests/{request["id"]}/answer", """{"answer":"refuse","reason":"our clinic"}""");
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync(Ct));
        }

        var reported = await RunAsync("blue", Roles.Operator, "incident", "report", _dir.File("inc-1.geojson", Incident("inc-1", "red", 9.152, "private")));
        Assert.True(reported.ExitCode == 0, reported.ToString());
        Assert.Contains("Reported inc-1: shelling reported by blue", reported.Stdout, StringComparison.Ordinal);
        Assert.Contains("red: ungraded, awaited", reported.Stdout, StringComparison.Ordinal);
        Assert.Contains("so is one never notified (Additional Protocol I, art. 12(3))", reported.Stdout, StringComparison.Ordinal);
        Assert.True((await RunAsync("red", Roles.Operator, "incident", "report", _dir.File("inc-2.geojson", Incident("inc-2", "blue", 9.3, "parties")))).ExitCode == 0);
        Assert.True((await RunAsync("unmo", Roles.Monitor, "incident", "report", _dir.File("inc-3.geojson", Incident("inc-3", "red", 9.6, "private")))).ExitCode == 0);

        var denied = await RunAsync("red", Roles.Approver, "incident", "reply", "inc-1", "--deny", "no unit of ours was there");
        Assert.True(denied.ExitCode == 0, denied.ToString());
        Assert.Contains("reply       red deny: no unit of ours was there", denied.Stdout, StringComparison.Ordinal);
        var graded = await RunAsync("unmo", Roles.Monitor, "incident", "grade", "inc-1", "fair", "--reason", "two craters seen by a patrol");
        Assert.True(graded.ExitCode == 0, graded.ToString());
        Assert.Contains("graded      fair by unmo", graded.Stdout, StringComparison.Ordinal);
        Assert.True((await RunAsync("red", Roles.Operator, "incident", "reply", "inc-3", "--admit", "--reason", "a stray round")).ExitCode == 0);
    }

    /// <summary>Waits until the signed checkpoint covers the whole ledger, so an export and the server count the same entries.</summary>
    private async Task CheckpointCoversTheLedgerAsync()
    {
        using var http = Http("blue", Roles.Monitor);
        for (int attempt = 0; attempt < 200; attempt++)
        {
            string note = await http.GetStringAsync("ledger/checkpoint", Ct);
            long size = Parley.Ledger.Checkpoint.Parse(Parley.Ledger.SignedNote.Parse(note).Text).Size;
            var next = await http.GetAsync($"ledger/entries/{size}", Ct);
            if (next.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return;
            }

            await Task.Delay(100, Ct);
        }

        Assert.Fail("the checkpoint never caught up with the ledger");
    }

    private static string WithoutGenerated(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        Assert.True(node.Remove("generated"));
        return node.ToJsonString();
    }

    [Fact]
    public async Task a_recomputation_from_an_export_is_the_servers_report_for_the_administrator_and_for_a_party()
    {
        await MakeHistoryAsync();
        await CheckpointCoversTheLedgerAsync();
        var documents = new Dictionary<string, string>();
        foreach (var (party, role) in new[] { ("registrar", Roles.Admin), ("red", Roles.Operator), ("aid", Roles.Monitor) })
        {
            string folder = Path.Combine(_dir.Path, $"export-{party}");
            var export = await InProcess.RunAsync("ledger", "export", folder, "--server", _url, "--agreement", Agreement, "--token", Token(party, role));
            Assert.True(export.ExitCode == 0, export.ToString());
            Assert.Contains("openings you may see", export.Stdout, StringComparison.Ordinal);

            using var http = Http(party, role);
            string served = await http.GetStringAsync("compliance?period=day", Ct);
            var recomputed = await InProcess.RunAsync("report", "compliance", "--ledger", folder, "--format", "json");
            Assert.True(recomputed.ExitCode == 0, recomputed.ToString());
            Assert.Equal(WithoutGenerated(served), WithoutGenerated(recomputed.Stdout.Trim()));

            // Through the CLI against the server: the same document.
            var asked = await RunAsync(party, role, "report", "compliance", "--format", "json");
            Assert.Equal(WithoutGenerated(served), WithoutGenerated(asked.Stdout.Trim()));
            documents[party] = served;
        }

        // The views differ where the parties may open different items: the administrator counts the private incident
        // the monitors reported against red and its admission, which aid may not open; red counts it as its own.
        int Against(string party, string of) => JsonNode.Parse(documents[party])!["parties"]!.AsArray().First(p => (string?)p!["party"] == of)!["periods"]!.AsArray()
            .Sum(p => (int)p!["incidents"]!["against"]!["count"]!);
        Assert.Equal(2, Against("registrar", "red"));
        Assert.Equal(2, Against("red", "red"));
        Assert.Equal(0, Against("aid", "red"));
        Assert.Equal(1, Against("aid", "blue"));
    }

    [Fact]
    public async Task a_tampered_export_is_refused_and_the_table_and_csv_formats_carry_the_same_figures()
    {
        await MakeHistoryAsync();
        await CheckpointCoversTheLedgerAsync();
        string folder = Path.Combine(_dir.Path, "export");
        Assert.Equal(0, (await InProcess.RunAsync("ledger", "export", folder, "--server", _url, "--agreement", Agreement, "--token", Token("red", Roles.Operator))).ExitCode);

        var table = await InProcess.RunAsync("report", "compliance", "--ledger", folder);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("incidents against", table.Stdout, StringComparison.Ordinal);
        var csv = await InProcess.RunAsync("report", "compliance", "--ledger", folder, "--format", "csv");
        Assert.StartsWith("party,role,start,end,section,figure,count,of,pending,previous,band\n", csv.Stdout, StringComparison.Ordinal);
        Assert.Contains(csv.StdoutLines, l => l.StartsWith("red,member,", StringComparison.Ordinal) && l.Contains(",incidents,against,2,", StringComparison.Ordinal));

        // An opening changed in the export no longer matches its commitment: refused, naming the entry.
        string openings = Path.Combine(folder, "openings.jsonl");
        var lines = await File.ReadAllLinesAsync(openings, Ct);
        int at = Array.FindIndex(lines, l => l.Contains("incident-reply", StringComparison.Ordinal));
        lines[at] = lines[at].Replace("no unit of ours was there", "no unit of ours was THERE", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(openings, lines, Ct);
        var refused = await InProcess.RunAsync("report", "compliance", "--ledger", folder);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("does not match its commitment", refused.Stderr, StringComparison.Ordinal);

        // And a folder that is not an export is named.
        var none = await InProcess.RunAsync("report", "compliance", "--ledger", Path.Combine(_dir.Path, "nowhere"));
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("no such folder", none.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task incident_list_show_and_the_refusals_of_reply_and_grade_speak_plainly()
    {
        await MakeHistoryAsync();
        var list = await RunAsync("red", Roles.Operator, "incident", "list", "--suspected", "red");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("inc-1", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("violation candidate is not a finding", list.Stdout, StringComparison.Ordinal);

        var show = await RunAsync("red", Roles.Operator, "incident", "show", "inc-1");
        Assert.Contains("site        blue protected h-", show.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("blue-clinic", show.Stdout, StringComparison.Ordinal);
        var own = await RunAsync("blue", Roles.Operator, "incident", "show", "inc-1");
        Assert.Contains("blue-clinic (touched)", own.Stdout, StringComparison.Ordinal);

        var confirmed = await RunAsync("unmo", Roles.Monitor, "incident", "grade", "inc-1", "confirmed", "--reason", "sure");
        Assert.Equal(2, confirmed.ExitCode);
        var notSuspected = await RunAsync("aid", Roles.Operator, "incident", "reply", "inc-2", "--admit");
        Assert.Equal(2, notSuspected.ExitCode);
        Assert.Contains("403", notSuspected.Stderr, StringComparison.Ordinal);
        var twoAnswers = await RunAsync("red", Roles.Operator, "incident", "reply", "inc-1", "--admit", "--deny", "no");
        Assert.Equal(2, twoAnswers.ExitCode);
        Assert.Contains("exactly one of", twoAnswers.Stderr, StringComparison.Ordinal);
    }
}
