using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Parley.Cli.Client;
using Parley.Cli.Terminal;
using Spectre.Console;

namespace Parley.Cli.Commands;

/// <summary>
/// <c>parley agreement show|history|propose|sign|refuse</c>: the agreement version in force with its terms, every version
/// and amendment, and an approver's proposals, signatures and refusals (each a signed write).
/// </summary>
public static class AgreementCommands
{
    private const string Table = "table";
    private const string Csv = "csv";

    /// <summary>Creates the <c>agreement</c> command and its subcommands.</summary>
    public static Command Create(CliConsole console)
    {
        var agreement = new Command("agreement", "Read the agreement in force and its history; propose, sign or refuse amendments.");
        agreement.Subcommands.Add(Show(console));
        agreement.Subcommands.Add(History(console));
        agreement.Subcommands.Add(Propose(console));
        agreement.Subcommands.Add(Sign(console));
        agreement.Subcommands.Add(Refuse(console));
        return agreement;
    }

    private static Command Show(CliConsole console)
    {
        var client = new ClientOptions();
        var command = client.AddTo(new Command("show", "The agreement version in force: its parties, signatories and terms."));
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var server = client.Connect(parsed);
            string answer = await server.GetAsync("agreement", cancellationToken);
            if (client.Json(parsed))
            {
                await console.Out.WriteLineAsync(answer);
                return ExitCodes.Ok;
            }

            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            var tables = console.Tables();
            tables.WriteLine($"Agreement {Text(root, "id")}, version {Number(root, "version")}: {Text(root, "name")}");
            tables.WriteLine($"Parties: {string.Join(", ", Items(root, "parties").Select(p => $"{Text(p, "id")} ({Text(p, "role")})"))}");
            tables.WriteLine($"Signatories: {string.Join(", ", Strings(root, "signatories"))}");
            var terms = Items(root, "terms").ToList();
            var table = new Spectre.Console.Table().Border(TableBorder.Rounded).AddColumns("Term", "Type", "Parties", "Kinds", "Scope", "Asks", "On breach");
            foreach (var t in terms)
            {
                table.AddRow([.. new[]
                {
                    Text(t, "id") ?? "", Text(t, "type") ?? "", string.Join(", ", Strings(t, "parties")), string.Join(", ", Strings(t, "kinds")),
                    Scope(t), Asks(t), Text(t, "on_breach") ?? "",
                }.Select(Markup.Escape)]);
            }

            tables.Write(table);
            tables.WriteLine($"{Render.Count(terms.Count, "term")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command History(CliConsole console)
    {
        var client = new ClientOptions();
        var format = new Option<string>("--format") { Description = "table: for people (default); csv: one line per amendment.", DefaultValueFactory = _ => Table };
        format.AcceptOnlyFromAmong(Table, Csv);
        var command = client.AddTo(new Command("history", "Every version of the agreement and every amendment: who proposed, signed or refused what and when.") { format });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var server = client.Connect(parsed);
            string answer = await server.GetAsync("agreement/history", cancellationToken);
            if (client.Json(parsed))
            {
                await console.Out.WriteLineAsync(answer);
                return ExitCodes.Ok;
            }

            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            var amendments = Items(root, "amendments").ToList();
            if (parsed.GetValue(format) == Csv)
            {
                await console.Out.WriteLineAsync("amendment,state,proposer,base_version,version,proposed,signing_deadline,effective,signatures,missing,closed,refused_by,reason");
                foreach (var a in amendments)
                {
                    await console.Out.WriteLineAsync(string.Join(',', new[]
                    {
                        Text(a, "id"), Text(a, "state"), Text(a, "proposer"), Number(a, "base_version"), Number(a, "version"), Text(a, "proposed"),
                        Text(a, "signing_deadline"), Text(a, "effective"), Signatures(a), string.Join(' ', Strings(a, "missing")), Text(a, "closed"),
                        Text(a, "refused_by"), Text(a, "reason") ?? Text(a, "lapse_reason"),
                    }.Select(CsvField)));
                }

                return ExitCodes.Ok;
            }

            var tables = console.Tables();
            tables.WriteLine($"Agreement {Text(root, "agreement")}: version {Number(root, "version")} in force.");
            var versions = new Spectre.Console.Table().Border(TableBorder.Rounded).AddColumns("Version", "By amendment", "In force since", "Signed by");
            foreach (var v in Items(root, "versions"))
            {
                versions.AddRow([.. new[] { Number(v, "version") ?? "", Text(v, "amendment") ?? "(the agreement's text)", Text(v, "in_force") ?? "", Signatures(v) }.Select(Markup.Escape)]);
            }

            tables.Write(versions);
            var table = new Spectre.Console.Table().Border(TableBorder.Rounded)
                .AddColumns("Amendment", "State", "Proposer", "Version", "Signing deadline", "Signed by", "Missing", "Closed", "Reason");
            foreach (var a in amendments)
            {
                string closed = Text(a, "closed") is { } c ? c + (Text(a, "refused_by") is { } by ? $" (refused by {by})" : "") : "";
                table.AddRow([.. new[]
                {
                    Text(a, "id") ?? "", Text(a, "state") ?? "", Text(a, "proposer") ?? "", $"{Number(a, "base_version")} → {Number(a, "version")}",
                    Text(a, "signing_deadline") ?? "", Signatures(a), string.Join(", ", Strings(a, "missing")), closed,
                    Text(a, "lapse_reason") ?? Text(a, "reason") ?? "",
                }.Select(Markup.Escape)]);
            }

            tables.Write(table);
            tables.WriteLine($"{Render.Count(amendments.Count, "amendment")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Propose(CliConsole console)
    {
        var client = new ClientOptions();
        var file = new Argument<FileInfo>("FILE")
        {
            Description = "The proposal, JSON or YAML: reason, signing_deadline, effective (on_signature or a time) and what it changes " +
                "(add_terms, replace_terms, remove_terms, rules, separation, concurrence_deadline_minutes, probing_budget).",
        };
        var command = client.AddTo(new Command("propose", "Propose an amendment (an approver of a member party); a signatory's proposal is its signature.") { file }, writes: true);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var path = parsed.GetValue(file)!;
            string text = Encoding.UTF8.GetString(await Files.ReadAsync(path, cancellationToken));
            string json;
            try
            {
                // The server reads JSON; YAML is turned into the same tree here, with the reader's own strictness.
                json = text.TrimStart().StartsWith('{') ? text : Parley.Core.Features.AmendmentReader.YamlToJson(text);
            }
            catch (Parley.Core.InputRejectedException e)
            {
                throw new CliException(ExitCodes.InvalidInput, $"{path.Name}: {e.Errors[0]}");
            }

            using var server = client.Connect(parsed, signs: true);
            string answer = await server.PostJsonAsync("agreement/amendments", Encoding.UTF8.GetBytes(json), null, cancellationToken);
            await WriteAmendmentAsync(console, client, parsed, answer, "Proposed");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Sign(CliConsole console)
    {
        var client = new ClientOptions();
        var id = new Argument<string>("ID") { Description = "The amendment id." };
        var command = client.AddTo(new Command("sign", "Sign an amendment (an approver of a signatory): the last signature brings it into force.") { id }, writes: true);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string path = "agreement/amendments/" + Uri.EscapeDataString(parsed.GetValue(id)!);
            using var server = client.Connect(parsed, signs: true);

            // The signature names the revision it signs: the one just read.
            var (_, etag) = await server.GetWithETagAsync(path, cancellationToken);
            string answer = await server.PostJsonAsync(path + "/signatures", "{}"u8.ToArray(), etag, cancellationToken);
            await WriteAmendmentAsync(console, client, parsed, answer, "Signed");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Refuse(CliConsole console)
    {
        var client = new ClientOptions();
        var id = new Argument<string>("ID") { Description = "The amendment id." };
        var reason = new Option<string>("--reason") { Description = "Why the party refuses it.", Required = true };
        var command = client.AddTo(new Command("refuse", "Refuse an amendment (an approver of a signatory): it lapses.") { id, reason }, writes: true);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string path = "agreement/amendments/" + Uri.EscapeDataString(parsed.GetValue(id)!);
            using var server = client.Connect(parsed, signs: true);
            var (_, etag) = await server.GetWithETagAsync(path, cancellationToken);
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["reason"] = parsed.GetValue(reason)! });
            string answer = await server.PostJsonAsync(path + "/refusals", body, etag, cancellationToken);
            await WriteAmendmentAsync(console, client, parsed, answer, "Refused");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task WriteAmendmentAsync(CliConsole console, ClientOptions client, ParseResult parsed, string answer, string verb)
    {
        if (client.Json(parsed))
        {
            await console.Out.WriteLineAsync(answer);
            return;
        }

        using var document = JsonDocument.Parse(answer);
        var a = document.RootElement;
        string missing = string.Join(", ", Strings(a, "missing"));
        await console.Out.WriteLineAsync($"{verb} amendment {Text(a, "id")}: {Text(a, "state")}, version {Number(a, "base_version")} → {Number(a, "version")}" +
            (missing.Length > 0 ? $"; waiting for {missing} until {Text(a, "signing_deadline")}." : "."));
    }

    private static string Scope(JsonElement term)
    {
        var parts = new List<string>();
        if (term.TryGetProperty("alt_min_m", out _) || term.TryGetProperty("alt_max_m", out _))
        {
            parts.Add($"{Number(term, "alt_min_m") ?? "-∞"} – {Number(term, "alt_max_m") ?? "∞"} m");
        }

        if (Text(term, "start") is { } start)
        {
            parts.Add($"{start} – {Text(term, "end") ?? "open"}");
        }

        if (term.TryGetProperty("area", out var area) && area.ValueKind == JsonValueKind.Object)
        {
            parts.Add("an area");
        }

        return parts.Count == 0 ? "everywhere, always" : string.Join("; ", parts);
    }

    private static string Asks(JsonElement term) => Text(term, "type") switch
    {
        "designated-area" => $"within {Render.Count(term.TryGetProperty("areas", out var a) && a.TryGetProperty("features", out var f) ? f.GetArrayLength() : 1, "area")}",
        "suspension" => "stay out",
        "limit" => $"at most {Number(term, "max_per_day")} a UTC day",
        _ => "",
    };

    private static string Signatures(JsonElement element) =>
        string.Join(' ', Items(element, "signatures").Select(s => $"{Text(s, "party")}@{Text(s, "signed")}"));

    private static string CsvField(string? value)
    {
        value ??= "";
        return value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    private static IEnumerable<string> Strings(JsonElement element, string name) =>
        Items(element, name).Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!);

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble().ToString(CultureInfo.InvariantCulture) : null;
}
