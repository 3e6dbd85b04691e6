using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Server.Configuration;
using Parley.Server.Security;
using Parley.Server.Telemetry;
using Parley.Server.Theaters;

namespace Parley.Server.Monitoring;

/// <summary>
/// What the center's operator sees: OpenTelemetry metrics served for Prometheus at <c>/metrics</c> (on the main listener
/// to an administrator, and without a token on a listener of the operator's own), and traces exported over OTLP when a
/// collector is configured.
/// </summary>
internal static class Metrics
{
    /// <summary>
    /// The meters read: Parley's own, the .NET runtime's, ASP.NET Core's (requests, rate limiting), Kestrel's
    /// (connections) and Npgsql's (the PostgreSQL connection pool and commands).
    /// </summary>
    public static readonly string[] Meters =
    [
        ParleyTelemetry.Name, "System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.RateLimiting", "Npgsql",
    ];

    /// <summary>The traces exported: Parley's spans (authenticate, verify signature, queue, decide, commit, notify, read), the requests around them, Npgsql's commands.</summary>
    public static readonly string[] TraceSources = [ParleyTelemetry.Name, "Microsoft.AspNetCore", "Npgsql"];

    /// <summary>Registers the meters, the Prometheus exporter, the operator's listener and, when configured, the OTLP trace exporter.</summary>
    public static void AddMonitoring(this WebApplicationBuilder builder, ParleyServerOptions options)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("parley", serviceVersion: typeof(Metrics).Assembly.GetName().Version?.ToString()))
            .WithMetrics(m => m.AddMeter(Meters).AddPrometheusExporter(o =>
            {
                // Every scrape sees the figures as they are (a scrape is cheap), and no name is suffixed twice.
                o.ScrapeResponseCacheDurationMilliseconds = 0;
            }));
        if (options.OtlpEndpoint is { } collector)
        {
            telemetry.WithTracing(t => t.AddSource(TraceSources).AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = new Uri(collector, "v1/traces");
            }));
        }

        if (!string.IsNullOrWhiteSpace(options.MetricsUrls))
        {
            builder.Services.AddSingleton<MetricsListener>().AddHostedService(sp => sp.GetRequiredService<MetricsListener>());
        }
    }

    /// <summary>Maps <c>/metrics</c> on the main listener, for a token of an administrator with the <c>admin</c> role.</summary>
    public static void MapMetrics(this WebApplication app) =>
        app.MapPrometheusScrapingEndpoint("/metrics")
            .RequireAuthorization(p => p.RequireAuthenticatedUser().RequireAssertion(IsCenterAdministrator));

    /// <summary>
    /// Whether the token is an administrator's of an agreement served, claiming the <c>admin</c> role and no role the party
    /// does not hold: the center's operator. The figures span every agreement, so no member or observer reads them.
    /// </summary>
    private static bool IsCenterAdministrator(AuthorizationHandlerContext context)
    {
        if (context.Resource is not HttpContext http)
        {
            return false;
        }

        var user = context.User;
        string? party = user.FindFirstValue("sub");
        string? agreementId = user.FindFirstValue("agreement");
        var scopes = user.FindAll("scope").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        if (party is null || agreementId is null || !scopes.Contains(Roles.Admin))
        {
            return false;
        }

        var agreement = http.RequestServices.GetRequiredService<TheaterRegistry>().Find(new AgreementId(agreementId));
        return agreement?.FindParty(new PartyId(party)) is { Role: PartyRole.Administrator } administrator &&
            scopes.All(s => CallerFilter.Allows(administrator.Role, s));
    }
}
