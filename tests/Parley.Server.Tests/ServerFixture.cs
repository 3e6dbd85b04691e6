using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Parley.Server;
using Parley.Server.Security;

namespace Parley.Server.Tests;

/// <summary>A real Parley server on a loopback port with its own data folder and the demo agreement.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(WebApplication app, string dataDirectory, bool ownsDirectory)
    {
        App = app;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
        BaseAddress = new Uri(app.Urls.First());
    }

    private readonly bool _ownsDirectory;

    public WebApplication App { get; }

    public string DataDirectory { get; }

    public Uri BaseAddress { get; }

    public static async Task<RunningServer> StartAsync(string? dataDirectory = null, bool demo = true, IReadOnlyList<string>? agreementFiles = null,
        Action<Microsoft.Extensions.Logging.ILoggingBuilder>? configureLogging = null)
    {
        bool owns = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "parley-server-tests-" + Guid.NewGuid().ToString("N"));
        var app = await ParleyApp.StartAsync(new ParleyServerOptions
        {
            DataDirectory = dataDirectory,
            Urls = "http://127.0.0.1:0",
            Demo = demo,
            AgreementFiles = agreementFiles ?? [],
            ConsoleLogging = false,
            ConfigureLogging = configureLogging,
        });
        return new RunningServer(app, dataDirectory, owns);
    }

    public string Token(string party, string role = Roles.Operator, string agreement = "demo") =>
        TokenKeys.Issue(DataDirectory, agreement, party, role, TimeSpan.FromHours(1));

    /// <summary>A client for <paramref name="party"/> (none: anonymous) whose writes are signed with its development key unless <paramref name="sign"/> is false.</summary>
    public HttpClient Client(string? party = null, string role = Roles.Operator, bool sign = true, string agreement = "demo") =>
        party is null ? new HttpClient { BaseAddress = BaseAddress } : SigningHandler.Client(BaseAddress, DataDirectory, agreement, party, role, sign);

    public static StringContent GeoJson(string json) => new(json, Encoding.UTF8, "application/geo+json");

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (_ownsDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A handle still closing; the temp folder is cleaned by the OS later.
            }
        }
    }
}

/// <summary>Signs every write (POST, PUT, DELETE) with the party's development submission key, as <c>parley</c> does.</summary>
public sealed class SigningHandler(SubmissionKey key, string agreement) : DelegatingHandler(new HttpClientHandler())
{
    /// <summary>A client with a token of <paramref name="party"/> for <paramref name="agreement"/> on a server's data folder.</summary>
    public static HttpClient Client(Uri baseAddress, string dataDirectory, string agreement, string party, string role = Roles.Operator, bool sign = true)
    {
        var client = sign
            ? new HttpClient(new SigningHandler(DevelopmentKeys.For(dataDirectory, agreement, party), agreement)) { BaseAddress = baseAddress }
            : new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenKeys.Issue(dataDirectory, agreement, party, role, TimeSpan.FromHours(1)));
        return client;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head && !request.Headers.Contains(SignedRequests.SignatureHeader))
        {
            try
            {
                await SignedRequests.SignAsync(request, agreement, key, DateTimeOffset.UtcNow, cancellationToken);
            }
            catch (Parley.Core.InputRejectedException)
            {
                // A body with no canonical form cannot be signed: send well-formed headers so that the server
                // judges the body itself.
                request.Headers.Add(SignedRequests.SignatureHeader, Convert.ToBase64String(new byte[64]));
                request.Headers.Add(SignedRequests.TimestampHeader, SignedRequests.Timestamp(DateTimeOffset.UtcNow));
                request.Headers.Add(SignedRequests.NonceHeader, SignedRequests.NewNonce());
            }
        }

        return await base.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            key.Dispose();
        }

        base.Dispose(disposing);
    }
}