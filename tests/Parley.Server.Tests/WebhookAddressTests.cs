using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Server.Notifications;
using Parley.Server.Security;

namespace Parley.Server.Tests;

/// <summary>
/// Webhooks go only where they should: a host that resolves to a loopback, private, link-local or otherwise non-public
/// address is refused when subscribing and again at every connection (so a host that changes its answer later gets
/// nothing), unless the agreement names the private network for that party.
/// </summary>
public sealed class WebhookAddressTests
{
    private const string Agreement = "pact";
    private static readonly string Area = Json.Box(10, 10, 11, 11);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.200.3.4", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("172.16.5.5", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("fd12:3456::1", "private (unique local)")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("100.64.0.1", "shared (carrier-grade NAT)")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("192.0.2.10", "documentation")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:10.1.1.1", "private")]
    [InlineData("64:ff9b::a00:1", "private")]
    [InlineData("2002:c0a8:101::1", "private")]
    [InlineData("8.8.8.8", null)]
    [InlineData("172.32.0.1", null)]
    [InlineData("100.128.0.1", null)]
    [InlineData("2606:4700:4700::1111", null)]
    [InlineData("::ffff:1.1.1.1", null)]
    [InlineData("64:ff9b::808:808", null)]
    public void each_address_class_that_is_not_public_unicast_is_named_and_public_ones_pass(string address, string? kind)
    {
        Assert.Equal(kind, WebhookAddresses.NonPublicKind(IPAddress.Parse(address)));
        Assert.Equal(kind is null, WebhookAddresses.Refusal(IPAddress.Parse(address), []) is null);
    }

    [Fact]
    public void a_party_allowed_a_private_network_may_reach_it_and_no_other()
    {
        var allowed = WebhookAddresses.Networks(["10.20.0.0/16", "fd00:1::/64"]);
        Assert.Null(WebhookAddresses.Refusal(IPAddress.Parse("10.20.3.4"), allowed));
        Assert.Null(WebhookAddresses.Refusal(IPAddress.Parse("::ffff:10.20.3.4"), allowed));
        Assert.Null(WebhookAddresses.Refusal(IPAddress.Parse("fd00:1::5"), allowed));
        Assert.NotNull(WebhookAddresses.Refusal(IPAddress.Parse("10.21.0.1"), allowed));
        Assert.NotNull(WebhookAddresses.Refusal(IPAddress.Parse("127.0.0.1"), allowed));
        Assert.NotNull(WebhookAddresses.Refusal(IPAddress.Parse("fd00:2::5"), allowed));
    }

    [Fact]
    public async Task a_host_is_refused_when_any_of_its_addresses_is_inside_and_accepted_when_all_are_public_or_it_resolves_to_none()
    {
        var names = new Dictionary<string, IPAddress[]>
        {
            ["public.example"] = [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("2606:2800:220:1::1")],
            ["mixed.example"] = [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("10.0.0.7")],
        };
        var addresses = new WebhookAddresses((host, _) => names.TryGetValue(host, out var found) ? Task.FromResult(found) : throw new SocketException((int)SocketError.HostNotFound));
        Assert.Null(await addresses.RefusalAsync(new Uri("https://public.example/hook"), [], Ct));
        Assert.Contains("private", await addresses.RefusalAsync(new Uri("https://mixed.example/hook"), [], Ct), StringComparison.Ordinal);
        Assert.Contains("loopback", await addresses.RefusalAsync(new Uri("http://127.0.0.1:9/hook"), [], Ct), StringComparison.Ordinal);
        Assert.Contains("loopback", await addresses.RefusalAsync(new Uri("http://[::1]:9/hook"), [], Ct), StringComparison.Ordinal);
        Assert.Null(await addresses.RefusalAsync(new Uri("https://nowhere.example/hook"), [], Ct));
    }

    /// <summary>A resolver the test controls: names to addresses, changed at will, counting the questions.</summary>
    private sealed class Resolver
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, IPAddress[]> _names = [];
        private readonly Dictionary<string, int> _asked = [];
        private TaskCompletionSource _askedAgain = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Set(string host, params string[] addresses)
        {
            lock (_gate)
            {
                _names[host] = [.. addresses.Select(IPAddress.Parse)];
            }
        }

        public int Asked(string host)
        {
            lock (_gate)
            {
                return _asked.GetValueOrDefault(host);
            }
        }

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _asked[host] = _asked.GetValueOrDefault(host) + 1;
                _askedAgain.TrySetResult();
                _askedAgain = new(TaskCreationOptions.RunContinuationsAsynchronously);
                return _names.TryGetValue(host, out var found) ? Task.FromResult(found) : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
            }
        }

        /// <summary>Returns once <paramref name="host"/> has been asked at least <paramref name="count"/> times (or the test's time is up).</summary>
        public async Task UntilAskedAsync(string host, int count)
        {
            while (true)
            {
                Task next;
                lock (_gate)
                {
                    if (_asked.GetValueOrDefault(host) >= count)
                    {
                        return;
                    }

                    next = _askedAgain.Task;
                }

                await next.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            }
        }
    }

    private static Task<RunningServer> StartAsync(Resolver resolver, string agreement) =>
        RunningServer.StartAsync(demo: false, agreements: [agreement], configure: o => o with
        {
            WebhookResolver = resolver.ResolveAsync,
            WebhookRetryInitial = TimeSpan.FromMilliseconds(20),
            WebhookRetryMax = TimeSpan.FromMilliseconds(100),
            WebhookPollInterval = TimeSpan.FromMilliseconds(100),
        });

    private static string Subscription(string webhook) =>
        $$"""{"area":{{Area}},"start":"2026-01-01T00:00:00Z","end":null,"kinds":[],"webhook":"{{webhook}}"}""";

    private static async Task<HttpResponseMessage> SubscribeAsync(RunningServer server, string party, string webhook)
    {
        using var client = server.Client(party, Roles.Monitor, agreement: Agreement);
        return await client.PostAsync($"/v1/agreements/{Agreement}/subscriptions", new StringContent(Subscription(webhook), Encoding.UTF8, "application/json"), Ct);
    }

    [Fact]
    public async Task a_subscription_whose_webhook_resolves_inside_the_centers_network_is_refused_naming_the_field_and_nothing_is_stored()
    {
        var resolver = new Resolver();
        resolver.Set("hooks.inside.example", "10.1.2.3");
        resolver.Set("mixed.example", "93.184.216.34", "192.168.1.1");
        resolver.Set("v6.inside.example", "fd00::1");
        resolver.Set("metadata.example", "169.254.169.254");
        resolver.Set("mapped.example", "::ffff:127.0.0.1");
        resolver.Set("hooks.aid.example", "127.0.0.1");
        await using var server = await StartAsync(resolver,
            """{"id":"pact","parties":[{"id":"blue"},{"id":"red"},{"id":"aid","webhook_networks":["127.0.0.0/8"]}]}""");

        string[] refused =
        [
            "https://hooks.inside.example/parley", "https://mixed.example/parley", "https://v6.inside.example/parley",
            "https://metadata.example/latest", "https://mapped.example/parley", "http://127.0.0.1:9/parley", "http://[::1]:9/parley",
            "https://hooks.aid.example/parley",
        ];
        foreach (var webhook in refused)
        {
            using var response = await SubscribeAsync(server, "blue", webhook);
            var problem = await Problem.AssertAsync(response, 400);
            Assert.True(Problem.FirstField(problem) == "webhook", $"{webhook}: {problem}");
            Assert.DoesNotContain("10.1.2.3", problem.GetRawText(), StringComparison.Ordinal);
        }

        using var blue = server.Client("blue", Roles.Monitor, agreement: Agreement);
        var list = await blue.GetFromJsonAsync<JsonElement>($"/v1/agreements/{Agreement}/subscriptions", Ct);
        Assert.Equal(0, list.GetProperty("subscriptions").GetArrayLength());

        // The network the agreement names for aid is aid's alone.
        using var allowed = await SubscribeAsync(server, "aid", "https://hooks.aid.example/parley");
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }

    [Fact]
    public async Task a_host_that_resolves_outside_when_subscribing_and_inside_when_delivering_gets_no_connection()
    {
        // A listener on loopback stands for the inside service the rebinding host points at; it counts connections.
        using var inside = new TcpListener(IPAddress.Loopback, 0);
        inside.Start();
        int port = ((IPEndPoint)inside.LocalEndpoint).Port;
        int connections = 0;
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var accepted = await inside.AcceptTcpClientAsync(Ct);
                    Interlocked.Increment(ref connections);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // The listener stopped.
            }
        }, Ct);

        var resolver = new Resolver();
        resolver.Set("rebind.example", "93.184.216.34");
        await using var server = await StartAsync(resolver, """{"id":"pact","parties":[{"id":"blue"},{"id":"red"}]}""");
        using var subscribed = await SubscribeAsync(server, "blue", $"https://rebind.example:{port}/parley");
        Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        Assert.Equal(1, resolver.Asked("rebind.example"));

        // From now on the name points inside; then red declares a public zone in blue's area, an event for blue.
        resolver.Set("rebind.example", "127.0.0.1");
        using var red = server.Client("red", agreement: Agreement);
        var zone = Json.Feature("site-1", Json.Box(10.2, 10.2, 10.3, 10.3), """{"kind":"protected","start":"2026-01-01T00:00:00Z","visibility":"public"}""");
        using var declared = await red.PostAsync($"/v1/agreements/{Agreement}/zones", RunningServer.GeoJson(zone), Ct);
        Assert.Equal(HttpStatusCode.Created, declared.StatusCode);
        var events = await server.App.Services.GetRequiredService<IEventStore>().ReadEventsAsync(new AgreementId(Agreement), new PartyId("blue"), 0, 10, Ct);
        Assert.NotEmpty(events);

        // Delivery asks for the name at each attempt, finds it inside and never connects.
        await resolver.UntilAskedAsync("rebind.example", 4);
        Assert.Equal(0, Volatile.Read(ref connections));
        inside.Stop();
        await accepting;
        Assert.Equal(0, connections);
    }
}
