using System.Net;
using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>
/// Zones only a few pixels across at the zoom in view are drawn merged with the others of their style (one map
/// feature per style instead of one each); each must still be found by a click, and drawn on its own once selected.
/// </summary>
public sealed class MergedZoneTests(BrowserFixture browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const double Lat = 41.45, WestLon = 8.45, EastLon = 8.75, Zoom = 9;

    // The zones' boxes merged into aid's group, counted from the map itself.
    private const string MergedBoxes = """
        () => document.getElementById('map').parleyMap.getLayers().getArray()
          .filter(l => l.get('name') === 'zones-merged')
          .flatMap(l => l.getSource().getFeatures())
          .reduce((n, f) => n + f.getGeometry().getLineStrings().length, 0)
        """;

    [Fact]
    public async Task a_zone_two_pixels_across_is_drawn_merged_and_a_click_on_it_opens_its_details()
    {
        await using var server = await RunningServer.StartAsync();
        using (var aid = server.Client("aid"))
        {
            foreach (var (id, lon) in new[] { ("aid-tiny-west", WestLon), ("aid-tiny-east", EastLon) })
            {
                // 0.004° a side: about 330 by 450 m, under two pixels at zoom 9 (about 300 m a pixel here).
                string ring = FormattableString.Invariant($"[[{lon},{Lat}],[{lon + 0.004},{Lat}],[{lon + 0.004},{Lat + 0.004}],[{lon},{Lat + 0.004}],[{lon},{Lat}]]");
                var declared = await aid.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson($$$"""
                    {"type":"Feature","id":"{{{id}}}","geometry":{"type":"Polygon","coordinates":[{{{ring}}}]},
                     "properties":{"kind":"protected","start":"2026-01-01T00:00:00Z","visibility":"public"}}
                    """), Ct);
                Assert.Equal(HttpStatusCode.Created, declared.StatusCode);
            }
        }

        var page = await browser.PageAsync();
        var blue = new ConsolePage(page, server.BaseAddress);
        double centreLon = (WestLon + EastLon) / 2 + 0.002, centreLat = Lat + 0.002;
        await blue.SignInAsync("blue", "operator", FormattableString.Invariant($"{Zoom}/{centreLat}/{centreLon}"));
        await page.WaitForFunctionAsync($"() => ({MergedBoxes})() >= 2");
        int merged = await page.EvaluateAsync<int>(MergedBoxes);

        var details = page.Locator(".details");
        var (x, y) = await blue.PixelAsync(EastLon + 0.002, Lat + 0.002, centreLon, centreLat, Zoom);
        await page.Mouse.ClickAsync(x, y);
        await Expect(details.GetByRole(AriaRole.Heading).First).ToContainTextAsync("aid-tiny-east");
        await Expect(details).ToContainTextAsync("zone of aid");
        // Selected, it leaves its group: drawn on its own, with the selection's outline.
        await page.WaitForFunctionAsync($"() => ({MergedBoxes})() === {merged - 1}");

        await page.WaitForTimeoutAsync(400); // two clicks within 250 ms are a double click, which zooms the map
        (x, y) = await blue.PixelAsync(WestLon + 0.002, Lat + 0.002, centreLon, centreLat, Zoom);
        await page.Mouse.ClickAsync(x, y);
        await Expect(details.GetByRole(AriaRole.Heading).First).ToContainTextAsync("aid-tiny-west");
        await page.WaitForFunctionAsync($"() => ({MergedBoxes})() === {merged - 1}");

        // Between the two, 55 pixels from each (clear of the selected label), nothing is hit: the selection is cleared and both are merged again.
        (x, y) = await blue.PixelAsync(centreLon, centreLat, centreLon, centreLat, Zoom);
        await page.WaitForTimeoutAsync(400);
        await page.Mouse.ClickAsync(x, y);
        await Expect(details.GetByRole(AriaRole.Heading).First).ToHaveTextAsync("Details");
        await page.WaitForFunctionAsync($"() => ({MergedBoxes})() === {merged}");
    }
}
