using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Parley.Console.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Parley.Console.Tests;

/// <summary>
/// The amendments inbox and the terms on the map: red's demo amendment (the grounding over the Sartène district lifted a
/// day early) waits for blue's signature. Blue's approver signs it or refuses it with a reason; every other role reads it.
/// </summary>
public sealed class AmendmentTests(BrowserFixture browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Grounding = "Suspended: red · flight · 2026-12-08 00:00Z – 2026-12-10 00:00Z (upcoming)";
    private const string Lifted = "Suspended: red · flight · 2026-12-08 00:00Z – 2026-12-09 00:00Z (upcoming)";

    private static ILocator Amendments(ConsolePage page) => page.Page.GetByRole(AriaRole.Region, new() { Name = "Amendments", Exact = true });

    private static ILocator MapContents(ConsolePage page) => page.Map.GetByRole(AriaRole.List, new() { Name = "Map contents" });

    [Fact]
    public async Task blues_approver_signs_reds_amendment_it_comes_into_force_and_the_grounding_on_the_map_ends_a_day_earlier()
    {
        await using var demo = await DemoWeek.StartAsync();
        var blue = await demo.SignInAsync(browser, "blue", "approver");
        var red = await demo.SignInAsync(browser, "red", "operator");

        // What blue reads before signing: who proposed it and why, what it replaces, the deadline, who signed.
        var card = Amendments(blue).GetByRole(AriaRole.Listitem, new() { Name = "Amendment am-1 from red" });
        await Expect(card).ToContainTextAsync("Replaces term red-flights-grounded-south");
        await Expect(card).ToContainTextAsync("end: 2026-12-10 00:00Z → 2026-12-09 00:00Z");
        await Expect(card).ToContainTextAsync("a day early");
        await Expect(card.Locator(".signed-by")).ToContainTextAsync("red");
        await Expect(card.Locator(".missing")).ToHaveTextAsync("blue");
        await Expect(card).ToContainTextAsync("2026-12-14 09:00Z"); // signing deadline: a week from the demo's start
        await Expect(MapContents(blue)).ToContainTextAsync(Grounding);
        await Expect(MapContents(red)).ToContainTextAsync(Grounding);

        // Red's operator reads it and may not sign it.
        var redCard = Amendments(red).GetByRole(AriaRole.Listitem, new() { Name = "Amendment am-1 from red" });
        await Expect(redCard).ToContainTextAsync("Your party has signed it.");
        await Expect(Amendments(red).GetByRole(AriaRole.Button, new() { Name = "Sign amendment" })).ToHaveCountAsync(0);

        await card.GetByRole(AriaRole.Button, new() { Name = "Sign amendment" }).ClickAsync();

        // In force: version 2, the suspension ends on the 9th on blue's map, and on red's through the event stream.
        await Expect(Amendments(blue).GetByRole(AriaRole.List, new() { Name = "Pending amendments" })).ToContainTextAsync("No amendment pending.");
        await Expect(Amendments(blue).GetByRole(AriaRole.List, new() { Name = "Past amendments", IncludeHidden = true })).ToContainTextAsync("as version 2 since");
        await Expect(blue.Page.GetByRole(AriaRole.Region, new() { Name = "Terms" })).ToContainTextAsync("version 2");
        await Expect(MapContents(blue)).ToContainTextAsync(Lifted);
        await Expect(MapContents(blue)).Not.ToContainTextAsync(Grounding);
        await Expect(MapContents(red)).ToContainTextAsync(Lifted);
        await Expect(Amendments(red).GetByRole(AriaRole.List, new() { Name = "Pending amendments" })).ToContainTextAsync("No amendment pending.");

        // The signature is blue's own signed write, in the record every party reads.
        using var reader = demo.Reader("aid");
        var agreement = await reader.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/agreement", Ct);
        Assert.Equal(2, agreement.GetProperty("version").GetInt32());
        var term = agreement.GetProperty("terms").EnumerateArray().Single(t => t.GetProperty("id").GetString() == "red-flights-grounded-south");
        Assert.Equal("2026-12-09T00:00:00Z", term.GetProperty("end").GetString());
        var amendment = await reader.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/agreement/amendments/am-1", Ct);
        Assert.Equal("in-force", amendment.GetProperty("state").GetString());
        Assert.Equal(["red", "blue"], amendment.GetProperty("signatures").EnumerateArray().Select(s => s.GetProperty("party").GetString()));
    }

    [Fact]
    public async Task a_refusal_needs_a_reason_then_the_amendment_lapses_and_the_grounding_stays_as_it_was()
    {
        await using var demo = await DemoWeek.StartAsync();
        var blue = await demo.SignInAsync(browser, "blue", "approver");
        var card = Amendments(blue).GetByRole(AriaRole.Listitem, new() { Name = "Amendment am-1 from red" });

        // Without a reason nothing is sent.
        await card.GetByRole(AriaRole.Button, new() { Name = "Refuse amendment" }).ClickAsync();
        await Expect(card.GetByLabel("Reason for refusing")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(card.GetByLabel("Reason for refusing")).ToBeFocusedAsync();
        using var reader = demo.Reader("blue");
        var pending = await reader.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/agreement/amendments/am-1", Ct);
        Assert.Equal("proposed", pending.GetProperty("state").GetString());

        await card.GetByLabel("Reason for refusing").FillAsync("not before the convoys have crossed");
        await card.GetByRole(AriaRole.Button, new() { Name = "Refuse amendment" }).ClickAsync();
        await Expect(card).ToHaveCountAsync(0);
        await Amendments(blue).Locator("summary").Filter(new() { HasText = "Past amendments" }).ClickAsync();
        var past = Amendments(blue).GetByRole(AriaRole.List, new() { Name = "Past amendments" });
        await Expect(past).ToContainTextAsync("lapsed");
        await Expect(past).ToContainTextAsync("refused by blue");
        await Expect(MapContents(blue)).ToContainTextAsync(Grounding);
        await Expect(blue.Page.GetByRole(AriaRole.Region, new() { Name = "Terms" })).ToContainTextAsync("version 1");

        var lapsed = await reader.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/agreement/amendments/am-1", Ct);
        Assert.Equal(("lapsed", "blue"), (lapsed.GetProperty("state").GetString(), lapsed.GetProperty("refused_by").GetString()));
        Assert.Contains("not before the convoys have crossed", lapsed.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task red_reads_how_many_of_its_strikes_count_against_its_daily_limit_today_as_the_api_counts_them()
    {
        await using var demo = await DemoWeek.StartAsync();
        using var reader = demo.Reader("red");
        var used = await reader.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/agreement/limits", TestContext.Current.CancellationToken);
        Assert.Equal("2026-12-07", used.GetProperty("day").GetString());
        int count = Assert.Single(used.GetProperty("limits").EnumerateArray(), l => l.GetProperty("term").GetString() == "red-strike-scale-back").GetProperty("count").GetInt32();

        var red = await demo.SignInAsync(browser, "red", "operator");
        var limit = red.Page.GetByRole(AriaRole.Region, new() { Name = "Terms" }).GetByRole(AriaRole.Listitem).Filter(new() { HasText = "red-strike-scale-back" });
        await Expect(limit).ToContainTextAsync($"Yours today (UTC): {count} of 4.");
    }

    [Fact]
    public async Task the_monitors_read_the_amendment_and_the_terms_with_the_limit_and_no_party_s_count_but_their_own()
    {
        await using var demo = await DemoWeek.StartAsync();
        var unmo = await demo.SignInAsync(browser, "unmo", "monitor");
        var card = Amendments(unmo).GetByRole(AriaRole.Listitem, new() { Name = "Amendment am-1 from red" });
        await Expect(card).ToContainTextAsync("Read only: signatories sign amendments.");
        await Expect(Amendments(unmo).GetByRole(AriaRole.Button, new() { Name = "Sign amendment" })).ToHaveCountAsync(0);
        await Expect(Amendments(unmo).GetByRole(AriaRole.Button, new() { Name = "Refuse amendment" })).ToHaveCountAsync(0);

        var terms = unmo.Page.GetByRole(AriaRole.Region, new() { Name = "Terms" });
        var limit = terms.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "red-strike-scale-back" });
        await Expect(limit).ToContainTextAsync("at most 4 a day per party");
        await Expect(limit).Not.ToContainTextAsync("Yours today"); // the limit binds red: its count is red's
        await Expect(terms.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "red-flights-grounded-south" })).ToContainTextAsync("upcoming");

        // A term selected from the list: its details, and the amendment that would change it.
        await terms.GetByRole(AriaRole.Button).Filter(new() { HasText = "red-flights-grounded-south" }).ClickAsync();
        await Expect(unmo.Page.Locator(".details")).ToContainTextAsync("Amendment am-1 would change it");
    }
}
