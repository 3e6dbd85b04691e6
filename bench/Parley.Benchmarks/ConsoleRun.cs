using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Parley.Server;
using Parley.Server.Security;
using Parley.Server.Configuration;

namespace Parley.Benchmarks;

/// <summary>
/// <c>console</c>: the operator console in Debian's headless Chromium against a real demo server: time from
/// navigation to a map drawn with the party's picture, redraw time of a pan or zoom with 10,000 zones in view,
/// and the time from an operation's submission to its request's row in the other party's inbox.
/// <c>console-screenshots</c>: the main screens, light and dark, at 1280×800.
/// </summary>
public static class ConsoleRun
{
    private static readonly string[] LaunchArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    public static int Run(int zones, int loads, int moves, int events)
    {
        return RunAsync(zones, loads, moves, events).GetAwaiter().GetResult();
    }

    public static int Screenshots(string outDir) => ScreenshotsAsync(outDir).GetAwaiter().GetResult();

    private static async Task<(Microsoft.AspNetCore.Builder.WebApplication App, string Data, Uri Url)> StartAsync()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-console-bench-" + Guid.NewGuid().ToString("N"));
        var app = await ParleyApp.StartAsync(new ParleyServerOptions
        {
            DataDirectory = data, Urls = "http://127.0.0.1:0", Demo = true, ConsoleLogging = false, RateLimitPerSecond = 0,
        });
        return (app, data, new Uri(app.Urls.First()));
    }

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = LaunchArgs });

    private static async Task<IPage> SignedInAsync(IBrowser browser, Uri url, string party, string role, string? view = null, ColorScheme scheme = ColorScheme.Light)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 }, ColorScheme = scheme, TimezoneId = "UTC" });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(url, "/" + (view is null ? "" : "#map=" + view)).ToString());
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Party" }).SelectOptionAsync(party);
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Role" }).SelectOptionAsync(role);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in (demo)" }).ClickAsync();
        await page.GetByRole(AriaRole.Status, new() { Name = "Event stream" }).Filter(new() { HasText = "Live" }).WaitForAsync();
        await page.WaitForFunctionAsync("() => performance.getEntriesByName('parley-interactive').length > 0");
        return page;
    }

    private static HttpClient Client(Uri url, string data, string party, string role = Roles.Operator)
    {
        var client = new HttpClient { BaseAddress = url };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenKeys.Issue(data, "demo", party, role, TimeSpan.FromHours(2)));
        return client;
    }

    private static async Task<HttpResponseMessage> SignedPostAsync(HttpClient client, string data, string party, string path, string json)
    {
        using var key = DevelopmentKeys.For(data, "demo", party);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/geo+json") };
        await SignedRequests.SignAsync(request, "demo", key, DateTimeOffset.UtcNow);
        return await client.SendAsync(request);
    }

    private static async Task<int> RunAsync(int zoneCount, int loads, int moves, int events)
    {
        Console.WriteLine($"# console — {Machine.Describe()}");
        var (app, data, url) = await StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        try
        {
            // 1. Navigation to interactive: a reload of a signed-in tab (the session is kept in the tab) until the map is drawn.
            var page = await SignedInAsync(browser, url, "blue", Roles.Operator);
            var tti = new List<double>();
            for (int i = 0; i < loads; i++)
            {
                await page.ReloadAsync();
                await page.WaitForFunctionAsync("() => performance.getEntriesByName('parley-interactive').length > 0", null, new() { Timeout = 30_000 });
                tti.Add(await page.EvaluateAsync<double>("() => performance.getEntriesByName('parley-interactive')[0].startTime"));
            }

            // 2. Redraw with 10,000 zones in view: declared by aid over a box of the view, then pans and zooms timed to the next complete render.
            using (var aid = Client(url, data, "aid"))
            {
                var random = new Random(20250301);
                for (int start = 0; start < zoneCount; start += 5000)
                {
                    var features = Enumerable.Range(start, Math.Min(5000, zoneCount - start)).Select(i =>
                    {
                        double lon = 8.6 + random.NextDouble() * 1.0, lat = 41.6 + random.NextDouble() * 1.0, d = 0.002 + random.NextDouble() * 0.006;
                        string ring = string.Create(CultureInfo.InvariantCulture, $"[[{lon},{lat}],[{lon + d},{lat}],[{lon + d},{lat + d}],[{lon},{lat + d}],[{lon},{lat}]]");
                        return $$$"""{"type":"Feature","id":"aid-bench-{{{i}}}","geometry":{"type":"Polygon","coordinates":[{{{ring}}}]},"properties":{"kind":"{{{(i % 3 == 0 ? "restricted" : "protected")}}}","start":"2026-01-01T00:00:00Z","visibility":"public"}}""";
                    });
                    var response = await SignedPostAsync(aid, data, "aid", "/v1/agreements/demo/zones", $$"""{"type":"FeatureCollection","features":[{{string.Join(',', features)}}]}""");
                    response.EnsureSuccessStatusCode();
                }
            }

            var viewer = await SignedInAsync(browser, url, "blue", Roles.Operator, "9.00/42.10000/9.10000");
            await viewer.WaitForFunctionAsync($"() => document.querySelector('.statusbar').textContent.includes('{zoneCount:N0}'.replace(/,/g, '')) || document.querySelector('.statusbar').textContent.match(/(\\d+) zones/)?.[1] >= {zoneCount}", null, new() { Timeout = 60_000 });
            int inView = await viewer.EvaluateAsync<int>("() => Number(document.querySelector('.statusbar').textContent.match(/(\\d+) zones/)[1])");
            // The redraw of everything, then of the theater's layers alone and of the outlines and graticule alone,
            // to tell where the time goes.
            var redraws = await RedrawsAsync(viewer, moves, []);
            var theaterOnly = await RedrawsAsync(viewer, moves / 2, ["basemap", "graticule"]);
            var baseOnly = await RedrawsAsync(viewer, moves / 2, ["zones", "own-zones", "zones-merged", "own-zones-merged", "operations", "own-operations", "conflicts", "probing", "draft"]);

            // 3. Event to screen: red submits a strike on blue's public school; the time until its row is in blue's inbox.
            var inbox = await SignedInAsync(browser, url, "blue", Roles.Approver);
            await inbox.EvaluateAsync(@"() => {
                window.__seen = {};
                new MutationObserver(() => {
                  for (const li of document.querySelectorAll('li[data-request]')) {
                    const id = li.getAttribute('data-request');
                    if (!(id in window.__seen)) window.__seen[id] = Date.now();
                  }
                }).observe(document.body, { childList: true, subtree: true });
              }");
            var latencies = new List<double>();
            using (var red = Client(url, data, "red"))
            {
                for (int i = 0; i < events; i++)
                {
                    string op = $$$"""{"type":"Feature","id":"red-bench-{{{i}}}","geometry":{"type":"Polygon","coordinates":[[[9.300,42.200],[9.310,42.200],[9.310,42.208],[9.300,42.208],[9.300,42.200]]]},"properties":{"kind":"strike","alt_min_m":0,"alt_max_m":3000,"start":"2026-12-01T08:00:00Z","end":"2026-12-01T09:00:00Z"}}""";
                    long sent = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    var response = await SignedPostAsync(red, data, "red", "/v1/agreements/demo/operations", op);
                    response.EnsureSuccessStatusCode();
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    string request = answer.RootElement.GetProperty("requests")[0].GetProperty("id").GetString()!;
                    await inbox.WaitForFunctionAsync($"() => '{request}' in window.__seen", null, new() { Timeout = 10_000, PollingInterval = 5 });
                    double seen = await inbox.EvaluateAsync<double>($"() => window.__seen['{request}']");
                    latencies.Add(seen - sent);
                    await Task.Delay(100);
                }
            }

            Console.WriteLine();
            Console.WriteLine("| measure | n | p50 (ms) | p95 | p99 | max | target |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
            Row("navigation to interactive (map drawn, demo)", tti, "< 2000 ms");
            Row($"pan/zoom redraw, {inView:N0} zones in view", [.. redraws], "p95 < 100 ms");
            Row("  the same, theater layers only (outlines and graticule hidden)", [.. theaterOnly], "");
            Row("  the same, outlines and graticule only (theater layers hidden)", [.. baseOnly], "");
            Row("event to screen (submission sent → row in the inbox)", latencies, "p99 < 250 ms");
            Console.WriteLine();
            Console.WriteLine($"load average at the end: {Machine.LoadAverage()}");
            return 0;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
                // still closing: the OS cleans the temp folder
            }
        }
    }

    private static Task<double[]> RedrawsAsync(IPage page, int moves, string[] hidden) => page.EvaluateAsync<double[]>(@"async ([moves, hidden]) => {
        const map = document.getElementById('map').parleyMap;
        const view = map.getView();
        // Every run starts from the same view, and every move changes it (an unchanged view renders nothing).
        view.setZoom(9);
        map.getLayers().forEach(l => l.setVisible(!hidden.includes(l.get('name'))));
        const shown = new Promise(r => map.once('rendercomplete', r));
        map.render(); // a render even when no layer changed
        await shown;
        const times = [];
        const centre = view.getCenter();
        for (let i = 0; i < moves; i++) {
          const t0 = performance.now();
          // Never waits forever: a move that renders nothing would count as 5 s.
          const done = Promise.race([new Promise(r => map.once('rendercomplete', r)), new Promise(r => setTimeout(r, 5000))]);
          if (i % 2 === 0) view.setCenter([centre[0] + ((i % 8) - 4) * 3000, centre[1] + ((i % 6) - 3) * 2000]);
          else view.setZoom(9 + ((i % 4) - 2) * 0.25);
          await done;
          times.push(performance.now() - t0);
          await new Promise(r => setTimeout(r, 400)); // the listing read again after the move, and its redraw, settle
        }
        view.setCenter(centre);
        view.setZoom(9);
        map.getLayers().forEach(l => l.setVisible(true));
        return times;
      }", new object[] { moves, hidden });

    private static void Row(string name, List<double> values, string target)
    {
        var sorted = values.Order().ToArray();
        double P(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        Console.WriteLine($"| {name} | {sorted.Length} | {P(0.5):F0} | {P(0.95):F0} | {P(0.99):F0} | {sorted.LastOrDefault():F0} | {target} |");
    }

    private static async Task<int> ScreenshotsAsync(string outDir)
    {
        Directory.CreateDirectory(outDir);
        var (app, data, url) = await StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        try
        {
            foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
            {
                string suffix = scheme == ColorScheme.Light ? "light" : "dark";
                var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 }, ColorScheme = scheme, TimezoneId = "UTC" });
                var signIn = await context.NewPageAsync();
                await signIn.GotoAsync(url.ToString());
                await signIn.GetByRole(AriaRole.Button, new() { Name = "Sign in (demo)" }).WaitForAsync();
                await signIn.ScreenshotAsync(new() { Path = Path.Combine(outDir, $"sign-in-{suffix}.png") });

                // Red plans a strike next to the place where blue keeps its hidden hospital.
                var red = await SignedInAsync(browser, url, "red", Roles.Operator, "11.60/42.15500/9.19000", scheme);
                await red.GetByRole(AriaRole.Button, new() { Name = "New operation" }).ClickAsync();
                await red.GetByLabel("Name", new() { Exact = true }).FillAsync($"Strike on depot ({suffix})");
                await red.GetByLabel("GeoJSON", new() { Exact = true }).FillAsync(
                    """{"type":"Polygon","coordinates":[[[9.146,42.143],[9.160,42.143],[9.160,42.153],[9.146,42.153],[9.146,42.143]]]}""");
                await red.GetByRole(AriaRole.Button, new() { Name = "Check", Exact = true }).ClickAsync();
                await red.GetByText("conflict(s)").First.WaitForAsync();
                await red.WaitForTimeoutAsync(2500); // the detailed coastline
                await red.ScreenshotAsync(new() { Path = Path.Combine(outDir, $"plan-check-{suffix}.png") });
                await red.GetByRole(AriaRole.Button, new() { Name = "Submit", Exact = true }).ClickAsync();
                await red.Locator(".details h2 .badge").WaitForAsync();
                await red.WaitForTimeoutAsync(500);
                await red.ScreenshotAsync(new() { Path = Path.Combine(outDir, $"submitted-{suffix}.png") });

                // Blue's approver: the request in the inbox, its cell on the map.
                var blue = await SignedInAsync(browser, url, "blue", Roles.Approver, "9.40/42.18000/9.05000", scheme);
                await blue.GetByRole(AriaRole.Region, new() { Name = "Concurrence requests" }).GetByRole(AriaRole.Listitem).Filter(new() { HasText = "from red" }).First.WaitForAsync();
                await blue.WaitForTimeoutAsync(2500);
                await blue.ScreenshotAsync(new() { Path = Path.Combine(outDir, $"inbox-{suffix}.png") });

                // Blue's operator: the theater, the ledger verified and the probing report.
                var overview = await SignedInAsync(browser, url, "blue", Roles.Operator, "8.55/42.15000/9.05000", scheme);
                await overview.GetByRole(AriaRole.Button, new() { Name = "Verify ledger" }).ClickAsync();
                await overview.GetByRole(AriaRole.Status, new() { Name = "Ledger status" }).Filter(new() { HasText = "Verified" }).WaitForAsync();
                await overview.Locator("#map").ClickAsync(new() { Position = new Position { X = 10, Y = 10 } });
                await overview.WaitForTimeoutAsync(2500);
                await overview.ScreenshotAsync(new() { Path = Path.Combine(outDir, $"theater-{suffix}.png") });

                // Blue's approver reads red's amendment, with the grounding it would shorten selected on the map.
                var approver = await SignedInAsync(browser, url, "blue", Roles.Approver, "8.30/41.75000/9.05000", scheme);
                await approver.GetByRole(AriaRole.Region, new() { Name = "Terms" }).GetByRole(AriaRole.Button).Filter(new() { HasText = "red-flights-grounded-south" }).ClickAsync();
                await approver.GetByRole(AriaRole.Button, new() { Name = "Sign amendment" }).WaitForAsync();
                await approver.WaitForTimeoutAsync(2500);
                await approver.ScreenshotAsync(new() { Path = Path.Combine(outDir, $"amendments-{suffix}.png") });

                // Red's operator answers the shelling it is suspected of: the incident's area on the map, the reply panel.
                var suspect = await SignedInAsync(browser, url, "red", Roles.Operator, "9.00/41.95000/8.90000", scheme);
                await suspect.GetByRole(AriaRole.Region, new() { Name = "Incidents", Exact = true }).GetByRole(AriaRole.Button, new() { Name = "inc-demo-shelling" }).ClickAsync();
                await suspect.GetByRole(AriaRole.Region, new() { Name = "Reply" }).WaitForAsync();
                await suspect.WaitForTimeoutAsync(2500);
                await suspect.ScreenshotAsync(new() { Path = Path.Combine(outDir, $"incident-reply-{suffix}.png") });

                // The monitoring mission grades the hospital incident, then reads the compliance dashboard.
                var monitor = await SignedInAsync(browser, url, "unmo", Roles.Monitor, "11.00/42.14800/9.15200", scheme);
                await monitor.GetByRole(AriaRole.Region, new() { Name = "Incidents", Exact = true }).GetByRole(AriaRole.Button, new() { Name = "inc-demo-hospital" }).ClickAsync();
                await monitor.GetByRole(AriaRole.Region, new() { Name = "Grade" }).WaitForAsync();
                await monitor.WaitForTimeoutAsync(2500);
                await monitor.ScreenshotAsync(new() { Path = Path.Combine(outDir, $"incident-grade-{suffix}.png") });
                await monitor.GetByRole(AriaRole.Button, new() { Name = "Compliance", Exact = true }).ClickAsync();
                await monitor.GetByRole(AriaRole.Region, new() { Name = "Compliance" }).GetByRole(AriaRole.Img).First.WaitForAsync();
                await monitor.ScreenshotAsync(new() { Path = Path.Combine(outDir, $"compliance-{suffix}.png") });
                await context.CloseAsync();
            }

            Console.WriteLine($"screenshots written to {outDir}");
            return 0;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
