using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Model;
using Parley.Server.Theaters;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// A withdrawal's ledger item named only the zone's id, so the openings route could not tell whose it was and opened
/// it to no one, not even the zone's owner. The item now carries the withdrawn zone's owner, visibility and sharing.
/// </summary>
public sealed class Bug_the_owner_of_a_withdrawn_zone_could_not_open_the_withdrawal
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task the_owner_of_a_withdrawn_private_zone_can_open_the_withdrawal_and_others_cannot()
    {
        await using var server = await RunningServer.StartAsync();
        using var blue = server.Client("blue");
        var zone = Json.Zone("blue-gone-1", "protected", Json.Box(31, 31, 31.1, 31.1));
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(zone), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await blue.DeleteIfMatchAsync("/v1/agreements/demo/zones/blue-gone-1", Ct)).StatusCode);
        long index = await server.App.Services.GetRequiredService<TheaterRegistry>().ReadLedgerAsync(new AgreementId("demo"), l => l.Tree.Size, Ct) - 1;

        var mine = await blue.GetFromJsonAsync<JsonElement>($"/v1/agreements/demo/ledger/openings/{index}", Ct);
        var openings = mine.GetProperty("openings").EnumerateArray().Select(o => o.GetProperty("opening")).ToList();
        Assert.Equal(2, openings.Count);
        LedgerTests.AssertSignedSubmission(server, openings[1], "blue", "DELETE", "/v1/agreements/demo/zones/blue-gone-1");
        var content = openings[0].GetProperty("content");
        Assert.Equal("zone-withdrawal", content.GetProperty("type").GetString());
        Assert.Equal("blue-gone-1", content.GetProperty("id").GetString());

        using var red = server.Client("red");
        var theirs = await red.GetFromJsonAsync<JsonElement>($"/v1/agreements/demo/ledger/openings/{index}", Ct);
        Assert.Empty(theirs.GetProperty("openings").EnumerateArray());
    }
}
