using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NSec.Cryptography;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Configuration;

namespace Parley.Server.Tests;

/// <summary>
/// Notifications: subscriptions by area, time window and kinds raise events only for what the subscriber may see; a
/// webhook receives every event of its party, signed by the center, in order, retried until acknowledged, across a
/// restart; the event stream and the webhook see the same sequence.
/// </summary>
public sealed class NotificationTests
{
    private const string Agreement = "pact";
    // The receivers listen on loopback: the parties with webhooks may reach it.
    private const string AgreementText = """{"id":"pact","parties":[{"id":"blue","webhook_networks":["127.0.0.0/8"]},{"id":"red"},{"id":"aid","webhook_networks":["127.0.0.0/8"]},{"id":"un","role":"observer"}]}""";
    private static readonly string Area = Json.Box(10, 10, 11, 11);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Short retries and polls, so that a test that makes endpoints fail stays short.</summary>
    private static ParleyServerOptions Fast(ParleyServerOptions o) => o with
    {
        WebhookRetryInitial = TimeSpan.FromMilliseconds(20),
        WebhookRetryMax = TimeSpan.FromMilliseconds(200),
        WebhookPollInterval = TimeSpan.FromMilliseconds(250),
        WebhookTimeout = TimeSpan.FromSeconds(5),
    };

    private static Task<RunningServer> StartAsync(string? data = null, Func<ParleyServerOptions, ParleyServerOptions>? configure = null) =>
        RunningServer.StartAsync(data, demo: false, agreements: [AgreementText], configure: o => (configure ?? (x => x))(Fast(o)));

    private static string Subscription(string? webhook = null, string kinds = "[]", string start = "2026-01-01T00:00:00Z", string end = "\"2027-01-01T00:00:00Z\"", string? area = null) =>
        $$"""{"area":{{area ?? Area}},"start":"{{start}}","end":{{end}},"kinds":{{kinds}}{{(webhook is null ? "" : $",\"webhook\":\"{webhook}\"")}}}""";

    private static async Task<string> SubscribeAsync(RunningServer server, string party, string body, string role = Roles.Monitor)
    {
        using var client = server.Client(party, role, agreement: Agreement);
        using var response = await client.PostAsync($"/v1/agreements/{Agreement}/subscriptions", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        string id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
        Assert.Equal($"/v1/agreements/{Agreement}/subscriptions/{id}", response.Headers.Location?.OriginalString);
        return id;
    }

    private static async Task DeclareAsync(RunningServer server, string party, string feature, string route = "zones")
    {
        using var client = server.Client(party, agreement: Agreement);
        using var response = await client.PostAsync($"/v1/agreements/{Agreement}/{route}", RunningServer.GeoJson(feature), Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
    }

    private static async Task WithdrawAsync(RunningServer server, string party, string zone)
    {
        using var client = server.Client(party, agreement: Agreement);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteIfMatchAsync($"/v1/agreements/{Agreement}/zones/{zone}", Ct)).StatusCode);
    }

    private static string PublicZone(string id, string geometry, string kind = "protected", string start = "2026-01-01T00:00:00Z") =>
        Json.Feature(id, geometry, $$"""{"kind":"{{kind}}","start":"{{start}}","visibility":"public","name":"Site {{id}}"}""");

    /// <summary>Every event of <paramref name="party"/> in the outbox, in order.</summary>
    private static async Task<IReadOnlyList<Parley.Core.Ports.StoredEvent>> OutboxAsync(RunningServer server, string party) =>
        await server.App.Services.GetRequiredService<IEventStore>().ReadEventsAsync(new AgreementId(Agreement), new PartyId(party), 0, 1000, Ct);

    private static JsonElement Data(Parley.Core.Ports.StoredEvent e) => JsonDocument.Parse(e.Payload).RootElement;

    [Fact]
    public async Task a_subscription_gets_an_event_for_a_visible_declaration_in_its_area_time_and_kinds_and_none_outside_them()
    {
        await using var server = await StartAsync();
        string id = await SubscribeAsync(server, "blue", Subscription(kinds: """["protected","strike"]"""));

        await DeclareAsync(server, "red", PublicZone("inside", Json.Box(10.2, 10.2, 10.3, 10.3)));
        await DeclareAsync(server, "red", PublicZone("far", Json.Box(12.2, 12.2, 12.3, 12.3)));
        await DeclareAsync(server, "red", PublicZone("later", Json.Box(10.2, 10.2, 10.3, 10.3), start: "2027-01-01T00:00:00Z"));
        await DeclareAsync(server, "red", PublicZone("closed", Json.Box(10.2, 10.2, 10.3, 10.3), kind: "restricted"));
        await DeclareAsync(server, "red", Json.Operation("red-strike", "strike", Json.Box(10.5, 10.5, 10.6, 10.6), ""","visibility":"public" """), "operations");
        await DeclareAsync(server, "red", Json.Operation("red-flight", "flight", Json.Box(10.5, 10.5, 10.6, 10.6), ""","visibility":"public" """), "operations");
        await DeclareAsync(server, "blue", PublicZone("own", Json.Box(10.7, 10.7, 10.8, 10.8)));
        await WithdrawAsync(server, "red", "inside");

        var events = await OutboxAsync(server, "blue");
        Assert.Equal(
            [("zone.changed", "inside", "declared"), ("operation.changed", "red-strike", "accepted"), ("zone.changed", "inside", "gone")],
            events.Select(e => (e.Type, Data(e).TryGetProperty("zone", out var z) ? z.GetString() : Data(e).GetProperty("operation").GetString(), Data(e).GetProperty("state").GetString())));
        var first = Data(events[0]);
        Assert.Equal("red", first.GetProperty("owner").GetString());
        Assert.Equal("protected", first.GetProperty("kind").GetString());
        Assert.Equal(1, first.GetProperty("version").GetInt64());
        Assert.Equal([id], first.GetProperty("subscriptions").EnumerateArray().Select(s => s.GetString()));
        // Blue's zone tells red nothing: red has no subscription (its outbox holds only its own operations' states).
        Assert.DoesNotContain(await OutboxAsync(server, "red"), e => e.Type is "zone.changed" or "operation.changed");
    }

    [Fact]
    public async Task a_hidden_declaration_of_another_party_raises_no_event_at_all_for_those_who_may_not_see_it()
    {
        await using var server = await StartAsync();
        await SubscribeAsync(server, "blue", Subscription());
        await SubscribeAsync(server, "aid", Subscription());
        await SubscribeAsync(server, "un", Subscription());

        await DeclareAsync(server, "red", Json.Zone("secret-post", "protected", Json.Box(10.21, 10.21, 10.29, 10.29), ""","visibility":"private","name":"Secret post" """));
        await DeclareAsync(server, "red", Json.Zone("aid-depot", "protected", Json.Box(10.31, 10.31, 10.39, 10.39), ""","visibility":"parties","shared_with":["aid"]"""));
        await DeclareAsync(server, "red", Json.Operation("red-hidden-strike", "strike", Json.Box(10.41, 10.41, 10.49, 10.49)), "operations");
        using (var red = server.Client("red", agreement: Agreement))
        {
            var replaced = Json.Zone("secret-post", "protected", Json.Box(10.22, 10.22, 10.28, 10.28), ""","visibility":"private" """);
            using var put = new HttpRequestMessage(HttpMethod.Put, $"/v1/agreements/{Agreement}/zones/secret-post") { Content = RunningServer.GeoJson(replaced) };
            put.Headers.TryAddWithoutValidation("If-Match", "*");
            Assert.Equal(HttpStatusCode.OK, (await red.SendAsync(put, Ct)).StatusCode);
        }

        await WithdrawAsync(server, "red", "secret-post");

        Assert.Empty(await OutboxAsync(server, "blue"));
        Assert.Empty(await OutboxAsync(server, "un"));
        var aid = await OutboxAsync(server, "aid");
        Assert.Equal(["aid-depot"], aid.Select(e => Data(e).GetProperty("zone").GetString()));
        Assert.DoesNotContain(aid, e => e.Payload.Contains("secret", StringComparison.Ordinal) || e.Payload.Contains("10.2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task webhook_bodies_are_signed_by_the_center_and_verify_with_the_published_key()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await StartAsync();
        string id = await SubscribeAsync(server, "blue", Subscription(receiver.Url("blue")));
        await DeclareAsync(server, "red", PublicZone("inside", Json.Box(10.2, 10.2, 10.3, 10.3)));

        var delivery = (await receiver.WaitForAcceptedAsync("blue", 1))[0];
        using var blue = server.Client("blue", agreement: Agreement);
        string vkey = (await blue.GetStringAsync($"/v1/agreements/{Agreement}/webhooks/key", Ct)).TrimEnd('\n');
        var verifier = VerifierKey.Parse(vkey);
        Assert.Equal($"parley.local/{Agreement}/webhooks", verifier.Name);
        Assert.NotEqual((await blue.GetStringAsync($"/v1/agreements/{Agreement}/ledger/key", Ct)).TrimEnd('\n'), vkey);

        string[] header = delivery.Signature.Split(' ');
        Assert.Equal(2, header.Length);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{verifier.Name}+{verifier.KeyId:x8}"), header[0]);
        var publicKey = PublicKey.Import(SignatureAlgorithm.Ed25519, verifier.PublicKey, KeyBlobFormat.RawPublicKey);
        Assert.True(SignatureAlgorithm.Ed25519.Verify(publicKey, delivery.Body, Convert.FromBase64String(header[1])));

        // Any change to the body breaks the signature.
        byte[] tampered = [.. delivery.Body];
        tampered[^3] ^= 1;
        Assert.False(SignatureAlgorithm.Ed25519.Verify(publicKey, tampered, Convert.FromBase64String(header[1])));

        var body = JsonDocument.Parse(delivery.Body).RootElement;
        Assert.Equal(["agreement", "id", "type", "data", "created"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Agreement, body.GetProperty("agreement").GetString());
        Assert.Equal(delivery.EventId, body.GetProperty("id").GetInt64());
        Assert.Equal("zone.changed", body.GetProperty("type").GetString());
        Assert.Equal("inside", body.GetProperty("data").GetProperty("zone").GetString());
        Assert.Equal(id, delivery.Subscription);
        Assert.Equal("application/json; charset=utf-8", delivery.ContentType);
        var stored = (await OutboxAsync(server, "blue")).Single();
        Assert.Equal(stored.Sequence, delivery.EventId);
        Assert.True(JsonElement.DeepEquals(Data(stored), body.GetProperty("data")));
    }

    [Fact]
    public async Task a_failing_webhook_is_retried_with_backoff_until_every_event_arrives_in_order_and_holds_back_no_other()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailFirst("blue", 3);
        receiver.FailAlways("down");
        await using var server = await StartAsync();
        await SubscribeAsync(server, "blue", Subscription(receiver.Url("down")), Roles.Operator);
        await SubscribeAsync(server, "blue", Subscription(receiver.Url("blue")));
        await SubscribeAsync(server, "aid", Subscription(receiver.Url("aid"), area: Json.Box(40, 40, 41, 41)));
        for (int i = 0; i < 5; i++)
        {
            await DeclareAsync(server, "red", PublicZone($"z{i}", Json.Box(10.1 + (0.1 * i), 10.1, 10.15 + (0.1 * i), 10.15)));
        }

        var outbox = (await OutboxAsync(server, "blue")).Select(e => e.Sequence).ToList();
        Assert.Equal(5, outbox.Count);
        var accepted = await receiver.WaitForAcceptedAsync("blue", 5);
        Assert.Equal(outbox, accepted.Select(d => d.EventId));

        // The first event failed three times and was sent again after each failure only; the rest went through once.
        var attempts = receiver.Attempts("blue");
        Assert.Equal(8, attempts.Count);
        Assert.Equal([1, 2, 3, 4], attempts.Take(4).Select(a => a.Attempt));
        Assert.All(attempts.Take(4), a => Assert.Equal(outbox[0], a.EventId));
        for (int i = 1; i < attempts.Count; i++)
        {
            Assert.True(attempts[i].EventId > attempts[i - 1].EventId || (attempts[i].EventId == attempts[i - 1].EventId && !attempts[i - 1].Accepted),
                $"attempt {i} repeats or reorders an event without a failure before it");
        }

        // The endpoint that never answers 2xx kept being retried, on its first event only.
        await receiver.WaitForAttemptsAsync("down", 3);
        Assert.All(receiver.Attempts("down"), a => Assert.Equal(outbox[0], a.EventId));
        Assert.Empty(receiver.Attempts("aid")); // aid's events are aid's: it has none
    }

    [Fact]
    public async Task a_server_restart_mid_stream_resumes_webhook_delivery_after_the_last_acknowledged_event_without_gaps()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-notify-restart-" + Guid.NewGuid().ToString("N"));
        await using var receiver = await WebhookReceiver.StartAsync();
        try
        {
            await using (var first = await StartAsync(data))
            {
                await SubscribeAsync(first, "blue", Subscription(receiver.Url("blue")));
                for (int i = 0; i < 3; i++)
                {
                    await DeclareAsync(first, "red", PublicZone($"a{i}", Json.Box(10.1 + (0.1 * i), 10.1, 10.15 + (0.1 * i), 10.15)));
                }

                await receiver.WaitForAcceptedAsync("blue", 3);
                receiver.FailAlways("blue");
                await DeclareAsync(first, "red", PublicZone("b0", Json.Box(10.5, 10.5, 10.55, 10.55)));
                await DeclareAsync(first, "red", PublicZone("b1", Json.Box(10.6, 10.6, 10.65, 10.65)));
                await receiver.WaitForAttemptsAsync("blue", 5);
            }

            receiver.Recover("blue");
            await using var second = await StartAsync(data);
            await DeclareAsync(second, "red", PublicZone("c0", Json.Box(10.7, 10.7, 10.75, 10.75)));

            var outbox = (await OutboxAsync(second, "blue")).Select(e => e.Sequence).ToList();
            Assert.Equal(6, outbox.Count);
            var accepted = await receiver.WaitForAcceptedAsync("blue", 6);
            Assert.Equal(outbox, accepted.Select(d => d.EventId));
            Assert.Equal(["a0", "a1", "a2", "b0", "b1", "c0"], accepted.Select(d => JsonDocument.Parse(d.Body).RootElement.GetProperty("data").GetProperty("zone").GetString()));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task the_event_stream_and_the_webhook_see_the_same_sequence()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await StartAsync();
        await SubscribeAsync(server, "blue", Subscription(receiver.Url("blue"), kinds: """["protected","strike"]"""));
        await DeclareAsync(server, "red", PublicZone("z1", Json.Box(10.2, 10.2, 10.3, 10.3)));
        await DeclareAsync(server, "blue", PublicZone("blue-clinic", Json.Box(10.55, 10.55, 10.58, 10.58)));
        await DeclareAsync(server, "red", Json.Operation("red-strike", "strike", Json.Box(10.5, 10.5, 10.6, 10.6), ""","visibility":"public" """), "operations");
        await WithdrawAsync(server, "red", "z1");
        await DeclareAsync(server, "red", Json.Operation("red-flight", "flight", Json.Box(10.5, 10.5, 10.6, 10.6), ""","visibility":"public" """), "operations");
        await DeclareAsync(server, "red", PublicZone("z2", Json.Box(10.7, 10.7, 10.8, 10.8)));

        // Blue's outbox also holds its own lifecycle events (the strike asks it to concur): the webhook and the stream carry all of them.
        var outbox = await OutboxAsync(server, "blue");
        var webhook = await receiver.WaitForAcceptedAsync("blue", outbox.Count);
        var stream = await ReadStreamAsync(server, "blue", outbox.Count);
        Assert.Equal(
            webhook.Select(d => (d.EventId, JsonDocument.Parse(d.Body).RootElement.GetProperty("type").GetString()!, JsonDocument.Parse(d.Body).RootElement.GetProperty("data").GetRawText())),
            stream.Select(e => (e.Id, e.Type, e.Data)));
        var matches = stream.Where(e => e.Type is "zone.changed" or "operation.changed").ToList();
        Assert.Equal(["zone.changed", "operation.changed", "zone.changed", "zone.changed"], matches.Select(e => e.Type));
        Assert.Equal("awaiting-concurrence", JsonDocument.Parse(matches[1].Data).RootElement.GetProperty("state").GetString());
        Assert.Contains(stream, e => e.Type == "request.opened");
        Assert.Equal(outbox.Select(e => e.Sequence), stream.Select(e => e.Id));
    }

    [Fact]
    public async Task a_bad_subscription_body_gets_400_naming_the_field_and_stores_nothing()
    {
        await using var server = await StartAsync();
        using var blue = server.Client("blue", Roles.Monitor, agreement: Agreement);
        (string Body, string Field)[] cases =
        [
            ("""{"start":"2026-01-01T00:00:00Z"}""", "area"),
            ("""{"area":{"type":"Point","coordinates":[10,10]},"start":"2026-01-01T00:00:00Z"}""", "area.type"),
            ("""{"area":{"type":"Polygon","coordinates":[[[10,10],[11,11],[11,10],[10,11],[10,10]]]},"start":"2026-01-01T00:00:00Z"}""", "area.coordinates[0]"),
            (Subscription(start: "tomorrow"), "start"),
            (Subscription(end: "\"2025-01-01T00:00:00Z\""), "end"),
            (Subscription(kinds: "\"strike\""), "kinds"),
            (Subscription(kinds: """["strike","carpet-bombing"]"""), "kinds[1]"),
            (Subscription("http://hooks.example.org/parley"), "webhook"),
            (Subscription("https://user:pw@hooks.example.org/"), "webhook"),
            ("""{"area":AREA,"start":"2026-01-01T00:00:00Z","radius_m":5}""".Replace("AREA", Area, StringComparison.Ordinal), "radius_m"),
            ("[]", "$"),
            ("{\"area\":", "$"),
        ];
        foreach (var (body, field) in cases)
        {
            using var response = await blue.PostAsync($"/v1/agreements/{Agreement}/subscriptions", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
            var problem = await Problem.AssertAsync(response, 400);
            Assert.True(field == Problem.FirstField(problem), $"{body}: expected the field {field}, got {Problem.FirstField(problem)}");
        }

        var list = await blue.GetFromJsonAsync<JsonElement>($"/v1/agreements/{Agreement}/subscriptions", Ct);
        Assert.Equal(0, list.GetProperty("subscriptions").GetArrayLength());
    }

    [Fact]
    public async Task one_party_cannot_list_read_or_delete_another_partys_subscriptions()
    {
        await using var server = await StartAsync(configure: o => o with { MaxSubscriptionsPerParty = 2 });
        var registry = server.App.Services.GetRequiredService<TheaterRegistry>();
        long size = await registry.ReadLedgerAsync(new AgreementId(Agreement), l => l.Tree.Size, Ct);
        string mine = await SubscribeAsync(server, "blue", Subscription("https://hooks.example.org/blue", kinds: """["strike"]"""), Roles.Approver);
        string theirs = await SubscribeAsync(server, "red", Subscription());

        // Each subscription is a signed write recorded in the ledger (its content private to its party).
        Assert.Equal(size + 2, await registry.ReadLedgerAsync(new AgreementId(Agreement), l => l.Tree.Size, Ct));

        using var blue = server.Client("blue", Roles.Monitor, agreement: Agreement);
        using var red = server.Client("red", Roles.Monitor, agreement: Agreement);
        var list = await blue.GetFromJsonAsync<JsonElement>($"/v1/agreements/{Agreement}/subscriptions", Ct);
        var only = Assert.Single(list.GetProperty("subscriptions").EnumerateArray());
        Assert.Equal(mine, only.GetProperty("id").GetString());
        Assert.Equal("https://hooks.example.org/blue", only.GetProperty("webhook").GetString());
        Assert.Equal("Polygon", only.GetProperty("area").GetProperty("type").GetString());
        Assert.Equal("2027-01-01T00:00:00Z", only.GetProperty("end").GetString());
        Assert.Equal(["strike"], only.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));

        var redList = await red.GetFromJsonAsync<JsonElement>($"/v1/agreements/{Agreement}/subscriptions", Ct);
        Assert.Equal([theirs], redList.GetProperty("subscriptions").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        Assert.DoesNotContain("hooks.example.org", redList.GetRawText(), StringComparison.Ordinal);

        await Problem.AssertAsync(await red.GetAsync($"/v1/agreements/{Agreement}/subscriptions/{mine}", Ct), 404);
        await Problem.AssertAsync(await red.DeleteAsync($"/v1/agreements/{Agreement}/subscriptions/{mine}", Ct), 404);
        Assert.Equal(HttpStatusCode.OK, (await blue.GetAsync($"/v1/agreements/{Agreement}/subscriptions/{mine}", Ct)).StatusCode);

        // The party's limit holds; deleting makes room again.
        await SubscribeAsync(server, "blue", Subscription());
        using (var third = await blue.PostAsync($"/v1/agreements/{Agreement}/subscriptions", new StringContent(Subscription(), Encoding.UTF8, "application/json"), Ct))
        {
            await Problem.AssertAsync(third, 409);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await blue.DeleteAsync($"/v1/agreements/{Agreement}/subscriptions/{mine}", Ct)).StatusCode);
        await Problem.AssertAsync(await blue.GetAsync($"/v1/agreements/{Agreement}/subscriptions/{mine}", Ct), 404);
        await Problem.AssertAsync(await blue.DeleteAsync($"/v1/agreements/{Agreement}/subscriptions/{mine}", Ct), 404);
        Assert.Single((await red.GetFromJsonAsync<JsonElement>($"/v1/agreements/{Agreement}/subscriptions", Ct)).GetProperty("subscriptions").EnumerateArray());

        // Unsigned, or by a role that does not watch, it is refused.
        using var unsigned = server.Client("blue", Roles.Monitor, sign: false, agreement: Agreement);
        Assert.Equal(HttpStatusCode.Unauthorized, (await unsigned.PostAsync($"/v1/agreements/{Agreement}/subscriptions", new StringContent(Subscription(), Encoding.UTF8, "application/json"), Ct)).StatusCode);
    }

    [Fact]
    public async Task subscriptions_come_back_after_a_restart_and_keep_raising_events()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-notify-subscriptions-" + Guid.NewGuid().ToString("N"));
        try
        {
            string id;
            await using (var first = await StartAsync(data))
            {
                id = await SubscribeAsync(first, "blue", Subscription());
            }

            await using var second = await StartAsync(data);
            await DeclareAsync(second, "red", PublicZone("inside", Json.Box(10.2, 10.2, 10.3, 10.3)));
            var e = Assert.Single(await OutboxAsync(second, "blue"));
            Assert.Equal([id], Data(e).GetProperty("subscriptions").EnumerateArray().Select(s => s.GetString()));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private sealed record StreamEvent(long Id, string Type, string Data);

    /// <summary>The first <paramref name="count"/> events of <paramref name="party"/>'s event stream.</summary>
    private static async Task<List<StreamEvent>> ReadStreamAsync(RunningServer server, string party, int count)
    {
        using var client = server.Client(party, Roles.Monitor, agreement: Agreement);
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromSeconds(15));
        using var response = await client.GetAsync($"/v1/agreements/{Agreement}/events", HttpCompletionOption.ResponseHeadersRead, stop.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
        var events = new List<StreamEvent>();
        (long id, string type, var data) = (0L, "message", new List<string>());
        while (events.Count < count && await reader.ReadLineAsync(stop.Token) is { } line)
        {
            if (line.Length == 0 && data.Count > 0)
            {
                events.Add(new StreamEvent(id, type, JsonDocument.Parse(string.Join('\n', data)).RootElement.GetRawText()));
                (type, data) = ("message", []);
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

        return events;
    }

    /// <summary>One POST received: its event, attempt, signature and body, and whether it was answered 2xx.</summary>
    private sealed record Delivery(long EventId, int Attempt, string Signature, string? Subscription, string? ContentType, byte[] Body, bool Accepted);

    /// <summary>
    /// A real HTTP endpoint on a loopback port: <c>/hooks/{name}</c> records every POST and answers 204, or 503 while
    /// told to fail.
    /// </summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, List<Delivery>> _received = [];
        private readonly Dictionary<string, int> _failures = [];
        private readonly WebApplication _app;
        private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private WebhookReceiver(WebApplication app) => _app = app;

        public static async Task<WebhookReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new WebhookReceiver(app);
            app.MapPost("/hooks/{name}", receiver.ReceiveAsync);
            await app.StartAsync(Ct);
            return receiver;
        }

        public string Url(string name) => $"{_app.Urls.First()}/hooks/{name}";

        /// <summary>Fails the next <paramref name="count"/> attempts at <paramref name="name"/>.</summary>
        public void FailFirst(string name, int count)
        {
            lock (_gate)
            {
                _failures[name] = count;
            }
        }

        public void FailAlways(string name) => FailFirst(name, int.MaxValue);

        public void Recover(string name) => FailFirst(name, 0);

        public List<Delivery> Attempts(string name)
        {
            lock (_gate)
            {
                return _received.TryGetValue(name, out var list) ? [.. list] : [];
            }
        }

        public async Task<List<Delivery>> WaitForAcceptedAsync(string name, int count)
        {
            await WaitAsync(() => Attempts(name).Count(d => d.Accepted) >= count, $"{count} deliveries accepted at {name}");
            return [.. Attempts(name).Where(d => d.Accepted)];
        }

        public Task WaitForAttemptsAsync(string name, int count) => WaitAsync(() => Attempts(name).Count >= count, $"{count} attempts at {name}");

        // The deliveries come over HTTP from the server's dispatcher, on its own schedule (the short real retry delays
        // of Fast): each one received wakes the waiter, and the deadline only bounds a test whose deliveries never come.
        private async Task WaitAsync(Func<bool> done, string what)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(20));
            while (true)
            {
                Task received;
                lock (_gate)
                {
                    received = _arrived.Task;
                }

                if (done())
                {
                    return;
                }

                try
                {
                    await received.WaitAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
                {
                    Assert.Fail("timed out waiting for " + what);
                }
            }
        }

        private async Task<IResult> ReceiveAsync(string name, HttpContext http)
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var headers = http.Request.Headers;
            bool fail;
            TaskCompletionSource arrived;
            lock (_gate)
            {
                fail = _failures.TryGetValue(name, out int left) && left > 0;
                if (fail && left != int.MaxValue)
                {
                    _failures[name] = left - 1;
                }

                if (!_received.TryGetValue(name, out var list))
                {
                    _received[name] = list = [];
                }

                list.Add(new Delivery(
                    long.Parse(headers["Parley-Event-Id"].ToString(), CultureInfo.InvariantCulture),
                    int.Parse(headers["Parley-Delivery-Attempt"].ToString(), CultureInfo.InvariantCulture),
                    headers["Parley-Signature"].ToString(),
                    headers["Parley-Subscription"].ToString(),
                    http.Request.ContentType,
                    buffer.ToArray(),
                    !fail));
                arrived = _arrived;
                _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            arrived.TrySetResult();
            return fail ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.NoContent();
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
