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

    [Fact]
    public async Task the_terms_amendments_incidents_and_compliance_screens_carry_their_names_work_by_keyboard_and_keep_the_policy()
    {
        await using var demo = await DemoWeek.StartAsync();
        var violations = new List<string>();
        var blue = await demo.SignInAsync(browser, "blue", "approver");
        blue.Page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };
        var page = blue.Page;
        foreach (var region in new[] { "Terms", "Incidents", "Amendments", "Concurrence requests", "Map" })
        {
            await Expect(page.GetByRole(AriaRole.Region, new() { Name = region, Exact = true })).ToBeVisibleAsync();
        }

        var amendments = page.GetByRole(AriaRole.Region, new() { Name = "Amendments", Exact = true });
        await Expect(amendments.GetByRole(AriaRole.Button, new() { Name = "Sign amendment" })).ToBeVisibleAsync();
        await Expect(amendments.GetByRole(AriaRole.Button, new() { Name = "Refuse amendment" })).ToBeVisibleAsync();
        await Expect(amendments.GetByRole(AriaRole.Textbox, new() { Name = "Reason for refusing" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Legend of terms and incidents" })).ToContainTextAsync("in force or upcoming");

        // By keyboard: an incident from the list into the details, then the dashboard and back to the map.
        await page.GetByRole(AriaRole.Region, new() { Name = "Incidents", Exact = true }).GetByRole(AriaRole.Button, new() { Name = "inc-demo-convoy" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".details")).ToContainTextAsync("confirmed by blue's own admission");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Reply" })).ToBeVisibleAsync(); // blue is suspected
        await Expect(page.GetByRole(AriaRole.Combobox, new() { Name = "Reply", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send reply" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Compliance", Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var compliance = page.GetByRole(AriaRole.Region, new() { Name = "Compliance", Exact = true });
        await Expect(compliance).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Compliance", Exact = true })).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(compliance.GetByRole(AriaRole.Combobox, new() { Name = "Period" })).ToBeVisibleAsync();
        await Expect(compliance.GetByRole(AriaRole.Img).First).ToBeVisibleAsync();
        await compliance.GetByRole(AriaRole.Button, new() { Name = "Back to the map" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Map", Exact = true })).ToBeVisibleAsync();
        await Expect(compliance).ToBeHiddenAsync();

        // The monitors' grading panel.
        var unmo = await demo.SignInAsync(browser, "unmo", "monitor");
        await unmo.Page.GetByRole(AriaRole.Region, new() { Name = "Incidents", Exact = true }).GetByRole(AriaRole.Button, new() { Name = "inc-demo-hospital" }).ClickAsync();
        var grade = unmo.Page.GetByRole(AriaRole.Region, new() { Name = "Grade" });
        await Expect(grade.GetByRole(AriaRole.Combobox, new() { Name = "Grade" })).ToBeVisibleAsync();
        await Expect(grade.GetByRole(AriaRole.Textbox, new() { Name = "Reason for the grade" })).ToBeVisibleAsync();
        await Expect(grade.GetByRole(AriaRole.Button, new() { Name = "Grade", Exact = true })).ToBeVisibleAsync();
        Assert.Empty(violations);
    }
}
