using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Ledger;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests.Bugs;

/// <summary>
/// The console split the center's vkey (<c>name+id+base64</c>) at every '+', so a key whose base64 held a '+'
/// (about half of them) was refused as "not a vkey" and the ledger could not be verified in the browser.
/// </summary>
public sealed class Bug_a_center_key_with_a_plus_in_its_base64_was_read_as_no_vkey(BrowserFixture browser)
{
    [Fact]
    public async Task a_center_key_whose_base64_holds_a_plus_verifies()
    {
        // A ledger seed whose verifier key has a '+' in its base64, put where the server reads its key from.
        string data = Path.Combine(Path.GetTempPath(), "parley-console-bug-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        byte[] seed = new byte[32];
        for (int i = 0; ; i++)
        {
            seed[0] = (byte)i;
            seed[1] = (byte)(i >> 8);
            using var signer = new NoteSigner("parley.local/demo", seed);
            if (signer.Verifier.ToString().Split('+', 3)[2].Contains('+', StringComparison.Ordinal))
            {
                break;
            }
        }

        await File.WriteAllBytesAsync(Path.Combine(data, "ledger-signing.key"), seed, TestContext.Current.CancellationToken);
        var server = await RunningServer.StartAsync(dataDirectory: data);
        try
        {
            var page = new ConsolePage(await browser.PageAsync(), server.BaseAddress);
            await page.SignInAsync("aid", "monitor");
            await page.Page.GetByRole(AriaRole.Button, new() { Name = "Verify ledger" }).ClickAsync();
            await Expect(page.Page.GetByRole(AriaRole.Status, new() { Name = "Ledger status" })).ToContainTextAsync("Verified");
        }
        finally
        {
            await server.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
