using Parley.Server.Configuration;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Parley.Core;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Ledger;
using Parley.Server.Security;
using Parley.Server.Theaters;

namespace Parley.Server.Tests.Security;

/// <summary>
/// The access matrix: every route of the OpenAPI document, called with every kind of bad credential and with a token
/// of every role of every party (held or not), on an agreement where blue and red keep canaries — private zones, a
/// zone shared with red, a private operation — whose names, coordinates and ids must reach no one else: not by
/// status, header or body, not through the server's log lines, not through its metrics. Every refused write must
/// leave the theater and the ledger as they were.
/// </summary>
public sealed partial class AccessMatrixTests : IAsyncLifetime
{
    private const string AgreementId = "matrix";
    private const string GeoJson = "application/geo+json";
    private const string PublicZoneId = "zone-public-depot";

    private static readonly string AgreementJson = """
        {"id":"matrix","name":"Access matrix","version":1,
         "parties":[{"id":"blue","role":"member"},{"id":"red","role":"member"},{"id":"umpire","role":"observer"},{"id":"registrar","role":"admin"}],
         "rules":[{"operation":"strike","zones":["protected","restricted"]},{"operation":"flight","zones":["restricted"]}],
         "separation":{"lateral_m":9260,"vertical_m":300},"disclosure_resolution_m":10000,
         "probing_budget":{"per_hour":1000000,"per_day":1000000}}
        """;

    // The roles each party's place in the agreement lets its tokens claim (members act, observers watch,
    // administrators administer). Every other role is claimed too, and must be refused with 403.
    private static readonly Dictionary<string, string[]> PartyRoles = new()
    {
        ["blue"] = [Roles.Operator, Roles.Approver, Roles.Monitor],
        ["red"] = [Roles.Operator, Roles.Approver, Roles.Monitor],
        ["umpire"] = [Roles.Monitor],
        ["registrar"] = [Roles.Admin, Roles.Monitor],
    };

    private static readonly string[] AnyRole = [.. Roles.All];

    // The roles each route of today needs. A route added later is called all the same and checked for 401, 403 on
    // roles the party does not hold, 5xx and leaks; list it here to check its own roles too.
    private static readonly Dictionary<string, string[]> RouteRoles = new()
    {
        ["POST /v1/agreements/{agreement}/zones"] = [Roles.Operator],
        ["GET /v1/agreements/{agreement}/zones"] = AnyRole,
        ["GET /v1/agreements/{agreement}/zones/{id}"] = AnyRole,
        ["PUT /v1/agreements/{agreement}/zones/{id}"] = [Roles.Operator],
        ["DELETE /v1/agreements/{agreement}/zones/{id}"] = [Roles.Operator],
        ["POST /v1/agreements/{agreement}/operations"] = [Roles.Operator],
        ["GET /v1/agreements/{agreement}/operations"] = AnyRole,
        ["GET /v1/agreements/{agreement}/operations/{id}"] = AnyRole,
        ["POST /v1/agreements/{agreement}/check"] = [Roles.Operator],
        ["GET /v1/agreements/{agreement}/ledger/checkpoint"] = AnyRole,
        ["GET /v1/agreements/{agreement}/ledger/key"] = AnyRole,
        ["GET /v1/agreements/{agreement}/ledger/entries/{index}"] = AnyRole,
        ["GET /v1/agreements/{agreement}/ledger/openings/{index}"] = AnyRole,
        ["GET /v1/agreements/{agreement}/ledger/proof/inclusion"] = AnyRole,
        ["GET /v1/agreements/{agreement}/ledger/proof/consistency"] = AnyRole,
        ["GET /v1/agreements/{agreement}/ledger/tile/{path}"] = AnyRole,
        ["POST /v1/agreements/{agreement}/ledger/cosignatures"] = AnyRole,
        ["GET /v1/agreements/{agreement}/probing"] = [Roles.Operator, Roles.Monitor],
        ["PUT /v1/agreements/{agreement}/operations/{id}"] = [Roles.Operator],
        ["POST /v1/agreements/{agreement}/operations/{id}/cancel"] = [Roles.Operator],
        ["POST /v1/agreements/{agreement}/operations/{id}/activate"] = [Roles.Operator],
        ["POST /v1/agreements/{agreement}/operations/{id}/complete"] = [Roles.Operator],
        ["GET /v1/agreements/{agreement}/requests"] = AnyRole,
        ["GET /v1/agreements/{agreement}/requests/{id}"] = AnyRole,
        ["POST /v1/agreements/{agreement}/requests/{id}/answer"] = [Roles.Approver],
        ["GET /v1/agreements/{agreement}/events"] = AnyRole,
        ["POST /v1/agreements/{agreement}/subscriptions"] = [Roles.Operator, Roles.Approver, Roles.Monitor],
        ["GET /v1/agreements/{agreement}/subscriptions"] = [Roles.Operator, Roles.Approver, Roles.Monitor],
        ["GET /v1/agreements/{agreement}/subscriptions/{id}"] = [Roles.Operator, Roles.Approver, Roles.Monitor],
        ["DELETE /v1/agreements/{agreement}/subscriptions/{id}"] = [Roles.Operator, Roles.Approver, Roles.Monitor],
        ["GET /v1/agreements/{agreement}/webhooks/key"] = AnyRole,
        ["GET /v1/agreements/{agreement}/export.kml"] = AnyRole,
        ["GET /v1/agreements/{agreement}/export.geojson"] = AnyRole,
        ["GET /v1/agreements/{agreement}/ledger/openings"] = AnyRole,
        ["POST /v1/agreements/{agreement}/incidents"] = [Roles.Operator, Roles.Monitor],
        ["GET /v1/agreements/{agreement}/incidents"] = AnyRole,
        ["GET /v1/agreements/{agreement}/incidents/{id}"] = AnyRole,
        ["POST /v1/agreements/{agreement}/incidents/{id}/replies"] = [Roles.Operator, Roles.Approver],
        ["POST /v1/agreements/{agreement}/incidents/{id}/grades"] = [Roles.Monitor, Roles.Admin],
        ["GET /v1/agreements/{agreement}/compliance"] = AnyRole,
        ["GET /v1/agreements/{agreement}/agreement"] = AnyRole,
        ["GET /v1/agreements/{agreement}/agreement/history"] = AnyRole,
        ["GET /v1/agreements/{agreement}/agreement/limits"] = AnyRole,
        ["GET /v1/agreements/{agreement}/agreement/amendments/{id}"] = AnyRole,
        ["POST /v1/agreements/{agreement}/agreement/amendments"] = [Roles.Approver],
        ["POST /v1/agreements/{agreement}/agreement/amendments/{id}/signatures"] = [Roles.Approver],
        ["POST /v1/agreements/{agreement}/agreement/amendments/{id}/refusals"] = [Roles.Approver],

        // The center's metrics span every agreement: its administrator alone reads them on the main listener.
        ["GET /metrics"] = [Roles.Admin],
    };

    // Where the center's administrator, with its admin token, sees what the center keeps: every opening of the ledger,
    // and every site an incident touches by its id. Its other tokens, and every other party, are held to the canaries.
    private static readonly string[] CenterViews =
    [
        "GET /v1/agreements/{agreement}/ledger/openings/{index}", "GET /v1/agreements/{agreement}/ledger/openings",
        "GET /v1/agreements/{agreement}/incidents", "GET /v1/agreements/{agreement}/incidents/{id}",
        "POST /v1/agreements/{agreement}/incidents/{id}/grades",
    ];

    private static readonly string[] AnonymousRoutes = ["GET /health", "GET /health/ready", "GET /openapi/v1.json"];

    private static readonly string[] HttpMethodNames = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    // Each canary's coordinates have eight decimals that appear nowhere else in this test or in the server's answers.
    private static readonly Canary[] Canaries =
    [
        Canary.Zone("zone-q7v1", "CanaryAlderOrchard", "blue", ["blue"],
            Json.Box(23.41739261, 41.21846293, 23.43958174, 41.23592817), ""","visibility":"private" """),
        Canary.Zone("zone-q7v2", "CanaryBirchLantern", "blue", ["blue"],
            Point(23.46281937, 41.26473819), ""","radius_m":900,"visibility":"private" """),
        Canary.Zone("zone-q7v3", "CanaryCedarHeron", "blue", ["blue", "red"],
            Json.Box(23.47192638, 41.22418375, 23.48537291, 41.23871946), ""","visibility":"parties","shared_with":["red"]"""),
        Canary.Operation("op-q7v4", "CanaryDamsonKestrel", "blue", ["blue"],
            Json.Box(23.52846173, 41.27391846, 23.54173829, 41.28649172)),
        Canary.Zone("zone-q7v5", "CanaryElmThistle", "red", ["red"],
            Point(23.61947382, 41.31826459), ""","radius_m":700,"visibility":"private" """),

        // A private incident blue reports over its own canaries: the parties it concerns are blue itself and the monitors.
        Canary.Incident("inc-q7v6", "CanaryFigWillow", "blue", ["blue", "umpire", "registrar"], Point(23.42817365, 41.22761934)),
    ];

    private static readonly string PublicZone = Json.Zone(PublicZoneId, "protected", Json.Box(23.70, 41.40, 23.71, 41.41),
        ""","name":"Public depot","visibility":"public" """);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "parley-access-matrix-" + Guid.NewGuid().ToString("N"));
    private readonly LogCapture _logs = new();
    private readonly MeterListener _meters = new();
    private readonly ConcurrentQueue<string> _metricLeaks = new();
    private readonly ConcurrentDictionary<string, long> _instruments = new();
    private readonly Dictionary<string, SubmissionKey> _keys = [];
    private readonly Dictionary<(string Party, string Role), string> _tokens = [];
    private RunningServer _server = null!;
    private TheaterRegistry _registry = null!;
    private HttpClient _http = null!;
    private int _serial;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // The server runs in this process: the listener sees every instrument of every meter, ASP.NET Core's and Kestrel's included.
        _meters.InstrumentPublished = (instrument, listener) => listener.EnableMeasurementEvents(instrument);
        _meters.SetMeasurementEventCallback<byte>(OnMeasurement);
        _meters.SetMeasurementEventCallback<short>(OnMeasurement);
        _meters.SetMeasurementEventCallback<int>(OnMeasurement);
        _meters.SetMeasurementEventCallback<long>(OnMeasurement);
        _meters.SetMeasurementEventCallback<float>(OnMeasurement);
        _meters.SetMeasurementEventCallback<double>(OnMeasurement);
        _meters.SetMeasurementEventCallback<decimal>(OnMeasurement);
        _meters.Start();

        Directory.CreateDirectory(_folder);
        string file = Path.Combine(_folder, "agreement.json");
        await File.WriteAllTextAsync(file, AgreementJson, Ct);
        // The rate limit and the probing budget are tested on their own; here every call must reach the checks under test.
        // A TAK feed for every party, in the order of PartyRoles: the matrix reads each one's picture too.
        _server = await RunningServer.StartAsync(demo: false, agreementFiles: [file], configure: o => o with
        {
            RateLimitPerSecond = 0,
            Cot = new CotFeedOptions { Listeners = [.. PartyRoles.Keys.Select(p => CotListener.Parse($"{AgreementId}/{p}@127.0.0.1:0"))] },
        }, configureLogging: logging =>
        {
            logging.AddProvider(_logs);
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddFilter<LogCapture>(null, LogLevel.Trace);
        });
        _registry = _server.App.Services.GetRequiredService<TheaterRegistry>();
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
        foreach (var party in PartyRoles.Keys)
        {
            _keys[party] = DevelopmentKeys.For(_server.DataDirectory, AgreementId, party);
            foreach (var role in Roles.All)
            {
                _tokens[(party, role)] = TokenKeys.Issue(_server.DataDirectory, AgreementId, party, role, TimeSpan.FromHours(1));
            }
        }

        foreach (var canary in Canaries)
        {
            await PlantAsync(canary.Owner, canary.Route, canary.Feature, canary.Route == "incidents" ? Roles.Monitor : Roles.Operator);
        }

        await PlantAsync("blue", "zones", PublicZone);
    }

    public async ValueTask DisposeAsync()
    {
        _meters.Dispose();
        _http.Dispose();
        await _server.DisposeAsync();
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task every_route_answers_every_credential_as_its_roles_allow_leaks_no_canary_and_refused_writes_change_nothing()
    {
        Assert.All(Canaries, c => Assert.True(c.Traces.Length >= 5, $"{c.Id} has no coordinates to look for"));
        var credentials = Credentials();
        var routes = await RoutesAsync();
        var tally = new Tally();

        // Writes first, so that the reads meet what they made: operations in conflict with the canaries, the
        // ledger entries that record them, the events they raise. Subscriptions come first among them, so that
        // every later change is matched against them and the event streams have something to leak, or not. Each
        // route's parameters take the values the center holds when it is reached.
        foreach (var route in routes.OrderBy(r => r.Method == HttpMethod.Get ? 1 : 0).ThenBy(r => r.Name.StartsWith("POST", StringComparison.Ordinal) && r.Template.EndsWith("/subscriptions", StringComparison.Ordinal) ? 0 : 1))
        {
            foreach (var call in route.Calls(await CurrentAsync()))
            {
                tally.Calls++;
                foreach (var credential in credentials)
                {
                    await ExchangeAsync(call, credential, tally);
                }
            }
        }

        _meters.RecordObservableInstruments();
        var logLines = _logs.Lines.ToArray();
        tally.Failures.AddRange(logLines.SelectMany(LogLeaks));
        tally.Failures.AddRange(_metricLeaks.Select(m => "a measurement carries a canary: " + m));

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"access matrix: {routes.Count} routes, {tally.Calls} calls × {credentials.Count} credentials = {tally.Requests} requests; " +
            $"{tally.RefusedWrites} writes refused, {tally.AcceptedWrites} accepted; {logLines.Length} log lines, " +
            $"{_instruments.Values.Sum()} measurements of {_instruments.Count} instruments; {tally.Failures.Count} failures");

        Assert.True(tally.Failures.Count == 0, $"{tally.Failures.Count} failures:\n" + string.Join('\n', tally.Failures.Take(50)));

        // The canaries were within reach: each of their viewers met them, so the matrix would have caught them elsewhere.
        foreach (var canary in Canaries)
        {
            Assert.All(canary.Viewers, v => Assert.Contains((v, canary.Id), tally.Seen));
        }

        // And the redacted form of a conflict was given: red's strikes met blue's private canaries, blue's met red's.
        Assert.Contains("red", tally.Redacted);
        Assert.Contains("blue", tally.Redacted);

        Assert.True(routes.Count >= 17, $"only {routes.Count} routes in the OpenAPI document");
        Assert.Contains(logLines, l => l.Contains("/v1/agreements/matrix/", StringComparison.Ordinal));
        Assert.Contains(_instruments.Keys, k => k.EndsWith("/http.server.request.duration", StringComparison.Ordinal));
    }

    [Fact]
    public async Task every_partys_tak_feed_draws_the_canaries_it_may_see_and_no_other()
    {
        var endpoints = _server.App.Services.GetRequiredService<Parley.Server.Tak.CotFeed>().Endpoints;
        var parties = PartyRoles.Keys.ToList();
        for (int i = 0; i < parties.Count; i++)
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(endpoints[i], Ct);
            var items = await new Parley.Server.Tests.Tak.CotReader(client.GetStream()).ReadUntilIdleAsync(TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(10));
            string text = string.Concat(items.Select(item => item.Xml));
            foreach (var canary in Canaries)
            {
                bool viewer = canary.Viewers.Contains(parties[i]);
                var found = canary.Traces.Append(canary.Id).Where(t => text.Contains(t, StringComparison.Ordinal)).ToList();
                // The operation canary's window (December 2026, 08:00–12:00) may be over: a TAK feed draws only what has not ended.
                if (viewer && canary.IsZone)
                {
                    Assert.Contains(items, item => item.Uid.EndsWith("." + canary.Id, StringComparison.Ordinal));
                }
                else
                {
                    Assert.True(found.Count == 0, $"{parties[i]}'s TAK feed carries {string.Join(", ", found)} of {canary.Id}");
                }
            }

            // The public zone reaches every party.
            Assert.Contains(items, item => item.Uid.EndsWith("." + PublicZoneId, StringComparison.Ordinal));
        }

        Assert.All(_logs.Lines, line => Assert.Empty(LogLeaks(line)));
    }

    /// <summary>Sends one call with one credential and checks its status, what it discloses and, if it writes, what it changed.</summary>
    private async Task ExchangeAsync(Call call, Credential credential, Tally tally)
    {
        // A party sends only its own features; a bad credential sends what blue, the canaries' owner, would.
        string bodyParty = credential.Party ?? "blue";
        string? body = call.ContentType is null ? null : Body(call, bodyParty);
        bool write = call.Method != HttpMethod.Get && call.Method != HttpMethod.Head;
        string? before = write ? await SnapshotAsync() : null;
        var (status, text) = await SendAsync(call.Method, call.Url, body, call.ContentType, credential.Token, bodyParty);
        tally.Requests++;
        string label = $"{call.Method} {call.Url} as {credential.Label}: {(int)status}";
        if (Unexpected(call, credential, status, text) is { } why)
        {
            tally.Failures.Add($"{label}: {why}");
        }

        if (credential.Party is { } viewer)
        {
            tally.Seen.UnionWith(Canaries.Where(c => text.Contains(c.Name, StringComparison.Ordinal)).Select(c => (viewer, c.Id)));
            if (text.Contains("\"handle\":\"h-", StringComparison.Ordinal))
            {
                tally.Redacted.Add(viewer);
            }
        }

        // The center's own view (see CenterViews) is held to no canary.
        bool centerView = credential.Role == Roles.Admin && credential.Party is not null && PartyRoles[credential.Party].Contains(Roles.Admin) && CenterViews.Contains(call.Route);
        string sent = call.Url + "\n" + body;
        foreach (var canary in Canaries.Where(c => !centerView && (credential.Party is null || !c.Viewers.Contains(credential.Party))))
        {
            // A party may see an id it sent itself echoed back (a 404 names the id asked for); never a name or a coordinate.
            var secrets = sent.Contains(canary.Id, StringComparison.Ordinal) ? canary.Traces : canary.Traces.Append(canary.Id);
            var found = secrets.Where(s => text.Contains(s, StringComparison.Ordinal)).ToList();
            if (found.Count > 0)
            {
                tally.Failures.Add($"{label}: the answer carries {string.Join(", ", found)} of {canary.Id}, which {credential.Party ?? "an unauthenticated caller"} may not see");
            }
        }

        if (!write)
        {
            return;
        }

        if ((int)status >= 400)
        {
            tally.RefusedWrites++;
            if (await SnapshotAsync() != before)
            {
                tally.Failures.Add($"{label}: a refused write changed the theater or the ledger");
            }
        }
        else
        {
            tally.AcceptedWrites++;
            await ReplantAsync();
        }
    }

    /// <summary>What a log line gives away: a canary's name or coordinates, or its id anywhere but in a logged request path.</summary>
    private static IEnumerable<string> LogLeaks(string line)
    {
        var found = Canaries.SelectMany(c => c.Traces.Where(s => line.Contains(s, StringComparison.Ordinal))
            .Concat(line.Replace("/" + c.Id, "/", StringComparison.Ordinal).Contains(c.Id, StringComparison.Ordinal) ? [c.Id] : [])).ToList();
        return found.Count == 0 ? [] : [$"a log line carries {string.Join(", ", found)}: {Clip(line)}"];
    }

    /// <summary>Why a status is wrong for this call and credential, or null.</summary>
    private static string? Unexpected(Call call, Credential credential, HttpStatusCode status, string text)
    {
        if ((int)status >= 500)
        {
            return "a server error";
        }

        if (AnonymousRoutes.Contains(call.Route))
        {
            return status == HttpStatusCode.OK ? null : "an anonymous route must answer 200 whatever the credential";
        }

        if (credential.Party is null)
        {
            return status != HttpStatusCode.Unauthorized ? "a bad credential must get 401"
                : text.Contains("\nWWW-Authenticate: Bearer", StringComparison.Ordinal) ? null : "a 401 without a Bearer challenge";
        }

        if (!PartyRoles[credential.Party].Contains(credential.Role))
        {
            return status == HttpStatusCode.Forbidden ? null : "a role the party does not hold must get 403";
        }

        if (!RouteRoles.TryGetValue(call.Route, out var roles))
        {
            // A new route must say here which roles it serves, so that the matrix checks them.
            return "the route has no role rule in the access matrix";
        }

        if (!roles.Contains(credential.Role))
        {
            return status == HttpStatusCode.Forbidden ? null : $"the route needs {string.Join(" or ", roles)}: 403 expected";
        }

        if (call.Method == HttpMethod.Get)
        {
            return status is HttpStatusCode.OK or HttpStatusCode.NotFound ? null : "a read with a good token answers 200 or 404";
        }

        // A write may still be refused on its merits (another party's zone: 403, a missing one: 404), never for its credentials.
        return status == HttpStatusCode.Unauthorized ? "a signed write with a good token got 401" : null;
    }

    /// <summary>Every path and method of the OpenAPI document, the document itself and the metrics.</summary>
    private async Task<List<Route>> RoutesAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("/openapi/v1.json", Ct));
        // The metrics endpoint is the operator's, not the API's: it is not in the document, and is called all the same.
        var routes = new List<Route> { new(HttpMethod.Get, "/openapi/v1.json", null, []), new(HttpMethod.Get, "/metrics", null, []) };
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => HttpMethodNames.Contains(o.Name)))
            {
                string? contentType = operation.Value.TryGetProperty("requestBody", out var requestBody)
                    ? requestBody.GetProperty("content").EnumerateObject().First().Name
                    : null;
                string[] query = operation.Value.TryGetProperty("parameters", out var parameters)
                    ? [.. parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!)]
                    : [];
                routes.Add(new Route(new HttpMethod(operation.Name.ToUpperInvariant()), path.Name, contentType, query));
            }
        }

        return routes;
    }

    /// <summary>The ledger's size and the ids of every zone and operation, as the center holds them now.</summary>
    private async Task<CenterState> CurrentAsync()
    {
        var id = new AgreementId(AgreementId);
        long size = await _registry.ReadLedgerAsync(id, l => l.Tree.Size, Ct);
        var ids = await _registry.ReadAsync(id, t => t.Zones.Select(z => z.Id.Value).Concat(t.Operations.Select(o => o.Id.Value))
            .Concat(t.Requests.All.Select(r => r.Id)).Concat(t.Incidents.All.Select(i => i.Id.Value)).Concat(t.Amendments.All.Select(a => a.Id)).Order(StringComparer.Ordinal).ToList(), Ct);
        return new CenterState(size, ids);
    }

    /// <summary>The body <paramref name="party"/> sends on a route: its own features only, so that only an owner ever sends its canaries.</summary>
    private string Body(Call call, string party)
    {
        int n = Interlocked.Increment(ref _serial);
        if (call.ContentType == "text/plain")
        {
            return "— parley.local/matrix AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
        }

        if (call.Template.EndsWith("/answer", StringComparison.Ordinal))
        {
            return """{"answer":"concur"}""";
        }

        if (call.Template.EndsWith("/replies", StringComparison.Ordinal))
        {
            return """{"reply":"deny","reason":"not ours"}""";
        }

        if (call.Template.EndsWith("/grades", StringComparison.Ordinal))
        {
            return """{"grade":"weak","reason":"one source"}""";
        }

        if (call.Template.EndsWith("/incidents", StringComparison.Ordinal))
        {
            // Each party reports over the other's canaries (its answer carries them as handles and cells) and suspects it.
            string suspect = party == "red" ? "blue" : "red";
            return Json.Feature($"inc-{party}-{n}", Point(party == "red" ? 23.4300 : 23.6200, party == "red" ? 41.2300 : 41.3200),
                $$"""{"kind":"shelling","uncertainty_m":5000,"start":"2026-12-01T08:00:00Z","end":"2026-12-01T09:00:00Z","suspected":["{{suspect}}"],"visibility":"parties"}""");
        }

        // Amendments: each approver proposes a change of the concurrence deadline (its own signature), the other signs it
        // into force, and every amendment meets every refusal; their events reach every party's stream.
        if (call.Template.EndsWith("/amendments", StringComparison.Ordinal))
        {
            return $$"""{"reason":"Matrix amendment {{n}}","signing_deadline":"{{DateTimeOffset.UtcNow.AddDays(2):yyyy-MM-ddTHH:mm:ssZ}}","concurrence_deadline_minutes":{{60 + n}}}""";
        }

        if (call.Template.EndsWith("/signatures", StringComparison.Ordinal))
        {
            return "{}";
        }

        if (call.Template.EndsWith("/refusals", StringComparison.Ordinal))
        {
            return """{"reason":"Not as worded"}""";
        }

        if (call.Template.EndsWith("/subscriptions", StringComparison.Ordinal))
        {
            // Over the whole theater, so that every later change meets the subscriptions and raises events.
            return $$"""{"area":{{Json.Box(23, 41, 24, 42)}},"start":"2026-01-01T00:00:00Z","end":null,"kinds":[]}""";
        }

        if (call.Template.EndsWith("/zones/{id}", StringComparison.Ordinal))
        {
            string id = Uri.UnescapeDataString(call.Url.Split('/')[^1].Split('?')[0]);
            if (Canaries.FirstOrDefault(c => c.Id == id && c.IsZone && c.Owner == party) is { } own)
            {
                return own.Feature;
            }

            return id == PublicZoneId && party == "blue" ? PublicZone : Json.Zone(id, "protected", Area(party), ""","name":"Replacement" """);
        }

        if (call.Template.EndsWith("/operations", StringComparison.Ordinal) || call.Template.EndsWith("/check", StringComparison.Ordinal))
        {
            // Red strikes over blue's canaries (redacted conflicts with the private ones, in full with the shared
            // one, separation with the private operation); blue strikes over red's canary.
            return Json.Operation($"{party}-op-{n}", "strike", party switch
            {
                "red" => Json.Box(23.40, 41.20, 23.50, 41.30),
                "blue" => Json.Box(23.60, 41.30, 23.64, 41.34),
                _ => Area(party),
            });
        }

        // A zone: red's closes the air over blue's private operation (which goes back into concurrence), blue's covers red's strikes.
        return party switch
        {
            "red" => Json.Zone($"red-zone-{n}", "restricted", Json.Box(23.53, 41.275, 23.54, 41.285), ""","alt_min_m":0,"alt_max_m":5000,"visibility":"private" """),
            "blue" => Json.Zone($"blue-zone-{n}", "protected", Json.Box(23.405, 41.205, 23.41, 41.21), ""","visibility":"private" """),
            _ => Json.Zone($"{party}-zone-{n}", "protected", Area(party)),
        };
    }

    private static string Area(string party) => party == "red" ? Json.Box(23.90, 41.60, 23.91, 41.61) : Json.Box(23.80, 41.50, 23.81, 41.51);

    private static string Point(double lon, double lat) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"type":"Point","coordinates":[{{lon}},{{lat}}]}""");

    /// <summary>No token, a malformed one, an expired one, one for another audience, one signed by a foreign key, then every role of every party.</summary>
    private List<Credential> Credentials()
    {
        string foreignFolder = Path.Combine(_folder, "foreign");
        var past = new PastTime(TimeSpan.FromHours(2));
        var credentials = new List<Credential>
        {
            new("no token", null, null, ""),
            new("a malformed token", "not-a-jwt", null, ""),
            new("an expired token", TokenKeys.Issue(_server.DataDirectory, AgreementId, "blue", Roles.Operator, TimeSpan.FromMinutes(5), past), null, ""),
            new("a token for another audience", OtherAudience(_server.DataDirectory, "https://elsewhere.test"), null, ""),
            new("a token signed by a foreign key", TokenKeys.Issue(foreignFolder, AgreementId, "blue", Roles.Operator, TimeSpan.FromHours(1)), null, ""),
        };
        foreach (var party in PartyRoles.Keys)
        {
            foreach (var role in Roles.All)
            {
                credentials.Add(new($"{party} {role}", _tokens[(party, role)], party, role));
            }
        }

        return credentials;
    }

    /// <summary>A development token of blue, signed by the server's own key, but for another audience.</summary>
    private static string OtherAudience(string dataDirectory, string audience)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenKeys.Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            Claims = new Dictionary<string, object> { ["sub"] = "blue", ["agreement"] = AgreementId, ["scope"] = Roles.Operator },
            SigningCredentials = new SigningCredentials(TokenKeys.Load(dataDirectory), SecurityAlgorithms.EcdsaSha256),
        });
    }

    private async Task PlantAsync(string owner, string route, string feature, string role = Roles.Operator)
    {
        var (status, text) = await SendAsync(HttpMethod.Post, $"/v1/agreements/{AgreementId}/{route}", feature, GeoJson, _tokens[(owner, role)], owner);
        Assert.True(status == HttpStatusCode.Created, text);
    }

    /// <summary>Declares again any planted zone that an accepted write of its owner withdrew, so later calls still meet it.</summary>
    private async Task ReplantAsync()
    {
        var present = await _registry.ReadAsync(new AgreementId(AgreementId), t => t.Zones.Select(z => z.Id.Value).ToHashSet(), Ct);
        foreach (var canary in Canaries.Where(c => c.IsZone && !present.Contains(c.Id)))
        {
            await PlantAsync(canary.Owner, "zones", canary.Feature);
        }

        if (!present.Contains(PublicZoneId))
        {
            await PlantAsync("blue", "zones", PublicZone);
        }
    }

    /// <summary>The ledger's size and every zone and operation, each with its version, as the center holds them.</summary>
    private async Task<string> SnapshotAsync()
    {
        var id = new AgreementId(AgreementId);
        long size = await _registry.ReadLedgerAsync(id, l => l.Tree.Size, Ct);
        string state = await _registry.ReadAsync(id, t => string.Join('\n',
            t.Zones.OrderBy(z => z.Id.Value, StringComparer.Ordinal).Select(z => $"{z.Version} {FeatureWriter.ToJson(z)}").Concat(
            t.Operations.OrderBy(o => o.Id.Value, StringComparer.Ordinal).Select(o => $"{o.Version} {FeatureWriter.ToJson(o)}"))), Ct);
        return $"{size}\n{state}";
    }

    /// <summary>Sends one request (signed by <paramref name="signer"/> if it writes) and returns its status and its status line, headers and body as text.</summary>
    private async Task<(HttpStatusCode Status, string Text)> SendAsync(HttpMethod method, string url, string? body, string? contentType, string? token, string signer)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType ?? "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (method != HttpMethod.Get && method != HttpMethod.Head)
        {
            // Every update names a version; "*" lets each reach the checks under test.
            request.Headers.TryAddWithoutValidation("If-Match", "*");
            try
            {
                await SignedRequests.SignAsync(request, AgreementId, _keys[signer], DateTimeOffset.UtcNow, Ct);
            }
            catch (InputRejectedException)
            {
                // A body that is not JSON (a cosignature line) has no signed form; the route does not ask for one.
            }
        }

        // An event stream never ends: read what it sends at once (its backlog) and hang up.
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        byte[] bytes = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? await ReadForAsync(response.Content, TimeSpan.FromMilliseconds(150))
            : await response.Content.ReadAsByteArrayAsync(Ct);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"HTTP/{response.Version} {(int)response.StatusCode} {response.ReasonPhrase}\n");
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            text.Append(name).Append(": ").AppendJoin(", ", values).Append('\n');
        }

        // Latin-1 maps every byte to one character: the canaries (ASCII) are found in binary tiles too.
        text.Append('\n').Append(Encoding.Latin1.GetString(bytes));
        return (response.StatusCode, text.ToString());
    }

    private static async Task<byte[]> ReadForAsync(HttpContent content, TimeSpan time)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(time);
        using var buffer = new MemoryStream();
        try
        {
            await using var stream = await content.ReadAsStreamAsync(stop.Token);
            await stream.CopyToAsync(buffer, stop.Token);
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            // Time is up: what arrived is in the buffer.
        }

        return buffer.ToArray();
    }

    private void OnMeasurement<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        where T : struct
    {
        _instruments.AddOrUpdate($"{instrument.Meter.Name}/{instrument.Name}", 1, (_, n) => n + 1);
        foreach (var tag in tags)
        {
            string text = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "";
            foreach (var canary in Canaries)
            {
                if (canary.Traces.Append(canary.Id).FirstOrDefault(s => text.Contains(s, StringComparison.Ordinal)) is { } secret)
                {
                    _metricLeaks.Enqueue($"{instrument.Meter.Name}/{instrument.Name} {tag.Key}={text} ('{secret}')");
                }
            }
        }
    }

    private static string Clip(string s) => s.Length <= 300 ? s : s[..300] + "…";

    /// <summary>What the matrix met and found.</summary>
    private sealed class Tally
    {
        public List<string> Failures { get; } = [];

        /// <summary>Which party met which canary's name: a viewer must, or the canary was out of reach.</summary>
        public HashSet<(string Party, string Canary)> Seen { get; } = [];

        /// <summary>The parties that were told of a conflict in its redacted form.</summary>
        public HashSet<string> Redacted { get; } = [];

        public int Calls { get; set; }

        public int Requests { get; set; }

        public int RefusedWrites { get; set; }

        public int AcceptedWrites { get; set; }
    }

    /// <summary>The ledger's size and the ids the center holds, when a route is reached.</summary>
    private sealed record CenterState(long Size, IReadOnlyList<string> Ids);

    /// <summary>One operation of the OpenAPI document.</summary>
    private sealed partial record Route(HttpMethod Method, string Template, string? ContentType, IReadOnlyList<string> Query)
    {
        /// <summary>Method and template, as the OpenAPI document names the operation.</summary>
        public string Name => $"{Method} {Template}";

        /// <summary>The route with every parameter given each of its values in turn.</summary>
        public IEnumerable<Call> Calls(CenterState state)
        {
            string query = Query.Count == 0 ? "" : "?" + string.Join('&', Query.Select(q => $"{q}={QueryValue(q, state.Size, Template)}"));
            return Expand(Template, state).Select(url => new Call(Name, Method, url + query, ContentType, Template));
        }

        private static IEnumerable<string> Expand(string template, CenterState state)
        {
            var match = ParameterPattern().Match(template);
            if (!match.Success)
            {
                return [template];
            }

            string name = match.Groups[1].Value;
            return PathValues(name, template, state).SelectMany(value =>
                Expand(template[..match.Index] + (name == "path" ? value : Uri.EscapeDataString(value)) + template[(match.Index + match.Length)..], state));
        }

        private static IEnumerable<string> PathValues(string name, string template, CenterState state) => name switch
        {
            "agreement" => [AgreementId],
            // Every zone and operation the center holds (the canaries among them, on either kind of route) and an id that names nothing.
            "id" => [.. state.Ids, "no-such-id"],
            // Every entry of the log (the canaries' among them) and one past its end.
            "index" => [.. Enumerable.Range(0, (int)state.Size + 1).Select(i => i.ToString(CultureInfo.InvariantCulture))],
            "path" when template.Contains("/tile/", StringComparison.Ordinal) =>
                [.. Tiles.HashTilesFor(state.Size).Concat(Tiles.EntryBundlesFor(state.Size)).Select(t => Tiles.Path(t)["tile/".Length..])],
            // A parameter this test does not know yet: the route is still called with every credential.
            _ => ["x1"],
        };

        private static string QueryValue(string name, long size, string template) => template.Contains("/export.", StringComparison.Ordinal) ? ExportValue(name) : name switch
        {
            "index" => (size - 1).ToString(CultureInfo.InvariantCulture),
            "size" or "to" when !template.EndsWith("/compliance", StringComparison.Ordinal) => size.ToString(CultureInfo.InvariantCulture),
            // The listings' filters: the whole world and every time, every kind, owner and live state, a page of one.
            "state" when template.EndsWith("/operations", StringComparison.Ordinal) => "proposed,accepted,awaiting-concurrence,concurred,refused,active",
            "state" => "open",
            "role" => "affected",
            "bbox" => "-180,-90,180,90",
            "start" => "2000-01-01T00:00:00Z",
            "end" => "2100-01-01T00:00:00Z",
            "kind" => "protected,restricted,designated",
            "owner" => "blue,red,umpire,registrar",
            "cursor" => "YQ", // resumes after the id "a"
            "period" => "day",
            "from" when template.EndsWith("/compliance", StringComparison.Ordinal) => "2026-01-01",
            "to" when template.EndsWith("/compliance", StringComparison.Ordinal) => "2027-01-01",
            "day" => "2026-12-07",
            "awaiting" => "true",
            "suspected" => "red",
            "reporter" => "blue",
            _ => "1",
        };

        // The export filters, set to take in the whole theater: every canary is within reach of the export routes.
        private static string ExportValue(string name) => name switch
        {
            "bbox" => "23,41,24,42",
            "start" => "2026-01-01T00:00:00Z",
            "end" => "2027-01-01T00:00:00Z",
            "include" => "zones,operations,conflicts",
            _ => "",
        };

        [GeneratedRegex(@"\{([^}]+)\}")]
        private static partial Regex ParameterPattern();
    }

    /// <summary>One concrete request of the matrix.</summary>
    /// <param name="Route">Method and template, as the OpenAPI document names the operation.</param>
    private sealed record Call(string Route, HttpMethod Method, string Url, string? ContentType, string Template);

    /// <summary>A credential; <paramref name="Party"/> is null for the bad ones.</summary>
    private sealed record Credential(string Label, string? Token, string? Party, string Role);

    /// <summary>Something planted that only <paramref name="Viewers"/> may learn.</summary>
    /// <param name="Traces">What betrays it besides its id: its name, and each coordinate in full and cut to five decimals (should anything round it).</param>
    private sealed partial record Canary(string Id, string Name, string Owner, string[] Viewers, bool IsZone, string Feature, string[] Traces, string Route = "zones")
    {
        public static Canary Incident(string id, string name, string owner, string[] viewers, string geometry) =>
            new(id, name, owner, viewers, false, Json.Feature(id, geometry,
                $$"""{"kind":"strike","uncertainty_m":2000,"start":"2026-12-01T08:00:00Z","end":"2026-12-01T09:00:00Z","description":"{{name}}","visibility":"private"}"""),
                Secrets(name, geometry), "incidents");

        public static Canary Zone(string id, string name, string owner, string[] viewers, string geometry, string extra) =>
            new(id, name, owner, viewers, true, Json.Zone(id, "protected", geometry, $""","name":"{name}"{extra}"""), Secrets(name, geometry));

        public static Canary Operation(string id, string name, string owner, string[] viewers, string geometry) =>
            new(id, name, owner, viewers, false, Json.Operation(id, "flight", geometry, $""","name":"{name}","visibility":"private" """), Secrets(name, geometry), "operations");

        private static string[] Secrets(string name, string geometry)
        {
            var coordinates = Coordinate().Matches(geometry).Select(m => m.Value).ToList();
            return [name, .. coordinates, .. coordinates.Select(c => c[..(c.IndexOf('.', StringComparison.Ordinal) + 6)])];
        }

        [GeneratedRegex(@"-?\d+\.\d{6,}")]
        private static partial Regex Coordinate();
    }

    private sealed class PastTime(TimeSpan ago) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow - ago;
    }

    /// <summary>Keeps every log line of every category and level: its message, its state, its exception and its scopes.</summary>
    private sealed class LogCapture : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(LogCapture capture, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => capture._scopes?.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = new StringBuilder().Append(category).Append(' ').Append(logLevel).Append(' ').Append(formatter(state, exception));
                line.Append(" | ").Append(state);
                if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (key, value) in pairs)
                    {
                        line.Append(' ').Append(key).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                    }
                }

                if (exception is not null)
                {
                    line.Append(" | ").Append(exception);
                }

                capture._scopes?.ForEachScope((scope, b) => b.Append(" | scope ").Append(scope), line);
                capture.Lines.Enqueue(line.ToString());
            }
        }
    }
}
