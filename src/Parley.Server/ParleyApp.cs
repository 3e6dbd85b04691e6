using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics;
using Parley.Core.Conflicts;
using Parley.Core.Ports;
using Parley.Server.Api;
using Parley.Server.Demo;
using Parley.Server.Ledger;
using Parley.Server.Monitoring;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Storage.Sqlite;
using Parley.Server.Configuration;
using Parley.Server.Http;

namespace Parley.Server;

/// <summary>Builds the Parley HTTP server: authentication, the API, the store and the theaters.</summary>
public static class ParleyApp
{
    /// <summary>File name of the embedded store inside the data folder.</summary>
    public const string DatabaseFileName = "parley.db";

    /// <summary>Builds the application; call <see cref="InitializeAsync"/> before serving.</summary>
    public static WebApplication Build(ParleyServerOptions options)
    {
        RequireLoopbackForPlainHttp(options.Urls);
        RequireLoopbackForPlainHttp(options.MetricsUrls ?? "");
        Tak.CotFeed.Validate(options);
        var certificate = Transport.LoadCertificate(options);
        Directory.CreateDirectory(options.DataDirectory);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries));
        builder.WebHost.UseKestrelHttpsConfiguration(); // the slim builder leaves TLS out unless asked
        builder.WebHost.ConfigureKestrel(k =>
        {
            RequestLimits.ApplyTo(k.Limits, options);
            k.AddServerHeader = false;
            k.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = certificate;
                https.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
            });
        });
        builder.Logging.ClearProviders();
        if (options.ConsoleLogging)
        {
            // Warnings and errors only: request lines add nothing an operator needs and cost time per call.
            if (options.JsonLogs)
            {
                // One JSON object a line; the scope carries the trace and span ids of the request a line belongs to.
                builder.Logging.AddJsonConsole(o => (o.IncludeScopes, o.UseUtcTimestamp, o.TimestampFormat) = (true, true, "yyyy-MM-ddTHH:mm:ss.fffZ"))
                    .Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId)
                    .SetMinimumLevel(LogLevel.Warning);
            }
            else
            {
                builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            }
        }

        options.ConfigureLogging?.Invoke(builder.Logging);

        // Authentication pulls in data protection; keep its keys with the rest of this server's state. Like the
        // token key beside them, they are protected by the data folder's permissions, not by an XML encryptor.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(options.DataDirectory, "data-protection")));

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<SubmissionKeys>();
        builder.Services.AddSingleton(_ => OpenStore(options));

        // Readers outside the registry see the store only through the role they need.
        builder.Services.AddSingleton<ILedgerStore>(sp => sp.GetRequiredService<IParleyStore>());
        builder.Services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<IParleyStore>());
        builder.Services.AddSingleton<IProbingStore>(sp => sp.GetRequiredService<IParleyStore>());
        builder.Services.AddSingleton<IWebhookStore>(sp => sp.GetRequiredService<IParleyStore>());
        builder.Services.AddSingleton<ICommitFeed>(sp => sp.GetRequiredService<IParleyStore>());
        byte[] ledgerSeed = SecretFiles.ReadOrCreate(Path.Combine(options.DataDirectory, "ledger-signing.key"), Parley.Ledger.NoteSigner.NewSeed);
        // The demo's week of history is decided at its own past instants: the registry reads a clock the loader may hold.
        builder.Services.AddSingleton(sp => new DemoClock(sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new TheaterRegistry(
            sp.GetRequiredService<IParleyStore>(), ledgerSeed, CenterName(options.CenterName),
            options.Demo ? sp.GetRequiredService<DemoClock>() : sp.GetRequiredService<TimeProvider>(),
            validate: agreement => PartyTokenKeys.Load(agreement, TimeProvider.System)));
        builder.Services.AddHostedService<CheckpointTimer>();
        builder.Services.AddHostedService<CommitWatcher>();
        builder.Services.AddHostedService<Parley.Server.Workflow.ConcurrenceClock>();
        builder.Services.AddSingleton<Compliance.ComplianceBooks>();
        builder.Services.AddHostedService<Compliance.ComplianceWarmup>();
        builder.Services.AddSingleton(new Notifications.WebhookSigner(ledgerSeed, CenterName(options.CenterName)));
        builder.Services.AddSingleton(new Notifications.WebhookAddresses(options.WebhookResolver));
        builder.Services.AddHostedService<Notifications.WebhookDispatcher>();
        builder.Services.AddSingleton<Tak.CotFeed>().AddHostedService(sp => sp.GetRequiredService<Tak.CotFeed>());
        builder.Services.AddSingleton(new Disclosure(CenterSecret(options.DataDirectory)));
        builder.Services.AddSingleton(options.Time ?? TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, WireJson.Default);

            // As WireJson writes: the OpenAPI document and problem documents follow the same names, numbers and nulls.
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<StoreUnavailableHandler>();
        builder.Services.AddExceptionHandler<Parley.Server.Http.BadParameterHandler>();
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddSingleton<ValidationBudgets>();
        builder.Services.AddSingleton<StoreReadiness>();
        builder.Services.AddRequestLimits(options);
        builder.AddMonitoring(options);
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Parley";
            document.Info.Description = "Joint deconfliction and coordination: zones, operations, conflicts.";

            // The document describes the API, not one deployment: no server address in it.
            document.Servers?.Clear();
            return Task.CompletedTask;
        }).AddContract());

        // Each token is verified against the keys of the party it names: its own identity provider's, or the
        // center's development key (kept in the data folder) for a party that has none.
        builder.Services.AddPartyTokens(TokenKeys.Load(options.DataDirectory));
        // Any route that forgets to name its roles still refuses anonymous calls.
        builder.Services.AddAuthorization(o => o.FallbackPolicy = new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        options.ConfigureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Never echo an unexpected exception: it may carry another party's data. A store that cannot serve now is
            // answered 503 with Retry-After by StoreUnavailableHandler.
            StatusCodeSelector = e => e is BadHttpRequestException b ? b.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseRequestLimits();
        app.UseAuthorization();

        app.MapGet("/health", (TheaterRegistry registry) =>
            ApiSupport.Json(new HealthResponse("ok", [.. registry.AgreementIds.Select(a => a.Value)])))
            .WithTags("Service").WithSummary("Liveness and the agreements served.").Produces<HealthResponse>().AllowAnonymous();
        app.MapGet("/health/ready", async Task<IResult> (HttpContext http, TheaterRegistry registry, StoreReadiness readiness) =>
            await readiness.IsReadyAsync(http.RequestAborted)
                ? ApiSupport.Json(new HealthResponse("ready", [.. registry.AgreementIds.Select(a => a.Value)]))
                : StoreUnavailable.Problem(http.Response))
            .WithTags("Service").WithSummary("Readiness: 503 with Retry-After while the store cannot be reached.")
            .Produces<HealthResponse>().ProducesProblem(StatusCodes.Status503ServiceUnavailable).AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapMetrics();

        var agreements = app.MapGroup("/v1/agreements/{agreement}");
        ZonesApi.Map(agreements);
        LedgerApi.Map(agreements);
        LedgerTilesApi.Map(agreements);
        OperationsApi.Map(agreements);
        ConcurrenceApi.Map(agreements);
        ProbingApi.Map(agreements);
        SubscriptionsApi.Map(agreements);
        AgreementApi.Map(agreements);
        ExportApi.Map(agreements);
        IncidentsApi.Map(agreements);
        ComplianceApi.Map(agreements);
        Console.ConsoleFiles.Map(app);
        DemoSignInApi.Map(app);
        return app;
    }

    /// <summary>Opens the store, rebuilds the theaters and loads agreement files and the demo.</summary>
    public static async Task InitializeAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        var options = app.Services.GetRequiredService<ParleyServerOptions>();
        var registry = app.Services.GetRequiredService<TheaterRegistry>();
        await registry.InitializeAsync(cancellationToken);
        foreach (var file in options.AgreementFiles)
        {
            try
            {
                await registry.PutAgreementAsync(await File.ReadAllTextAsync(file, cancellationToken), cancellationToken);
            }
            catch (Parley.Core.InputRejectedException e)
            {
                // Name the file: a server refusing to start must say which agreement file is at fault.
                throw new Parley.Core.InputRejectedException([.. e.Errors.Select(x => x with { Field = $"{file}: {x.Field}" })]);
            }
        }

        if (options.Demo)
        {
            await DemoAgreement.LoadAsync(registry, app.Services.GetRequiredService<DemoClock>(), cancellationToken);
        }

        // Every log starts the session with a checkpoint of what it holds.
        await registry.SignCheckpointsAsync(cancellationToken);
    }

    /// <summary>Builds, initialises and starts the server; returns once it listens.</summary>
    public static async Task<WebApplication> StartAsync(ParleyServerOptions options, CancellationToken cancellationToken = default)
    {
        var app = Build(options);
        try
        {
            await InitializeAsync(app, cancellationToken);
        }
        catch
        {
            await app.DisposeAsync(); // the store and the files it opened are let go
            throw;
        }

        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>Where the operator's metrics listener listens (none unless <see cref="ParleyServerOptions.MetricsUrls"/> is set).</summary>
    public static IReadOnlyList<string> MetricsUrls(WebApplication app) =>
        app.Services.GetService<MetricsListener>()?.Urls ?? [];

    /// <summary>The store the options name (not yet initialised); the keys and secrets stay in the data folder whichever it is.</summary>
    /// <exception cref="ArgumentException">The store is unknown, or postgres without a connection string.</exception>
    public static IParleyStore OpenStore(ParleyServerOptions options) => options.Store switch
    {
        "sqlite" => new SqliteStore(Path.Combine(options.DataDirectory, DatabaseFileName)),
        "postgres" => new Parley.Storage.Postgres.PostgresStore(options.ConnectionString is { Length: > 0 } connection
            ? connection
            : throw new ArgumentException("the postgres store needs a connection string (--connection or PARLEY_CONNECTION)", nameof(options))),
        var other => throw new ArgumentException($"unknown store '{other}' (sqlite or postgres)", nameof(options)),
    };

    // Each agreement's checkpoints are signed under its origin, "<center name>/<agreement id>": a key name.
    private static string CenterName(string centerName) =>
        Parley.Ledger.SignedNote.IsKeyName(centerName) ? centerName : throw new ArgumentException("the center name must have no spaces or '+'", nameof(centerName));

    private static byte[] CenterSecret(string dataDirectory) =>
        SecretFiles.ReadOrCreate(Path.Combine(dataDirectory, "center-secret.key"), () => RandomNumberGenerator.GetBytes(32));

    private static void RequireLoopbackForPlainHttp(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                throw new ArgumentException($"not a URL: {url}", nameof(urls));
            }

            if (uri.Scheme == Uri.UriSchemeHttp && !(uri.IsLoopback || uri.Host is "127.0.0.1" or "[::1]" or "localhost"))
            {
                throw new ArgumentException($"plain HTTP is only allowed on loopback addresses; use https:// with a certificate for {url}", nameof(urls));
            }
        }
    }
}
