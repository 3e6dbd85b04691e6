using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Server.Security;
using Parley.Server.Theaters;

namespace Parley.Server.Tests;

/// <summary>
/// Probing is bounded and visible: hidden zones are answered on disclosure cells, each party has a budget of
/// touching checks and submissions (429 past it), owners see who touched their zones and get an alert when a
/// pattern looks like mapping.
/// </summary>
public sealed class ProbingTests
{
    private const double Resolution = 10_000;
    private static readonly DisclosureGrid Grid = new(Resolution);
    private static readonly GridCell Cell = Grid.CellAt(9.15, 42.15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A point at fractions (fx, fy) of the cell's width and height from its south-west corner.</summary>
    private static (double Lon, double Lat) Inside(double fx, double fy) =>
        (Grid.West(Cell.Row, Cell.Column) + (fx * (Grid.East(Cell.Row, Cell.Column) - Grid.West(Cell.Row, Cell.Column))),
         Grid.South(Cell.Row) + (fy * (Grid.North(Cell.Row) - Grid.South(Cell.Row))));

    private static string AgreementText(string id, string extra = "") =>
        $$"""{"id":"{{id}}","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"},{"id":"un","role":"observer"}]{{extra}}}""";

    private static string Point(double lon, double lat) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"type":"Point","coordinates":[{{lon:R}},{{lat:R}}]}""");

    private static string Box(double west, double south, double east, double north) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"type":"Polygon","coordinates":[[[{{west:R}},{{south:R}}],[{{east:R}},{{south:R}}],[{{east:R}},{{north:R}}],[{{west:R}},{{north:R}}],[{{west:R}},{{south:R}}]]]}""");

    private static string SmallStrike(string id, (double Lon, double Lat) at, double radius = 100) =>
        Json.Operation(id, "strike", Point(at.Lon, at.Lat), string.Create(CultureInfo.InvariantCulture, $",\"radius_m\":{radius}"));

    private static async Task DeclareAsync(RunningServer server, string agreement, string id, (double Lon, double Lat) at, string visibility = "private")
    {
        using var red = server.Client("red", agreement: agreement);
        var zone = Json.Zone(id, "protected", Point(at.Lon, at.Lat), $",\"radius_m\":200,\"visibility\":\"{visibility}\",\"name\":\"Command post {id}\"");
        var response = await red.PostAsync($"/v1/agreements/{agreement}/zones", RunningServer.GeoJson(zone), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static Task<HttpResponseMessage> CheckAsync(HttpClient client, string agreement, string feature) =>
        client.PostAsync($"/v1/agreements/{agreement}/check", RunningServer.GeoJson(feature), Ct);

    private static Task<HttpResponseMessage> SubmitAsync(HttpClient client, string agreement, string feature) =>
        client.PostAsync($"/v1/agreements/{agreement}/operations", RunningServer.GeoJson(feature), Ct);

    /// <summary>
    /// Gives <paramref name="party"/> a known event: its own flight far from everything, whose acceptance is an
    /// <c>operation.state</c> event. A stream that shows it has shown everything committed before it.
    /// </summary>
    private static async Task MarkAsync(RunningServer server, string party, string id)
    {
        // Each marker a degree from the last, so that markers do not conflict with one another.
        double west = -60 + Interlocked.Increment(ref _markers);
        using var client = server.Client(party, agreement: "pact");
        Assert.Equal(0, await ConflictCountAsync(await SubmitAsync(client, "pact", Json.Operation(id, "flight", Box(west, -60, west + 0.01, -59.99)))));
    }

    private static int _markers;

    private static async Task<int> ConflictCountAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return body.GetProperty("conflicts").GetArrayLength();
    }

    /// <summary>
    /// A naive, adaptive adversary: it takes every answer as exact. It first bisects the four edges of the zone
    /// with strips checked against a search area three cells wide, then narrows down with small strike
    /// operations over quadrants, submitted and checked in turn, until the budget answers 429.
    /// </summary>
    private sealed class Adversary(HttpClient client, string agreement, (double Lon, double Lat) zone, (double Lon, double Lat) twin)
    {
        private int _next;

        public List<string> Transcript { get; } = [];

        public int Calls { get; private set; }

        public List<(double Lon, double Lat)> Estimates { get; } = [];

        public (double Lon, double Lat) Estimate => Estimates[^1];

        /// <summary>True when the answer conflicts with a zone of red, false when not, null when refused (429).</summary>
        private async Task<bool?> AskAsync(string geometry, bool submit)
        {
            string id = $"probe-{++_next}";
            var feature = Json.Operation(id, "strike", geometry);
            var response = await client.PostAsync($"/v1/agreements/{agreement}/{(submit ? "operations" : "check")}", RunningServer.GeoJson(feature), Ct);
            Calls++;
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter?.Delta);
                Transcript.Add($"{id} 429");
                return null;
            }

            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.True(response.IsSuccessStatusCode, body.ToString());
            var conflicts = body.GetProperty("conflicts");
            string state = submit ? body.GetProperty("state").GetString()! : "-";
            Transcript.Add($"{id} {(int)response.StatusCode} {state} {conflicts.GetRawText()}");
            return conflicts.EnumerateArray().Any(c => c.GetProperty("owner").GetString() == "red");
        }

        public async Task RunAsync((double West, double South, double East, double North) search)
        {
            var (w, s, e, n) = search;
            Estimates.Add(((w + e) / 2, (s + n) / 2));
            if (await AskAsync(Box(w, s, e, n), submit: false) is not true)
            {
                return;
            }

            // Edges by bisection: the smallest east edge of [w, x] that still conflicts, and so on.
            const double Precision = 0.001; // about 100 m
            double? west = await BisectAsync(w, e, x => Box(w, s, x, n), conflictAbove: true, Precision);
            double? east = west is null ? null : await BisectAsync(w, e, x => Box(x, s, e, n), conflictAbove: false, Precision);
            double? south = east is null ? null : await BisectAsync(s, n, y => Box(w, s, e, y), conflictAbove: true, Precision);
            double? north = south is null ? null : await BisectAsync(s, n, y => Box(w, y, e, n), conflictAbove: false, Precision);
            if (north is null)
            {
                return;
            }

            // Quadrants with small operations: keep the first that conflicts, until refused.
            var region = (West: west!.Value, South: south!.Value, East: east!.Value, North: north.Value);
            Estimates.Add(Centre(region));
            for (int round = 0; ; round++)
            {
                double midX = (region.West + region.East) / 2, midY = (region.South + region.North) / 2;
                var quadrants = new[]
                {
                    (region.West, region.South, midX, midY), (midX, region.South, region.East, midY),
                    (region.West, midY, midX, region.North), (midX, midY, region.East, region.North),
                };
                bool found = false;
                foreach (var q in quadrants)
                {
                    var answer = await AskAsync(Box(q.Item1, q.Item2, q.Item3, q.Item4), submit: round % 2 == 0);
                    if (answer is null)
                    {
                        return;
                    }

                    if (answer.Value)
                    {
                        region = q;
                        Estimates.Add(Centre(region));
                        found = true;
                        break;
                    }
                }

                if (!found || round > 200)
                {
                    return;
                }
            }
        }

        private async Task<double?> BisectAsync(double lo, double hi, Func<double, string> probe, bool conflictAbove, double precision)
        {
            while (hi - lo > precision)
            {
                double mid = (lo + hi) / 2;
                var answer = await AskAsync(probe(mid), submit: false);
                if (answer is null)
                {
                    return null;
                }

                if (answer.Value == conflictAbove)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid;
                }
            }

            return conflictAbove ? hi : lo;
        }

        private static (double, double) Centre((double West, double South, double East, double North) r) => ((r.West + r.East) / 2, (r.South + r.North) / 2);

        public double ErrorTo((double Lon, double Lat) at, (double Lon, double Lat) estimate) => Geodesy.Distance(estimate.Lon, estimate.Lat, at.Lon, at.Lat);

        public double BestError((double Lon, double Lat) at) => Estimates.Min(e => ErrorTo(at, e));

        public (double Lon, double Lat) Zone => zone;

        public (double Lon, double Lat) Twin => twin;
    }

    [Fact]
    public async Task an_adversary_spending_its_whole_default_budget_cannot_tell_a_private_zone_from_its_twin_half_a_cell_away()
    {
        // The zone and its twin: 200 m circles in the same disclosure cell, far from its edges, about 6 km apart.
        var zone = Inside(0.3, 0.6);
        var twin = Inside(0.75, 0.2);
        double apart = Geodesy.Distance(zone.Lon, zone.Lat, twin.Lon, twin.Lat);
        Assert.True(apart >= Resolution / 2, $"the twin is only {apart:F0} m away");
        Assert.Equal([Cell], Grid.Cover(Shape.Circle(zone.Lon, zone.Lat, 200)));
        Assert.Equal([Cell], Grid.Cover(Shape.Circle(twin.Lon, twin.Lat, 200)));

        await using var server = await RunningServer.StartAsync(demo: false, agreements: [AgreementText("twin-a"), AgreementText("twin-b")]);
        await DeclareAsync(server, "twin-a", "red-post", zone);
        await DeclareAsync(server, "twin-b", "red-post", twin);

        // The adversary knows the zone lies somewhere in a search area three cells across.
        double width = Grid.East(Cell.Row, Cell.Column) - Grid.West(Cell.Row, Cell.Column), height = Grid.North(Cell.Row) - Grid.South(Cell.Row);
        var search = (Grid.West(Cell.Row, Cell.Column) - (0.9 * width), Grid.South(Cell.Row) - (0.7 * height),
                      Grid.East(Cell.Row, Cell.Column) + (1.1 * width), Grid.North(Cell.Row) + (1.3 * height));

        var runs = new List<Adversary>();
        foreach (var (agreement, real, other) in new[] { ("twin-a", zone, twin), ("twin-b", twin, zone) })
        {
            using var blue = server.Client("blue", agreement: agreement);
            var adversary = new Adversary(blue, agreement, real, other);
            await adversary.RunAsync(search);
            runs.Add(adversary);
        }

        var (a, b) = (runs[0], runs[1]);
        Assert.EndsWith(" 429", a.Transcript[^1], StringComparison.Ordinal);
        Assert.Equal(a.Transcript, b.Transcript);
        Assert.Equal(a.Estimates, b.Estimates);

        // The same estimates for two positions half a cell apart: at every step, one of them is a quarter of a cell off.
        foreach (var estimate in a.Estimates)
        {
            Assert.True(Math.Max(a.ErrorTo(zone, estimate), a.ErrorTo(twin, estimate)) >= Resolution / 4);
        }

        double finalZone = a.ErrorTo(zone, a.Estimate), finalTwin = a.ErrorTo(twin, a.Estimate);
        Assert.True(Math.Max(finalZone, finalTwin) >= Resolution / 4);
        Assert.True(Math.Max(a.BestError(zone), a.BestError(twin)) >= Resolution / 4);

        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"adversary: {a.Calls} calls until 429 (default budget 30 per hour, 200 per day), {a.Transcript.Count(t => t.Contains("\"handle\"", StringComparison.Ordinal))} answers touching the zone"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"final estimate error: {finalZone:F0} m for the zone, {finalTwin:F0} m for its twin {apart:F0} m away (identical transcripts)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"best error reached along the way: {a.BestError(zone):F0} m for the zone, {b.BestError(b.Zone):F0} m for the twin; disclosure resolution {Resolution:F0} m"));
    }

    [Fact]
    public async Task past_the_budget_every_check_and_submission_gets_429_with_retry_after_until_a_request_leaves_the_window()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await RunningServer.StartAsync(demo: false, time: clock,
            agreements: [AgreementText("small", ",\"probing_budget\":{\"per_hour\":3,\"per_day\":4}")]);
        await DeclareAsync(server, "small", "red-post", Inside(0.3, 0.6));
        using var blue = server.Client("blue", agreement: "small");
        var near = Inside(0.7, 0.3);
        var far = (Lon: 20.0, Lat: 10.0);

        // Answers that touch no hidden zone are free.
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(0, await ConflictCountAsync(await CheckAsync(blue, "small", SmallStrike($"far-{i}", far))));
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1, await ConflictCountAsync(await CheckAsync(blue, "small", SmallStrike($"near-{i}", near))));
            if (i < 2)
            {
                clock.Advance(TimeSpan.FromMinutes(1));
            }
        }

        var refused = await CheckAsync(blue, "small", SmallStrike("near-3", near));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromMinutes(58), refused.Headers.RetryAfter?.Delta);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.EndsWith("/probing-budget", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(429, problem.GetProperty("status").GetInt32());

        // Every check and submission, touching or not, is refused before it is evaluated, and nothing is stored.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CheckAsync(blue, "small", SmallStrike("far-9", far))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SubmitAsync(blue, "small", SmallStrike("far-op", far))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await blue.GetAsync("/v1/agreements/small/operations/far-op", Ct)).StatusCode);

        // Another party's budget is its own.
        using var aid = server.Client("aid", agreement: "small");
        Assert.Equal(1, await ConflictCountAsync(await CheckAsync(aid, "small", SmallStrike("aid-1", near))));

        // When the oldest request leaves the hour, one more is allowed; then the day's budget binds.
        clock.Advance(TimeSpan.FromMinutes(58));
        var submitted = await SubmitAsync(blue, "small", SmallStrike("near-op", near));
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        Assert.Equal(1, await ConflictCountAsync(submitted));
        var daily = await CheckAsync(blue, "small", SmallStrike("near-4", near));
        Assert.Equal(HttpStatusCode.TooManyRequests, daily.StatusCode);
        Assert.Equal(TimeSpan.FromHours(23), daily.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task concurrent_touching_requests_cannot_overshoot_the_budget()
    {
        await using var server = await RunningServer.StartAsync(demo: false,
            agreements: [AgreementText("small", ",\"probing_budget\":{\"per_hour\":3,\"per_day\":10}")]);
        await DeclareAsync(server, "small", "red-post", Inside(0.3, 0.6));
        using var blue = server.Client("blue", agreement: "small");
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => i % 2 == 0
            ? CheckAsync(blue, "small", SmallStrike($"c{i}", Inside(0.05 + (0.07 * i), 0.3)))
            : SubmitAsync(blue, "small", SmallStrike($"s{i}", Inside(0.05 + (0.07 * i), 0.3)))));
        Assert.Equal(3, responses.Count(r => r.IsSuccessStatusCode));
        Assert.Equal(9, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));

        using var red = server.Client("red", agreement: "small");
        var report = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/small/probing", Ct);
        Assert.Equal(3, Assert.Single(report.GetProperty("requesters").EnumerateArray()).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task the_budget_survives_a_restart()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-probing-" + Guid.NewGuid().ToString("N"));
        try
        {
            var agreements = new[] { AgreementText("small", ",\"probing_budget\":{\"per_hour\":2,\"per_day\":10}") };
            await using (var first = await RunningServer.StartAsync(data, demo: false, agreements: agreements))
            {
                await DeclareAsync(first, "small", "red-post", Inside(0.3, 0.6));
                using var blue = first.Client("blue", agreement: "small");
                Assert.Equal(1, await ConflictCountAsync(await CheckAsync(blue, "small", SmallStrike("c1", Inside(0.7, 0.3)))));
                Assert.Equal(1, await ConflictCountAsync(await SubmitAsync(blue, "small", SmallStrike("s1", Inside(0.7, 0.3)))));
            }

            await using var second = await RunningServer.StartAsync(data, demo: false, agreements: agreements);
            using var blueAgain = second.Client("blue", agreement: "small");
            Assert.Equal(HttpStatusCode.TooManyRequests, (await CheckAsync(blueAgain, "small", SmallStrike("c2", Inside(0.7, 0.3)))).StatusCode);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task the_owner_sees_per_requester_how_often_its_hidden_zones_were_touched_and_nobody_else_sees_it()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await RunningServer.StartAsync(demo: false, time: clock, agreements: [AgreementText("pact")]);
        await DeclareAsync(server, "pact", "red-post", Inside(0.3, 0.6));
        await DeclareAsync(server, "pact", "red-depot", Inside(0.3, 0.2), visibility: "public");
        var start = clock.GetUtcNow();
        using var blue = server.Client("blue", agreement: "pact");
        using var aid = server.Client("aid", agreement: "pact");

        // Blue touches the private post three times (one of them a submission), two days apart for the first;
        // it also strikes the public depot, which it may see: that is no touch.
        Assert.Equal(1, await ConflictCountAsync(await CheckAsync(blue, "pact", SmallStrike("b1", Inside(0.7, 0.7)))));
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await ConflictCountAsync(await SubmitAsync(blue, "pact", SmallStrike("b2", Inside(0.7, 0.7)))));
        clock.Advance(TimeSpan.FromMinutes(90));
        Assert.Equal(2, await ConflictCountAsync(await CheckAsync(blue, "pact", SmallStrike("b3", Inside(0.3, 0.2)))));
        // A ground movement: no separation from blue's submitted strike to count beside the zone.
        var movement = Json.Operation("a1", "ground-movement", Point(Inside(0.5, 0.5).Lon, Inside(0.5, 0.5).Lat), ",\"radius_m\":100");
        Assert.Equal(1, await ConflictCountAsync(await CheckAsync(aid, "pact", movement)));

        using var red = server.Client("red", agreement: "pact");
        var report = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/probing", Ct);
        Assert.Equal("red", report.GetProperty("party").GetString());
        var requesters = report.GetProperty("requesters").EnumerateArray().ToList();
        Assert.Equal(["aid", "blue"], requesters.Select(r => r.GetProperty("party").GetString()));
        var b = requesters[1];
        Assert.Equal(1, b.GetProperty("last_hour").GetInt64());
        Assert.Equal(2, b.GetProperty("last_day").GetInt64());
        Assert.Equal(3, b.GetProperty("total").GetInt64());
        Assert.Equal(start, DateTimeOffset.Parse(b.GetProperty("first").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(clock.GetUtcNow(), DateTimeOffset.Parse(b.GetProperty("last").GetString()!, CultureInfo.InvariantCulture));
        var zones = Assert.Single(b.GetProperty("zones").EnumerateArray());
        Assert.Equal(("red-post", 3L), (zones.GetProperty("zone").GetString(), zones.GetProperty("count").GetInt64()));
        Assert.DoesNotContain("b1", report.GetRawText(), StringComparison.Ordinal); // nothing of the requesters' operations

        // A monitor of the owner reads the same; other parties get an empty report; approvers are refused.
        using var redMonitor = server.Client("red", Roles.Monitor, agreement: "pact");
        Assert.Equal(2, (await redMonitor.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/probing", Ct)).GetProperty("requesters").GetArrayLength());
        foreach (var (party, role) in new[] { ("blue", Roles.Operator), ("aid", Roles.Monitor), ("un", Roles.Monitor) })
        {
            using var other = server.Client(party, role, agreement: "pact");
            var theirs = await other.GetFromJsonAsync<JsonElement>("/v1/agreements/pact/probing", Ct);
            Assert.Equal(0, theirs.GetProperty("requesters").GetArrayLength());
        }

        using var approver = server.Client("red", Roles.Approver, agreement: "pact");
        Assert.Equal(HttpStatusCode.Forbidden, (await approver.GetAsync("/v1/agreements/pact/probing", Ct)).StatusCode);
    }

    [Fact]
    public async Task five_small_operations_around_one_zone_raise_one_probing_suspected_event_on_the_owners_stream_only()
    {
        await using var server = await RunningServer.StartAsync(demo: false, agreements: [AgreementText("pact")]);
        await DeclareAsync(server, "pact", "red-post", Inside(0.3, 0.6));
        await using var red = await EventStream.OpenAsync(server, "red", "pact");
        await using var blueStream = await EventStream.OpenAsync(server, "blue", "pact");
        await using var aidStream = await EventStream.OpenAsync(server, "aid", "pact");

        using var blue = server.Client("blue", agreement: "pact");
        Assert.Equal(1, await ConflictCountAsync(await CheckAsync(blue, "pact", Json.Operation("large", "strike", Box(9.0, 42.0, 9.3, 42.3)))));
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(1, await ConflictCountAsync(await CheckAsync(blue, "pact", SmallStrike($"s{i}", Inside(0.1 + (0.2 * i), 0.5)))));
            Assert.Equal(1, await ConflictCountAsync(await CheckAsync(blue, "pact", SmallStrike($"again-{i}", Inside(0.1 + (0.2 * i), 0.5))))); // the same question again
        }

        // Four distinct small ones, one large: not yet. Everything committed so far is before red's marker.
        await MarkAsync(server, "red", "mark-1");
        Assert.DoesNotContain(await red.UntilMarkAsync("mark-1"), e => e.Type == "probing.suspected");
        Assert.Equal(1, await ConflictCountAsync(await SubmitAsync(blue, "pact", SmallStrike("s4", Inside(0.9, 0.5)))));

        // The submission also asks red to concur (request.opened); the alert is what matters here.
        var alert = await red.NextAlertAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(alert);
        Assert.Equal("probing.suspected", alert.Type);
        Assert.Equal("blue", alert.Data.GetProperty("requester").GetString());
        Assert.Equal("red-post", alert.Data.GetProperty("zone").GetString());
        Assert.Equal(5, alert.Data.GetProperty("count").GetInt32());
        Assert.Equal(60, alert.Data.GetProperty("window_minutes").GetInt32());
        Assert.True(alert.Data.TryGetProperty("from", out _) && alert.Data.TryGetProperty("to", out _));
        Assert.DoesNotContain("coordinates", alert.Data.GetRawText(), StringComparison.Ordinal);

        // At most one per requester and zone per hour.
        Assert.Equal(1, await ConflictCountAsync(await CheckAsync(blue, "pact", SmallStrike("s5", Inside(0.5, 0.9)))));
        foreach (var (party, stream) in new[] { ("red", red), ("blue", blueStream), ("aid", aidStream) })
        {
            await MarkAsync(server, party, $"mark-{party}");
            Assert.DoesNotContain(await stream.UntilMarkAsync($"mark-{party}"), e => e.Type == "probing.suspected");
        }

        Assert.Single(await server.App.Services.GetRequiredService<IEventStore>().ReadEventsAsync(new AgreementId("pact"), null, 0, 100, Ct), e => e.Type == "probing.suspected");
    }

    [Fact]
    public async Task an_event_stream_resumes_after_last_event_id_without_loss_or_duplication()
    {
        await using var server = await RunningServer.StartAsync(demo: false, agreements: [AgreementText("pact")]);
        using var blue = server.Client("blue", agreement: "pact");
        var cells = new[] { (9.15, 42.15), (9.55, 42.55), (9.95, 42.95) };
        async Task ProvokeAsync(int n)
        {
            var cell = Grid.CellAt(cells[n].Item1, cells[n].Item2);
            (double, double) At(double fx, double fy) =>
                (Grid.West(cell.Row, cell.Column) + (fx * (Grid.East(cell.Row, cell.Column) - Grid.West(cell.Row, cell.Column))),
                 Grid.South(cell.Row) + (fy * (Grid.North(cell.Row) - Grid.South(cell.Row))));
            await DeclareAsync(server, "pact", $"red-post-{n}", At(0.5, 0.5));
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(1, await ConflictCountAsync(await CheckAsync(blue, "pact", SmallStrike($"p{n}-{i}", At(0.1 + (0.2 * i), 0.2)))));
            }
        }

        // Red's events: 1 and 2 the alerts, 3 its marker. A stream that shows the marker has shown everything before it.
        await ProvokeAsync(0);
        await ProvokeAsync(1);
        await MarkAsync(server, "red", "mark-1");

        await using (var all = await EventStream.OpenAsync(server, "red", "pact"))
        {
            Assert.Equal([1L, 2L], (await all.UntilMarkAsync("mark-1")).Select(e => e.Id));
        }

        await using (var resumed = await EventStream.OpenAsync(server, "red", "pact", lastEventId: "1"))
        {
            var before = await resumed.UntilMarkAsync("mark-1");
            var second = Assert.Single(before);
            Assert.Equal(2, second.Id);
            Assert.Equal("red-post-1", second.Data.GetProperty("zone").GetString());
        }

        await using var live = await EventStream.OpenAsync(server, "red", "pact", lastEventId: "3");
        await ProvokeAsync(2);
        await MarkAsync(server, "red", "mark-2");
        var third = Assert.Single(await live.UntilMarkAsync("mark-2"));
        Assert.Equal(4, third.Id);
        Assert.Equal("red-post-2", third.Data.GetProperty("zone").GetString());

        // A Last-Event-ID that is not an event id is refused.
        using var red = server.Client("red", agreement: "pact");
        using var bad = new HttpRequestMessage(HttpMethod.Get, "/v1/agreements/pact/events");
        bad.Headers.TryAddWithoutValidation("Last-Event-ID", "yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, (await red.SendAsync(bad, Ct)).StatusCode);
    }

    [Fact]
    public async Task an_idle_event_stream_sends_a_heartbeat_comment_every_15_seconds()
    {
        var clock = new HeartbeatClock(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(15));
        await using var server = await RunningServer.StartAsync(demo: false, time: clock, agreements: [AgreementText("pact")]);
        await using var stream = await EventStream.OpenAsync(server, "red", "pact");

        // Once the idle stream waits for its heartbeat, 15 seconds on its clock send one.
        await clock.Armed.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var heartbeat = stream.NextHeartbeat;
        clock.Advance(TimeSpan.FromSeconds(15));
        await heartbeat.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(1, stream.Heartbeats);
        Assert.False(stream.TryTake(out _)); // a comment, not an event
    }

    /// <summary>A fake clock that says when the first timer of <c>due</c> without a period (the stream's heartbeat wait) is set on it.</summary>
    private sealed class HeartbeatClock(DateTimeOffset start, TimeSpan due) : FakeTimeProvider(start)
    {
        private readonly TaskCompletionSource _armed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Armed => _armed.Task;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime == due && period == Timeout.InfiniteTimeSpan)
            {
                _armed.TrySetResult();
            }

            return timer;
        }
    }

    private sealed record ServerSentEvent(long Id, string Type, JsonElement Data);

    /// <summary>A party's open event stream, its events pumped into a channel as they arrive.</summary>
    private sealed class EventStream : IAsyncDisposable
    {
        private readonly HttpClient _client;
        private readonly HttpResponseMessage _response;
        private readonly Channel<ServerSentEvent> _events = Channel.CreateUnbounded<ServerSentEvent>();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _pump;
        private int _heartbeats;
        private TaskCompletionSource _heartbeat = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private EventStream(HttpClient client, HttpResponseMessage response)
        {
            _client = client;
            _response = response;
            _pump = Task.Run(PumpAsync);
        }

        public int Heartbeats => Volatile.Read(ref _heartbeats);

        /// <summary>Completes when the next heartbeat (a comment block) has been read to its end.</summary>
        public Task NextHeartbeat => Volatile.Read(ref _heartbeat).Task;

        /// <summary>An event already received, without waiting.</summary>
        public bool TryTake(out ServerSentEvent? next) => _events.Reader.TryRead(out next);

        public static async Task<EventStream> OpenAsync(RunningServer server, string party, string agreement, string? lastEventId = null)
        {
            var client = server.Client(party, Roles.Monitor, agreement: agreement);
            client.Timeout = Timeout.InfiniteTimeSpan;
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/agreements/{agreement}/events");
            if (lastEventId is not null)
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            }

            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new EventStream(client, response);
        }

        /// <summary>The events before the <c>operation.state</c> event of the operation <paramref name="mark"/>, which must come.</summary>
        public async Task<List<ServerSentEvent>> UntilMarkAsync(string mark)
        {
            var before = new List<ServerSentEvent>();
            while (true)
            {
                // The deadline only bounds a stream that never delivers the marker.
                var next = await NextAsync(TimeSpan.FromSeconds(30));
                Assert.True(next is not null, $"the marker {mark} did not come; before it: {string.Join(", ", before.Select(e => $"{e.Id} {e.Type}"))}");
                if (next.Type == "operation.state" && next.Data.GetProperty("operation").GetString() == mark)
                {
                    return before;
                }

                before.Add(next);
            }
        }

        /// <summary>The next <c>probing.suspected</c> event within <paramref name="timeout"/>, skipping others (e.g. concurrence requests).</summary>
        public async Task<ServerSentEvent?> NextAlertAsync(TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < until)
            {
                var next = await NextAsync(until - DateTime.UtcNow);
                if (next is null || next.Type == "probing.suspected")
                {
                    return next;
                }
            }

            return null;
        }

        public async Task<ServerSentEvent?> NextAsync(TimeSpan timeout)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            wait.CancelAfter(timeout);
            try
            {
                return await _events.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                return null;
            }
        }

        private async Task PumpAsync()
        {
            try
            {
                using var reader = new StreamReader(await _response.Content.ReadAsStreamAsync(_stop.Token));
                long id = 0;
                string type = "message";
                var data = new List<string>();
                bool comment = false;
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line.Length == 0)
                    {
                        if (data.Count > 0)
                        {
                            using var document = JsonDocument.Parse(string.Join('\n', data));
                            await _events.Writer.WriteAsync(new ServerSentEvent(id, type, document.RootElement.Clone()), _stop.Token);
                        }
                        else if (comment)
                        {
                            Interlocked.Increment(ref _heartbeats);
                            Interlocked.Exchange(ref _heartbeat, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                        }

                        (type, data, comment) = ("message", [], false);
                    }
                    else if (line.StartsWith(':'))
                    {
                        comment = true;
                    }
                    else if (line.StartsWith("id: ", StringComparison.Ordinal))
                    {
                        id = long.Parse(line[4..], CultureInfo.InvariantCulture);
                    }
                    else if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        type = line[7..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        data.Add(line[6..]);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
            {
                // The stream was closed.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _response.Dispose();
            await _pump;
            _client.Dispose();
            _stop.Dispose();
        }
    }
}
