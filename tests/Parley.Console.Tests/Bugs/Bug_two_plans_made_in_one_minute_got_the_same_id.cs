using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests.Bugs;

/// <summary>
/// The planner named a new operation after the minute it was opened, so a second plan opened within the same
/// minute proposed the same id and its submission was refused as existing already.
/// </summary>
public sealed class Bug_two_plans_made_in_one_minute_got_the_same_id(BrowserFixture browser)
{
    [Fact]
    public async Task two_plans_opened_one_after_the_other_propose_different_ids()
    {
        await using var server = await RunningServer.StartAsync();
        var page = new ConsolePage(await browser.PageAsync(), server.BaseAddress);
        await page.SignInAsync("red", "operator");
        var ids = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            await page.Page.GetByRole(AriaRole.Button, new() { Name = "New operation" }).ClickAsync();
            ids.Add(await page.Page.GetByLabel("Id", new() { Exact = true }).InputValueAsync());
            await page.Page.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();
        }

        Assert.StartsWith("red-op-", ids[0], StringComparison.Ordinal);
        Assert.NotEqual(ids[0], ids[1]);
        await Expect(page.Page.GetByRole(AriaRole.Form, new() { Name = "Planner" })).ToBeHiddenAsync();
    }
}
