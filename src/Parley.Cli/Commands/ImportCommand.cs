using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Parley.Cli.Client;
using Parley.Cli.Terminal;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Interop.Ed269;
using Parley.Interop.Ed318;
using Parley.Interop.Import;
using Parley.Interop.OpenAir;
using Spectre.Console;

namespace Parley.Cli.Commands;

/// <summary>
/// <c>parley import openair|ed269|ed318 FILE</c>: converts airspace and UAS geographical zone files into Parley's zone
/// GeoJSON (to standard output or <c>--out</c>), or declares the zones on a server (<c>--server</c>: signed, in batches,
/// with a progress bar and a summary table).
/// </summary>
public static class ImportCommand
{
    /// <summary>Zones declared per request when importing to a server.</summary>
    public const int DefaultBatch = 500;

    /// <summary>Creates the command and its three formats.</summary>
    public static Command Create(CliConsole console)
    {
        var import = new Command("import", "Import zones from OpenAir, ED-269 or ED-318 files: convert to Parley's GeoJSON, or declare them on a server.");
        import.Subcommands.Add(Format(console, "openair", "OpenAir airspace file (WinPilot/Naviter text, UTF-8 or Latin-1).", KindMapping.OpenAirDefault,
            bytes => OpenAirReader.Read(OpenAirText.Decode(bytes))));
        import.Subcommands.Add(Format(console, "ed269", "EUROCAE ED-269 UAS geographical zones (JSON).", KindMapping.Ed269Default, bytes => Ed269Reader.Read(bytes)));
        import.Subcommands.Add(Format(console, "ed318", "EUROCAE ED-318 UAS geographical zones (GeoJSON with layers).", KindMapping.Ed318Default, bytes => Ed318Reader.Read(bytes)));
        return import;
    }

    private static Command Format(CliConsole console, string format, string description, KindMapping defaults, Func<byte[], SourceReading> read)
    {
        var client = new ClientOptions();
        var file = new Argument<FileInfo>("FILE") { Description = description };
        var output = new Option<FileInfo?>("--out") { Description = "Write the GeoJSON FeatureCollection here instead of standard output.", HelpName = "FILE.geojson" };
        var kind = new Option<string?>("--kind") { Description = "One zone kind for every zone (protected, restricted, designated), instead of the mapping.", HelpName = "KIND" };
        kind.AcceptOnlyFromAmong("protected", "restricted", "designated");
        var mapping = new Option<FileInfo?>("--mapping") { Description = "JSON object from the format's class or type to a kind or \"skip\", e.g. {\"P\":\"protected\",\"*\":\"restricted\"}; classes it does not name keep the default.", HelpName = "FILE" };
        var owner = new Option<string?>("--owner") { Description = "The owner written into every zone (default: none; a server takes the token's party).", HelpName = "PARTY" };
        var visibility = new Option<string>("--visibility") { Description = "private, parties or public.", DefaultValueFactory = _ => "private" };
        visibility.AcceptOnlyFromAmong("private", "parties", "public");
        var sharedWith = new Option<string[]>("--shared-with") { Description = "Parties a 'parties' zone is shared with; may be repeated.", HelpName = "PARTY", AllowMultipleArgumentsPerToken = true };
        var ground = new Option<double>("--ground-m") { Description = "Assumed ground elevation in metres above mean sea level for limits given above the ground (each is listed).", DefaultValueFactory = _ => 0, HelpName = "M" };
        var start = new Option<string?>("--start") { Description = "Start of zones the file gives no start for (RFC 3339; default: today 00:00 UTC).", HelpName = "TIME" };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Import what can be read and list what was skipped, instead of refusing the file." };
        var idPrefix = new Option<string>("--id-prefix") { Description = "Put before every zone id.", DefaultValueFactory = _ => "", HelpName = "TEXT" };
        var batch = new Option<int>("--batch") { Description = "Zones per request with --server.", DefaultValueFactory = _ => DefaultBatch, HelpName = "N" };
        batch.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000)
            {
                r.AddError("--batch: 1 to 10,000");
            }
        });

        var command = client.AddTo(new Command(format, $"Import a {format} file.") { file, output, kind, mapping, owner, visibility, sharedWith, ground, start, skipInvalid, idPrefix, batch }, writes: true);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var source = parsed.GetValue(file)!;
            byte[] bytes = await Files.ReadAsync(source, cancellationToken);
            var options = new ImportOptions
            {
                DefaultStart = Start(parsed.GetValue(start)),
                Kind = parsed.GetValue(kind) is { } k && ZoneKinds.TryParse(k, out var parsedKind) ? parsedKind : null,
                Mapping = parsed.GetValue(mapping) is { } m ? await MappingAsync(m, defaults, cancellationToken) : null,
                Owner = parsed.GetValue(owner) is { Length: > 0 } o ? new PartyId(o) : null,
                Visibility = Enum.Parse<Visibility>(parsed.GetValue(visibility)!, ignoreCase: true),
                SharedWith = [.. (parsed.GetValue(sharedWith) ?? []).Select(p => new PartyId(p))],
                GroundMetres = parsed.GetValue(ground),
                SkipInvalid = parsed.GetValue(skipInvalid),
                IdPrefix = parsed.GetValue(idPrefix)!,
            };
            if (!double.IsFinite(options.GroundMetres) || Math.Abs(options.GroundMetres) > 10_000)
            {
                throw new CliException(ExitCodes.InvalidInput, "--ground-m: a number of metres between -10,000 and 10,000");
            }

            ImportResult result;
            try
            {
                result = ZoneImporter.Convert(format, read(bytes), defaults, options);
            }
            catch (ImportRejectedException e)
            {
                foreach (var problem in e.Problems.Skip(1).Take(19))
                {
                    await console.Error.WriteLineAsync($"parley: {source}: {problem}");
                }

                throw new CliException(ExitCodes.InvalidInput, $"{source}: {e.Problems[0]}" +
                    (e.Problems.Count > 1 ? $" (and {e.Problems.Count - 1} more; --skip-invalid imports the rest)" : " (--skip-invalid imports the rest)"));
            }

            await ReportAsync(console, source, result);
            if (client.ServerGiven(parsed))
            {
                return await DeclareAsync(console, client, parsed, result, parsed.GetValue(batch), cancellationToken);
            }

            byte[] collection = result.ToFeatureCollection();
            if (parsed.GetValue(output) is { } target)
            {
                await File.WriteAllBytesAsync(target.FullName, collection, cancellationToken);
                await console.Error.WriteLineAsync($"parley import: {Render.Count(result.Features.Count, "zone")} written to {target}");
            }
            else
            {
                await console.Out.WriteLineAsync(System.Text.Encoding.UTF8.GetString(collection));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static DateTimeOffset Start(string? text)
    {
        if (text is null)
        {
            var now = DateTimeOffset.UtcNow;
            return new DateTimeOffset(now.Year, now.Month, now.Day, 0, 0, 0, TimeSpan.Zero);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var t) && (text.EndsWith('Z') || text.Contains('+', StringComparison.Ordinal) || text.LastIndexOf('-') > 9)
            ? t.ToUniversalTime()
            : throw new CliException(ExitCodes.InvalidInput, $"--start: '{text}' is not an RFC 3339 time with a zone offset, such as 2026-05-01T00:00:00Z");
    }

    private static async Task<KindMapping> MappingAsync(FileInfo file, KindMapping defaults, CancellationToken cancellationToken)
    {
        string text = System.Text.Encoding.UTF8.GetString(await Files.ReadAsync(file, cancellationToken));
        try
        {
            return KindMapping.Parse(text, defaults);
        }
        catch (InputRejectedException e)
        {
            throw new CliException(ExitCodes.InvalidInput, $"--mapping: {file}: {e.Errors[0]}");
        }
    }

    /// <summary>Warnings, skipped records and notes on standard error: never silent about an assumption.</summary>
    private static async Task ReportAsync(CliConsole console, FileInfo source, ImportResult result)
    {
        foreach (var note in result.Notes)
        {
            await console.Error.WriteLineAsync($"parley import: note: {note}");
        }

        foreach (var warning in result.Warnings)
        {
            await console.Error.WriteLineAsync($"parley import: warning: {source}: {warning}");
        }

        foreach (var skipped in result.Skipped)
        {
            await console.Error.WriteLineAsync($"parley import: skipped: {source}: {skipped}");
        }
    }

    private static async Task<int> DeclareAsync(CliConsole console, ClientOptions client, ParseResult parsed, ImportResult result, int batchSize, CancellationToken cancellationToken)
    {
        using var server = client.Connect(parsed, signs: true);
        var batches = result.Features.Chunk(batchSize).ToList();
        int declared = 0;
        var answers = new List<string>();

        async Task SendAllAsync(Action<int> progress)
        {
            foreach (var batch in batches)
            {
                try
                {
                    answers.Add(await server.PostGeoJsonAsync("zones", ImportResult.Collection(batch), cancellationToken));
                }
                catch (CliException e)
                {
                    throw new CliException(e.ExitCode, $"{e.Message} (zones {declared + 1}–{declared + batch.Length}: {batch[0].Id} … {batch[^1].Id}; " +
                        $"{Render.Count(declared, "zone")} were declared before)");
                }

                declared += batch.Length;
                progress(declared);
            }
        }

        if (console.ErrorIsTerminal && batches.Count > 1)
        {
            await console.ErrorConsole().Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("declaring zones", autoStart: true, maxValue: result.Features.Count);
                    await SendAllAsync(n => task.Value = n);
                });
        }
        else
        {
            await SendAllAsync(n => console.Error.WriteLine($"parley import: declared {n:N0}/{result.Features.Count:N0}"));
        }

        if (client.Json(parsed))
        {
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["declared"] = declared,
                ["skipped"] = result.Skipped.Count,
                ["warnings"] = result.Warnings.Count,
                ["batches"] = batches.Count,
            }));
            return ExitCodes.Ok;
        }

        var tables = console.Tables();
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Kind", "Declared");
        foreach (var group in result.Features.GroupBy(f => f.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            table.AddRow(group.Key, group.Count().ToString("N0", CultureInfo.InvariantCulture));
        }

        table.AddRow("[bold]all[/]", $"[bold]{declared.ToString("N0", CultureInfo.InvariantCulture)}[/]");
        tables.Write(table);
        tables.WriteLine($"Declared {Render.Count(declared, "zone")} in {Render.Count(batches.Count, "request")}; {Render.Count(result.Skipped.Count, "record")} skipped, {Render.Count(result.Warnings.Count, "warning")}.");
        return ExitCodes.Ok;
    }
}
