using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>The accessible names of the console are part of its contract: scripts and screen readers rely on them.</summary>
public sealed class AccessibleNamesTests(BrowserFixture browser)
{
    [Fact]
    public async Task the_sign_in_map_planner_inbox_and_ledger_carry_their_contract_names_and_work_by_keyboard()
    {
        await using var server = await RunningServer.StartAsync();
        var page = await browser.PageAsync();
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(page.GetByRole(AriaRole.Form, new() { Name = "Sign in (demo)" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Combobox, new() { Name = "Party", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Combobox, new() { Name = "Role", Exact = true })).ToBeVisibleAsync();

        // By keyboard only: choose blue operator and sign in.
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Party", Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("End"); // the last party listed: aid
        await page.Keyboard.PressAsync("Home"); // the first: blue
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in (demo)" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Map", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Concurrence requests", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "New zone", Exact = true })).ToBeEnabledAsync();
        var verify = page.GetByRole(AriaRole.Button, new() { Name = "Verify ledger", Exact = true });
        await Expect(verify).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Ledger status" })).ToContainTextAsync("Not verified");

        var newOperation = page.GetByRole(AriaRole.Button, new() { Name = "New operation", Exact = true });
        await newOperation.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        foreach (var name in new[] { "Kind", "Altitude from (m)", "Altitude to (m)", "Start", "End", "GeoJSON" })
        {
            await Expect(page.GetByLabel(name, new() { Exact = true })).ToBeVisibleAsync();
        }

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Check", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Submit", Exact = true })).ToBeVisibleAsync();

        // A bad plan is refused with the field named, and nothing is sent.
        await page.GetByLabel("GeoJSON", new() { Exact = true }).FillAsync("{\"type\":\"Point\",\"coordinates\":[9.3,42.2]}");
        await page.GetByLabel("Start", new() { Exact = true }).FillAsync("yesterday");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit", Exact = true }).ClickAsync();
        await Expect(page.Locator(".notices")).ToContainTextAsync("Start: not a time");

        await verify.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Ledger status" })).ToContainTextAsync("Verified");
    }
}
