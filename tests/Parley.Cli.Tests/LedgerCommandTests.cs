using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Parley.Cli.Tests.Support;
using Parley.Ledger;
using Parley.Server;
using Parley.Server.Security;
using Parley.Server.Configuration;

namespace Parley.Cli.Tests;

/// <summary>parley ledger verify|export against a real server in this process, and offline against an exported folder.</summary>
public sealed class LedgerCommandTests(ServerFixture server) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string StatePath(string name = "state") => Path.Combine(_dir.Path, name, "checkpoint.state");

    private static HttpClient Http(string url, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/v1/agreements/demo/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private async Task<string> KeyAsync()
    {
        using var http = Http(server.Url, server.Token("blue"));
        return (await http.GetStringAsync("ledger/key", TestContext.Current.CancellationToken)).Trim();
    }

    private Task<CliResult> VerifyAsync(string url, string token, string key, params string[] more) =>
        InProcess.RunAsync(["ledger", "verify", "--server", url, "--agreement", "demo", "--token", token, "--key", key, .. more]);

    private async Task<string> ExportAsync(string name = "export")
    {
        string folder = Path.Combine(_dir.Path, name);
        var export = await InProcess.RunAsync("ledger", "export", folder, "--server", server.Url, "--agreement", "demo", "--token", server.Token("red"));
        Assert.True(export.ExitCode == 0, export.ToString());
        return folder;
    }

    [Fact]
    public async Task Verify_checks_the_whole_ledger_and_writes_the_state_file()
    {
        string state = StatePath();

        var verify = await VerifyAsync(server.Url, server.Token("blue"), await KeyAsync(), "--state", state);

        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("verified at size", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("match the replay", verify.Stdout, StringComparison.Ordinal);
        var saved = SignedNote.Parse(await File.ReadAllTextAsync(state, TestContext.Current.CancellationToken));
        Assert.EndsWith("/demo", Checkpoint.Parse(saved.Text).Origin, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(state)!, "*.tmp"));
    }

    [Fact]
    public async Task A_second_verify_after_more_writes_proves_the_log_only_grew()
    {
        string state = StatePath();
        string key = await KeyAsync();
        Assert.Equal(0, (await VerifyAsync(server.Url, server.Token("red"), key, "--state", state)).ExitCode);
        long before = Checkpoint.Parse(SignedNote.Parse(await File.ReadAllTextAsync(state, TestContext.Current.CancellationToken)).Text).Size;

        var add = await InProcess.RunAsync("zone", "add", _dir.File("zone.geojson", Samples.DemoZone("ledger-clinic")),
            "--server", server.Url, "--agreement", "demo", "--token", server.Token("blue"), "--key", KeyFiles.For(server.DataDirectory, "blue"));
        Assert.True(add.ExitCode == 0, add.ToString());
        var verify = await VerifyAsync(server.Url, server.Token("red"), key, "--state", state, "--json");

        Assert.True(verify.ExitCode == 0, verify.ToString());
        using var report = JsonDocument.Parse(verify.Stdout);
        Assert.True(report.RootElement.GetProperty("verified").GetBoolean());
        Assert.Equal(before, report.RootElement.GetProperty("previous").GetProperty("size").GetInt64());
        Assert.True(report.RootElement.GetProperty("size").GetInt64() > before);
        Assert.True(report.RootElement.GetProperty("zones").GetInt32() >= 1);
    }

    [Fact]
    public async Task Export_then_verify_dir_audits_the_folder_with_no_server()
    {
        string folder = await ExportAsync();

        Assert.True(File.Exists(Path.Combine(folder, "checkpoint")));
        Assert.True(File.Exists(Path.Combine(folder, "vkey")));
        Assert.True(File.Exists(Path.Combine(folder, "tile", "entries", "000.p", "1")) || Directory.Exists(Path.Combine(folder, "tile", "entries")));
        var verify = await InProcess.RunAsync("ledger", "verify", "--dir", folder, "--key", await KeyAsync(), "--state", StatePath());

        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("verified at size", verify.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(StatePath()));
    }

    [Fact]
    public async Task One_byte_changed_in_an_exported_entry_bundle_fails_verify_dir_naming_the_entry()
    {
        string folder = await ExportAsync();
        // The bundle of entries 0-255 (full or partial: other tests of this class may have grown the log past 256).
        string entries = Path.Combine(folder, "tile", "entries");
        string bundlePath = Directory.GetFiles(entries, "*", SearchOption.AllDirectories)
            .Single(f => Path.GetRelativePath(entries, f).Replace('\\', '/') is "000" || Path.GetRelativePath(entries, f).StartsWith("000.p/", StringComparison.Ordinal));
        byte[] bundle = await File.ReadAllBytesAsync(bundlePath, TestContext.Current.CancellationToken);
        int offset = 0;
        for (int i = 0; i < 2; i++)
        {
            offset += 2 + ((bundle[offset] << 8) | bundle[offset + 1]); // skip entries 0 and 1
        }

        int middle = offset + 2 + 20; // a byte inside entry 2's JSON
        bundle[middle] = (byte)(bundle[middle] == (byte)'a' ? 'b' : 'a');
        await File.WriteAllBytesAsync(bundlePath, bundle, TestContext.Current.CancellationToken);

        var verify = await InProcess.RunAsync("ledger", "verify", "--dir", folder, "--key", await KeyAsync(), "--json");

        Assert.Equal(1, verify.ExitCode);
        Assert.True(verify.Stderr.Contains("entry 2", StringComparison.Ordinal), verify.ToString());
        using var report = JsonDocument.Parse(verify.Stdout);
        Assert.False(report.RootElement.GetProperty("verified").GetBoolean());
        Assert.Equal(2, report.RootElement.GetProperty("entry").GetInt64());
    }

    [Fact]
    public async Task A_missing_hash_tile_or_a_checkpoint_signed_by_another_key_fails_verify_dir()
    {
        string folder = await ExportAsync();
        string key = await KeyAsync();
        string level0 = Directory.GetFiles(Path.Combine(folder, "tile", "0"), "*", SearchOption.AllDirectories).First();
        File.Delete(level0);

        var missing = await InProcess.RunAsync("ledger", "verify", "--dir", folder, "--key", key);

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("tile/0/", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains("missing", missing.Stderr, StringComparison.Ordinal);

        using var other = new NoteSigner(VerifierKey.Parse(key).Name, NoteSigner.NewSeed());
        var wrong = await InProcess.RunAsync("ledger", "verify", "--dir", folder, "--key", other.Verifier.ToString());
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("not signed by the key", wrong.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_file_from_another_history_under_the_same_key_is_refused_as_a_split_view()
    {
        // A second center with the same signing key and agreement but its own data: the same log name, another history.
        using var otherData = new TempDirectory();
        File.Copy(Path.Combine(server.DataDirectory, "ledger-signing.key"), Path.Combine(otherData.Path, "ledger-signing.key"));
        var answers = new Parley.Server.Tests.Contract.AnswerRecorder();
        WebApplication other = await ParleyApp.StartAsync(answers.Watch(new ParleyServerOptions
        {
            DataDirectory = otherData.Path, Urls = "http://127.0.0.1:0", Demo = true, ConsoleLogging = false,
        }), TestContext.Current.CancellationToken);
        try
        {
            string key = await KeyAsync();
            string state = StatePath();
            string otherToken = TokenKeys.Issue(otherData.Path, "demo", "blue", Roles.Operator, TimeSpan.FromHours(1));
            var first = await VerifyAsync(other.Urls.First(), otherToken, key, "--state", state);
            Assert.True(first.ExitCode == 0, first.ToString());
            string before = await File.ReadAllTextAsync(state, TestContext.Current.CancellationToken);

            var verify = await VerifyAsync(server.Url, server.Token("blue"), key, "--state", state);

            Assert.Equal(1, verify.ExitCode);
            Assert.Contains("SPLIT VIEW", verify.Stderr, StringComparison.Ordinal);
            var previous = Checkpoint.Parse(SignedNote.Parse(before).Text);
            Assert.Contains($"size {previous.Size}, root {Convert.ToBase64String(previous.RootHash)}", verify.Stderr, StringComparison.Ordinal);
            Assert.Equal(before, await File.ReadAllTextAsync(state, TestContext.Current.CancellationToken)); // left unchanged
        }
        finally
        {
            await other.StopAsync(CancellationToken.None);
            await other.DisposeAsync();
            answers.AssertDescribed();
        }
    }

    [Fact]
    public async Task A_checkpoint_not_signed_by_the_given_key_is_refused()
    {
        using var other = new NoteSigner(VerifierKey.Parse(await KeyAsync()).Name, NoteSigner.NewSeed());

        var verify = await VerifyAsync(server.Url, server.Token("aid"), other.Verifier.ToString(), "--state", StatePath());

        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("not signed by the key", verify.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(StatePath()));
    }

    [Fact]
    public async Task Bad_usage_ends_with_status_2()
    {
        string key = await KeyAsync();

        Assert.Equal(2, (await InProcess.RunAsync("ledger", "verify", "--server", server.Url, "--token", server.Token("blue"))).ExitCode); // no --key
        Assert.Equal(2, (await VerifyAsync(server.Url, server.Token("blue"), "not-a-key")).ExitCode);
        Assert.Equal(2, (await VerifyAsync(server.Url, server.Token("blue"), key, "--dir", _dir.Path)).ExitCode); // both
        Assert.Equal(2, (await InProcess.RunAsync("ledger", "verify", "--dir", _dir.Path, "--key", key)).ExitCode); // no checkpoint there
    }

    [Fact]
    public async Task Tiles_are_served_with_the_caching_their_permanence_allows()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = Http(server.Url, server.Token("aid", Roles.Monitor));

        // Grow the log past one full tile: 256 leaves.
        for (int i = 0; ; i++)
        {
            using var probe = await http.GetAsync("ledger/entries/256", ct);
            if (probe.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            using var blue = Http(server.Url, server.Token("blue"));
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(blue.BaseAddress!, "zones"))
            {
                Content = new StringContent(Samples.DemoZone($"tile-clinic-{i}"), Encoding.UTF8, "application/geo+json"),
            };
            using var key = Parley.Server.Security.DevelopmentKeys.For(server.DataDirectory, "demo", "blue");
            await Parley.Server.Security.SignedRequests.SignAsync(request, "demo", key, DateTimeOffset.UtcNow, ct);
            using var created = await blue.SendAsync(request, ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var full = await http.GetAsync("ledger/tile/0/000", ct);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal("application/octet-stream", full.Content.Headers.ContentType?.MediaType);
        Assert.True(full.Headers.CacheControl is { Private: true, Public: false, MaxAge.TotalSeconds: 31536000 }, full.Headers.CacheControl?.ToString());
        Assert.Contains("immutable", full.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Equal(256 * 32, (await full.Content.ReadAsByteArrayAsync(ct)).Length);

        using var bundle = await http.GetAsync("ledger/tile/entries/000", ct);
        var entries = Tiles.ReadEntryBundle(await bundle.Content.ReadAsByteArrayAsync(ct), 256);
        Assert.Equal(await http.GetByteArrayAsync("ledger/entries/255", ct), entries[255]);

        using var partial = await http.GetAsync("ledger/tile/1/000.p/1", ct);
        Assert.Equal(HttpStatusCode.OK, partial.StatusCode);
        Assert.True(partial.Headers.CacheControl?.NoCache, partial.Headers.CacheControl?.ToString());

        using var beyond = await http.GetAsync("ledger/tile/0/001", ct);
        Assert.Equal(HttpStatusCode.NotFound, beyond.StatusCode);
        using var malformed = await http.GetAsync("ledger/tile/0/1", ct);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
        using var anonymous = new HttpClient();
        using var refused = await anonymous.GetAsync(server.Url.TrimEnd('/') + "/v1/agreements/demo/ledger/tile/0/000", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        // The whole log, now with a full tile and a level-1 tile, still verifies, online and exported.
        var verify = await VerifyAsync(server.Url, server.Token("aid"), await KeyAsync());
        Assert.True(verify.ExitCode == 0, verify.ToString());
        string folder = await ExportAsync("export-full");
        Assert.True(File.Exists(Path.Combine(folder, "tile", "0", "000")));
        var offline = await InProcess.RunAsync("ledger", "verify", "--dir", folder, "--key", await KeyAsync());
        Assert.True(offline.ExitCode == 0, offline.ToString());
    }
}
