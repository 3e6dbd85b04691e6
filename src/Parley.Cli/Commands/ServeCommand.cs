using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Parley.Server;
using Parley.Server.Theaters;
using Parley.Server.Configuration;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary><c>parley serve</c>: runs the HTTP server on the embedded store until Ctrl+C or SIGTERM.</summary>
public static class ServeCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliConsole console)
    {
        var defaults = new ParleyServerOptions();
        var data = new Option<string>("--data") { Description = "Data folder (SQLite store, token key).", DefaultValueFactory = _ => defaults.DataDirectory, HelpName = "DIR" };
        var urls = new Option<string>("--urls") { Description = "Where to listen (';'-separated). Plain HTTP only on loopback.", DefaultValueFactory = _ => defaults.Urls, HelpName = "URL" };
        var demo = new Option<bool>("--demo") { Description = "Load the fictional 'demo' agreement (parties blue, red, aid) with its zones and operations." };
        var agreements = new Option<string[]>("--agreement")
        {
            Description = "Agreement file (JSON or YAML) to load or update at start-up; may be repeated.",
            HelpName = "FILE",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var quiet = new Option<bool>("--quiet") { Description = "Do not log requests to the console." };
        var certificate = new Option<string?>("--certificate") { Description = "TLS certificate for https:// addresses: PEM (key in it or in --certificate-key) or PKCS#12. Password: env PARLEY_CERTIFICATE_PASSWORD.", HelpName = "FILE" };
        var certificateKey = new Option<string?>("--certificate-key") { Description = "PEM private key of --certificate.", HelpName = "FILE" };
        var store = new Option<string>("--store") { Description = "Where the state lives: sqlite (a file in --data) or postgres.", DefaultValueFactory = _ => defaults.Store };
        store.AcceptOnlyFromAmong("sqlite", "postgres");
        var connection = new Option<string?>("--connection") { Description = "Npgsql connection string for --store postgres (default: env PARLEY_CONNECTION, which keeps a password off the command line).", HelpName = "CS" };

        var rateLimit = new Option<int>("--rate-limit")
        {
            Description = "Requests per second allowed to each party (and each unauthenticated address) on this node; 0 turns the limit off.",
            DefaultValueFactory = _ => defaults.RateLimitPerSecond,
            HelpName = "N",
        };
        var rateBurst = new Option<int>("--rate-burst") { Description = "Requests a party may send at once above --rate-limit.", DefaultValueFactory = _ => defaults.RateLimitBurst, HelpName = "N" };
        var validationBudget = new Option<int>("--validation-budget")
        {
            Description = "Vertices per minute each party's bodies may make the server validate (a minute's worth at once); 0 turns the budget off.",
            DefaultValueFactory = _ => defaults.ValidationVerticesPerMinute,
            HelpName = "N",
        };
        rateLimit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--rate-limit: 0 or more");
            }
        });
        rateBurst.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--rate-burst: 0 or more");
            }
        });

        var cotListen = new Option<string[]>("--cot-listen") { Description = "Serve a TAK feed (CoT, protocol 0): [[AGREEMENT/]PARTY@]ADDRESS:PORT; plain TCP for PARTY on loopback only, else TLS with --cot-client certificates. May be repeated.", HelpName = "ENDPOINT", Arity = ArgumentArity.ZeroOrMore };
        var cotClient = new Option<string[]>("--cot-client") { Description = "A TAK client certificate for TLS feeds: SHA256-FINGERPRINT=[AGREEMENT/]PARTY. May be repeated.", HelpName = "MAP", Arity = ArgumentArity.ZeroOrMore };
        var metricsUrls = new Option<string?>("--metrics-urls") { Description = "Serve /metrics (Prometheus) without a token on a listener of its own (';'-separated; plain HTTP on loopback only). Bind it where only the operator reaches it.", HelpName = "URL" };
        var otlp = new Option<Uri?>("--otlp-endpoint") { Description = "Export traces over OTLP/HTTP to this collector (e.g. http://127.0.0.1:4318); off by default.", HelpName = "URL" };
        otlp.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<Uri?>() is { } uri && (!uri.IsAbsoluteUri || uri.Scheme is not ("http" or "https")))
            {
                r.AddError("--otlp-endpoint: an absolute http:// or https:// URL");
            }
        });
        var logFormat = new Option<string>("--log-format") { Description = "Console log lines as plain text or as JSON lines carrying the trace id.", DefaultValueFactory = _ => "text" };
        logFormat.AcceptOnlyFromAmong("text", "json");
        var tiles = new Option<string[]>("--console-tiles") { Description = "An origin the console may load basemap tiles from (https://host[:port]); repeat for more.", HelpName = "ORIGIN", AllowMultipleArgumentsPerToken = false };
        var command = new Command("serve", "Start the Parley server on the embedded store.") { data, urls, demo, agreements, quiet, certificate, certificateKey, store, connection, rateLimit, rateBurst, validationBudget, cotListen, cotClient, tiles, metricsUrls, otlp, logFormat };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var options = new ParleyServerOptions
            {
                DataDirectory = parsed.GetValue(data)!,
                Urls = parsed.GetValue(urls)!,
                Demo = parsed.GetValue(demo),
                AgreementFiles = parsed.GetValue(agreements) ?? [],
                ConsoleLogging = !parsed.GetValue(quiet),
                CertificatePath = parsed.GetValue(certificate),
                CertificateKeyPath = parsed.GetValue(certificateKey),
                CertificatePassword = Environment.GetEnvironmentVariable("PARLEY_CERTIFICATE_PASSWORD"),
                Store = parsed.GetValue(store)!,
                ConnectionString = parsed.GetValue(connection) ?? Environment.GetEnvironmentVariable("PARLEY_CONNECTION"),
                RateLimitPerSecond = parsed.GetValue(rateLimit),
                RateLimitBurst = parsed.GetValue(rateBurst),
                ValidationVerticesPerMinute = parsed.GetValue(validationBudget),
                Cot = Tak(parsed.GetValue(cotListen) ?? [], parsed.GetValue(cotClient) ?? []),
                ConsoleTileOrigins = parsed.GetValue(tiles) ?? [],
                MetricsUrls = parsed.GetValue(metricsUrls),
                OtlpEndpoint = parsed.GetValue(otlp),
                JsonLogs = parsed.GetValue(logFormat) == "json",
            };
            return await RunAsync(options, console, cancellationToken);
        });
        return command;
    }

    private static CotFeedOptions Tak(string[] listen, string[] clients)
    {
        try
        {
            return new() { Listeners = [.. listen.Select(CotListener.Parse)], Clients = [.. clients.Select(CotClient.Parse)] };
        }
        catch (ArgumentException e)
        {
            throw new CliException(ExitCodes.InvalidInput, e.Message);
        }
    }

    /// <summary>Starts the server, reports where it listens and waits for shutdown.</summary>
    public static async Task<int> RunAsync(ParleyServerOptions options, CliConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        foreach (var file in options.AgreementFiles)
        {
            if (!File.Exists(file))
            {
                throw new CliException(ExitCodes.InvalidInput, $"--agreement: no such file: {file}");
            }
        }

        WebApplication app;
        try
        {
            app = await ParleyApp.StartAsync(options, cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new CliException(ExitCodes.InvalidInput, e.Message);
        }

        await using (app)
        {
            var registry = app.Services.GetRequiredService<TheaterRegistry>();
            foreach (var url in app.Urls)
            {
                await console.Out.WriteLineAsync($"Parley listening on {url}");
            }

            foreach (var url in ParleyApp.MetricsUrls(app))
            {
                await console.Out.WriteLineAsync($"metrics on {url}/metrics");
            }

            foreach (var endpoint in app.Services.GetRequiredService<Parley.Server.Tak.CotFeed>().Endpoints)
            {
                await console.Out.WriteLineAsync($"TAK feed (CoT) on {endpoint}");
            }

            await console.Out.WriteLineAsync($"data: {Path.GetFullPath(options.DataDirectory)}");
            var ids = registry.AgreementIds.Select(a => a.Value).ToList();
            await console.Out.WriteLineAsync($"agreements: {(ids.Count == 0 ? "(none: pass --demo or --agreement FILE)" : string.Join(", ", ids))}");
            await console.Out.WriteLineAsync("Press Ctrl+C to stop.");
            await console.Out.FlushAsync(cancellationToken);

            // Returns on Ctrl+C, SIGTERM or cancellation, after a graceful stop.
            await app.WaitForShutdownAsync(cancellationToken);
        }

        return ExitCodes.Ok;
    }
}
