using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Server.Tests.Export;

/// <summary>
/// GET …/export.kml and …/export.geojson: the caller's picture only, conflicts with hidden zones as their disclosed cells,
/// the listing filters, and GeoJSON that Parley re-imports unchanged.
/// </summary>
public sealed class ExportApiTests : IAsyncLifetime
{
    private static readonly XNamespace Kml = "http://www.opengis.net/kml/2.2";
    private RunningServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await RunningServer.StartAsync();
        using var blue = _server.Client("blue");
        using var red = _server.Client("red");
        await Created(blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Json.Zone("x-blue-secret", "protected", Json.Box(30.0, 30.0, 30.1, 30.1), ""","name":"SecretWardX","visibility":"private" """)), Ct));
        await Created(blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Json.Zone("x-blue-public", "restricted", """{"type":"Point","coordinates":[30.5,30.5]}""", ""","radius_m":1500,"alt_min_m":200,"alt_max_m":900,"name":"Public circle","visibility":"public" """)), Ct));
        await Created(red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(Json.Operation("x-red-strike", "strike", Json.Box(30.05, 30.05, 30.2, 30.2), ""","name":"Red strike" """)), Ct));
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static async Task Created(Task<HttpResponseMessage> send)
    {
        using var response = await send;
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task the_kml_export_of_red_holds_what_red_may_see_and_blues_private_zone_only_as_the_cell_of_reds_conflict()
    {
        using var red = _server.Client("red");
        using var response = await red.GetAsync("/v1/agreements/demo/export.kml?bbox=29.9,29.9,30.6,30.6", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.google-earth.kml+xml", response.Content.Headers.ContentType!.MediaType);
        string text = await response.Content.ReadAsStringAsync(Ct);

        Assert.DoesNotContain("SecretWardX", text, StringComparison.Ordinal);
        Assert.DoesNotContain("x-blue-secret", text, StringComparison.Ordinal);
        var placemarks = XDocument.Parse(text).Descendants(Kml + "Placemark").ToList();
        var names = placemarks.Select(p => p.Element(Kml + "name")!.Value).ToList();
        Assert.Contains("Public circle", names);
        Assert.Contains("Red strike", names);
        var cell = Assert.Single(placemarks, p => p.Element(Kml + "styleUrl")!.Value == "#conflict-cell");
        Assert.Contains("protected zone of blue", cell.Element(Kml + "description")!.Value, StringComparison.Ordinal);

        // The owner sees its zone in full and no cell: nothing of blue's is hidden from blue.
        using var blue = _server.Client("blue");
        string own = await blue.GetStringAsync("/v1/agreements/demo/export.kml?bbox=29.9,29.9,30.6,30.6", Ct);
        Assert.Contains("SecretWardX", own, StringComparison.Ordinal);
        Assert.DoesNotContain("conflict-cell</styleUrl>", own, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_geojson_export_re_imports_unchanged_and_its_conflict_cells_say_only_owner_kind_handle_and_area()
    {
        using var red = _server.Client("red");
        string text = await red.GetStringAsync("/v1/agreements/demo/export.geojson", Ct);
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        Assert.DoesNotContain("SecretWardX", text, StringComparison.Ordinal);
        Assert.DoesNotContain("30.1,", text, StringComparison.Ordinal);

        // Every feature reads back, with Parley's own reader, to the very zone or operation the server holds.
        var agreement = _server.App.Services.GetRequiredService<Parley.Server.Theaters.TheaterRegistry>().Find(new AgreementId("demo"))!;
        var features = root.GetProperty("features").EnumerateArray().ToList();
        var zones = features.Where(f => !f.GetProperty("properties").TryGetProperty("state", out _)).ToList();
        var operations = features.Except(zones).ToList();
        var readZones = FeatureReader.ReadZones(Collection(zones), agreement);
        var readOperations = FeatureReader.ReadOperations(Collection(operations), agreement);
        Assert.Equal(zones.Select(z => z.GetRawText()), readZones.Select(FeatureWriter.ToJson));
        // An operation is read as proposed: with the state the export gives it, it is written back byte for byte.
        Assert.Equal(operations.Select(o => o.GetRawText()), readOperations.Select((o, i) =>
            FeatureWriter.ToJson(o with { State = OperationStates.Parse(operations[i].GetProperty("properties").GetProperty("state").GetString()!) })));

        using var blue = _server.Client("blue");
        string listed = await blue.GetStringAsync("/v1/agreements/demo/zones", Ct);
        string exported = await blue.GetStringAsync("/v1/agreements/demo/export.geojson?include=zones", Ct);
        Assert.Equal(
            JsonDocument.Parse(listed).RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetRawText()),
            JsonDocument.Parse(exported).RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetRawText()));

        var cell = Assert.Single(root.GetProperty("conflict_cells").EnumerateArray(), c => c.GetProperty("operation").GetString() == "x-red-strike" && c.GetProperty("owner").GetString() == "blue" && c.GetProperty("kind").GetString() == "protected");
        Assert.StartsWith("h-", cell.GetProperty("handle").GetString(), StringComparison.Ordinal);
        Assert.Equal(["operation", "type", "owner", "kind", "handle", "area"], cell.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task exported_zones_are_declared_again_unchanged_on_another_server()
    {
        using var blue = _server.Client("blue");
        string exported = await blue.GetStringAsync("/v1/agreements/demo/export.geojson?include=zones&owner=blue", Ct);
        await using var other = await RunningServer.StartAsync();
        using var otherBlue = other.Client("blue");
        // The demo's own zones exist there already: declare only those that do not.
        var existing = JsonDocument.Parse(await otherBlue.GetStringAsync("/v1/agreements/demo/zones", Ct)).RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()).ToHashSet();
        var fresh = JsonDocument.Parse(exported).RootElement.GetProperty("features").EnumerateArray().Where(f => !existing.Contains(f.GetProperty("id").GetString())).Select(f => f.GetRawText()).ToList();
        Assert.Equal(2, fresh.Count);
        using var again = await otherBlue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson($$"""{"type":"FeatureCollection","features":[{{string.Join(',', fresh)}}]}"""), Ct);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        string mine = await otherBlue.GetStringAsync("/v1/agreements/demo/export.geojson?include=zones&owner=blue", Ct);
        Assert.Equal(
            JsonDocument.Parse(exported).RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetRawText()),
            JsonDocument.Parse(mine).RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetRawText()));
    }

    [Fact]
    public async Task the_filters_select_by_area_time_kind_owner_and_state()
    {
        using var red = _server.Client("red");
        async Task<List<string>> Ids(string query) =>
            [.. JsonDocument.Parse(await red.GetStringAsync("/v1/agreements/demo/export.geojson?" + query, Ct)).RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!)];

        Assert.Equal(["x-blue-public", "x-red-strike"], await Ids("bbox=30.0,30.0,30.6,30.6"));
        Assert.Equal(["x-blue-public"], await Ids("bbox=30.4,30.4,30.6,30.6"));
        Assert.Equal(["x-red-strike"], await Ids("bbox=29,29,31,31&kind=strike"));
        Assert.Equal(["x-blue-public"], await Ids("bbox=29,29,31,31&owner=blue"));
        Assert.Equal(["x-red-strike"], await Ids("bbox=29,29,31,31&state=awaiting-concurrence"));
        Assert.Equal(["x-blue-public"], await Ids("bbox=29,29,31,31&start=2027-01-01T00:00:00Z"));
        Assert.Equal(["x-blue-public", "x-red-strike"], await Ids("bbox=29,29,31,31&start=2026-12-01T09:00:00Z&end=2026-12-01T10:00:00Z"));
        Assert.Empty(await Ids("bbox=29,29,31,31&include=conflicts"));
    }

    [Theory]
    [InlineData("bbox=30,30,29,31", "bbox")]
    [InlineData("bbox=1,2,3", "bbox")]
    [InlineData("start=yesterday", "start")]
    [InlineData("start=2026-12-02T00:00:00Z&end=2026-12-01T00:00:00Z", "end")]
    [InlineData("state=flying", "state")]
    [InlineData("include=everything", "include")]
    public async Task a_bad_filter_is_refused_with_a_problem_naming_the_parameter(string query, string field)
    {
        using var red = _server.Client("red");
        foreach (var route in new[] { "export.kml", "export.geojson" })
        {
            using var response = await red.GetAsync($"/v1/agreements/demo/{route}?{query}", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Equal(field, problem.GetProperty("errors")[0].GetProperty("field").GetString());
        }
    }

    private static JsonElement Collection(IEnumerable<JsonElement> features) =>
        JsonDocument.Parse($$"""{"type":"FeatureCollection","features":[{{string.Join(',', features.Select(f => f.GetRawText()))}}]}""").RootElement;
}
