using System.Net.Http.Headers;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Parley.Server.Security;
using Parley.Server.Tests;

namespace Parley.Console.Tests.Support;

/// <summary>
/// The demo on the morning of 7 December 2026, whatever day the tests run: the server's clock is a fake one held there
/// and each page's Date is fixed to the same instant, so that red's grounding (8 to 10 December) is upcoming, signed
/// writes carry the center's time, and nothing waits on the wall clock.
/// </summary>
public sealed class DemoWeek : IAsyncDisposable
{
    /// <summary>The instant the server and the pages live at.</summary>
    public static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private DemoWeek(RunningServer server, FakeTimeProvider clock)
    {
        Server = server;
        Clock = clock;
    }

    public RunningServer Server { get; }

    public FakeTimeProvider Clock { get; }

    public static async Task<DemoWeek> StartAsync()
    {
        var clock = new FakeTimeProvider(Now);
        return new DemoWeek(await RunningServer.StartAsync(time: clock), clock);
    }

    /// <summary>A page whose clock reads <see cref="Now"/>, signed in as <paramref name="party"/>.</summary>
    public async Task<ConsolePage> SignInAsync(BrowserFixture browser, string party, string role, string? mapView = null, ColorScheme scheme = ColorScheme.Light,
        List<(string Url, string Body)>? responses = null)
    {
        var page = await browser.PageAsync(scheme, responses);
        await page.Clock.SetFixedTimeAsync(Now.UtcDateTime);
        var console = new ConsolePage(page, Server.BaseAddress);
        await console.SignInAsync(party, role, mapView);
        return console;
    }

    /// <summary>A reading client of <paramref name="party"/>, its token issued at the server's time.</summary>
    public HttpClient Reader(string party, string role = Roles.Operator)
    {
        var client = new HttpClient { BaseAddress = Server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TokenKeys.Issue(Server.DataDirectory, "demo", party, role, TimeSpan.FromDays(1), Clock));
        return client;
    }

    /// <summary>A client of <paramref name="party"/> whose writes are signed with its development key at the server's time.</summary>
    public HttpClient Writer(string party, string role = Roles.Operator)
    {
        var client = new HttpClient(new SigningHandler(DevelopmentKeys.For(Server.DataDirectory, "demo", party), "demo", Clock)) { BaseAddress = Server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TokenKeys.Issue(Server.DataDirectory, "demo", party, role, TimeSpan.FromDays(1), Clock));
        return client;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
