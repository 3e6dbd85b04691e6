using System.CommandLine;
using Parley.Cli.Checking;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Features;
using Parley.Core.Terms;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary>
/// <c>parley check</c>: every conflict of a file of operations against a file of zones and against each
/// other, and every breach of the agreement's terms, offline (no server, no store).
/// </summary>
public static class CheckCommand
{
    /// <summary>Machine-readable output: one JSON object per conflict and line.</summary>
    public const string JsonLines = "jsonl";

    /// <summary>Human-readable output: a table and a summary.</summary>
    public const string Table = "table";

    /// <summary>Creates the command.</summary>
    public static Command Create(CliConsole console)
    {
        var zones = new Option<FileInfo>("--zones") { Description = "GeoJSON Feature or FeatureCollection of zones.", Required = true, HelpName = "ZONES.geojson" };
        var operations = new Option<FileInfo>("--operations") { Description = "GeoJSON Feature or FeatureCollection of operations.", Required = true, HelpName = "OPS.geojson" };
        var agreement = new Option<FileInfo?>("--agreement") { Description = "Agreement file (JSON or YAML) with the rules; default: the standard rules, any party.", HelpName = "FILE" };
        var format = new Option<string>("--format") { Description = "jsonl: one JSON object per conflict (default); table: for people.", DefaultValueFactory = _ => JsonLines };
        format.AcceptOnlyFromAmong(JsonLines, Table);

        var command = new Command("check", "Find every conflict of operations against zones and against each other, offline. Exit status 0 when it ran, 2 on bad input.")
        {
            zones, operations, agreement, format,
        };
        command.SetAction((parsed, cancellationToken) => Task.FromResult(Run(
            console, parsed.GetValue(zones)!, parsed.GetValue(operations)!, parsed.GetValue(agreement), parsed.GetValue(format)!, cancellationToken)));
        return command;
    }

    /// <summary>Runs the check and writes the conflicts in <paramref name="format"/>.</summary>
    public static int Run(CliConsole console, FileInfo zonesFile, FileInfo operationsFile, FileInfo? agreementFile, string format, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(zonesFile);
        ArgumentNullException.ThrowIfNull(operationsFile);
        var agreement = agreementFile is null ? Agreement.Default() : ReadAgreement(agreementFile);
        bool large = Length(zonesFile) + Length(operationsFile) >= CheckProgress.ThresholdBytes;

        var (zones, operations, conflicts, breaches) = CheckProgress.Run(console, large, progress =>
        {
            IReadOnlyList<Zone> zones;
            IReadOnlyList<Operation> operations;
            OfflineCheck prepared;
            using (LoadingRegion.Begin(Length(zonesFile) + Length(operationsFile)))
            {
                var readZones = progress.Start("reading zones");
                zones = Read(zonesFile, bytes => FeatureFile.ReadZones(bytes, agreement, readZones));
                readZones.Complete();

                var readOperations = progress.Start("reading operations");
                operations = Read(operationsFile, bytes => FeatureFile.ReadOperations(bytes, agreement, readOperations));
                readOperations.Complete();

                var index = progress.Start("indexing");
                index.SetTotal(zones.Count + operations.Count);
                prepared = OfflineCheck.Prepare(agreement, zones, operations);
                index.Report(zones.Count + operations.Count);
                index.Complete();
            }

            var check = progress.Start("checking");
            check.SetTotal(operations.Count);
            var conflicts = prepared.Run(check, cancellationToken);
            check.Complete();
            progress.Remark($"{conflicts.Count:N0} conflicts");
            var breaches = OfflineTerms.Run(agreement, operations, cancellationToken);
            return (zones.Count, operations.Count, conflicts, breaches);
        });

        if (format == Table)
        {
            ConflictOutput.WriteTable(console, conflicts, zones, operations);
            BreachOutput.WriteTable(console, breaches, agreement.Terms.Count);
        }
        else
        {
            JsonLinesBytes.Write(console.Out, conflicts);
            BreachOutput.WriteJsonLines(console.Out, breaches);
        }

        return ExitCodes.Ok;
    }

    private static Agreement ReadAgreement(FileInfo file)
    {
        try
        {
            return AgreementReader.Parse(File.ReadAllText(file.FullName));
        }
        catch (InputRejectedException e)
        {
            throw new CliException(ExitCodes.InvalidInput, $"{file}: {e.Errors[0]}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"{file}: {Reason(e)}");
        }
    }

    private static IReadOnlyList<T> Read<T>(FileInfo file, Func<ReadOnlyMemory<byte>, IReadOnlyList<T>> parse)
    {
        FileBytes bytes;
        try
        {
            bytes = FileBytes.Read(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"{file}: {Reason(e)}");
        }

        try
        {
            using (bytes)
            {
                return parse(bytes.Memory);
            }
        }
        catch (InputRejectedException e)
        {
            throw new CliException(ExitCodes.InvalidInput, $"{file}: {e.Errors[0]}");
        }
    }

    private static long Length(FileInfo file) => file.Exists ? file.Length : 0;

    private static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message,
    };
}
