using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>The ledger check in the browser raises the alarm when the log is not what this browser verified before.</summary>
public sealed class LedgerTests(BrowserFixture browser)
{
    [Theory]
    [InlineData("fork", "size", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("rollback", "size+5", null)]
    [InlineData("key changed", "size", null)]
    public async Task a_log_that_is_not_an_extension_of_the_checkpoint_kept_is_an_alarm(string alarm, string size, string? root)
    {
        await using var server = await RunningServer.StartAsync();
        var page = new ConsolePage(await browser.PageAsync(), server.BaseAddress);
        await page.SignInAsync("red", "monitor");
        var verify = page.Page.GetByRole(AriaRole.Button, new() { Name = "Verify ledger" });
        var status = page.Page.GetByRole(AriaRole.Status, new() { Name = "Ledger status" });
        await verify.ClickAsync();
        await Expect(status).ToContainTextAsync("Verified");

        // What this browser kept is changed as a forked log, a longer one or another center key would leave it.
        await page.Page.EvaluateAsync(@"([size, root, alarm]) => new Promise((resolve, reject) => {
            const open = indexedDB.open('parley-console', 1);
            open.onsuccess = () => {
              const tx = open.result.transaction('ledger', 'readwrite');
              const store = tx.objectStore('ledger');
              const get = store.get('demo');
              get.onsuccess = () => {
                const kept = get.result;
                kept.size = size === 'size+5' ? kept.size + 5 : kept.size;
                if (root) kept.root = root;
                if (alarm === 'key changed') kept.key = kept.key.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
                store.put(kept, 'demo');
              };
              tx.oncomplete = () => resolve(null);
              tx.onerror = () => reject(tx.error);
            };
          })", new object?[] { size, root, alarm });

        await verify.ClickAsync();
        await Expect(status).ToContainTextAsync("ALARM");
        await Expect(status).ToContainTextAsync(alarm switch { "fork" => "fork", "rollback" => "rollback", _ => "key changed" });
        await Expect(page.Page.Locator(".statusbar")).ToContainTextAsync("alarm");
    }
}
