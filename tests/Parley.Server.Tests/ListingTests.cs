using System.Globalization;
using System.Net;
using System.Text.Json;
using CsCheck;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Server.Api;

namespace Parley.Server.Tests;

/// <summary>Zone and operation listings: filters by box, time window, kind, owner and state, and paging by cursor.</summary>
public sealed class ListingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> GetAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
    }

    private static string[] Ids(JsonElement page) => [.. page.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!)];

    [Fact]
    public async Task pages_follow_each_other_in_id_order_and_together_are_the_whole_listing()
    {
        await using var server = await RunningServer.StartAsync();
        using var blue = server.Client("blue");
        var features = string.Join(',', Enumerable.Range(0, 23).Select(i =>
            Json.Zone($"blue-list-{i:D2}", "protected", Json.Box(20 + (i * 0.01), 40, 20.005 + (i * 0.01), 40.005), ""","visibility":"public" """)));
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones",
            RunningServer.GeoJson($$"""{"type":"FeatureCollection","features":[{{features}}]}"""), Ct)).StatusCode);

        var whole = Ids(await GetAsync(blue, "/v1/agreements/demo/zones"));
        Assert.Equal(whole.Order(StringComparer.Ordinal), whole);
        var paged = new List<string>();
        string? cursor = null;
        int pages = 0;
        do
        {
            var page = await GetAsync(blue, "/v1/agreements/demo/zones?limit=7" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.True(Ids(page).Length <= 7);
            paged.AddRange(Ids(page));
            cursor = page.TryGetProperty("next", out var next) ? next.GetString() : null;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(whole, paged);
        Assert.Equal((whole.Length + 6) / 7, pages);
    }

    [Fact]
    public async Task the_filters_keep_what_meets_the_box_the_window_the_kinds_the_owners_and_the_states()
    {
        await using var server = await RunningServer.StartAsync();
        using var red = server.Client("red");

        // The demo: red sees its own zones, the public ones and red-water-plant; blue's private hospital never.
        var north = Ids(await GetAsync(red, "/v1/agreements/demo/zones?bbox=9.38,42.38,9.62,42.50"));
        Assert.Equal(["red-airspace-north"], north);
        var aroundHospital = Ids(await GetAsync(red, "/v1/agreements/demo/zones?bbox=9.14,42.14,9.16,42.16"));
        Assert.DoesNotContain("blue-hospital-1", aroundHospital);
        var ownRestricted = Ids(await GetAsync(red, "/v1/agreements/demo/zones?kind=restricted&owner=red"));
        Assert.Equal(["red-airspace-calvi", "red-airspace-north", "red-port-bastia"], ownRestricted);

        // A convoy corridor that exists from 06:00 to 18:00 on 1 December only.
        var convoyDay = Ids(await GetAsync(red, "/v1/agreements/demo/zones?owner=aid&start=2026-12-01T10:00:00Z&end=2026-12-01T11:00:00Z"));
        var nextDay = Ids(await GetAsync(red, "/v1/agreements/demo/zones?owner=aid&start=2026-12-02T10:00:00Z&end=2026-12-02T11:00:00Z"));
        Assert.Contains("aid-convoy-7", convoyDay);
        Assert.DoesNotContain("aid-convoy-7", nextDay);

        // Across the antimeridian: west beyond east is two boxes, and both are read.
        using var blue = server.Client("blue");
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(
            Json.Zone("blue-dateline", "protected", Json.Box(179.5, -17, 179.9, -16.5), ""","visibility":"public" """)), Ct)).StatusCode);
        Assert.Equal(["blue-dateline"], Ids(await GetAsync(red, "/v1/agreements/demo/zones?bbox=179,-18,-179,-16")));

        var states = await GetAsync(red, "/v1/agreements/demo/operations?state=active,completed");
        Assert.All(states.GetProperty("features").EnumerateArray(),
            f => Assert.Contains(f.GetProperty("properties").GetProperty("state").GetString(), new[] { "active", "completed" }));
        Assert.Equal(["blue-recon-5", "red-patrol-4"], Ids(states));
        Assert.Equal(["red-patrol-4"], Ids(await GetAsync(red, "/v1/agreements/demo/operations?state=completed&kind=flight&owner=red")));
    }

    [Theory]
    [InlineData("zones?bbox=1,2,3", "bbox")]
    [InlineData("zones?bbox=1,2,3,x", "bbox")]
    [InlineData("zones?bbox=-190,0,10,10", "bbox")]
    [InlineData("zones?bbox=0,10,10,5", "bbox")]
    [InlineData("zones?start=yesterday", "start")]
    [InlineData("zones?start=2026-12-01T10:00:00Z&end=2026-12-01T09:00:00Z", "end")]
    [InlineData("zones?kind=castle", "kind")]
    [InlineData("zones?owner=blue,,red", "owner")]
    [InlineData("zones?limit=0", "limit")]
    [InlineData("zones?limit=10001", "limit")]
    [InlineData("zones?cursor=!!", "cursor")]
    [InlineData("operations?state=flying", "state")]
    [InlineData("operations?end=12:00", "end")]
    public async Task a_bad_query_parameter_gets_a_problem_naming_it(string query, string field)
    {
        await using var server = await RunningServer.StartAsync();
        using var red = server.Client("red");
        var problem = await Problem.AssertAsync(await red.GetAsync("/v1/agreements/demo/" + query, Ct), 400);
        Assert.Equal(field, Problem.FirstField(problem));
    }

    private static string Day(int days) => FeatureWriter.Time(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).AddDays(days));

    /// <summary>A page is the first ids of a sorted list, whatever order the candidates come in; its cursor resumes after it.</summary>
    [Fact]
    public void a_page_is_the_smallest_ids_in_order_and_its_cursor_names_the_last()
    {
        Gen.String[Gen.Char['a', 'e'], 1, 4].HashSet[0, 60].Select(Gen.Int[1, 70]).Sample((ids, limit) =>
        {
            var (page, next) = Listing.Page(ids, id => id, limit);
            var expected = ids.Order(StringComparer.Ordinal).Take(limit).ToList();
            Assert.Equal(expected, page);
            Assert.Equal(ids.Count > limit ? Listing.Cursor(expected[^1]) : null, next);
        });
    }

    /// <summary>
    /// The box, window, kind and owner filters through the index against a brute-force model: random box zones on a
    /// grid of 0.001°, random query boxes whose edges fall between grid lines (so that nothing merely touches).
    /// </summary>
    [Fact]
    public void the_indexed_zone_listing_matches_a_brute_force_filter()
    {
        var agreement = Agreement.Default("p");
        var genZone = Gen.Select(Gen.Int[0, 900], Gen.Int[0, 900], Gen.Int[1, 60], Gen.Int[1, 60], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 20], Gen.Int[1, 10]);
        var genQuery = Gen.Select(Gen.Int[0, 950], Gen.Int[0, 950], Gen.Int[1, 400], Gen.Int[1, 400], Gen.Int[0, 30], Gen.Int[1, 12], Gen.Int[0, 3]);
        Gen.Select(genZone.Array[0, 40], genQuery).Sample((zones, query) =>
        {
            var theater = new Theater(agreement);
            var boxes = new Dictionary<string, (double W, double S, double E, double N, string Kind, string Owner, int Start, int End)>();
            for (int i = 0; i < zones.Length; i++)
            {
                var (x, y, w, h, kind, owner, start, length) = zones[i];
                string id = $"z{i:D2}", kindName = new[] { "protected", "restricted", "designated" }[kind], ownerName = new[] { "blue", "red", "aid" }[owner];
                double west = 10 + (x * 0.001), south = 45 + (y * 0.001), east = west + (w * 0.001), north = south + (h * 0.001);
                string json = Json.Feature(id, Json.Box(west, south, east, north), string.Create(CultureInfo.InvariantCulture,
                    $$"""{"kind":"{{kindName}}","owner":"{{ownerName}}","visibility":"public","start":"{{Day(start)}}","end":"{{Day(start + length)}}"}"""));
                using var doc = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(json));
                theater.Upsert(FeatureReader.ReadZones(doc.RootElement, agreement, new PartyId(ownerName))[0]);
                boxes[id] = (west, south, east, north, kindName, ownerName, start, start + length);
            }

            var (qx, qy, qw, qh, day, days, ownerFilter) = query;
            double qWest = 10 + (qx * 0.001) + 0.0005, qSouth = 45 + (qy * 0.001) + 0.0005, qEast = qWest + (qw * 0.001), qNorth = qSouth + (qh * 0.001);
            var filter = Listing.Parse(new ZoneListQuery
            {
                Bbox = string.Create(CultureInfo.InvariantCulture, $"{qWest},{qSouth},{qEast},{qNorth}"),
                Start = Day(day),
                End = Day(day + days),
                Kind = "protected,restricted",
                Owner = ownerFilter == 3 ? null : new[] { "blue", "red", "aid" }[ownerFilter],
                Limit = "10000",
            });
            var (page, next) = Listing.Zones(theater, new PartyId("blue"), filter);
            var expected = boxes.Where(b => b.Value.W < qEast && b.Value.E > qWest && b.Value.S < qNorth && b.Value.N > qSouth &&
                    b.Value.Start < day + days && b.Value.End > day && b.Value.Kind != "designated" &&
                    (ownerFilter == 3 || b.Value.Owner == new[] { "blue", "red", "aid" }[ownerFilter]))
                .Select(b => b.Key).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, page.Select(z => z.Id.Value));
            Assert.Null(next);
        }, iter: 300);
    }
}
