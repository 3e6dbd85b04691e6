using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using Parley.Server.Tests;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>The console is served like the API is guarded: strict CSP, no framing, nothing from elsewhere, demo credentials only on a loopback demo.</summary>
public sealed class SecurityTests(BrowserFixture browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/")]
    [InlineData("/console/console.js")]
    [InlineData("/console/console.css")]
    [InlineData("/console/no-such-file.js")]
    [InlineData("/console/demo-sign-in")]
    public async Task every_console_answer_carries_a_strict_content_security_policy_and_refuses_framing(string path)
    {
        await using var server = await RunningServer.StartAsync();
        using var client = server.Client();
        using var response = await client.GetAsync(path, Ct);
        string csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("http", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task the_page_has_no_inline_script_and_loads_nothing_from_another_origin()
    {
        await using var server = await RunningServer.StartAsync();
        using var client = server.Client();
        string html = await client.GetStringAsync("/", Ct);
        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=\"/console/)", html);
        Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);

        var page = await browser.PageAsync();
        var requested = new List<string>();
        var violations = new List<string>();
        page.Request += (_, request) => requested.Add(request.Url);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };
        var detailedOutlines = page.WaitForResponseAsync(r => r.Url.EndsWith("/countries-10m.json", StringComparison.Ordinal));
        await new ConsolePage(page, server.BaseAddress).SignInAsync("aid", "operator");
        await page.GetByRole(AriaRole.Button, new() { Name = "New zone" }).ClickAsync();
        await detailedOutlines; // the last file the console loads by itself
        Assert.NotEmpty(requested);
        Assert.All(requested, url => Assert.StartsWith(server.BaseAddress.GetLeftPart(UriPartial.Authority), url, StringComparison.Ordinal));
        Assert.Empty(violations);

        // The token never travels in a URL.
        Assert.All(requested, url => Assert.DoesNotContain("eyJ", url, StringComparison.Ordinal));
    }

    [Fact]
    public async Task the_demo_sign_in_hands_out_working_credentials_on_a_loopback_demo_server()
    {
        await using var server = await RunningServer.StartAsync();
        using var anonymous = server.Client();
        var offer = await anonymous.GetFromJsonAsync<JsonElement>("/console/demo-sign-in", Ct);
        Assert.Equal("demo", offer.GetProperty("agreement").GetString());
        Assert.Equal(["blue", "red", "aid", "unmo"], offer.GetProperty("parties").EnumerateArray().Select(p => p.GetProperty("id").GetString()));

        using var answer = await anonymous.PostAsJsonAsync("/console/demo-sign-in", new { party = "red", role = "approver" }, Ct);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var credentials = await answer.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", credentials.GetProperty("key").GetString(), StringComparison.Ordinal);
        using var red = new HttpClient { BaseAddress = server.BaseAddress };
        red.DefaultRequestHeaders.Authorization = new("Bearer", credentials.GetProperty("token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await red.GetAsync("/v1/agreements/demo/requests", Ct)).StatusCode);

        using var admin = await anonymous.PostAsJsonAsync("/console/demo-sign-in", new { party = "red", role = "admin" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, admin.StatusCode);
        Assert.Contains("\"role\"", await admin.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var stranger = await anonymous.PostAsJsonAsync("/console/demo-sign-in", new { party = "green", role = "operator" }, Ct);
        Assert.Contains("\"party\"", await stranger.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_demo_sign_in_does_not_exist_on_a_server_without_the_demo_or_under_another_host_name()
    {
        await using var plain = await RunningServer.StartAsync(demo: false);
        using var client = plain.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/console/demo-sign-in", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/console/demo-sign-in", new { party = "red", role = "operator" }, Ct)).StatusCode);

        // A page of another site that resolves its own name to this machine (DNS rebinding) finds nothing either.
        await using var demo = await RunningServer.StartAsync();
        using var rebound = demo.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/console/demo-sign-in") { Content = JsonContent.Create(new { party = "red", role = "operator" }) };
        request.Headers.Host = "parley.attacker.example";
        Assert.Equal(HttpStatusCode.NotFound, (await rebound.SendAsync(request, Ct)).StatusCode);
    }

    [Fact]
    public async Task an_operators_basemap_origin_is_allowed_for_images_only_when_the_server_names_it()
    {
        await using var server = await RunningServer.StartAsync(configure: o => o with { ConsoleTileOrigins = ["https://tiles.example:8443"] });
        using var client = server.Client();
        using var response = await client.GetAsync("/", Ct);
        string csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("img-src 'self' data: blob: https://tiles.example:8443;", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);

        var bad = await Assert.ThrowsAsync<ArgumentException>(() => RunningServer.StartAsync(configure: o => o with { ConsoleTileOrigins = ["http://tiles.example"] }));
        Assert.Contains("--console-tiles", bad.Message, StringComparison.Ordinal);
    }
}
