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

    /// <param name="dataDirectory">The data folder; a new temporary one when null.</param>
    /// <param name="demo">Whether to load the demo agreement.</param>
    /// <param name="configure">Changes to the options, e.g. tighter request limits.</param>
    public static async Task<RunningServer> StartAsync(string? dataDirectory = null, bool demo = true,
        Func<ParleyServerOptions, ParleyServerOptions>? configure = null)
    {
        bool owns = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "parley-server-tests-" + Guid.NewGuid().ToString("N"));
        var options = new ParleyServerOptions
        {
            DataDirectory = dataDirectory,
            Urls = "http://127.0.0.1:0",
            Demo = demo,
            ConsoleLogging = false,
        };
        var app = await ParleyApp.StartAsync(configure is null ? options : configure(options));
        return new RunningServer(app, dataDirectory, owns);
    }

    public string Token(string party, string role = Roles.Operator, string agreement = "demo") =>
        TokenKeys.Issue(DataDirectory, agreement, party, role, TimeSpan.FromHours(1));

    public HttpClient Client(string? party = null, string role = Roles.Operator)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (party is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(party, role));
        }

        return client;
    }

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
