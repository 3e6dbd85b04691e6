using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Model;
using Parley.Server.Security;
using Parley.Server.Theaters;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// The openings route looked for an owner in every item but the agreement's text; an amendment's item has none (it is
/// public, like the agreement it changes), so opening any entry of a proposal, signature or refusal answered 500 to
/// every party. Amendment items now open to every party of the agreement.
/// </summary>
public sealed class Bug_an_amendments_ledger_entry_could_not_be_opened
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task every_party_opens_the_amendment_item_of_a_proposal_and_only_the_proposer_its_signed_request()
    {
        await using var server = await RunningServer.StartAsync();
        using var blue = server.Client("blue", Roles.Approver);
        string proposal = $$"""{"reason":"a longer deadline","signing_deadline":"{{DateTimeOffset.UtcNow.AddDays(2):yyyy-MM-ddTHH:mm:ssZ}}","concurrence_deadline_minutes":45}""";
        var proposed = await blue.PostAsync("/v1/agreements/demo/agreement/amendments", new StringContent(proposal, Encoding.UTF8, "application/json"), Ct);
        Assert.True(proposed.StatusCode == HttpStatusCode.Created, await proposed.Content.ReadAsStringAsync(Ct));
        long index = await server.App.Services.GetRequiredService<TheaterRegistry>().ReadLedgerAsync(new AgreementId("demo"), l => l.Tree.Size, Ct) - 1;

        foreach (var party in new[] { "blue", "red", "aid" })
        {
            using var client = server.Client(party, Roles.Monitor);
            var answer = await client.GetAsync($"/v1/agreements/demo/ledger/openings/{index}", Ct);
            string text = await answer.Content.ReadAsStringAsync(Ct);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{party}: {(int)answer.StatusCode} {text}");
            var openings = JsonDocument.Parse(text).RootElement.GetProperty("openings").EnumerateArray().Select(o => o.GetProperty("opening")).ToList();
            var amendment = Assert.Single(openings, o => o.GetProperty("content").GetProperty("type").GetString() == "amendment");
            Assert.Contains("a longer deadline", amendment.GetRawText(), StringComparison.Ordinal);
            Assert.Equal(party == "blue" ? 2 : 1, openings.Count);
        }
    }
}
