using System.Net;
using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>
/// The access matrix's canary, on the console: blue keeps a private zone next to where red plans, and reports an incident
/// that touches it; red works the console through a conflict with it, the incident's details, the terms, the amendments
/// and the compliance dashboard, and neither the page nor any answer it loads carries the canary.
/// </summary>
public sealed class CanaryTests(BrowserFixture browser)
{
    private const string CanaryId = "zone-q7c1";
    private const string CanaryName = "CanaryAlderOrchard";

    // Eight decimals that appear nowhere else (and their first six, should anything round them).
    private static readonly string[] Traces = [CanaryId, CanaryName, "9.17123457", "42.16087653", "9.171234", "42.160876"];

    [Fact]
    public async Task as_red_the_dom_and_every_response_never_carry_blues_private_canary()
    {
        await using var server = await RunningServer.StartAsync();
        using (var blue = server.Client("blue"))
        {
            var planted = await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson($$$"""
                {"type":"Feature","id":"{{{CanaryId}}}","geometry":{"type":"Point","coordinates":[9.17123457,42.16087653]},
                 "properties":{"kind":"protected","radius_m":300,"start":"2026-01-01T00:00:00Z","name":"{{{CanaryName}}}","visibility":"private"}}
                """), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Created, planted.StatusCode);

            // An incident that touches the canary, naming red: red learns of the site only as blue's, by handle and cell.
            var reported = await blue.PostAsync("/v1/agreements/demo/incidents", RunningServer.GeoJson("""
                {"type":"Feature","id":"inc-canary","geometry":{"type":"Point","coordinates":[9.1705,42.1605]},
                 "properties":{"kind":"shelling","uncertainty_m":400,"start":"2026-12-05T08:00:00Z","end":"2026-12-05T09:00:00Z",
                               "suspected":["red"],"sources":[{"type":"observer","count":1}],"visibility":"parties"}}
                """), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Created, reported.StatusCode);
        }

        var responses = new List<(string Url, string Body)>();
        var page = await browser.PageAsync(responses: responses);
        var red = new ConsolePage(page, server.BaseAddress);
        await red.SignInAsync("red", "operator", "12/42.16/9.17");

        // Red plans over the canary (pasted GeoJSON), checks and submits, then looks at everything the console shows.
        await page.GetByRole(AriaRole.Button, new() { Name = "New operation" }).ClickAsync();
        await page.GetByLabel("GeoJSON", new() { Exact = true }).FillAsync(
            """{"type":"Polygon","coordinates":[[[9.165,42.155],[9.178,42.155],[9.178,42.166],[9.165,42.166],[9.165,42.155]]]}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Check", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Form, new() { Name = "Planner" })).ToContainTextAsync("conflict(s)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit", Exact = true }).ClickAsync();
        await Expect(page.Locator(".details")).ToContainTextAsync("blue · protected");
        await Expect(red.Map.GetByRole(AriaRole.List, new() { Name = "Map contents" })).ToContainTextAsync("Hatched cell: blue · protected");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify ledger" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Ledger status" })).ToContainTextAsync("Verified");

        // The new screens: the incident's details with its correlation, the terms, the amendments and the dashboard.
        var incidents = page.GetByRole(AriaRole.Region, new() { Name = "Incidents", Exact = true });
        await incidents.GetByRole(AriaRole.Button, new() { Name = "inc-canary" }).ClickAsync();
        await Expect(page.Locator(".details").GetByRole(AriaRole.Listitem).Filter(new() { HasText = "blue · protected" }).First).ToContainTextAsync("hidden site, handle h-");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Reply" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Region, new() { Name = "Terms" }).GetByRole(AriaRole.Button).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Amendments", Exact = true })).ToContainTextAsync("am-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Compliance", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Compliance" }).GetByRole(AriaRole.Group, new() { Name = "Compliance of red" })).ToBeVisibleAsync();
        string dashboard = await page.ContentAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Back to the map" }).ClickAsync();
        await page.RunAndWaitForResponseAsync(() => page.Locator(".ol-zoom-out").ClickAsync(), r => r.Url.Contains("/zones?", StringComparison.Ordinal)); // a wider box
        await incidents.GetByRole(AriaRole.Button, new() { Name = "inc-canary" }).ClickAsync();
        await Expect(page.Locator(".details")).ToContainTextAsync("hidden site, handle h-");

        string dom = await page.ContentAsync() + dashboard;
        string values = await page.EvaluateAsync<string>("() => [...document.querySelectorAll('input,textarea,select')].map(e => e.value).join('\\n')");
        Assert.Contains("blue · protected", dom, StringComparison.Ordinal);
        foreach (var trace in Traces)
        {
            Assert.DoesNotContain(trace, dom, StringComparison.Ordinal);
            Assert.DoesNotContain(trace, values, StringComparison.Ordinal);
        }

        // The page still loads while the test reads (the stream, a late listing): read a copy taken under the lock.
        List<(string Url, string Body)> loaded;
        lock (responses)
        {
            loaded = [.. responses];
        }

        Assert.Contains(loaded, r => r.Url.Contains("/zones?", StringComparison.Ordinal));
        Assert.Contains(loaded, r => r.Url.Contains("/ledger/entries/", StringComparison.Ordinal));
        Assert.Contains(loaded, r => r.Url.Contains("/incidents/inc-canary", StringComparison.Ordinal));
        Assert.Contains(loaded, r => r.Url.Contains("/compliance", StringComparison.Ordinal));
        Assert.Contains(loaded, r => r.Url.Contains("/agreement/history", StringComparison.Ordinal));
        foreach (var (url, body) in loaded)
        {
            foreach (var trace in Traces)
            {
                Assert.False(body.Contains(trace, StringComparison.Ordinal), $"{url} carries {trace}");
            }
        }
    }
}
