using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using Parley.Server.Monitoring;
using Parley.Server.Security;

namespace Parley.Server.Tests;

/// <summary>
/// A center its operator can see into: <c>/metrics</c> on the operator's own listener and, for an administrator, on the
/// main one; the operations guide's monitoring section holds for a running server; writes and reads are traced, and
/// exported over OTLP when a collector is configured.
/// </summary>
public sealed partial class MonitoringTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string AgreementText(string id) =>
        $$"""{"id":"{{id}}","parties":[{"id":"blue"},{"id":"red","webhook_networks":["127.0.0.0/8"]},{"id":"aid"},{"id":"registrar","role":"admin"}]}""";

    /// <summary>The repository's docs folder, found upwards from the test binaries.</summary>
    private static string Docs(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "docs", file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"docs/{file} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>One sample of a scrape: metric name, labels, value.</summary>
    private sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelPair();

    private static List<Sample> Parse(string scrape) =>
    [
        .. scrape.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => SampleLine().Match(l)).Where(m => m.Success)
            .Select(m => new Sample(m.Groups[1].Value,
                LabelPair().Matches(m.Groups[2].Value).ToDictionary(p => p.Groups[1].Value, p => p.Groups[2].Value),
                double.Parse(m.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture))),
    ];

    private static Task<RunningServer> StartAsync(string agreement, Func<Configuration.ParleyServerOptions, Configuration.ParleyServerOptions>? configure = null) =>
        RunningServer.StartAsync(demo: false, agreements: [AgreementText(agreement)], configure: o => (configure ?? (x => x))(o with
        {
            MetricsUrls = "http://127.0.0.1:0",
            WebhookRetryInitial = TimeSpan.FromMilliseconds(20),
            WebhookPollInterval = TimeSpan.FromMilliseconds(100),
        }));

    private static Uri MetricsUrl(RunningServer server) =>
        new(Assert.Single(server.App.Services.GetRequiredService<MetricsListener>().Urls) + "/metrics");

    [Fact]
    public async Task the_operators_listener_serves_metrics_without_a_token_and_nothing_else_and_the_main_one_only_to_an_administrator()
    {
        string agreement = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        await using var server = await StartAsync(agreement);
        using var anonymous = new HttpClient();

        using var scrape = await anonymous.GetAsync(MetricsUrl(server), Ct);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.StartsWith("text/plain", scrape.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("parley_ledger_size{", await scrape.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // Nothing of the API is reachable through the operator's listener.
        var other = new Uri(MetricsUrl(server), "/");
        foreach (var path in new[] { "/health", $"/v1/agreements/{agreement}/zones", "/openapi/v1.json", "/" })
        {
            using var response = await anonymous.GetAsync(new Uri(other, path), Ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        // On the main listener: no token 401, a member's or an observer's 403, the administrator's 200.
        using (var none = server.Client())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await none.GetAsync("/metrics", Ct)).StatusCode);
        }

        foreach (var (party, role) in new[] { ("blue", Roles.Monitor), ("blue", Roles.Operator), ("registrar", Roles.Monitor), ("registrar", Roles.Operator) })
        {
            using var client = server.Client(party, role, agreement: agreement);
            Assert.True((await client.GetAsync("/metrics", Ct)).StatusCode == HttpStatusCode.Forbidden, $"{party} as {role}");
        }

        using var admin = server.Client("registrar", Roles.Admin, agreement: agreement);
        using var main = await admin.GetAsync("/metrics", Ct);
        Assert.Equal(HttpStatusCode.OK, main.StatusCode);
        Assert.Contains("parley_ledger_size{", await main.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_operations_guides_monitoring_section_holds_for_a_running_server()
    {
        string agreement = "guide-" + Guid.NewGuid().ToString("N")[..8];
        string guide = await File.ReadAllTextAsync(Docs("operations.md"), Ct);
        string section = guide[guide.IndexOf("### Metrics", StringComparison.Ordinal)..guide.IndexOf("### Traces", StringComparison.Ordinal)];
        var rows = section.Split('\n').Where(l => l.StartsWith("| `parley_", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .Select(c => (Name: c[1].Trim('`'), Type: c[2], Labels: c[3].Split(',', StringSplitOptions.TrimEntries).Select(x => x.Trim('`')).ToHashSet(), Present: c[6]))
            .ToList();
        Assert.True(rows.Count >= 13, $"the guide lists {rows.Count} of Parley's metrics");

        // A webhook receiver on loopback (red's agreement entry allows it) that acknowledges every event.
        var received = 0;
        var receiverBuilder = WebApplication.CreateSlimBuilder();
        receiverBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        receiverBuilder.Logging.ClearProviders();
        await using var receiver = receiverBuilder.Build();
        receiver.MapPost("/hook", () =>
        {
            Interlocked.Increment(ref received);
            return Results.Ok();
        });
        await receiver.StartAsync(Ct);

        await using var server = await StartAsync(agreement, o => o with { RateLimitPerSecond = 1, RateLimitBurst = 12 });
        using var red = server.Client("red", Roles.Monitor, agreement: agreement);
        using var subscribed = await red.PostAsync($"/v1/agreements/{agreement}/subscriptions", new StringContent(
            $$"""{"area":{{Json.Box(10, 10, 11, 11)}},"start":"2026-01-01T00:00:00Z","end":null,"kinds":[],"webhook":"{{receiver.Urls.First()}}/hook"}""",
            Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);

        // Blue follows its events while it declares a public zone (an event for red's webhook) and a flight.
        using var blue = server.Client("blue", agreement: agreement);
        using var streamStop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var stream = await blue.GetAsync($"/v1/agreements/{agreement}/events", HttpCompletionOption.ResponseHeadersRead, streamStop.Token);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        var zone = Json.Feature("depot-77", Json.Box(10.2, 10.2, 10.3, 10.3), """{"kind":"protected","start":"2026-01-01T00:00:00Z","visibility":"public","name":"Depot Quillwort"}""");
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync($"/v1/agreements/{agreement}/zones", RunningServer.GeoJson(zone), Ct)).StatusCode);
        var flight = Json.Operation("sortie-77", "flight", Json.Box(30, 30, 30.1, 30.1));
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync($"/v1/agreements/{agreement}/operations", RunningServer.GeoJson(flight), Ct)).StatusCode);

        // Aid goes over its rate: a 429 counted by reason.
        using var aid = server.Client("aid", Roles.Monitor, agreement: agreement);
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 40 && !statuses.Contains(HttpStatusCode.TooManyRequests); i++)
        {
            statuses.Add((await aid.GetAsync($"/v1/agreements/{agreement}/zones", Ct)).StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);

        // Once the webhook has its event and the checkpoint covers the log, the center is idle: scrape.
        using var anonymous = new HttpClient();
        var deadline = Stopwatch.StartNew();
        List<Sample> samples;
        string scrape;
        while (true)
        {
            scrape = await anonymous.GetStringAsync(MetricsUrl(server), Ct);
            samples = Parse(scrape);
            bool idle = Volatile.Read(ref received) > 0 &&
                samples.Any(s => s.Name == "parley_checkpoint_age_seconds" && s.Labels.GetValueOrDefault("agreement") == agreement && s.Value == 0) &&
                samples.Any(s => s.Name == "parley_webhook_backlog" && s.Labels.GetValueOrDefault("agreement") == agreement && s.Value == 0);
            if (idle || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                break;
            }

            await Task.Delay(100, Ct);
        }

        var failures = new List<string>();
        var ours = samples.Where(s => !s.Labels.TryGetValue("agreement", out var a) || a == agreement).ToList();
        foreach (var row in rows)
        {
            var series = ours.Where(s => s.Name == row.Name || s.Name.StartsWith(row.Name + "_", StringComparison.Ordinal) && s.Name[(row.Name.Length + 1)..] is "bucket" or "sum" or "count").ToList();
            bool expected = !row.Present.StartsWith("at the first catch-up", StringComparison.Ordinal) && !row.Present.StartsWith("at the first error", StringComparison.Ordinal);
            if (expected && series.Count == 0)
            {
                failures.Add($"{row.Name} ({row.Present}) is not in the scrape");
            }

            foreach (var s in series)
            {
                var extra = s.Labels.Keys.Except(row.Labels).Except(["otel_scope_name", "le"]).ToList();
                if (extra.Count > 0)
                {
                    failures.Add($"{s.Name} carries labels the guide does not list: {string.Join(", ", extra)}");
                }
            }
        }

        // What healthy looks like, on this idle server.
        double Value(string name, params (string Label, string Value)[] labels) =>
            ours.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value)).Sum(s => s.Value);
        if (Value("parley_checkpoint_age_seconds") >= 2)
        {
            failures.Add($"checkpoint age {Value("parley_checkpoint_age_seconds")} s on an idle server");
        }

        if (Value("parley_webhook_backlog") != 0 || Value("parley_webhook_attempts_total", ("outcome", "delivered")) < 1)
        {
            failures.Add("the webhook's event was not delivered and its backlog drained");
        }

        if (Value("parley_store_errors_total") != 0)
        {
            failures.Add("store errors on a healthy server");
        }

        if (Value("parley_event_streams_open") != 1)
        {
            failures.Add($"{Value("parley_event_streams_open")} event streams open, 1 expected");
        }

        if (Value("parley_decisions_total", ("outcome", "committed")) < 3 || Value("parley_requests_refused_total", ("reason", "rate-limited")) < 1)
        {
            failures.Add("the writes or the 429 were not counted");
        }

        // Each write is timed once, in buckets that add up; how long writes take is the benchmarks' measure, not this
        // test's (on a loaded machine the first write, compiled as it runs, may take longer than any alert allows).
        foreach (var histogram in new[] { "parley_decision_duration_seconds", "parley_commit_duration_seconds" })
        {
            double count = Value(histogram + "_count"), sum = Value(histogram + "_sum"), all = Value(histogram + "_bucket", ("le", "+Inf"));
            var buckets = ours.Where(s => s.Name == histogram + "_bucket" && s.Labels.GetValueOrDefault("le") is { } le && le != "+Inf")
                .Select(s => (Le: double.Parse(s.Labels["le"], NumberStyles.Float, CultureInfo.InvariantCulture), s.Value))
                .OrderBy(b => b.Le).ToList();
            bool cumulative = buckets.Zip(buckets.Skip(1)).All(p => p.First.Value <= p.Second.Value) && buckets.All(b => b.Value <= all);
            if (count < 2 || all != count || sum <= 0 || buckets.Count == 0 || !cumulative)
            {
                failures.Add($"{histogram}: count {count}, +Inf bucket {all}, sum {sum}, {buckets.Count} buckets{(cumulative ? "" : ", not cumulative")}");
            }
        }

        // Every metric an alert rule or the scrape example names is one the table explains.
        var named = ParleyName().Matches(section).Select(m => m.Value).Distinct();
        foreach (var name in named.Where(n => !rows.Any(r => n == r.Name || n == r.Name + "_bucket")))
        {
            failures.Add($"the guide names {name}, which its table does not list");
        }

        // The scrape names no zone, operation or name of the theater.
        foreach (var secret in new[] { "depot-77", "Quillwort", "sortie-77" })
        {
            if (scrape.Contains(secret, StringComparison.Ordinal))
            {
                failures.Add($"the scrape carries {secret}");
            }
        }

        // The runtime, ASP.NET Core, Kestrel and Npgsql meters the guide promises (Npgsql's only on PostgreSQL).
        foreach (var prefix in new[] { "dotnet_gc_", "http_server_request_duration_seconds", "kestrel_" })
        {
            if (!samples.Any(s => s.Name.StartsWith(prefix, StringComparison.Ordinal)))
            {
                failures.Add($"no {prefix}… metric in the scrape");
            }
        }

        await streamStop.CancelAsync();
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [GeneratedRegex("parley_[a-z_]+")]
    private static partial Regex ParleyName();

    [Fact]
    public async Task a_signed_write_and_a_read_are_traced_from_authentication_to_notification_within_the_request()
    {
        string agreement = "traced-" + Guid.NewGuid().ToString("N")[..8];
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Parley" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = await StartAsync(agreement);
        using var blue = server.Client("blue", agreement: agreement);

        var traceId = ActivityTraceId.CreateRandom();
        using var write = new HttpRequestMessage(HttpMethod.Post, $"/v1/agreements/{agreement}/zones")
        {
            Content = RunningServer.GeoJson(Json.Zone("post-3", "protected", Json.Box(12, 12, 12.1, 12.1), ""","visibility":"private","name":"Post Wintergreen" """)),
        };
        write.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        Assert.Equal(HttpStatusCode.Created, (await blue.SendAsync(write, Ct)).StatusCode);

        var readTrace = ActivityTraceId.CreateRandom();
        using var read = new HttpRequestMessage(HttpMethod.Get, $"/v1/agreements/{agreement}/zones");
        read.Headers.Add("traceparent", $"00-{readTrace}-{ActivitySpanId.CreateRandom()}-01");
        Assert.Equal(HttpStatusCode.OK, (await blue.SendAsync(read, Ct)).StatusCode);

        var inWrite = spans.Where(s => s.TraceId == traceId).ToList();
        var names = inWrite.Where(s => s.Source.Name == "Parley").Select(s => s.DisplayName).ToHashSet();
        Assert.Superset(new HashSet<string> { "authenticate", "verify signature", "queue", "decide" }, names);

        // The batch's commit and notify ran in this request (the only write), and link to the write they carried.
        var batch = spans.Where(s => s.DisplayName is "commit" or "notify" && s.Links.Any(l => l.Context.TraceId == traceId)).Select(s => s.DisplayName).ToHashSet();
        Assert.Equal(["commit", "notify"], batch.Order());
        var request = Assert.Single(inWrite, s => s.Source.Name == "Microsoft.AspNetCore");
        Assert.All(inWrite.Where(s => s.DisplayName is "authenticate" or "verify signature" or "queue" or "decide"), s => Assert.Equal(request.SpanId, s.ParentSpanId));

        var inRead = spans.Where(s => s.TraceId == readTrace && s.Source.Name == "Parley").Select(s => s.DisplayName).ToHashSet();
        Assert.Superset(new HashSet<string> { "authenticate", "read" }, inRead);

        // No span carries the zone's id or name.
        Assert.DoesNotContain(spans.SelectMany(s => s.TagObjects), t => t.Value?.ToString() is { } v && (v.Contains("post-3", StringComparison.Ordinal) || v.Contains("Wintergreen", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task traces_go_to_an_otlp_collector_when_one_is_configured_and_nowhere_when_none_is()
    {
        // The collector: a loopback endpoint that keeps what is posted to /v1/traces.
        var posted = new ConcurrentQueue<(string? ContentType, byte[] Body)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var collector = builder.Build();
        collector.MapPost("/v1/traces", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, Ct);
            posted.Enqueue((http.Request.ContentType, body.ToArray()));
            return Results.Ok();
        });
        await collector.StartAsync(Ct);

        string agreement = "otlp-" + Guid.NewGuid().ToString("N")[..8];
        await using (var quiet = await StartAsync(agreement))
        {
            Assert.Null(quiet.App.Services.GetService<TracerProvider>());
        }

        await using var server = await StartAsync(agreement, o => o with { OtlpEndpoint = new Uri(collector.Urls.First() + "/") });
        using var blue = server.Client("blue", agreement: agreement);
        var zone = Json.Zone("post-4", "protected", Json.Box(12, 12, 12.1, 12.1));
        Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync($"/v1/agreements/{agreement}/zones", RunningServer.GeoJson(zone), Ct)).StatusCode);

        Assert.True(server.App.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000));
        Assert.NotEmpty(posted);
        Assert.All(posted, p => Assert.Equal("application/x-protobuf", p.ContentType));
        byte[] all = [.. posted.SelectMany(p => p.Body)];
        foreach (var name in new[] { "authenticate", "verify signature", "queue", "decide", "commit", "notify" })
        {
            Assert.True(all.AsSpan().IndexOf(Encoding.UTF8.GetBytes(name)) >= 0, $"no '{name}' span was exported");
        }
    }
}
