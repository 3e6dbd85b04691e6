using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Parley.Cli.Ledger;
using Parley.Cli.Tests.Support;
using Parley.Ledger;
using Parley.Server;
using Parley.Server.Security;
using Parley.Server.Configuration;

namespace Parley.Cli.Tests;

/// <summary>parley ledger witness-key|cosign: a party witnesses the center's log against real servers in this process.</summary>
public sealed class WitnessTests : IDisposable
{
    private const string AgreementId = "witnessed";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string PathOf(params string[] parts) => Path.Combine([_dir.Path, .. parts]);

    /// <summary>Creates a witness key with the command and returns its vkey line.</summary>
    private async Task<(string File, string Vkey)> WitnessKeyAsync(string name = "witness.blue.example")
    {
        string file = PathOf("keys", name + ".key");
        var created = await InProcess.RunAsync("ledger", "witness-key", "--out", file, "--name", name);
        Assert.True(created.ExitCode == 0, created.ToString());
        return (file, created.Stdout.Trim());
    }

    private static Task<CliResult> CosignAsync(Center center, string party, string witness, string state, params string[] more) =>
        InProcess.RunAsync(["ledger", "cosign", "--server", center.Url, "--agreement", AgreementId, "--token", center.Token(party),
            "--key", center.Key, "--witness", witness, "--state", state, .. more]);

    private async Task AddZoneAsync(Center center, string id)
    {
        var add = await InProcess.RunAsync("zone", "add", _dir.File($"{id}.geojson", Samples.DemoZone(id)),
            "--server", center.Url, "--agreement", AgreementId, "--token", center.Token("blue"), "--key", KeyFiles.For(center.DataDirectory, "blue", AgreementId));
        Assert.True(add.ExitCode == 0, add.ToString());
    }

    [Fact]
    public async Task Witness_key_writes_an_owner_only_key_prints_its_vkey_and_never_overwrites()
    {
        var (file, vkey) = await WitnessKeyAsync();

        var key = VerifierKey.Parse(vkey);
        Assert.Equal(SignatureTypes.CosignatureV1, key.Type);
        Assert.Equal("witness.blue.example", key.Name);
        Assert.StartsWith("PRIVATE+KEY+witness.blue.example+", await File.ReadAllTextAsync(file, Ct), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        string before = await File.ReadAllTextAsync(file, Ct);
        var again = await InProcess.RunAsync("ledger", "witness-key", "--out", file, "--name", "witness.blue.example");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(file, Ct));

        Assert.Equal(2, (await InProcess.RunAsync("ledger", "witness-key", "--out", PathOf("bad.key"), "--name", "has space")).ExitCode);
        Assert.Equal(2, (await InProcess.RunAsync("ledger", "witness-key", "--out", PathOf("bad.key"), "--name", "https://w.example")).ExitCode);
        Assert.Equal(2, (await InProcess.RunAsync("ledger", "witness-key", "--out", PathOf("bad.key"))).ExitCode); // no --name
        Assert.False(File.Exists(PathOf("bad.key")));
    }

    [Fact]
    public async Task Cosign_verifies_cosigns_and_the_center_serves_the_checkpoint_with_it_then_again_after_more_writes()
    {
        var (file, vkey) = await WitnessKeyAsync();
        await using var center = await Center.StartAsync(PathOf("center"), vkey);
        string state = PathOf("state", "checkpoint.state");

        var first = await CosignAsync(center, "blue", file, state);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("verified and cosigned at size", first.Stdout, StringComparison.Ordinal);
        var witness = VerifierKey.Parse(vkey);
        var served = SignedNote.Parse(await center.GetAsync("ledger/checkpoint"));
        Assert.Contains(served.Signatures, s => witness.Verifies(served.Text, s));
        Assert.Contains(served.Signatures, s => VerifierKey.Parse(center.Key).Verifies(served.Text, s));
        var saved = SignedNote.Parse(await File.ReadAllTextAsync(state, Ct));
        Assert.Equal(served.Text, saved.Text);
        long before = Checkpoint.Parse(saved.Text).Size;

        await AddZoneAsync(center, "witnessed-clinic");
        var second = await CosignAsync(center, "blue", file, state, "--json");

        Assert.True(second.ExitCode == 0, second.ToString());
        using var report = JsonDocument.Parse(second.Stdout);
        Assert.True(report.RootElement.GetProperty("cosigned").GetBoolean());
        Assert.True(report.RootElement.GetProperty("posted").GetBoolean());
        Assert.Equal(before, report.RootElement.GetProperty("previous").GetProperty("size").GetInt64());
        long size = report.RootElement.GetProperty("size").GetInt64();
        Assert.True(size > before);
        Assert.True(report.RootElement.GetProperty("served_with_cosignature").GetBoolean());
        served = SignedNote.Parse(await center.GetAsync("ledger/checkpoint"));
        Assert.Equal(size, Checkpoint.Parse(served.Text).Size);
        Assert.Single(served.Signatures, s => witness.Verifies(served.Text, s));
        Assert.Equal(size, Checkpoint.Parse(SignedNote.Parse(await File.ReadAllTextAsync(state, Ct)).Text).Size);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(state)!, "*.tmp"));

        // Nothing new: verified again and cosigned afresh; the newer cosignature replaces the older, one per witness.
        // The served one is first replaced by a cosignature a second older, so that the next, timed now, differs from it.
        string older;
        using (var signer = WitnessKeyFile.Load(file, TextWriter.Null))
        {
            var current = served.Signatures.Single(s => witness.Verifies(served.Text, s));
            ulong time = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(current.Signature);
            older = signer.Cosign(served.Text, time - 1).ToLine();
        }

        await center.PostCosignatureAsync(size, older);
        served = SignedNote.Parse(await center.GetAsync("ledger/checkpoint"));
        Assert.Equal(older, served.Signatures.Single(s => witness.Verifies(served.Text, s)).ToLine());

        var third = await CosignAsync(center, "blue", file, state, "--json");
        Assert.True(third.ExitCode == 0, third.ToString());
        using var again = JsonDocument.Parse(third.Stdout);
        Assert.True(again.RootElement.GetProperty("posted").GetBoolean()); // a fresh cosignature replaces the older one
        Assert.True(again.RootElement.GetProperty("served_with_cosignature").GetBoolean());
        served = SignedNote.Parse(await center.GetAsync("ledger/checkpoint"));
        Assert.NotEqual(older, Assert.Single(served.Signatures, s => witness.Verifies(served.Text, s)).ToLine());
    }

    [Fact]
    public async Task A_state_file_from_another_history_makes_cosign_refuse_and_post_nothing()
    {
        var (file, vkey) = await WitnessKeyAsync();
        await using var center = await Center.StartAsync(PathOf("center"), vkey);
        // A second center with the same signing key and agreement but its own data: the same log name, another history.
        await using var other = await Center.StartAsync(PathOf("other"), vkey, signingKeyFrom: center.DataDirectory);
        Assert.Equal(center.Key, other.Key);
        await AddZoneAsync(other, "other-clinic");
        string state = PathOf("state", "checkpoint.state");
        var seen = await CosignAsync(other, "blue", file, state);
        Assert.True(seen.ExitCode == 0, seen.ToString());
        string before = await File.ReadAllTextAsync(state, Ct);

        var refused = await CosignAsync(center, "blue", file, state, "--json");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("SPLIT VIEW", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was cosigned", refused.Stderr, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(refused.Stdout);
        Assert.False(report.RootElement.GetProperty("cosigned").GetBoolean());
        var served = SignedNote.Parse(await center.GetAsync("ledger/checkpoint"));
        Assert.Single(served.Signatures); // the center's own: no cosignature was posted
        Assert.Equal(before, await File.ReadAllTextAsync(state, Ct));
    }

    [Fact]
    public async Task A_party_without_a_witness_key_is_refused_by_the_server()
    {
        var (file, vkey) = await WitnessKeyAsync();
        await using var center = await Center.StartAsync(PathOf("center"), vkey);

        var refused = await CosignAsync(center, "red", file, PathOf("state", "red.state"));

        Assert.True(refused.ExitCode is 1 or 2, refused.ToString());
        Assert.Contains("the server refused", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("witness key", refused.Stderr, StringComparison.Ordinal);
        Assert.Single(SignedNote.Parse(await center.GetAsync("ledger/checkpoint")).Signatures);
    }

    [Fact]
    public async Task Cosign_refuses_bad_input_with_status_2()
    {
        var (file, vkey) = await WitnessKeyAsync();
        await using var center = await Center.StartAsync(PathOf("center"), vkey);
        string state = PathOf("state", "checkpoint.state");

        var witnessAsCenterKey = await InProcess.RunAsync("ledger", "cosign", "--server", center.Url, "--agreement", AgreementId,
            "--token", center.Token("blue"), "--key", vkey, "--witness", file, "--state", state);
        Assert.Equal(2, witnessAsCenterKey.ExitCode);
        Assert.Contains("center's key", witnessAsCenterKey.Stderr, StringComparison.Ordinal);

        Assert.Equal(2, (await CosignAsync(center, "blue", PathOf("missing.key"), state)).ExitCode);
        Assert.Equal(2, (await CosignAsync(center, "blue", _dir.File("not-a-key", "hello\n"), state)).ExitCode);
        Assert.Equal(2, (await InProcess.RunAsync("ledger", "cosign", "--server", center.Url, "--token", center.Token("blue"),
            "--key", center.Key, "--witness", file)).ExitCode); // no --state
        Assert.False(File.Exists(state));
    }

    /// <summary>A Parley server in this process whose one agreement lists <c>blue</c>'s witness key (and none for <c>red</c>).</summary>
    private sealed class Center : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private Parley.Server.Tests.Contract.AnswerRecorder _answers = new();

        private Center(WebApplication app, string data, string key)
        {
            _app = app;
            DataDirectory = data;
            Url = app.Urls.First();
            Key = key;
        }

        public string DataDirectory { get; }

        public string Url { get; }

        /// <summary>The center's verifier key for the agreement.</summary>
        public string Key { get; }

        public string Token(string party, string role = Roles.Operator) =>
            TokenKeys.Issue(DataDirectory, AgreementId, party, role, TimeSpan.FromHours(1));

        public static async Task<Center> StartAsync(string data, string blueWitnessKey, string? signingKeyFrom = null)
        {
            Directory.CreateDirectory(data);
            if (signingKeyFrom is not null)
            {
                File.Copy(Path.Combine(signingKeyFrom, "ledger-signing.key"), Path.Combine(data, "ledger-signing.key"));
            }

            string agreement = Path.Combine(data, "agreement.json");
            await File.WriteAllTextAsync(agreement, $$"""
                {
                  "id": "{{AgreementId}}",
                  "parties": [
                    { "id": "blue", "role": "member", "witness_key": "{{blueWitnessKey}}" },
                    { "id": "red", "role": "member" }
                  ],
                  "rules": [ { "operation": "strike", "zones": ["protected", "restricted"] } ]
                }
                """, Ct);
            var answers = new Parley.Server.Tests.Contract.AnswerRecorder();
            var app = await ParleyApp.StartAsync(answers.Watch(new ParleyServerOptions
            {
                DataDirectory = data, Urls = "http://127.0.0.1:0", AgreementFiles = [agreement], ConsoleLogging = false,
            }), Ct);
            var center = new Center(app, data, "") { _answers = answers };
            string key = (await center.GetAsync("ledger/key")).Trim();
            return new Center(app, data, key) { _answers = answers };
        }

        public async Task<string> GetAsync(string relative)
        {
            using var http = new HttpClient { BaseAddress = new Uri(Url.TrimEnd('/') + $"/v1/agreements/{AgreementId}/") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("blue", Roles.Monitor));
            return await http.GetStringAsync(relative, Ct);
        }

        /// <summary>Posts a cosignature line for the checkpoint of <paramref name="size"/> as blue, as <c>parley ledger cosign</c> does.</summary>
        public async Task PostCosignatureAsync(long size, string line)
        {
            using var http = new HttpClient { BaseAddress = new Uri(Url.TrimEnd('/') + $"/v1/agreements/{AgreementId}/") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("blue"));
            using var content = new StringContent(line + "\n", System.Text.Encoding.UTF8, "text/plain");
            using var response = await http.PostAsync($"ledger/cosignatures?size={size}", content, Ct);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            _answers.AssertDescribed();
        }
    }
}
