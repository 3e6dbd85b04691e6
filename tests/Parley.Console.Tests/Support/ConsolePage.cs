using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests.Support;

/// <summary>What a person does on the console, by the accessible names the console promises.</summary>
public sealed class ConsolePage(IPage page, Uri server)
{
    public IPage Page { get; } = page;

    /// <summary>Opens the console (optionally at a map view) and signs in through the demo sign-in.</summary>
    public async Task SignInAsync(string party, string role, string? mapView = null)
    {
        await Page.GotoAsync(new Uri(server, "/" + (mapView is null ? "" : "#map=" + mapView)).ToString());
        await Page.GetByRole(AriaRole.Combobox, new() { Name = "Party" }).SelectOptionAsync(party);
        await Page.GetByRole(AriaRole.Combobox, new() { Name = "Role" }).SelectOptionAsync(role);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in (demo)" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Region, new() { Name = "Map" })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Status, new() { Name = "Event stream" })).ToContainTextAsync("Live");
    }

    public ILocator Map => Page.GetByRole(AriaRole.Region, new() { Name = "Map" });

    public ILocator Inbox => Page.GetByRole(AriaRole.Region, new() { Name = "Concurrence requests" });

    /// <summary>The pixel of a lon/lat on the map, for a view of <paramref name="zoom"/> centred on <paramref name="centreLon"/>, <paramref name="centreLat"/> (Web Mercator, 256-pixel tiles).</summary>
    public async Task<(float X, float Y)> PixelAsync(double lon, double lat, double centreLon, double centreLat, double zoom)
    {
        var box = await Map.BoundingBoxAsync() ?? throw new InvalidOperationException("the map has no box");
        double resolution = 2 * Math.PI * 6378137 / 256 / Math.Pow(2, zoom);
        static double X(double lon) => lon * Math.PI / 180 * 6378137;
        static double Y(double lat) => Math.Log(Math.Tan(Math.PI / 4 + lat * Math.PI / 360)) * 6378137;
        return ((float)(box.X + box.Width / 2 + (X(lon) - X(centreLon)) / resolution),
                (float)(box.Y + box.Height / 2 - (Y(lat) - Y(centreLat)) / resolution));
    }
}
