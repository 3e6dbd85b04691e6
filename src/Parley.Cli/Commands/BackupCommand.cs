using System.CommandLine;
using System.Text.Json.Nodes;
using Parley.Server;
using Parley.Storage.Sqlite;
using Parley.Server.Configuration;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary>
/// <c>parley backup</c>: a consistent copy of the embedded SQLite store, taken while a server may be running on it.
/// To restore, stop the server and copy the file into a data folder as <c>parley.db</c>.
/// </summary>
/// <remarks>The PostgreSQL store is backed up with PostgreSQL's own tools (<c>pg_dump -Fc</c>, WAL archiving): see docs/operations.md.</remarks>
public static class BackupCommand
{
    // The data folder's keys: not in the database, so not in the backup; they never change and are kept apart once.
    private static readonly string[] KeyFiles = ["ledger-signing.key", "center-secret.key", "token-signing-key.pem", "development-submission.key"];

    /// <summary>Creates the command.</summary>
    public static Command Create(CliConsole console)
    {
        var defaults = new ParleyServerOptions();
        var data = new Option<string>("--data") { Description = "Data folder holding the SQLite store (parley.db).", DefaultValueFactory = _ => defaults.DataDirectory, HelpName = "DIR" };
        var output = new Option<string>("--out") { Description = "The backup file to write; it must not exist.", HelpName = "FILE", Required = true };
        var json = new Option<bool>("--json") { Description = "Print what the backup holds as JSON." };
        var command = new Command("backup",
            "Copy the embedded SQLite store to a file, consistently, while a server may be running on it. " +
            "Restore: stop the server, copy the file into the data folder as parley.db (removing parley.db-wal and parley.db-shm).")
        {
            data, output, json,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string folder = parsed.GetValue(data)!;
            string database = Path.Combine(folder, ParleyApp.DatabaseFileName);
            if (!File.Exists(database))
            {
                throw new CliException(ExitCodes.InvalidInput, $"--data: no SQLite store in {folder} (no {ParleyApp.DatabaseFileName})");
            }

            string destination = parsed.GetValue(output)!;
            if (File.Exists(destination) || Directory.Exists(destination))
            {
                throw new CliException(ExitCodes.InvalidInput, $"--out: {destination} exists already; a backup never overwrites a file");
            }

            SqliteBackupReport report;
            try
            {
                report = await SqliteBackup.CopyAsync(database, destination, cancellationToken);
            }
            catch (InvalidDataException e)
            {
                throw new CliException(ExitCodes.Failure, e.Message);
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                throw new CliException(ExitCodes.Failure, $"{database}: {e.Message}");
            }

            var keys = KeyFiles.Where(k => File.Exists(Path.Combine(folder, k))).ToList();
            if (parsed.GetValue(json))
            {
                var ledger = new JsonObject();
                foreach (var (agreement, entries) in report.LedgerEntries)
                {
                    ledger[agreement] = entries;
                }

                await console.Out.WriteLineAsync(new JsonObject
                {
                    ["store"] = "sqlite",
                    ["out"] = report.Path,
                    ["bytes"] = report.Bytes,
                    ["schema_version"] = report.SchemaVersion,
                    ["ledger_entries"] = ledger,
                    ["keys_not_included"] = new JsonArray([.. keys.Select(k => (JsonNode)k)]),
                }.ToJsonString());
            }
            else
            {
                string entries = report.LedgerEntries.Count == 0 ? "no ledger entries"
                    : string.Join(", ", report.LedgerEntries.Select(l => $"{l.Agreement}: {l.Entries} ledger entries"));
                await console.Out.WriteLineAsync($"Backed up the SQLite store to {report.Path} ({report.Bytes} bytes, schema version {report.SchemaVersion}; {entries}).");
                if (keys.Count > 0)
                {
                    await console.Out.WriteLineAsync($"Not in the backup: the keys in {Path.GetFullPath(folder)} ({string.Join(", ", keys)}); keep a copy of them, apart.");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
