using System.CommandLine;
using System.CommandLine.Help;
using Parley.Cli.Commands;
using Parley.Core;
using Parley.Cli.Terminal;

namespace Parley.Cli;

/// <summary>The <c>parley</c> command: its command tree and the one entry point used by <c>Program</c> and by tests.</summary>
public static class Cli
{
    /// <summary>Builds the command tree; actions write to <paramref name="console"/>.</summary>
    public static RootCommand Build(CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var root = new RootCommand("Parley: a deconfliction center. Parties declare zones and operations as 4D volumes; Parley finds the conflicts.");
        root.Subcommands.Add(ServeCommand.Create(console));
        root.Subcommands.Add(MigrateCommand.Create(console));
        root.Subcommands.Add(BackupCommand.Create(console));
        root.Subcommands.Add(CheckCommand.Create(console));
        root.Subcommands.Add(TokenCommand.Create(console));
        root.Subcommands.Add(KeygenCommand.Create(console));
        root.Subcommands.Add(ZoneCommands.Create(console));
        root.Subcommands.Add(OperationCommands.Create(console));
        root.Subcommands.Add(RequestCommands.Create(console));
        root.Subcommands.Add(IncidentCommands.Create(console));
        root.Subcommands.Add(ReportCommands.Create(console));
        root.Subcommands.Add(AgreementCommands.Create(console));
        root.Subcommands.Add(LedgerCommands.Create(console));
        root.Subcommands.Add(ImportCommand.Create(console));
        root.Subcommands.Add(ExportCommand.Create(console));
        return root;
    }

    /// <summary>Runs <c>parley</c> with in-memory writers (non-terminal): for tests and embedding.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        RunAsync(args, new CliConsole(stdout, stderr), cancellationToken);

    /// <summary>Parses <paramref name="args"/>, runs the command and returns the exit status (see <see cref="ExitCodes"/>).</summary>
    /// <remarks>Usage errors end with status 2 and a hint on standard error; standard output is flushed before returning.</remarks>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        var root = Build(console);
        var parsed = root.Parse(args);
        try
        {
            if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
            {
                foreach (var error in parsed.Errors)
                {
                    await console.Error.WriteLineAsync($"parley: {error.Message}");
                }

                await console.Error.WriteLineAsync($"Run '{Usage(parsed)} --help' for usage.");
                return ExitCodes.InvalidInput;
            }

            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null, // serve lets the host handle Ctrl+C and SIGTERM
            }, cancellationToken);
        }
        catch (CliException e)
        {
            await console.Error.WriteLineAsync($"parley: {e.Message}");
            return e.ExitCode;
        }
        catch (InputRejectedException e)
        {
            await console.Error.WriteLineAsync($"parley: {e.Errors[0]}");
            return ExitCodes.InvalidInput;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("parley: cancelled");
            return ExitCodes.Failure;
        }
        catch (System.Data.Common.DbException e)
        {
            // The store of serve, migrate or backup is unreachable or refused: its message names the host, never a password.
            await console.Error.WriteLineAsync($"parley: the store failed: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            await console.Error.WriteLineAsync($"parley: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // An answer that is not what this version of parley expects (another server, another version).
            await console.Error.WriteLineAsync($"parley: unexpected answer or state: {e.Message}");
            return ExitCodes.Failure;
        }
        finally
        {
            await console.Out.FlushAsync(CancellationToken.None);
            await console.Error.FlushAsync(CancellationToken.None);
        }
    }

    private static string Usage(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(result.Command is RootCommand ? "parley" : result.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
