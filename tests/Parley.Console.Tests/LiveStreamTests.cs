using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>The event stream: its state shown, a drop shown and repaired, and what happened meanwhile delivered after.</summary>
public sealed class LiveStreamTests(BrowserFixture browser)
{
    [Fact]
    public async Task a_dropped_stream_is_shown_reconnects_and_delivers_the_request_opened_meanwhile()
    {
        await using var server = await RunningServer.StartAsync();
        var blue = new ConsolePage(await browser.PageAsync(), server.BaseAddress);
        await blue.SignInAsync("blue", "approver");
        var stream = blue.Page.GetByRole(AriaRole.Status, new() { Name = "Event stream" });
        await Expect(stream).ToHaveTextAsync("Live");

        await blue.Page.Context.SetOfflineAsync(true);
        await Expect(stream).ToContainTextAsync("Stream down");

        // While blue is offline, red strikes on blue's public school.
        using (var red = server.Client("red"))
        {
            var submitted = await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(
                Parley.Server.Tests.Json.Operation("red-while-offline", "strike", Parley.Server.Tests.Json.Box(9.300, 42.200, 9.310, 42.208))), TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.Created, submitted.StatusCode);
        }

        await Expect(blue.Inbox).Not.ToContainTextAsync("blue-school-2");
        await blue.Page.Context.SetOfflineAsync(false);
        await Expect(stream).ToHaveTextAsync("Live");
        await Expect(blue.Inbox.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "blue-school-2" })).ToBeVisibleAsync();
    }
}
