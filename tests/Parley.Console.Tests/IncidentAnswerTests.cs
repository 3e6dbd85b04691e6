using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>
/// Incidents on the console: drawn with their uncertainty and selectable on the map, answered by the suspected party
/// (a violation candidate until it admits it), graded by the monitors, each a signed write seen live by the others.
/// </summary>
public sealed class IncidentAnswerTests(BrowserFixture browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The demo's shelling: a point near 8.80, 41.95 reported to a district (25 km), red suspected, no reply yet.
    private const double ShellingLon = 8.80, ShellingLat = 41.95, Zoom = 10;

    private static ILocator Incidents(ConsolePage page) => page.Page.GetByRole(AriaRole.Region, new() { Name = "Incidents", Exact = true });

    private static ILocator Details(ConsolePage page) => page.Page.Locator(".details");

    [Fact]
    public async Task red_selects_the_shelling_on_the_map_and_replies_a_denial_only_with_its_reason()
    {
        await using var demo = await DemoWeek.StartAsync();
        var red = await demo.SignInAsync(browser, "red", "operator", $"{Zoom}/{ShellingLat}/{ShellingLon}");
        var unmo = await demo.SignInAsync(browser, "unmo", "monitor");
        await Expect(red.Map.GetByRole(AriaRole.List, new() { Name = "Map contents" })).ToContainTextAsync("7 incidents, each drawn as its area of uncertainty");

        // A click inside the shelling's 25 km circle, away from its centre, selects it.
        var (x, y) = await red.PixelAsync(ShellingLon + 0.1, ShellingLat + 0.05, ShellingLon, ShellingLat, Zoom);
        await red.Page.Mouse.ClickAsync(x, y);
        await Expect(Details(red).GetByRole(AriaRole.Heading).First).ToContainTextAsync("Incident inc-demo-shelling");
        await Expect(Details(red)).ToContainTextAsync("violation candidate");
        await Expect(Details(red)).ToContainTextAsync("within 25 km of the point (district)");
        await Expect(Details(red)).ToContainTextAsync("A site never notified is still protected");
        await Expect(red.Page.GetByRole(AriaRole.Region, new() { Name = "Grade" })).ToHaveCountAsync(0);

        var reply = red.Page.GetByRole(AriaRole.Region, new() { Name = "Reply" });

        // No reply is preselected (an admission must never go by an unread default): without a choice nothing is sent.
        await reply.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();
        await Expect(reply.GetByRole(AriaRole.Combobox, new() { Name = "Reply", Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await reply.GetByRole(AriaRole.Combobox, new() { Name = "Reply", Exact = true }).SelectOptionAsync("deny");
        await reply.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();
        await Expect(reply.GetByLabel("Reason", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");

        // An explanation needs one of red's own operations; the denial then goes with its reason.
        await reply.GetByRole(AriaRole.Combobox, new() { Name = "Reply", Exact = true }).SelectOptionAsync("explain");
        await reply.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();
        await Expect(reply.GetByLabel("Operation", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        using var reader = demo.Reader("red");
        Assert.Empty((await reader.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/incidents/inc-demo-shelling", Ct)).GetProperty("replies").EnumerateArray());

        await reply.GetByRole(AriaRole.Combobox, new() { Name = "Reply", Exact = true }).SelectOptionAsync("deny");
        await reply.GetByLabel("Reason", new() { Exact = true }).FillAsync("no red artillery within range that day");
        await reply.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();
        await Expect(Details(red)).ToContainTextAsync("red deny “no red artillery within range that day”");
        await Expect(Details(red)).ToContainTextAsync("red: violation candidate, ungraded; replied");

        // The monitors see the reply live; the incident stays a candidate: a denial confirms nothing.
        var line = Incidents(unmo).GetByRole(AriaRole.Listitem).Filter(new() { HasText = "inc-demo-shelling" });
        await Expect(line).ToContainTextAsync("red: violation candidate, ungraded; replied");
        var stored = await reader.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/incidents/inc-demo-shelling", Ct);
        var only = Assert.Single(stored.GetProperty("replies").EnumerateArray());
        Assert.Equal(("red", "deny"), (only.GetProperty("party").GetString(), only.GetProperty("reply").GetString()));
        Assert.Equal("ungraded", stored.GetProperty("candidates")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task the_monitor_grades_with_a_reason_and_red_sees_the_grade_live_while_blue_may_neither_reply_nor_grade()
    {
        await using var demo = await DemoWeek.StartAsync();
        var unmo = await demo.SignInAsync(browser, "unmo", "monitor");
        var red = await demo.SignInAsync(browser, "red", "operator");
        var blue = await demo.SignInAsync(browser, "blue", "operator");

        await Incidents(unmo).GetByRole(AriaRole.Button, new() { Name = "inc-demo-shelling" }).ClickAsync();
        var grade = unmo.Page.GetByRole(AriaRole.Region, new() { Name = "Grade" });
        await Expect(grade).ToContainTextAsync("Confirmed is no grade");
        await grade.GetByRole(AriaRole.Button, new() { Name = "Grade", Exact = true }).ClickAsync();
        await Expect(grade.GetByRole(AriaRole.Combobox, new() { Name = "Grade", Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await grade.GetByRole(AriaRole.Combobox, new() { Name = "Grade", Exact = true }).SelectOptionAsync("contested");
        await grade.GetByRole(AriaRole.Button, new() { Name = "Grade", Exact = true }).ClickAsync();
        await Expect(grade.GetByLabel("Reason for the grade")).ToHaveAttributeAsync("aria-invalid", "true");

        await grade.GetByLabel("Reason for the grade").FillAsync("one media report, two patrols saw no craters");
        await grade.GetByRole(AriaRole.Button, new() { Name = "Grade", Exact = true }).ClickAsync();
        await Expect(Details(unmo)).ToContainTextAsync("unmo graded it contested “one media report, two patrols saw no craters”");

        var line = Incidents(red).GetByRole(AriaRole.Listitem).Filter(new() { HasText = "inc-demo-shelling" });
        await Expect(line).ToContainTextAsync("red: violation candidate, contested; reply awaited");
        Assert.DoesNotContain("confirmed", await line.InnerTextAsync(), StringComparison.Ordinal);

        // Blue is neither suspected nor a monitor: it reads the incident and may not answer or grade it.
        await Incidents(blue).GetByRole(AriaRole.Button, new() { Name = "inc-demo-shelling" }).ClickAsync();
        await Expect(Details(blue)).ToContainTextAsync("unmo graded it contested");
        await Expect(blue.Page.GetByRole(AriaRole.Region, new() { Name = "Reply" })).ToHaveCountAsync(0);
        await Expect(blue.Page.GetByRole(AriaRole.Region, new() { Name = "Grade" })).ToHaveCountAsync(0);

        using var reader = demo.Reader("unmo", "monitor");
        var stored = await reader.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/incidents/inc-demo-shelling", Ct);
        Assert.Equal("contested", stored.GetProperty("grade").GetString());
    }

    [Fact]
    public async Task red_sees_blues_private_hospital_that_blue_named_by_its_id_and_cell_and_never_its_name()
    {
        await using var demo = await DemoWeek.StartAsync();
        var responses = new List<(string Url, string Body)>();
        var red = await demo.SignInAsync(browser, "red", "operator", responses: responses);
        await Incidents(red).GetByRole(AriaRole.Button, new() { Name = "inc-demo-hospital" }).ClickAsync();
        var site = Details(red).GetByRole(AriaRole.Listitem).Filter(new() { HasText = "blue · protected" });
        await Expect(site).ToContainTextAsync("blue-hospital-1 (named by the reporter)");
        await Expect(site.GetByRole(AriaRole.Button, new() { Name = "show its 10 km cell" })).ToBeVisibleAsync();
        await Expect(Details(red)).ToContainTextAsync("red: violation candidate, fair; replied");
        await Expect(red.Page.GetByRole(AriaRole.Region, new() { Name = "Reply" })).ToBeVisibleAsync();

        string dom = await red.Page.ContentAsync();
        foreach (var text in new[] { "Field hospital Alder" })
        {
            Assert.DoesNotContain(text, dom, StringComparison.Ordinal);
            lock (responses)
            {
                Assert.DoesNotContain(responses, r => r.Body.Contains(text, StringComparison.Ordinal));
            }
        }
    }
}
