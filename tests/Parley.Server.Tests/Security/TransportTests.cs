using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Parley.Server.Configuration;

namespace Parley.Server.Tests.Security;

/// <summary>Deployments listen on https:// with a configured certificate; plain HTTP stays on loopback.</summary>
public sealed class TransportTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _data = Path.Combine(Path.GetTempPath(), "parley-tls-" + Guid.NewGuid().ToString("N"));

    public TransportTests() => Directory.CreateDirectory(_data);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    private (string Certificate, string Key, string Thumbprint) SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=parley.test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        string certificatePath = Path.Combine(_data, "tls.crt"), keyPath = Path.Combine(_data, "tls.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath, certificate.Thumbprint);
    }

    [Fact]
    public async Task the_server_serves_https_with_the_configured_certificate()
    {
        var (certificate, key, thumbprint) = SelfSigned();
        var answers = new Contract.AnswerRecorder();
        var app = await ParleyApp.StartAsync(answers.Watch(new ParleyServerOptions
        {
            DataDirectory = _data, Urls = "https://127.0.0.1:0", Demo = true, ConsoleLogging = false,
            CertificatePath = certificate, CertificateKeyPath = key,
        }), Ct);
        try
        {
            string? served = null;
            using var handler = new HttpClientHandler
            {
                // The client pins the test certificate: it is self-signed, so no chain would build.
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => (served = presented?.Thumbprint) == thumbprint,
            };
            using var client = new HttpClient(handler) { BaseAddress = new Uri(app.Urls.First()) };
            Assert.StartsWith("https://", app.Urls.First(), StringComparison.Ordinal);
            var health = await client.GetAsync("/health", Ct);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(thumbprint, served);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/agreements/demo/zones", Ct)).StatusCode);
            answers.AssertDescribed();
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("http://0.0.0.0:0", null, "plain HTTP")]
    [InlineData("https://127.0.0.1:0", null, "needs a certificate")]
    [InlineData("https://127.0.0.1:0", "missing.crt", "does not load")]
    public void an_address_without_the_transport_it_needs_is_refused_at_start(string urls, string? certificate, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => ParleyApp.Build(new ParleyServerOptions
        {
            DataDirectory = _data, Urls = urls, ConsoleLogging = false,
            CertificatePath = certificate is null ? null : Path.Combine(_data, certificate),
        }));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
