using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Parley.Cli.Client;
using Parley.Cli.Ledger;
using Parley.Cli.Terminal;
using Parley.Ledger;
using Parley.Ledger.Entries.Compliance;
using Spectre.Console;

namespace Parley.Cli.Commands;

/// <summary>
/// <c>parley report compliance</c>: the compliance figures per party and period, from a server (as the caller may see them)
/// or recomputed from a folder <c>parley ledger export</c> wrote (from the openings it holds) with no server.
/// </summary>
public static class ReportCommands
{
    /// <summary>Creates the <c>report</c> command and its subcommands.</summary>
    public static Command Create(CliConsole console)
    {
        var report = new Command("report", "Reports computed from an agreement's ledger.");
        report.Subcommands.Add(Compliance(console));
        return report;
    }

    private static Command Compliance(CliConsole console)
    {
        var client = new ClientOptions();
        var period = new Option<string>("--period") { Description = "day or week.", DefaultValueFactory = _ => "day" };
        period.AcceptOnlyFromAmong("day", "week");
        var from = new Option<string?>("--from") { Description = "First period: a date (2026-12-07) or an RFC 3339 time (default: 7 periods back from --to).", HelpName = "DATE" };
        var to = new Option<string?>("--to") { Description = "End of the last period (default: the end of the period of the last ledger entry).", HelpName = "DATE" };
        var format = new Option<string>("--format") { Description = "table, json (the document the server answers) or csv.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json", "csv");
        var ledger = new Option<DirectoryInfo?>("--ledger")
        {
            Description = "Recompute from a folder written by 'parley ledger export' (with the openings it holds) instead of asking a server.",
            HelpName = "DIR",
        };
        var key = new Option<string?>("--key")
        {
            Description = "With --ledger: the center's verifier key (vkey text or a file): the folder's checkpoint must carry its signature.",
            HelpName = "VKEY",
        };
        var command = client.AddTo(new Command("compliance",
            "Compliance figures per party and period, each with its denominator and pending count (see docs/compliance.md).")
        {
            period, from, to, format, ledger, key,
        });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            ComplianceReport.TryParsePeriod(parsed.GetValue(period), out var length);
            DateTimeOffset? start = Bound(parsed.GetValue(from), "--from"), end = Bound(parsed.GetValue(to), "--to");
            byte[] document;
            if (parsed.GetValue(ledger) is { } folder)
            {
                if (client.ServerGiven(parsed))
                {
                    throw new CliException(ExitCodes.InvalidInput, "give either --server or --ledger, not both");
                }

                var vkey = parsed.GetValue(key) is { } text ? ReadKey(text) : null;

                // A batch computation on every core: collections that stop it cost less CPU than concurrent ones beside it.
                var latency = System.Runtime.GCSettings.LatencyMode;
                System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.Batch;
                ComplianceLedger facts;
                try
                {
                    facts = await ExportedLedger.ReadAsync(folder.FullName, vkey, new ProgressLine(console.Error), cancellationToken);
                }
                finally
                {
                    System.Runtime.GCSettings.LatencyMode = latency;
                }

                ComplianceQuery query;
                try
                {
                    query = ComplianceQuery.For(length, start, end, facts.LastEntry);
                }
                catch (Parley.Core.InputRejectedException e)
                {
                    throw new CliException(ExitCodes.InvalidInput, $"--{e.Errors[0].Field}: {e.Errors[0].Message}");
                }

                document = ComplianceReport.Write(facts, query, ComplianceReport.Everything, DateTimeOffset.UtcNow);
            }
            else
            {
                using var server = client.Connect(parsed);
                var query = new List<string> { "period=" + parsed.GetValue(period) };
                if (parsed.GetValue(from) is { } f)
                {
                    query.Add("from=" + Uri.EscapeDataString(f));
                }

                if (parsed.GetValue(to) is { } t)
                {
                    query.Add("to=" + Uri.EscapeDataString(t));
                }

                document = Encoding.UTF8.GetBytes(await server.GetAsync("compliance?" + string.Join('&', query), cancellationToken));
            }

            switch (client.Json(parsed) ? "json" : parsed.GetValue(format))
            {
                case "json":
                    await console.Out.WriteLineAsync(Encoding.UTF8.GetString(document));
                    break;
                case "csv":
                    await console.Out.WriteAsync(Csv(document));
                    break;
                default:
                    WriteTables(console, document);
                    break;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static DateTimeOffset? Bound(string? text, string option) =>
        text is null ? null
        : ComplianceReport.TryParseBound(text, out var bound) ? bound
        : throw new CliException(ExitCodes.InvalidInput, $"{option}: '{text}' is not a date (2026-12-07) or an RFC 3339 time with a zone offset");

    private static VerifierKey ReadKey(string value)
    {
        try
        {
            return VerifierKey.Parse(File.Exists(value) ? File.ReadAllText(value) : value);
        }
        catch (FormatException e)
        {
            throw new CliException(ExitCodes.InvalidInput, $"--key: {e.Message}");
        }
    }

    /// <summary>One row per party, period and figure: party, role, start, end, section, figure, count, of, pending, previous, band.</summary>
    internal static string Csv(byte[] document)
    {
        using var json = JsonDocument.Parse(document);
        var csv = new StringBuilder("party,role,start,end,section,figure,count,of,pending,previous,band\n");
        foreach (var party in json.RootElement.GetProperty("parties").EnumerateArray())
        {
            foreach (var period in party.GetProperty("periods").EnumerateArray())
            {
                foreach (var (section, figure, value) in Figures(period))
                {
                    bool seconds = value.TryGetProperty("seconds", out var s);
                    csv.AppendJoin(',', [
                        Cell(party.GetProperty("party").GetString()), Cell(party.GetProperty("role").GetString()),
                        period.GetProperty("start").GetString(), period.GetProperty("end").GetString(), section, figure,
                        seconds ? Number(s) : Number(value.GetProperty("count")), Number(value.GetProperty("of")), Number(value.GetProperty("pending")),
                        seconds ? "" : Number(value.GetProperty("change").GetProperty("previous")),
                        seconds ? "" : value.GetProperty("change").GetProperty("band").GetString(),
                    ]).Append('\n');
                }
            }
        }

        return csv.ToString();
    }

    private static void WriteTables(CliConsole console, byte[] document)
    {
        using var json = JsonDocument.Parse(document);
        var root = json.RootElement;
        var tables = console.Tables();
        tables.WriteLine($"Compliance of {root.GetProperty("agreement").GetString()} by {root.GetProperty("period").GetString()}, " +
                         $"{root.GetProperty("from").GetString()} to {root.GetProperty("to").GetString()}, from {root.GetProperty("ledger_size").GetInt64():N0} ledger entries " +
                         "(count/denominator, pending in brackets).");
        foreach (var party in root.GetProperty("parties").EnumerateArray())
        {
            var periods = party.GetProperty("periods").EnumerateArray().ToList();
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"{party.GetProperty("party").GetString()} ({party.GetProperty("role").GetString()})"));
            table.AddColumn("Figure");
            foreach (var period in periods)
            {
                table.AddColumn(new TableColumn(Markup.Escape(period.GetProperty("start").GetString()![..10])).RightAligned());
            }

            if (periods.Count == 0)
            {
                continue;
            }

            foreach (var (section, figure, _) in Figures(periods[0]))
            {
                table.AddRow([Markup.Escape($"{section} {figure.Replace('_', ' ')}"), .. periods.Select(p => Markup.Escape(Shown(p.GetProperty(section).GetProperty(figure))))]);
            }

            tables.Write(table);
        }
    }

    /// <summary>A figure as a cell: count/of (pending p), or seconds for an answer time.</summary>
    private static string Shown(JsonElement figure)
    {
        if (figure.TryGetProperty("seconds", out var seconds))
        {
            return seconds.ValueKind == JsonValueKind.Null ? "–" : TimeSpan.FromSeconds(seconds.GetInt64()).ToString("c", CultureInfo.InvariantCulture);
        }

        string text = figure.GetProperty("count").GetInt64().ToString("N0", CultureInfo.InvariantCulture);
        if (figure.GetProperty("of").ValueKind == JsonValueKind.Number)
        {
            text += "/" + figure.GetProperty("of").GetInt64().ToString("N0", CultureInfo.InvariantCulture);
        }

        if (figure.GetProperty("pending").ValueKind == JsonValueKind.Number && figure.GetProperty("pending").GetInt64() > 0)
        {
            text += $" ({figure.GetProperty("pending").GetInt64().ToString("N0", CultureInfo.InvariantCulture)})";
        }

        return text;
    }

    private static IEnumerable<(string Section, string Figure, JsonElement Value)> Figures(JsonElement period) =>
        period.EnumerateObject().Where(s => s.Value.ValueKind == JsonValueKind.Object)
            .SelectMany(s => s.Value.EnumerateObject().Select(f => (s.Name, f.Name, f.Value)));

    private static string Number(JsonElement value) => value.ValueKind == JsonValueKind.Number ? value.GetRawText() : "";

    private static string Cell(string? text) => text is null ? "" : text.Contains(',', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal) ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
}
