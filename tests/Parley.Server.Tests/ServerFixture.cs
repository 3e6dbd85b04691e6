using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Parley.Server;
using Parley.Server.Configuration;
using Parley.Server.Security;

namespace Parley.Server.Tests;

/// <summary>A real Parley server on a loopback port with its own data folder and the demo agreement.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(WebApplication app, string dataDirectory, bool ownsDirectory, Contract.AnswerRecorder answers)
    {
        App = app;
        Answers = answers;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
        BaseAddress = new Uri(app.Urls.First());
    }

    private readonly bool _ownsDirectory;

    public WebApplication App { get; }

    public string DataDirectory { get; }

    public Uri BaseAddress { get; }

    /// <summary>Every answer this server sent, checked against docs/openapi.json; disposing the server fails on any violation.</summary>
    public Contract.AnswerRecorder Answers { get; }

    /// <summary>Starts a server; <paramref name="agreements"/> are agreement texts loaded at start-up (besides <paramref name="agreementFiles"/>), <paramref name="time"/> its clock.</summary>
    /// <param name="dataDirectory">The data folder; a new temporary one when null.</param>
    /// <param name="demo">Whether to load the demo agreement.</param>
    /// <param name="agreementFiles">Agreement files to load.</param>
    /// <param name="time">The server's clock.</param>
    /// <param name="agreements">Agreement texts to load.</param>
    /// <param name="configure">Changes to the options, e.g. tighter request limits.</param>
    /// <param name="configureLogging">Adds logging providers, e.g. to capture every line.</param>
    public static async Task<RunningServer> StartAsync(string? dataDirectory = null, bool demo = true, IReadOnlyList<string>? agreementFiles = null,
        TimeProvider? time = null, IReadOnlyList<string>? agreements = null, Func<ParleyServerOptions, ParleyServerOptions>? configure = null,
        Action<Microsoft.Extensions.Logging.ILoggingBuilder>? configureLogging = null)
    {
        bool owns = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "parley-server-tests-" + Guid.NewGuid().ToString("N"));
        var files = new List<string>();
        foreach (var text in agreements ?? [])
        {
            Directory.CreateDirectory(dataDirectory);
            var file = Path.Combine(dataDirectory, $"agreement-{files.Count}.json");
            await File.WriteAllTextAsync(file, text);
            files.Add(file);
        }

        var options = new ParleyServerOptions
        {
            DataDirectory = dataDirectory,
            Urls = "http://127.0.0.1:0",
            Demo = demo,
            ConsoleLogging = false,
            AgreementFiles = [.. agreementFiles ?? [], .. files],
            Time = time,
            ConfigureLogging = configureLogging,
        };
        var answers = new Contract.AnswerRecorder();
        var configured = configure is null ? options : configure(options);
        var app = await ParleyApp.StartAsync(answers.Watch(configured));
        return new RunningServer(app, dataDirectory, owns, answers);
    }

    /// <summary>The server's clock: its clients sign and take tokens at its time.</summary>
    private TimeProvider? Time => App.Services.GetService(typeof(TimeProvider)) as TimeProvider;

    // Long-lived tokens: tests that move a fake clock forward by a day still hold valid ones.
    public string Token(string party, string role = Roles.Operator, string agreement = "demo") =>
        TokenKeys.Issue(DataDirectory, agreement, party, role, TimeSpan.FromDays(30), Time);

    /// <summary>A client for <paramref name="party"/> (none: anonymous) whose writes are signed with its development key unless <paramref name="sign"/> is false.</summary>
    public HttpClient Client(string? party = null, string role = Roles.Operator, bool sign = true, string agreement = "demo") =>
        party is null ? new HttpClient { BaseAddress = BaseAddress }
            : SigningHandler.Client(BaseAddress, DataDirectory, agreement, party, role, sign, Time);

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

        // The document is the contract: an answer it does not describe fails the test that received it.
        Answers.AssertDescribed();
    }
}

/// <summary>Signs every write (POST, PUT, DELETE) with the party's development submission key, as <c>parley</c> does.</summary>
public sealed class SigningHandler(SubmissionKey key, string agreement, TimeProvider time) : DelegatingHandler(Transport())
{
    /// <summary>
    /// The HTTP handler under the clients: a request sent with <c>Expect: 100-continue</c> waits for the server's answer
    /// however loaded the machine, where the default second would send a refused body into a closed connection.
    /// </summary>
    public static SocketsHttpHandler Transport() => new() { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) };

    /// <summary>
    /// A client with a token of <paramref name="party"/> for <paramref name="agreement"/> on a server's data folder, signing
    /// with the server's clock <paramref name="time"/> (a fake one in tests that move time). Tokens last 30 days, so tests
    /// that move a fake clock forward keep valid ones.
    /// </summary>
    public static HttpClient Client(Uri baseAddress, string dataDirectory, string agreement, string party, string role = Roles.Operator, bool sign = true, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var client = sign
            ? new HttpClient(new SigningHandler(DevelopmentKeys.For(dataDirectory, agreement, party), agreement, time)) { BaseAddress = baseAddress }
            : new HttpClient(Transport()) { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenKeys.Issue(dataDirectory, agreement, party, role, TimeSpan.FromDays(30), time));
        return client;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head && !request.Headers.Contains(SignedRequests.SignatureHeader))
        {
            try
            {
                await SignedRequests.SignAsync(request, agreement, key, time.GetUtcNow(), cancellationToken);
            }
            catch (Parley.Core.InputRejectedException)
            {
                // A body with no canonical form cannot be signed: send well-formed headers so that the server
                // judges the body itself.
                request.Headers.Add(SignedRequests.SignatureHeader, Convert.ToBase64String(new byte[64]));
                request.Headers.Add(SignedRequests.TimestampHeader, SignedRequests.Timestamp(time.GetUtcNow()));
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