using System.CommandLine;
using System.Text.Json.Nodes;
using Parley.Core.Ports;
using Parley.Server;
using Parley.Storage.Postgres;
using Parley.Storage.Sqlite;
using Parley.Server.Configuration;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary><c>parley migrate</c>: brings a store's schema to this version of Parley, and says from which version.</summary>
public static class MigrateCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliConsole console)
    {
        var defaults = new ParleyServerOptions();
        var data = new Option<string>("--data") { Description = "Data folder (the SQLite file).", DefaultValueFactory = _ => defaults.DataDirectory, HelpName = "DIR" };
        var store = new Option<string>("--store") { Description = "sqlite or postgres.", DefaultValueFactory = _ => defaults.Store };
        store.AcceptOnlyFromAmong("sqlite", "postgres");
        var connection = new Option<string?>("--connection") { Description = "Npgsql connection string for --store postgres (default: env PARLEY_CONNECTION).", HelpName = "CS" };
        var json = new Option<bool>("--json") { Description = "Print the versions as JSON." };
        var command = new Command("migrate", "Create or migrate the store's schema to this version of Parley (each migration in its own transaction).")
        {
            data, store, connection, json,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var options = defaults with
            {
                DataDirectory = parsed.GetValue(data)!,
                Store = parsed.GetValue(store)!,
                ConnectionString = parsed.GetValue(connection) ?? Environment.GetEnvironmentVariable("PARLEY_CONNECTION"),
            };
            IParleyStore opened;
            try
            {
                opened = ParleyApp.OpenStore(options);
            }
            catch (ArgumentException e)
            {
                throw new CliException(ExitCodes.InvalidInput, e.Message);
            }

            await using (opened)
            {
                Func<CancellationToken, Task<int>> version = opened switch
                {
                    SqliteStore s => s.ReadSchemaVersionAsync,
                    PostgresStore p => p.ReadSchemaVersionAsync,
                    _ => throw new InvalidOperationException("a store with no schema version"),
                };
                int latest = opened is SqliteStore ? SqliteStore.LatestSchemaVersion : PostgresStore.LatestSchemaVersion;
                int before = await version(cancellationToken);
                try
                {
                    await opened.InitializeAsync(cancellationToken);
                }
                catch (InvalidDataException e)
                {
                    throw new CliException(ExitCodes.Failure, e.Message);
                }

                int after = await version(cancellationToken);
                if (parsed.GetValue(json))
                {
                    await console.Out.WriteLineAsync(new JsonObject { ["store"] = options.Store, ["before"] = before, ["after"] = after, ["latest"] = latest }.ToJsonString());
                }
                else
                {
                    await console.Out.WriteLineAsync(before == after
                        ? $"The {options.Store} store is at schema version {after}, the latest: nothing to do."
                        : $"The {options.Store} store went from schema version {before} to {after} (the latest).");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
