using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>The inbox's countdown: a request near its deadline is marked urgent (the browser's clock is driven, not waited for).</summary>
public sealed partial class InboxTests(BrowserFixture browser)
{
    [Fact]
    public async Task a_request_turns_urgent_in_the_last_five_minutes_before_its_deadline()
    {
        await using var server = await RunningServer.StartAsync();
        var page = await browser.PageAsync();
        await page.Clock.InstallAsync(new() { TimeDate = DateTime.UtcNow });
        var blue = new ConsolePage(page, server.BaseAddress);
        await blue.SignInAsync("blue", "approver");

        // The demo's red-flight-2 asks blue about its air base; the agreement gives 30 minutes.
        var row = blue.Inbox.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "blue-airbase-campo" });
        await Expect(row.Locator(".countdown")).ToContainTextAsync(Minutes());
        await Expect(row).Not.ToHaveClassAsync(Urgent());

        await page.Clock.FastForwardAsync("26:00");
        await Expect(row).ToHaveClassAsync(Urgent());
        await Expect(row.Locator(".countdown")).ToHaveClassAsync(Urgent());

        await page.Clock.FastForwardAsync("05:00");
        await Expect(row.Locator(".countdown")).ToHaveTextAsync("deadline passed");
    }

    [GeneratedRegex(@"\burgent\b")]
    private static partial Regex Urgent();

    [GeneratedRegex(@"due in (2\d|30) min")]
    private static partial Regex Minutes();
}
