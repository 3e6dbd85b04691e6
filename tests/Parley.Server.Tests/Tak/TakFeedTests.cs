using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Parley.Server.Configuration;
using Parley.Server.Tak;

namespace Parley.Server.Tests.Tak;

/// <summary>
/// The TAK feed (<c>--cot-listen</c>), read by a TAK client's way of reading it: the initial picture is the API's picture,
/// changes and deletions follow, another party's private zone never comes, and TLS admits only the certificates it knows.
/// </summary>
public sealed class TakFeedTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private RunningServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await RunningServer.StartAsync(configure: o => o with
        {
            Cot = new CotFeedOptions
            {
                Listeners = [CotListener.Parse("demo/red@127.0.0.1:0"), CotListener.Parse("blue@127.0.0.1:0")],
            },
        });
        using var blue = _server.Client("blue");
        await Created(blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Json.Zone("t-blue-secret", "protected", Json.Box(31.0, 31.0, 31.1, 31.1), ""","name":"TakSecretWard","visibility":"private" """)), Ct));
        await Created(blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Json.Zone("t-blue-public", "restricted", """{"type":"Point","coordinates":[31.5,31.5]}""", ""","radius_m":1500,"alt_min_m":200,"alt_max_m":900,"visibility":"public" """)), Ct));
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static async Task Created(Task<HttpResponseMessage> send)
    {
        using var response = await send;
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
    }

    private async Task<(TcpClient Client, CotReader Reader)> ConnectAsync(int listener)
    {
        var endpoint = _server.App.Services.GetRequiredService<CotFeed>().Endpoints[listener];
        var client = new TcpClient();
        await client.ConnectAsync(endpoint, Ct);
        return (client, new CotReader(client.GetStream()));
    }

    [Fact]
    public async Task on_connect_the_feed_draws_exactly_the_zones_and_live_operations_the_api_shows_the_party_with_their_bands()
    {
        var (client, reader) = await ConnectAsync(0);
        using (client)
        {
            var items = await reader.ReadUntilIdleAsync(TimeSpan.FromMilliseconds(700), Wait);
            using var red = _server.Client("red");
            var zones = (await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/zones", Ct)).GetProperty("features").EnumerateArray().ToList();
            var operations = (await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations", Ct)).GetProperty("features").EnumerateArray()
                .Where(o => o.GetProperty("properties").GetProperty("state").GetString() is "proposed" or "accepted" or "awaiting-concurrence" or "concurred" or "active").ToList();
            var now = DateTimeOffset.UtcNow;
            bool Current(JsonElement f) => f.GetProperty("properties").GetProperty("end").ValueKind == JsonValueKind.Null ||
                DateTimeOffset.Parse(f.GetProperty("properties").GetProperty("end").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > now;

            var expected = zones.Where(Current).Select(f => ("parley.demo.zone." + f.GetProperty("id").GetString(), f))
                .Concat(operations.Where(Current).Select(f => ("parley.demo.operation." + f.GetProperty("id").GetString(), f))).ToDictionary(x => x.Item1, x => x.f);
            Assert.NotEmpty(expected);
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), items.Select(i => i.Uid.Split(".p")[0]).Distinct().Order(StringComparer.Ordinal));
            Assert.DoesNotContain(items, i => i.Xml.Contains("TakSecretWard", StringComparison.Ordinal) || i.Uid.Contains("t-blue-secret", StringComparison.Ordinal));

            foreach (var item in items)
            {
                var feature = expected[item.Uid.Split(".p")[0]];
                var properties = feature.GetProperty("properties");
                var geometry = feature.GetProperty("geometry");
                Assert.Equal(properties.TryGetProperty("alt_min_m", out var min) ? min.GetDouble() : null, item.MinElevation);
                Assert.Equal(properties.TryGetProperty("alt_max_m", out var max) ? max.GetDouble() : null, item.MaxElevation);
                if (properties.GetProperty("end").ValueKind == JsonValueKind.String)
                {
                    Assert.Equal(DateTimeOffset.Parse(properties.GetProperty("end").GetString()!, System.Globalization.CultureInfo.InvariantCulture), item.Stale);
                }
                else
                {
                    Assert.InRange(item.Stale - now, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(11));
                }

                switch (geometry.GetProperty("type").GetString())
                {
                    case "Point":
                        Assert.Equal("u-d-c-c", item.Type);
                        Assert.Equal(properties.GetProperty("radius_m").GetDouble(), item.Radius!.Value, 3);
                        Assert.Equal(geometry.GetProperty("coordinates")[0].GetDouble(), item.Lon, 7);
                        Assert.Equal(geometry.GetProperty("coordinates")[1].GetDouble(), item.Lat, 7);
                        break;
                    case "Polygon":
                        // The links are the shell as declared, lat,lon, closed (its turning may be reversed to counter-clockwise).
                        Assert.Equal("u-d-f", item.Type);
                        var shell = geometry.GetProperty("coordinates")[0].EnumerateArray().Select(p => (p[1].GetDouble(), p[0].GetDouble())).ToList();
                        Assert.Equal(item.Links[0], item.Links[^1]);
                        Assert.True(shell.SequenceEqual(item.Links) || shell.AsEnumerable().Reverse().SequenceEqual(item.Links), item.Xml);
                        break;
                    default:
                        Assert.Equal("u-d-f", item.Type);
                        Assert.True(item.Links.Count >= 8);
                        break;
                }
            }
        }
    }

    [Fact]
    public async Task a_declared_zone_is_pushed_and_a_withdrawn_one_deleted_while_another_partys_private_zone_never_comes()
    {
        var (client, reader) = await ConnectAsync(0);
        using (client)
        {
            await reader.ReadUntilIdleAsync(TimeSpan.FromMilliseconds(500), Wait);
            using var blue = _server.Client("blue");
            await Created(blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Json.Zone("t-new-private", "protected", Json.Box(32.0, 32.0, 32.1, 32.1), ""","name":"TakHiddenNew","visibility":"private" """)), Ct));
            await Created(blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Json.Zone("t-new-public", "designated", Json.Box(32.2, 32.2, 32.3, 32.3), ""","alt_max_m":1200,"visibility":"public" """)), Ct));

            var pushed = await reader.FirstAsync(i => i.Uid == "parley.demo.zone.t-new-public", Wait);
            Assert.NotNull(pushed);
            Assert.Equal("u-d-f", pushed.Type);
            Assert.Equal(1200, pushed.MaxElevation);

            using (var delete = await blue.DeleteIfMatchAsync("/v1/agreements/demo/zones/t-new-public", Ct))
            {
                Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
            }

            var deleted = await reader.FirstAsync(i => i.Type == "t-x-d-d", Wait);
            Assert.NotNull(deleted);
            Assert.Equal("parley.demo.zone.t-new-public", deleted.Deletes);
            Assert.Contains("__forcedelete", deleted.Xml, StringComparison.Ordinal);

            // Nothing else came meanwhile: the private zone was never sent.
            var rest = await reader.ReadUntilIdleAsync(TimeSpan.FromMilliseconds(700), TimeSpan.FromMilliseconds(700));
            Assert.DoesNotContain(rest, i => i.Xml.Contains("TakHiddenNew", StringComparison.Ordinal) || i.Xml.Contains("t-new-private", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task a_zone_that_stops_being_visible_is_deleted_and_its_owner_keeps_it()
    {
        var (redClient, red) = await ConnectAsync(0);
        var (blueClient, blue) = await ConnectAsync(1);
        using (redClient)
        using (blueClient)
        {
            Assert.Contains(await red.ReadUntilIdleAsync(TimeSpan.FromMilliseconds(500), Wait), i => i.Uid == "parley.demo.zone.t-blue-public");
            Assert.Contains(await blue.ReadUntilIdleAsync(TimeSpan.FromMilliseconds(500), Wait), i => i.Uid == "parley.demo.zone.t-blue-secret");

            using var owner = _server.Client("blue");
            using var replace = new HttpRequestMessage(HttpMethod.Put, "/v1/agreements/demo/zones/t-blue-public")
            {
                Content = RunningServer.GeoJson(Json.Zone("t-blue-public", "restricted", """{"type":"Point","coordinates":[31.5,31.5]}""", ""","radius_m":1500,"visibility":"private" """)),
            };
            replace.Headers.TryAddWithoutValidation("If-Match", "*");
            using (var response = await owner.SendAsync(replace, Ct))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            var deleted = await red.FirstAsync(i => i.Type == "t-x-d-d", Wait);
            Assert.Equal("parley.demo.zone.t-blue-public", deleted?.Deletes);
            var redrawn = await blue.FirstAsync(i => i.Uid == "parley.demo.zone.t-blue-public", Wait);
            Assert.NotNull(redrawn);
            Assert.Null(redrawn.MaxElevation);
        }
    }

    [Fact]
    public async Task over_tls_a_known_client_certificate_gets_its_partys_picture_and_an_unknown_one_is_refused()
    {
        string folder = Path.Combine(_server.DataDirectory, "tak-tls");
        Directory.CreateDirectory(folder);
        using var serverCert = SelfSigned("CN=parley.test");
        using var redCert = SelfSigned("CN=red-tak");
        using var strangerCert = SelfSigned("CN=stranger");
        string pfx = Path.Combine(folder, "server.pfx");
        await File.WriteAllBytesAsync(pfx, serverCert.Export(X509ContentType.Pkcs12), Ct);

        await using var tls = await RunningServer.StartAsync(configure: o => o with
        {
            CertificatePath = pfx,
            Cot = new CotFeedOptions
            {
                Listeners = [CotListener.Parse("127.0.0.1:0")],
                Clients = [CotClient.Parse($"{Convert.ToHexString(SHA256.HashData(redCert.RawData))}=demo/red")],
            },
        });
        var endpoint = tls.App.Services.GetRequiredService<CotFeed>().Endpoints[0];

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(endpoint, Ct);
            await using var stream = new SslStream(client.GetStream());
            await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "parley.test",
                ClientCertificates = [redCert],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString(HashAlgorithmName.SHA256) == serverCert.GetCertHashString(HashAlgorithmName.SHA256),
            }, Ct);
            var items = await new CotReader(stream).ReadUntilIdleAsync(TimeSpan.FromMilliseconds(500), Wait);
            Assert.NotEmpty(items);
            Assert.All(items, i => Assert.StartsWith("parley.demo.", i.Uid, StringComparison.Ordinal));
        }

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(endpoint, Ct);
            await using var stream = new SslStream(client.GetStream());
            var refused = await Record.ExceptionAsync(async () =>
            {
                await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "parley.test",
                    ClientCertificates = [strangerCert],
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                }, Ct);
                // TLS 1.3 may finish the client's side before the server refuses: then nothing is ever sent.
                Assert.Null(await new CotReader(stream).NextAsync(TimeSpan.FromSeconds(2)));
            });
            Assert.True(refused is null or System.Security.Authentication.AuthenticationException or IOException, refused?.ToString());
        }
    }

    [Fact]
    public async Task an_item_whose_window_ends_is_deleted_from_the_feed_when_the_clock_passes_its_end()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await RunningServer.StartAsync(time: clock, configure: o => o with
        {
            Cot = new CotFeedOptions { Listeners = [CotListener.Parse("demo/red@127.0.0.1:0")] },
        });
        var end = clock.GetUtcNow().AddHours(1);
        using var blue = server.Client("blue");
        string properties = "{\"kind\":\"restricted\",\"start\":\"2026-01-01T00:00:00Z\",\"end\":\"" +
            end.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) + "\",\"visibility\":\"public\"}";
        await Created(blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Json.Feature("t-ending", Json.Box(33.0, 33.0, 33.1, 33.1), properties)), Ct));

        using var client = new TcpClient();
        await client.ConnectAsync(server.App.Services.GetRequiredService<CotFeed>().Endpoints[0], Ct);
        var reader = new CotReader(client.GetStream());
        var drawn = Assert.Single(await reader.ReadUntilIdleAsync(TimeSpan.FromMilliseconds(500), Wait), i => i.Uid == "parley.demo.zone.t-ending");
        Assert.Equal(end.UtcDateTime, drawn.Stale.UtcDateTime, TimeSpan.FromSeconds(1));

        // The feed looks again when its poll timer, on the server's clock, fires: past the end, the drawing goes.
        clock.Advance(TimeSpan.FromHours(2));
        var deleted = await reader.FirstAsync(i => i.Type == "t-x-d-d" && i.Deletes == "parley.demo.zone.t-ending", Wait);
        Assert.NotNull(deleted);
    }

    [Theory]
    [InlineData("blue@0.0.0.0:0", "plain TCP is only allowed on loopback")]
    [InlineData("127.0.0.1:0", "TLS needs the server's --certificate")]
    public void a_feed_in_the_clear_beyond_loopback_or_tls_without_certificates_is_refused_at_start(string listen, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => CotFeed.Validate(new ParleyServerOptions { Cot = new CotFeedOptions { Listeners = [CotListener.Parse(listen)] } }));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
