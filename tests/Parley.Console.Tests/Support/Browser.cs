using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Parley.Console.Tests.Support.BrowserFixture))]

namespace Parley.Console.Tests.Support;

/// <summary>
/// Debian's Chromium (installed by the test script), driven by Playwright: never a downloaded browser. One browser
/// for the assembly; each test opens its own contexts, which share nothing (cookies, storage, IndexedDB).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] LaunchArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: ./scripts/test.sh installs Debian's chromium (apt-get install chromium)");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = LaunchArgs });
    }

    /// <summary>A fresh context at 1280×800 (light unless told), with every response it receives recorded in <paramref name="responses"/> when given.</summary>
    public async Task<IPage> PageAsync(ColorScheme scheme = ColorScheme.Light, List<(string Url, string Body)>? responses = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            ColorScheme = scheme,
            TimezoneId = "UTC",
            Locale = "en-GB",
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        if (responses is not null)
        {
            // Streams never end: their events reach the page through the same bytes, which the DOM check sees.
            page.Response += async (_, response) =>
            {
                if (response.Headers.TryGetValue("content-type", out var type) && type.StartsWith("text/event-stream", StringComparison.Ordinal))
                {
                    return;
                }

                try
                {
                    var body = await response.BodyAsync();
                    lock (responses)
                    {
                        responses.Add((response.Url, System.Text.Encoding.Latin1.GetString(body)));
                    }
                }
                catch (PlaywrightException)
                {
                    // A response the page dropped (navigation) has no body left to read.
                }
            };
        }

        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
