using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Ports;
using Parley.Server;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Configuration;

namespace Parley.Benchmarks.Throughput;

/// <summary>A write signed ahead of time: its body and the signature headers <c>SignedRequests.SignAsync</c> produced.</summary>
internal sealed record SignedWrite(int Party, byte[] Body, string Signature, string Timestamp, string Nonce, string Key)
{
    /// <summary>The submission as the server keeps it with the write (for in-process runs that record it the same way).</summary>
    public SignedSubmission ToSubmission(string path)
    {
        SignedRequests.TryParseTimestamp(Timestamp, out var time);
        byte[] message = SignedRequests.Message(DecisionWorkload.AgreementId, "POST", path, Timestamp, Nonce, Body);
        return new SignedSubmission(Key, Nonce, time, Convert.FromBase64String(Signature), message);
    }
}

/// <summary>
/// What a load is sent to: one or more Parley servers serving the benchmark agreement with the per-party rate limit
/// off, and the credentials of its two parties (bearer tokens, development submission keys) from the data folder
/// whose secrets they share.
/// </summary>
internal abstract class BenchTarget : IAsyncDisposable
{
    protected BenchTarget(string dataDirectory, IReadOnlyList<Uri> nodes)
    {
        DataDirectory = dataDirectory;
        Nodes = nodes;
        Tokens = [.. DecisionWorkload.Parties.Select(p => TokenKeys.Issue(dataDirectory, DecisionWorkload.AgreementId, p, Roles.Operator, TimeSpan.FromDays(1)))];
    }

    /// <summary>The data folder that holds the secrets the servers trust.</summary>
    public string DataDirectory { get; }

    /// <summary>Where each server listens.</summary>
    public IReadOnlyList<Uri> Nodes { get; }

    /// <summary>The address of the first server.</summary>
    public Uri BaseAddress => Nodes[0];

    /// <summary>An operator token per party, in <see cref="DecisionWorkload.Parties"/> order.</summary>
    public string[] Tokens { get; }

    /// <summary>How the load's path is named in the report: <c>http</c>, with the store and the nodes when they are not the embedded server's.</summary>
    public abstract string Label { get; }

    /// <summary>The server processes other than this one, whose CPU time counts with the run's.</summary>
    public virtual IReadOnlyList<System.Diagnostics.Process> Processes => [];

    /// <summary>A client for many concurrent requests to server <paramref name="node"/> (no connection limit, no cookies).</summary>
    public HttpClient Client(int node = 0) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    })
    {
        BaseAddress = Nodes[node],
        Timeout = TimeSpan.FromMinutes(2),
    };

    /// <summary>
    /// Signs every body for POST <paramref name="path"/> with its party's development submission key, through
    /// <see cref="SignedRequests.SignAsync"/> as a client would; in parallel, before any load starts.
    /// </summary>
    public SignedWrite[] Sign(IReadOnlyList<(int Party, string Body)> bodies, string path)
    {
        var result = new SignedWrite[bodies.Count];
        var progress = new Progress($"signing {bodies.Count:N0} writes", bodies.Count);
        int signed = 0;
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, bodies.Count, 2048), range =>
        {
            var keys = DecisionWorkload.Parties.Select(p => DevelopmentKeys.For(DataDirectory, DecisionWorkload.AgreementId, p)).ToArray();
            try
            {
                for (int i = range.Item1; i < range.Item2; i++)
                {
                    var (party, text) = bodies[i];
                    byte[] body = Encoding.UTF8.GetBytes(text);
                    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body) };
                    SignedRequests.SignAsync(request, DecisionWorkload.AgreementId, keys[party], DateTimeOffset.UtcNow).GetAwaiter().GetResult();
                    string Header(string name) => request.Headers.GetValues(name).Single();
                    result[i] = new SignedWrite(party, body, Header(SignedRequests.SignatureHeader), Header(SignedRequests.TimestampHeader),
                        Header(SignedRequests.NonceHeader), Header(SignedRequests.KeyHeader));
                }
            }
            finally
            {
                foreach (var key in keys)
                {
                    key.Dispose();
                }
            }

            int total = Interlocked.Add(ref signed, range.Item2 - range.Item1);
            lock (progress)
            {
                progress.Report(total);
            }
        });
        progress.Done();
        return result;
    }

    /// <summary>The request for a signed write, with its party's bearer token.</summary>
    public HttpRequestMessage Request(SignedWrite write, string path)
    {
        var content = new ByteArrayContent(write.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/geo+json");
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[write.Party]);
        request.Headers.TryAddWithoutValidation(SignedRequests.SignatureHeader, write.Signature);
        request.Headers.TryAddWithoutValidation(SignedRequests.TimestampHeader, write.Timestamp);
        request.Headers.TryAddWithoutValidation(SignedRequests.NonceHeader, write.Nonce);
        request.Headers.TryAddWithoutValidation(SignedRequests.KeyHeader, write.Key);
        return request;
    }

    public abstract ValueTask DisposeAsync();
}

/// <summary>A real Parley server in this process on a loopback port, on the embedded SQLite store in a temporary data folder.</summary>
internal sealed class BenchServer : BenchTarget
{
    private readonly WebApplication _app;

    private BenchServer(WebApplication app, string dataDirectory)
        : base(dataDirectory, [new Uri(app.Urls.First())])
    {
        _app = app;
    }

    public override string Label => "http";

    /// <summary>The server's theaters, for setting up state in process.</summary>
    public TheaterRegistry Registry => _app.Services.GetRequiredService<TheaterRegistry>();

    public static async Task<BenchServer> StartAsync()
    {
        string folder = Path.Combine(Path.GetTempPath(), "parley-decisions-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string agreementFile = Path.Combine(folder, "agreement.json");
        await File.WriteAllTextAsync(agreementFile, DecisionWorkload.AgreementText);
        var app = await ParleyApp.StartAsync(new ParleyServerOptions
        {
            DataDirectory = folder,
            Urls = "http://127.0.0.1:0",
            AgreementFiles = [agreementFile],
            RateLimitPerSecond = 0,
            ConsoleLogging = false,
        });
        return new BenchServer(app, folder);
    }

    public override async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A handle still closing; the temporary folder is left for the OS to clean.
        }
    }
}
