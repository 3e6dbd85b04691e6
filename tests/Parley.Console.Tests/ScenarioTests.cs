using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>
/// The console end to end, in two browser contexts on one real server: red plans a strike next to blue's hidden
/// hospital; blue is asked live, refuses with a reason; red sees the refusal live; the ledger verifies in the browser.
/// </summary>
public sealed class ScenarioTests(BrowserFixture browser)
{
    // Blue's private field hospital (demo zone blue-hospital-1) lies at 9.152, 42.148 with a 600 m radius.
    private const double HospitalLon = 9.152, HospitalLat = 42.148, Zoom = 13;

    [Fact]
    public async Task red_strikes_next_to_blues_hidden_hospital_blue_refuses_live_and_red_sees_it_live()
    {
        await using var server = await RunningServer.StartAsync();
        var blue = new ConsolePage(await browser.PageAsync(), server.BaseAddress);
        var red = new ConsolePage(await browser.PageAsync(ColorScheme.Dark), server.BaseAddress);
        await blue.SignInAsync("blue", "approver");
        await red.SignInAsync("red", "operator", $"{Zoom}/{HospitalLat}/{HospitalLon}");
        var row = blue.Inbox.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "blue-hospital-1" });
        await Expect(blue.Inbox).ToContainTextAsync("blue-airbase-campo"); // the demo's own request, from its start
        await Expect(row).ToHaveCountAsync(0);

        // Red draws the strike on the map around the point where the hospital is (which red cannot see).
        await red.Page.GetByRole(AriaRole.Button, new() { Name = "New operation" }).ClickAsync();
        await red.Page.GetByRole(AriaRole.Button, new() { Name = "Polygon", Exact = true }).ClickAsync();
        (double Lon, double Lat)[] corners = [(9.143, 42.142), (9.161, 42.142), (9.161, 42.154), (9.143, 42.154), (9.143, 42.142)];
        foreach (var (lon, lat) in corners)
        {
            var (x, y) = await red.PixelAsync(lon, lat, HospitalLon, HospitalLat, Zoom);
            await red.Page.Mouse.ClickAsync(x, y);
            await red.Page.WaitForTimeoutAsync(300); // two quick clicks would be a double click
        }

        await Expect(red.Page.GetByLabel("GeoJSON", new() { Exact = true })).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("\"Polygon\""));
        await red.Page.GetByLabel("Kind", new() { Exact = true }).FillAsync("strike");
        await red.Page.GetByLabel("Altitude from (m)", new() { Exact = true }).FillAsync("0");
        await red.Page.GetByLabel("Altitude to (m)", new() { Exact = true }).FillAsync("3000");
        await red.Page.GetByLabel("Start", new() { Exact = true }).FillAsync("2026-12-01T08:00Z");
        await red.Page.GetByLabel("End", new() { Exact = true }).FillAsync("2026-12-01T09:00Z");

        await red.Page.GetByRole(AriaRole.Button, new() { Name = "Check", Exact = true }).ClickAsync();
        await Expect(red.Page.GetByRole(AriaRole.Form, new() { Name = "Planner" })).ToContainTextAsync("1 conflict(s)");
        await red.Page.GetByRole(AriaRole.Button, new() { Name = "Submit", Exact = true }).ClickAsync();

        // The answer: awaiting concurrence, and the conflict as blue's hatched cell (owner and kind, no more).
        await Expect(red.Page.Locator(".details h2 .badge")).ToHaveTextAsync("awaiting-concurrence");
        await Expect(red.Page.Locator(".details")).ToContainTextAsync("blue · protected");
        await Expect(red.Map.GetByRole(AriaRole.List, new() { Name = "Map contents" })).ToContainTextAsync("Hatched cell: blue · protected");
        string strike = (await red.Page.Locator(".details p code").First.TextContentAsync())!;
        Assert.StartsWith("red-op-", strike, StringComparison.Ordinal);

        // Blue's inbox shows the request live, without a reload.
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 5_000 });
        await Expect(row).ToContainTextAsync("from red");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Concur" })).ToBeVisibleAsync();
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Counter-propose" })).ToBeVisibleAsync();

        // A refusal needs a reason: without one nothing is sent.
        await row.GetByRole(AriaRole.Button, new() { Name = "Refuse" }).ClickAsync();
        await Expect(row.GetByLabel("Reason")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(row).ToBeVisibleAsync();

        await row.GetByLabel("Reason").FillAsync("protected site in the area");
        await row.GetByRole(AriaRole.Button, new() { Name = "Refuse" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await blue.Inbox.Locator("summary").Filter(new() { HasText = "Answered" }).ClickAsync();
        await Expect(blue.Inbox).ToContainTextAsync("“protected site in the area”");

        // Red sees the refusal live: the request and the operation.
        await Expect(red.Inbox.GetByRole(AriaRole.Listitem).Filter(new() { HasText = strike }).Locator("[data-request-state]"))
            .ToHaveTextAsync("refused", new() { Timeout = 5_000 });
        await Expect(red.Page.Locator(".details h2 .badge")).ToHaveTextAsync("refused");

        // The ledger verifies in red's browser, and again (consistent with the first) in blue's.
        foreach (var party in new[] { red, blue })
        {
            await party.Page.GetByRole(AriaRole.Button, new() { Name = "Verify ledger" }).ClickAsync();
            await Expect(party.Page.GetByRole(AriaRole.Status, new() { Name = "Ledger status" })).ToContainTextAsync("Verified");
        }

        await red.Page.GetByRole(AriaRole.Button, new() { Name = "Verify ledger" }).ClickAsync();
        await Expect(red.Page.GetByRole(AriaRole.Status, new() { Name = "Ledger status" })).ToContainTextAsync("consistent with the");
    }
}
