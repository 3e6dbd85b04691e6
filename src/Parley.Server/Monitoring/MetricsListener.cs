using OpenTelemetry.Metrics;
using Parley.Server.Configuration;
using Parley.Server.Security;

namespace Parley.Server.Monitoring;

/// <summary>
/// The operator's own listener (<see cref="ParleyServerOptions.MetricsUrls"/>): <c>/metrics</c> and nothing else, without a
/// token, on a Kestrel server apart from the API's, so that nothing of the API is reachable through it.
/// </summary>
internal sealed class MetricsListener(MeterProvider meters, ParleyServerOptions options) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>Where it listens, once started.</summary>
    public IReadOnlyList<string> Urls => _app is null ? [] : [.. _app.Urls];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var certificate = Transport.LoadCertificate(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(options.MetricsUrls!.Split(';', StringSplitOptions.RemoveEmptyEntries));
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
        });
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPrometheusScrapingEndpoint("/metrics", meters, configureBranchedPipeline: null, optionsName: null);
        await _app.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }
}
