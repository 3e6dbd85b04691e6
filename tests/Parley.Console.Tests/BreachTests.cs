using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>
/// Breaches on the operation, as the API answers them: red's fifth strike of a day breaches the demo's limit (its other
/// parties are asked to concur), and a suspension that comes into force marks red's accepted strikes in breach.
/// </summary>
public sealed class BreachTests(BrowserFixture browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Off the south-east coast, clear of every demo zone; 6 December, before red's designated area binds its strikes.
    private const double Lon = 9.62, Lat = 41.85;

    private static string Strike(int n) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $$$"""
        {"type":"Feature","id":"red-strike-t{{{n}}}","geometry":{"type":"Polygon","coordinates":[[[{{{Lon + n * 0.01}}},{{{Lat}}}],[{{{Lon + n * 0.01 + 0.005}}},{{{Lat}}}],[{{{Lon + n * 0.01 + 0.005}}},{{{Lat + 0.005}}}],[{{{Lon + n * 0.01}}},{{{Lat + 0.005}}}],[{{{Lon + n * 0.01}}},{{{Lat}}}]]]},
         "properties":{"kind":"strike","alt_min_m":0,"alt_max_m":3000,"start":"2026-12-06T0{{{n}}}:00:00Z","end":"2026-12-06T0{{{n}}}:30:00Z"}}
        """);

    [Fact]
    public async Task a_fifth_strike_of_the_day_shows_its_breach_of_the_limit_and_a_suspension_in_force_marks_the_others_in_breach()
    {
        await using var demo = await DemoWeek.StartAsync();
        using (var red = demo.Writer("red"))
        {
            for (int n = 1; n <= 5; n++)
            {
                var answer = await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(Strike(n)), Ct);
                Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync(Ct));
            }
        }

        var redPage = await demo.SignInAsync(browser, "red", "operator", $"12/{Lat + 0.003}/{Lon + 0.03}");
        var search = redPage.Page.GetByRole(AriaRole.Searchbox, new() { Name = "Search by id" });
        await search.FillAsync("red-strike-t5");
        await search.PressAsync("Enter");
        var breaches = redPage.Page.GetByRole(AriaRole.Region, new() { Name = "Breaches" });
        await Expect(breaches).ToContainTextAsync("Breaches red-strike-scale-back");
        await Expect(redPage.Page.Locator(".details h2 .badge").First).ToHaveTextAsync("awaiting-concurrence");
        await Expect(redPage.Page.Locator(".details")).ToContainTextAsync("about term red-strike-scale-back");

        // Blue is asked about the term, not about a zone of its own.
        var blue = await demo.SignInAsync(browser, "blue", "approver");
        await Expect(blue.Inbox.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "red-strike-scale-back" }).First)
            .ToContainTextAsync("About the agreement's term red-strike-scale-back");

        // Red and blue agree to suspend red's strikes over these waters: red's accepted strikes are marked in breach.
        using (var redApprover = demo.Writer("red", "approver"))
        {
            var proposed = await redApprover.PostAsync("/v1/agreements/demo/agreement/amendments", JsonContent.Create(JsonDocument.Parse(string.Create(System.Globalization.CultureInfo.InvariantCulture, $$$"""
                {"reason":"no strikes off the south-east coast","signing_deadline":"2026-12-09T00:00:00Z",
                 "add_terms":[{"id":"red-strikes-suspended-se","type":"suspension","parties":["red"],"kinds":["strike"],"on_breach":"refuse",
                   "area":{"type":"Polygon","coordinates":[[[{{{Lon - 0.05}}},{{{Lat - 0.05}}}],[{{{Lon + 0.2}}},{{{Lat - 0.05}}}],[{{{Lon + 0.2}}},{{{Lat + 0.05}}}],[{{{Lon - 0.05}}},{{{Lat + 0.05}}}],[{{{Lon - 0.05}}},{{{Lat - 0.05}}}]]]}}]}
                """)).RootElement), Ct);
            Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);
            var id = (await proposed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
            using var blueApprover = demo.Writer("blue", "approver");
            var signed = await blueApprover.PostAsync($"/v1/agreements/demo/agreement/amendments/{id}/signatures", JsonContent.Create(new { }), Ct);
            Assert.True(signed.IsSuccessStatusCode, await signed.Content.ReadAsStringAsync(Ct));
        }

        await search.FillAsync("red-strike-t1");
        await search.PressAsync("Enter");
        await Expect(breaches).ToContainTextAsync("In breach of red-strikes-suspended-se");
        await Expect(breaches).ToContainTextAsync("cannot be activated until it is modified to comply or cancelled");
        await Expect(redPage.Page.GetByRole(AriaRole.Button, new() { Name = "Activate" })).ToHaveCountAsync(0); // not offered: the center would refuse it
        using var reader = demo.Reader("red");
        var t1 = await reader.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations/red-strike-t1", Ct);
        Assert.Equal(["red-strikes-suspended-se"], t1.GetProperty("operation").GetProperty("properties").GetProperty("in_breach").EnumerateArray().Select(e => e.GetString()));
    }
}
