using Microsoft.AspNetCore.Builder;
using Parley.Server;
using Parley.Server.Security;
using Parley.Server.Configuration;

namespace Parley.Cli.Tests.Support;

/// <summary>A Parley server in this process on a free loopback port, with the demo agreement and its own data folder.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly Parley.Server.Tests.Contract.AnswerRecorder _answers = new();
    private WebApplication? _app;

    public string DataDirectory => _data.Path;

    public string Url { get; private set; } = "";

    public string Token(string party, string role = Roles.Operator) =>
        TokenKeys.Issue(DataDirectory, "demo", party, role, TimeSpan.FromHours(1));

    public async ValueTask InitializeAsync()
    {
        _app = await ParleyApp.StartAsync(_answers.Watch(new ParleyServerOptions
        {
            DataDirectory = _data.Path,
            Urls = "http://127.0.0.1:0",
            Demo = true,
            ConsoleLogging = false,
            // The ledger tests write hundreds of entries as fast as they are answered; the rate limit is tested on its own.
            RateLimitPerSecond = 100_000,
            RateLimitBurst = 100_000,
        }));
        Url = _app.Urls.First();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _data.Dispose();

        // The document is the contract: an answer it does not describe fails the tests that received it.
        _answers.AssertDescribed();
    }
}
