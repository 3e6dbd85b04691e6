using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>
/// The compliance dashboard: per party, the incidents against it stacked by grade for each period, drawn in SVG, with the
/// table of its figures beside the chart; both show exactly what <c>GET …/compliance</c> answers the signed-in party.
/// </summary>
public sealed class ComplianceDashboardTests(BrowserFixture browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Figures =
        ["against", "confirmed", "fair", "weak", "contested", "discounted", "ungraded", "never_replied", "notified_sites_affected"];

    private static readonly string[] Grades = ["confirmed", "fair", "weak", "contested", "discounted", "ungraded"];

    [Theory]
    [InlineData("unmo", "monitor", "day")]
    [InlineData("red", "operator", "week")]
    public async Task every_chart_table_shows_the_figures_the_api_answers_the_party(string party, string role, string period)
    {
        await using var demo = await DemoWeek.StartAsync();
        var page = await demo.SignInAsync(browser, party, role);
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Compliance", Exact = true }).ClickAsync();
        var dashboard = page.Page.GetByRole(AriaRole.Region, new() { Name = "Compliance" });
        await Expect(dashboard).ToContainTextAsync("confirmed\" counts only the party's own admissions");
        if (period == "week")
        {
            await page.Page.RunAndWaitForResponseAsync(() => dashboard.GetByLabel("Period").SelectOptionAsync("week"), r => r.Url.Contains("period=week", StringComparison.Ordinal));
        }

        using var reader = demo.Reader(party, role);
        var doc = await reader.GetFromJsonAsync<JsonElement>($"/v1/agreements/demo/compliance?period={period}", Ct);
        var parties = doc.GetProperty("parties").EnumerateArray().ToList();
        Assert.NotEmpty(parties);
        await Expect(dashboard.GetByRole(AriaRole.Group)).ToHaveCountAsync(parties.Count);
        long bars = 0, against = 0;
        foreach (var p in parties)
        {
            string name = p.GetProperty("party").GetString()!;
            var section = dashboard.GetByRole(AriaRole.Group, new() { Name = $"Compliance of {name}", Exact = true });
            await Expect(section.GetByRole(AriaRole.Img, new() { Name = $"Incidents against {name} by grade, per {period}" })).ToBeVisibleAsync();
            var rows = section.GetByRole(AriaRole.Table).Locator("tbody tr");
            var periods = p.GetProperty("periods").EnumerateArray().ToList();
            await Expect(rows).ToHaveCountAsync(periods.Count);
            int expectedBars = 0;
            for (int i = 0; i < periods.Count; i++)
            {
                var incidents = periods[i].GetProperty("incidents");
                await Expect(rows.Nth(i).GetByRole(AriaRole.Rowheader)).ToHaveTextAsync((period == "week" ? "w/c " : "") + periods[i].GetProperty("start").GetString()![5..10]);
                foreach (var figure in Figures)
                {
                    string expected = incidents.GetProperty(figure).GetProperty("count").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await Expect(rows.Nth(i).Locator($"td[data-figure='{figure}']")).ToHaveTextAsync(expected);
                }

                var open = incidents.GetProperty("against").GetProperty("pending");
                await Expect(rows.Nth(i).Locator("td[data-figure='against.pending']")).ToHaveTextAsync(open.ValueKind == JsonValueKind.Null ? "0" : open.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
                expectedBars += Grades.Count(g => incidents.GetProperty(g).GetProperty("count").GetInt64() > 0);
                against += incidents.GetProperty("against").GetProperty("count").GetInt64();
            }

            // One stacked segment per grade and period with a count: the chart draws the table's figures.
            await Expect(section.Locator("svg rect.bar")).ToHaveCountAsync(expectedBars);
            bars += expectedBars;
        }

        // The demo's incidents are all against someone the party may see: the charts are not empty.
        Assert.True(against >= 3, $"incidents against the parties: {against}");
        Assert.True(bars > 0);
    }
}
