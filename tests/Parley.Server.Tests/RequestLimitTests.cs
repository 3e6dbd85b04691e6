using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Workflow;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Server.Theaters;
using Parley.Storage.Sqlite;

namespace Parley.Server.Tests;

/// <summary>Per-party rate limits and request time limits answer with problem documents.</summary>
[Collection(nameof(WallClockCollection))]
public sealed class RequestLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<RunningServer> StartAsync(int perSecond = 1, int burst = 5, TimeSpan? timeout = null) =>
        RunningServer.StartAsync(configure: o => o with
        {
            RateLimitPerSecond = perSecond,
            RateLimitBurst = burst,
            RequestTimeout = timeout ?? o.RequestTimeout,
        });

    [Fact]
    public async Task a_party_over_its_rate_gets_429_with_retry_after_and_a_problem_while_another_party_is_served()
    {
        await using var server = await StartAsync();
        using var red = server.Client("red");
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await red.GetAsync("/v1/agreements/demo/zones", Ct)).StatusCode);
        }

        HttpResponseMessage? refused = null;
        for (int i = 0; i < 10 && refused is null; i++)
        {
            var response = await red.GetAsync("/v1/agreements/demo/zones", Ct);
            refused = response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.NotNull(refused);
        var problem = await Problem.AssertAsync(refused, 429);
        Assert.EndsWith("/rate-limited", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        var retryAfter = Assert.Single(refused.Headers.GetValues("Retry-After"));
        Assert.InRange(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, 60);

        // Another role of the same party draws on the same bucket; another party has its own.
        using var redMonitor = server.Client("red", Parley.Server.Security.Roles.Monitor);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await redMonitor.GetAsync("/v1/agreements/demo/zones", Ct)).StatusCode);
        using var blue = server.Client("blue");
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await blue.GetAsync("/v1/agreements/demo/zones", Ct)).StatusCode);
        }

        // Health is never limited.
        using var anonymous = server.Client();
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health", Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task calls_without_a_valid_token_are_limited_per_address_apart_from_the_parties()
    {
        await using var server = await StartAsync();
        using var forger = server.Client();
        forger.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-jwt");
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 12; i++)
        {
            statuses.Add((await forger.GetAsync("/v1/agreements/demo/zones", Ct)).StatusCode);
        }

        Assert.All(statuses.Take(5), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);

        using var blue = server.Client("blue");
        Assert.Equal(HttpStatusCode.OK, (await blue.GetAsync("/v1/agreements/demo/zones", Ct)).StatusCode);
    }

    [Fact]
    public async Task a_request_whose_body_arrives_too_slowly_gets_a_503_problem_and_writes_nothing()
    {
        await using var server = await StartAsync(perSecond: 1000, burst: 1000, timeout: TimeSpan.FromMilliseconds(300));
        using var blue = server.Client("blue", sign: false);
        var zone = Json.Zone("slow-zone-1", "protected", Json.Box(3, 3, 3.1, 3.1));

        // Signed over the bytes first, so that the slow body itself is not read ahead by the client.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/agreements/demo/zones") { Content = RunningServer.GeoJson(zone) };
        using (var key = Parley.Server.Security.DevelopmentKeys.For(server.DataDirectory, "demo", "blue"))
        {
            await Parley.Server.Security.SignedRequests.SignAsync(request, "demo", key, DateTimeOffset.UtcNow, Ct);
        }

        // A real pause, ten times the limit: the request time limit is ASP.NET Core's own timer, which no clock of the
        // test drives, and the pause is the slow client itself.
        using var content = new SlowContent(Encoding.UTF8.GetBytes(zone), TimeSpan.FromSeconds(3));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/geo+json");
        request.Content = content;
        var response = await blue.SendAsync(request, Ct);

        var problem = await Problem.AssertAsync(response, 503);
        Assert.EndsWith("/timeout", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.NotFound, (await blue.GetAsync("/v1/agreements/demo/zones/slow-zone-1", Ct)).StatusCode);

        // The server goes on serving.
        Assert.Equal(HttpStatusCode.OK, (await blue.GetAsync("/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task a_write_whose_request_times_out_once_its_commit_has_started_is_finished_whole()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-timeout-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var timeout = new CancellationTokenSource();
            await using var store = new CancelOnCommit(new SqliteStore(Path.Combine(data, "parley.db")), timeout);
            var registry = new TheaterRegistry(store, new byte[32], "test.center", TimeProvider.System);
            await registry.InitializeAsync(Ct);
            var agreement = await registry.PutAgreementAsync("""{"id":"p","parties":[{"id":"a"}]}""", Ct);
            using var doc = FeatureReader.ParseJson(Encoding.UTF8.GetBytes(
                Json.Zone("z1", "protected", Json.Box(0, 0, 1, 1)).Replace("\"start\"", "\"owner\":\"a\",\"start\"", StringComparison.Ordinal)));
            var zone = FeatureReader.ReadZones(doc.RootElement, agreement)[0];

            // The request's token fires as the commit starts, as a time limit would: the write still lands, in memory and on disk.
            store.Armed = true;
            await registry.WriteAsync(agreement.Id, (t, now) => (Lifecycle.DeclareZones(t, zone.Owner, [zone], now), 0), timeout.Token);

            Assert.True(timeout.IsCancellationRequested);
            Assert.False(store.CommitTokenCouldBeCancelled);
            Assert.NotNull(await registry.ReadAsync(agreement.Id, t => t.FindZone(new ZoneId("z1")), Ct));
            Assert.Single(await store.LoadZonesAsync(agreement, Ct));
            Assert.Equal(2, await registry.ReadLedgerAsync(agreement.Id, l => l.Tree.Size, Ct));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>A store that cancels the request's token when a commit starts, and notes the token the commit was given.</summary>
    private sealed class CancelOnCommit(IParleyStore inner, CancellationTokenSource request) : DelegatingStore(inner)
    {
        public bool Armed { get; set; }

        public bool CommitTokenCouldBeCancelled { get; private set; }

        private CancellationTokenSource Request => request;

        public override async Task<IAgreementWrite> BeginWriteAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
            new Watched(await Inner.BeginWriteAsync(agreement, cancellationToken), this);

        private sealed class Watched(IAgreementWrite inner, CancelOnCommit store) : DelegatingWrite(inner)
        {
            public override async Task CommitAsync(IReadOnlyList<Commit> batch, CancellationToken cancellationToken = default)
            {
                if (store.Armed)
                {
                    await store.Request.CancelAsync();
                    store.CommitTokenCouldBeCancelled = cancellationToken.CanBeCanceled;
                }

                await Inner.CommitAsync(batch, cancellationToken);
            }
        }
    }

    /// <summary>Sends the first half of a body, pauses, then the rest.</summary>
    private sealed class SlowContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly TimeSpan _pause;

        public SlowContent(byte[] body, TimeSpan pause)
        {
            _body = body;
            _pause = pause;
            Headers.ContentType = new MediaTypeHeaderValue("application/geo+json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            int half = _body.Length / 2;
            await stream.WriteAsync(_body.AsMemory(0, half), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await Task.Delay(_pause, cancellationToken);
            await stream.WriteAsync(_body.AsMemory(half), cancellationToken);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return true;
        }
    }
}
