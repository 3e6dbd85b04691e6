using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>The incidents panel: each suspected party's standing in the words Parley uses.</summary>
public sealed class IncidentPanelTests(BrowserFixture browser)
{
    [Fact]
    public async Task a_monitor_sees_the_demo_incidents_as_candidates_until_admitted()
    {
        await using var server = await RunningServer.StartAsync();
        var page = new ConsolePage(await browser.PageAsync(), server.BaseAddress);
        await page.SignInAsync("unmo", "monitor");
        var panel = page.Page.GetByRole(AriaRole.Region, new() { Name = "Incidents", Exact = true });
        var items = panel.GetByRole(AriaRole.List, new() { Name = "Incident list" }).GetByRole(AriaRole.Listitem);
        await Expect(items).ToHaveCountAsync(7);
        await Expect(panel).ToContainTextAsync("A site never notified is still protected");
        await Expect(items.Filter(new() { HasText = "inc-demo-convoy" })).ToContainTextAsync("blue: confirmed by its own admission");
        await Expect(items.Filter(new() { HasText = "inc-demo-hospital" })).ToContainTextAsync("red: violation candidate, fair; replied");
        await Expect(items.Filter(new() { HasText = "inc-demo-shelling" })).ToContainTextAsync("red: violation candidate, ungraded; reply awaited");
        await Expect(items.Filter(new() { HasText = "inc-demo-ambulance" })).ToContainTextAsync("red: violation candidate, weak; silent (no reply by the deadline)");
        Assert.DoesNotContain("violation,", await panel.InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task as_red_the_panel_names_blues_private_hospital_in_no_page_or_answer()
    {
        await using var server = await RunningServer.StartAsync();
        var page = new ConsolePage(await browser.PageAsync(), server.BaseAddress);
        await page.SignInAsync("red", "operator");
        var panel = page.Page.GetByRole(AriaRole.Region, new() { Name = "Incidents", Exact = true });
        await Expect(panel.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "inc-demo-hospital" })).ToContainTextAsync("notified site(s) in the area");
        await Expect(panel.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "inc-demo-shelling" })).ToContainTextAsync("your reply is asked");

        // What the panel and the dashboard load, read as it arrives: no answer names blue's private field hospital.
        var refresh = panel.GetByRole(AriaRole.Button, new() { Name = "refresh" });
        var incidents = await page.Page.RunAndWaitForResponseAsync(() => refresh.ClickAsync(), r => r.Url.Contains("/incidents", StringComparison.Ordinal));
        var compliance = await page.Page.RunAndWaitForResponseAsync(
            () => page.Page.GetByRole(AriaRole.Button, new() { Name = "Compliance", Exact = true }).ClickAsync(), r => r.Url.Contains("/compliance", StringComparison.Ordinal));
        await Expect(page.Page.GetByRole(AriaRole.Region, new() { Name = "Compliance" }).GetByRole(AriaRole.Table).First).ToBeVisibleAsync();
        Assert.Contains("inc-demo-hospital", await incidents.TextAsync(), StringComparison.Ordinal);
        Assert.Contains("\"parties\"", await compliance.TextAsync(), StringComparison.Ordinal);
        foreach (var text in new[] { await incidents.TextAsync(), await compliance.TextAsync(), await page.Page.ContentAsync() })
        {
            Assert.DoesNotContain("Field hospital Alder", text, StringComparison.Ordinal);
        }
    }
}
