using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger;
using Parley.Ledger.Entries;
using Parley.Server.Theaters;

namespace Parley.Server.Tests;

public sealed class LedgerTests : IAsyncLifetime
{
    private RunningServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await RunningServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Has the server sign its checkpoints now (the step its signer runs every interval), then reads the current one.</summary>
    private async Task<(SignedNote Note, Checkpoint Checkpoint)> SignedCheckpointAsync(HttpClient client)
    {
        await _server.App.Services.GetRequiredService<TheaterRegistry>().SignCheckpointsAsync(Ct);
        var note = SignedNote.Parse(await client.GetStringAsync("/v1/agreements/demo/ledger/checkpoint", Ct));
        return (note, Checkpoint.Parse(note.Text));
    }

    private async Task<long> LedgerSizeAsync() =>
        await _server.App.Services.GetRequiredService<TheaterRegistry>().ReadLedgerAsync(new AgreementId("demo"), l => l.Tree.Size, Ct);

    [Fact]
    public async Task the_checkpoint_is_signed_by_the_published_key_and_covers_every_accepted_command()
    {
        using var red = _server.Client("red");
        var op = Json.Operation("red-ledger-1", "flight", Json.Box(15, 40, 15.1, 40.1));
        Assert.Equal(HttpStatusCode.Created, (await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(op), Ct)).StatusCode);
        long size = await LedgerSizeAsync();

        var (note, checkpoint) = await SignedCheckpointAsync(red);
        var key = VerifierKey.Parse(await red.GetStringAsync("/v1/agreements/demo/ledger/key", Ct));
        Assert.Equal("parley.local/demo", key.Name);
        Assert.Equal("parley.local/demo", checkpoint.Origin);
        Assert.Equal(size, checkpoint.Size);
        Assert.Contains(note.Signatures, s => key.Verifies(note.Text, s));

        // agreement.put, the demo's zones, its two operations, then this submission.
        Assert.True(size >= 4);
        var last = JsonDocument.Parse(await red.GetByteArrayAsync($"/v1/agreements/demo/ledger/entries/{size - 1}", Ct)).RootElement;
        Assert.Equal("red", last.GetProperty("submitter").GetString());
        Assert.Equal("operation.submit", last.GetProperty("command").GetString());
    }

    [Fact]
    public async Task every_entry_is_included_in_the_checkpoint_and_older_checkpoints_are_consistent_with_it()
    {
        using var blue = _server.Client("blue");
        for (int i = 0; i < 5; i++)
        {
            var zone = Json.Zone($"blue-ledger-{i}", "protected", Json.Box(20 + i, 10, 20.1 + i, 10.1), ",\"visibility\":\"public\"");
            Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(zone), Ct)).StatusCode);
        }

        long size = await LedgerSizeAsync();
        var (_, checkpoint) = await SignedCheckpointAsync(blue);
        Assert.Equal(size, checkpoint.Size);
        for (long i = 0; i < checkpoint.Size; i++)
        {
            var entry = await blue.GetByteArrayAsync($"/v1/agreements/demo/ledger/entries/{i}", Ct);
            var proof = await blue.GetFromJsonAsync<JsonElement>($"/v1/agreements/demo/ledger/proof/inclusion?index={i}&size={checkpoint.Size}", Ct);
            Assert.Equal(i, proof.GetProperty("index").GetInt64());
            var hashes = proof.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList();
            ProofVerifier.VerifyInclusion((ulong)i, (ulong)checkpoint.Size, Merkle.LeafHash(entry), hashes, checkpoint.RootHash);
        }

        var tree = new MerkleTree();
        for (long i = 0; i < checkpoint.Size; i++)
        {
            tree.Append(await blue.GetByteArrayAsync($"/v1/agreements/demo/ledger/entries/{i}", Ct));
        }

        for (long from = 1; from <= checkpoint.Size; from++)
        {
            var proof = await blue.GetFromJsonAsync<JsonElement>($"/v1/agreements/demo/ledger/proof/consistency?from={from}&to={checkpoint.Size}", Ct);
            var hashes = proof.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList();
            ProofVerifier.VerifyConsistency((ulong)from, (ulong)checkpoint.Size, tree.Root(from), checkpoint.RootHash, hashes);
        }
    }

    [Theory]
    [InlineData("index=0&size=0", "size")]
    [InlineData("index=5&size=3", "index")]
    [InlineData("index=-1&size=3", "index")]
    [InlineData("size=3", "index")]
    [InlineData("index=0&size=999999", "size")]
    public async Task a_bad_inclusion_request_is_refused_naming_the_field(string query, string field)
    {
        using var red = _server.Client("red");
        var response = await red.GetAsync($"/v1/agreements/demo/ledger/proof/inclusion?{query}", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(field, problem.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task a_private_zone_enters_the_ledger_as_a_commitment_without_its_name_or_geometry()
    {
        using var blue = _server.Client("blue");
        var zone = Json.Zone("blue-canary-1", "protected", Json.Box(33.3333, 44.4444, 33.3444, 44.4555), ",\"name\":\"CANARY-CLINIC\"");
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(zone), Ct)).StatusCode);
        long size = await LedgerSizeAsync();

        using var red = _server.Client("red");
        string entry = Encoding.UTF8.GetString(await red.GetByteArrayAsync($"/v1/agreements/demo/ledger/entries/{size - 1}", Ct));
        Assert.DoesNotContain("CANARY", entry, StringComparison.Ordinal);
        Assert.DoesNotContain("33.33", entry, StringComparison.Ordinal);
        Assert.DoesNotContain("blue-canary-1", entry, StringComparison.Ordinal);
        var item = JsonDocument.Parse(entry).RootElement.GetProperty("items")[0];
        Assert.Equal("blue", item.GetProperty("owner").GetString());
        Assert.Equal("private", item.GetProperty("visibility").GetString());
        Assert.False(item.TryGetProperty("opening", out _));
    }

    [Fact]
    public async Task replaying_the_ledger_rebuilds_exactly_the_state_the_server_holds()
    {
        using var blue = _server.Client("blue");
        using var red = _server.Client("red");
        await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Json.Zone("blue-replay-1", "restricted", Json.Box(25, 25, 25.2, 25.2))), Ct);
        await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(Json.Operation("red-replay-1", "flight", Json.Box(25.1, 25.1, 25.3, 25.3))), Ct);
        await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Json.Zone("blue-replay-2", "protected", Json.Box(26, 26, 26.2, 26.2))), Ct);
        await blue.DeleteIfMatchAsync("/v1/agreements/demo/zones/blue-replay-2", Ct);
        await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(Json.Operation("red-replay-2", "strike", Json.Box(9.15, 42.14, 9.16, 42.15))), Ct);

        var registry = _server.App.Services.GetRequiredService<TheaterRegistry>();
        var records = new List<Parley.Core.Ports.LedgerRecord>();
        await foreach (var record in _server.App.Services.GetRequiredService<ILedgerStore>().ReadLedgerAsync(new AgreementId("demo"), 0, Ct))
        {
            records.Add(record);
        }

        var replayed = LedgerReplay.Replay(records);
        var (zones, operations) = await registry.ReadAsync(new AgreementId("demo"), t =>
            (Snapshot(t.Zones.Select(z => FeatureWriter.ToJson(z) + z.Version)), Snapshot(t.Operations.Select(o => FeatureWriter.ToJson(o) + o.Version))), Ct);
        Assert.Equal(zones, Snapshot(replayed.Zones.Select(z => FeatureWriter.ToJson(z) + z.Version)));
        Assert.Equal(operations, Snapshot(replayed.Operations.Select(o => FeatureWriter.ToJson(o) + o.Version)));
        Assert.Contains(operations, o => o.Contains("red-replay-1", StringComparison.Ordinal) && o.Contains("awaiting-concurrence", StringComparison.Ordinal));
    }

    [Fact]
    public async Task the_owner_can_open_its_private_items_and_prove_them_against_the_commitment_while_others_cannot()
    {
        using var red = _server.Client("red");
        var op = Json.Operation("red-secret-1", "flight", Json.Box(17, 41, 17.1, 41.1), ",\"name\":\"CANARY-OP\"");
        Assert.Equal(HttpStatusCode.Created, (await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(op), Ct)).StatusCode);
        long index = await LedgerSizeAsync() - 1;

        var entry = JsonDocument.Parse(await red.GetByteArrayAsync($"/v1/agreements/demo/ledger/entries/{index}", Ct)).RootElement;
        string commitment = entry.GetProperty("items")[0].GetProperty("commitment").GetString()!;

        var mine = await red.GetFromJsonAsync<JsonElement>($"/v1/agreements/demo/ledger/openings/{index}", Ct);
        var openings = mine.GetProperty("openings").EnumerateArray().Select(o => o.GetProperty("opening")).ToList();
        // The operation, its compliance fact (no place, no name) and the signed request.
        Assert.Equal(3, openings.Count);
        var opening = openings[0];
        var fact = openings[1].GetProperty("content");
        Assert.Equal(("operation-fact", "red", "accepted"), (fact.GetProperty("type").GetString(), fact.GetProperty("owner").GetString(), fact.GetProperty("state").GetString()));
        Assert.DoesNotContain("CANARY", fact.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("red-secret-1", fact.GetRawText(), StringComparison.Ordinal);
        AssertSignedSubmission(_server, openings[2], "red", "POST", "/v1/agreements/demo/operations");
        var canonical = CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(opening.GetRawText()));
        Assert.Equal(commitment, Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(canonical)));
        Assert.Contains("CANARY-OP", opening.GetRawText(), StringComparison.Ordinal);

        using var blue = _server.Client("blue");
        string theirs = await blue.GetStringAsync($"/v1/agreements/demo/ledger/openings/{index}", Ct);
        Assert.DoesNotContain("CANARY", theirs, StringComparison.Ordinal);
        Assert.Empty(JsonDocument.Parse(theirs).RootElement.GetProperty("openings").EnumerateArray());
    }

    [Fact]
    public async Task every_leaf_fits_a_tile_entry_bundle_even_for_large_declarations_and_the_log_still_replays()
    {
        using var blue = _server.Client("blue");
        var features = Enumerable.Range(0, 300).Select(i =>
            Json.Zone($"blue-many-{i}", "protected", Json.Box(50 + (i * 0.01), 50, 50.005 + (i * 0.01), 50.005), ",\"visibility\":\"public\""));
        var many = $$"""{"type":"FeatureCollection","features":[{{string.Join(",", features)}}]}""";
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(many), Ct)).StatusCode);

        // One public zone whose feature alone is larger than a leaf may be.
        var ring = Enumerable.Range(0, 5000).Select(k => (Math.Cos(k * 2 * Math.PI / 5000) * 0.1) + 60).Zip(
            Enumerable.Range(0, 5000).Select(k => (Math.Sin(k * 2 * Math.PI / 5000) * 0.1) + 10), (x, y) => $"[{x:R},{y:R}]").ToList();
        ring.Add(ring[0]);
        var big = Json.Feature("blue-big-1", $$"""{"type":"Polygon","coordinates":[[{{string.Join(",", ring)}}]]}""",
            """{"kind":"protected","start":"2026-01-01T00:00:00Z","visibility":"public"}""");
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(big), Ct)).StatusCode);

        var registry = _server.App.Services.GetRequiredService<TheaterRegistry>();
        var records = new List<Parley.Core.Ports.LedgerRecord>();
        await foreach (var record in _server.App.Services.GetRequiredService<ILedgerStore>().ReadLedgerAsync(new AgreementId("demo"), 0, Ct))
        {
            records.Add(record);
        }

        Assert.All(records, r => Assert.True(r.Entry.Length <= LedgerEntries.MaxEntryBytes, $"entry {r.Index} has {r.Entry.Length} bytes"));
        Assert.True(records.Count >= 6, "300 inline public zones span several leaves");
        var replayed = LedgerReplay.Replay(records);
        Assert.Equal(301, replayed.Zones.Count(z => z.Id.Value.StartsWith("blue-many-", StringComparison.Ordinal) || z.Id.Value == "blue-big-1"));

        // The big zone's opening is not inline: every party may fetch it.
        using var red = _server.Client("red");
        long last = records[^1].Index;
        var opened = await red.GetFromJsonAsync<JsonElement>($"/v1/agreements/demo/ledger/openings/{last}", Ct);
        Assert.Single(opened.GetProperty("openings").EnumerateArray());
    }

    private static List<string> Snapshot(IEnumerable<string> items) => [.. items.Order(StringComparer.Ordinal)];

    /// <summary>The signed request kept with an entry: its signature verifies under the party's key over the message it carries.</summary>
    /// <summary>Asserts that <paramref name="opening"/> opens the submission <paramref name="party"/> signed for <paramref name="method"/> <paramref name="path"/>.</summary>
    internal static void AssertSignedSubmission(RunningServer server, JsonElement opening, string party, string method, string path)
    {
        var content = opening.GetProperty("content");
        Assert.Equal("submission", content.GetProperty("type").GetString());
        Assert.Equal(party, content.GetProperty("owner").GetString());
        byte[] signed = Convert.FromBase64String(content.GetProperty("message").GetString()!);
        var message = JsonDocument.Parse(signed).RootElement;
        Assert.Equal(method, message.GetProperty("method").GetString());
        Assert.Equal(path, message.GetProperty("path").GetString());
        Assert.Equal(signed, CanonicalJson.Canonicalize(signed));
        using var key = Parley.Server.Security.DevelopmentKeys.For(server.DataDirectory, "demo", party);
        Assert.Equal(key.PublicKey, content.GetProperty("key").GetString());
        Assert.True(Parley.Server.Security.SignedRequests.Verify(key.PublicKey, signed, Convert.FromBase64String(content.GetProperty("signature").GetString()!)));
    }
}
