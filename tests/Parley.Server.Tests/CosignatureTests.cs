using System.Net;
using System.Text;
using Parley.Ledger;
using Parley.Server.Security;
using Parley.Server.Configuration;

namespace Parley.Server.Tests;

public sealed class CosignatureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_party_cosigns_a_checkpoint_with_its_witness_key_and_the_checkpoint_is_served_with_it()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-witness-" + Guid.NewGuid().ToString("N"));
        using var witness = new NoteSigner("witness.blue.example", NoteSigner.NewSeed());
        using var stranger = new NoteSigner("witness.blue.example", NoteSigner.NewSeed());
        Directory.CreateDirectory(data);
        string agreementFile = Path.Combine(data, "agreement.json");
        await File.WriteAllTextAsync(agreementFile, $$"""
            {"id":"pact","parties":[{"id":"blue","role":"member","witness_key":"{{witness.CosignatureVerifier}}"},{"id":"red"}]}
            """, Ct);
        var answers = new Contract.AnswerRecorder();
        var app = await ParleyApp.StartAsync(answers.Watch(new ParleyServerOptions
        {
            DataDirectory = data, Urls = "http://127.0.0.1:0", AgreementFiles = [agreementFile], ConsoleLogging = false,
        }), Ct);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            client.DefaultRequestHeaders.Authorization = new("Bearer", TokenKeys.Issue(data, "pact", "blue", "monitor", TimeSpan.FromHours(1)));
            var note = SignedNote.Parse(await client.GetStringAsync("/v1/agreements/pact/ledger/checkpoint", Ct));
            var checkpoint = Checkpoint.Parse(note.Text);

            var forged = stranger.Cosign(note.Text, 1_800_000_000).ToLine();
            var refused = await client.PostAsync($"/v1/agreements/pact/ledger/cosignatures?size={checkpoint.Size}", new StringContent(forged, Encoding.UTF8, "text/plain"), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

            var line = witness.Cosign(note.Text, 1_800_000_000).ToLine();
            var accepted = await client.PostAsync($"/v1/agreements/pact/ledger/cosignatures?size={checkpoint.Size}", new StringContent(line, Encoding.UTF8, "text/plain"), Ct);
            Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);

            var served = SignedNote.Parse(await client.GetStringAsync("/v1/agreements/pact/ledger/checkpoint", Ct));
            Assert.Contains(served.Signatures, s => witness.CosignatureVerifier.Verifies(served.Text, s));
            Assert.DoesNotContain(served.Signatures, s => s.ToLine() == forged);

            using var red = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            red.DefaultRequestHeaders.Authorization = new("Bearer", TokenKeys.Issue(data, "pact", "red", "monitor", TimeSpan.FromHours(1)));
            var noKey = await red.PostAsync($"/v1/agreements/pact/ledger/cosignatures?size={checkpoint.Size}", new StringContent(line, Encoding.UTF8, "text/plain"), Ct);
            Assert.Equal(HttpStatusCode.Forbidden, noKey.StatusCode);
            answers.AssertDescribed();
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
