using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Cli.Client;
using Parley.Cli.Terminal;
using Spectre.Console;

namespace Parley.Cli.Commands;

/// <summary>
/// <c>parley incident report|list|show|reply|grade</c>: report incidents, follow them, answer one the caller's party is
/// suspected in, and grade one as a monitor. An incident is a violation candidate until its party admits it.
/// </summary>
public static class IncidentCommands
{
    /// <summary>Creates the <c>incident</c> command and its subcommands.</summary>
    public static Command Create(CliConsole console)
    {
        var incident = new Command("incident", "Report, list, show, answer and grade incidents on a Parley server.");
        incident.Subcommands.Add(Report(console));
        incident.Subcommands.Add(List(console));
        incident.Subcommands.Add(Show(console));
        incident.Subcommands.Add(Reply(console));
        incident.Subcommands.Add(Grade(console));
        return incident;
    }

    private static Command Report(CliConsole console)
    {
        var client = new ClientOptions();
        var file = new Argument<FileInfo>("FILE") { Description = "GeoJSON Feature of one incident report (kind, place and uncertainty, time, suspected, sources)." };
        var command = client.AddTo(new Command("report", "Report one incident; prints what it touches as the caller may see it.") { file }, writes: true);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            byte[] body = await Files.ReadAsync(parsed.GetValue(file)!, cancellationToken);
            using var server = client.Connect(parsed, signs: true);
            string answer = await server.PostGeoJsonAsync("incidents", body, cancellationToken);
            await WriteIncidentAsync(console, answer, client.Json(parsed), "Reported");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliConsole console)
    {
        var client = new ClientOptions();
        var id = new Argument<string>("ID") { Description = "The incident id." };
        var command = client.AddTo(new Command("show", "Show one incident: what it touches, replies, grades and silences, as the caller may see them.") { id });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var server = client.Connect(parsed);
            string answer = await server.GetAsync("incidents/" + Uri.EscapeDataString(parsed.GetValue(id)!), cancellationToken);
            await WriteIncidentAsync(console, answer, client.Json(parsed), "Incident");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var client = new ClientOptions();
        var suspected = new Option<string?>("--suspected") { Description = "Only incidents naming this party.", HelpName = "PARTY" };
        var reporter = new Option<string?>("--reporter") { Description = "Only incidents reported by this party.", HelpName = "PARTY" };
        var awaiting = new Option<bool>("--awaiting") { Description = "Only incidents awaiting the caller's party's reply." };
        var command = client.AddTo(new Command("list", "List the incidents the caller may see, oldest first.") { suspected, reporter, awaiting });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var query = new List<string>();
            if (parsed.GetValue(suspected) is { } s)
            {
                query.Add("suspected=" + Uri.EscapeDataString(s));
            }

            if (parsed.GetValue(reporter) is { } r)
            {
                query.Add("reporter=" + Uri.EscapeDataString(r));
            }

            if (parsed.GetValue(awaiting))
            {
                query.Add("awaiting=true");
            }

            using var server = client.Connect(parsed);
            string answer = await server.GetAsync("incidents" + (query.Count == 0 ? "" : "?" + string.Join('&', query)), cancellationToken);
            if (client.Json(parsed))
            {
                await console.Out.WriteLineAsync(answer);
                return ExitCodes.Ok;
            }

            using var document = JsonDocument.Parse(answer);
            var incidents = document.RootElement.GetProperty("incidents").EnumerateArray().ToList();
            var table = new Table().Border(TableBorder.Rounded).AddColumns("Incident", "Kind", "Reporter", "Reported", "Suspected: standing, reply", "Sites", "Grade");
            foreach (var i in incidents)
            {
                table.AddRow([.. new[]
                {
                    Text(i, "id"), Text(i, "kind"), Text(i, "reporter"), Text(i, "reported"), Candidates(i),
                    i.GetProperty("sites").GetArrayLength().ToString(System.Globalization.CultureInfo.InvariantCulture), Text(i, "grade") ?? "–",
                }.Select(t => Markup.Escape(t ?? ""))]);
            }

            var tables = console.Tables();
            tables.Write(table);
            tables.WriteLine($"{Render.Count(incidents.Count, "incident")}. A violation candidate is not a finding: it is confirmed only by the suspected party's own admission.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Reply(CliConsole console)
    {
        var client = new ClientOptions();
        var id = new Argument<string>("ID") { Description = "The incident id." };
        var admit = new Option<bool>("--admit") { Description = "Admit it: the incident is then confirmed against the caller's party." };
        var deny = new Option<string?>("--deny") { Description = "Deny it, with the reason.", HelpName = "REASON" };
        var explain = new Option<string?>("--explain") { Description = "Explain it by one of the party's own declared operations.", HelpName = "OPERATION" };
        var request = new Option<bool>("--request-information") { Description = "Ask for more information before answering (say what with --reason)." };
        var reason = new Option<string?>("--reason") { Description = "A reason or a note (with --admit, --explain or --request-information)." };
        var command = client.AddTo(new Command("reply", "Reply to an incident the caller's party is suspected in: admit, deny, explain or request information.")
        {
            id, admit, deny, explain, request, reason,
        }, writes: true);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            int chosen = (parsed.GetValue(admit) ? 1 : 0) + (parsed.GetValue(deny) is null ? 0 : 1) + (parsed.GetValue(explain) is null ? 0 : 1) + (parsed.GetValue(request) ? 1 : 0);
            if (chosen != 1)
            {
                throw new CliException(ExitCodes.InvalidInput, "reply with exactly one of --admit, --deny REASON, --explain OPERATION or --request-information");
            }

            var body = new JsonObject();
            if (parsed.GetValue(deny) is { } why)
            {
                body["reply"] = "deny";
                body["reason"] = why;
            }
            else
            {
                body["reply"] = parsed.GetValue(admit) ? "admit" : parsed.GetValue(request) ? "request-information" : "explain";
                body["reason"] = parsed.GetValue(reason);
                body["operation"] = parsed.GetValue(explain);
            }

            using var server = client.Connect(parsed, signs: true);
            string answer = await server.PostJsonAsync($"incidents/{Uri.EscapeDataString(parsed.GetValue(id)!)}/replies",
                System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()), null, cancellationToken);
            await WriteIncidentAsync(console, answer, client.Json(parsed), "Replied to");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Grade(CliConsole console)
    {
        var client = new ClientOptions();
        var id = new Argument<string>("ID") { Description = "The incident id." };
        var grade = new Argument<string>("GRADE") { Description = "weak, fair, contested or discounted (confirmed is no grade: only the suspected party's admission confirms)." };
        grade.AcceptOnlyFromAmong("weak", "fair", "contested", "discounted");
        var reason = new Option<string>("--reason") { Description = "Why the incident gets this grade.", Required = true };
        var command = client.AddTo(new Command("grade", "Grade an incident, as a monitor (an observer party) or the administrator.") { id, grade, reason }, writes: true);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var body = new JsonObject { ["grade"] = parsed.GetValue(grade), ["reason"] = parsed.GetValue(reason) };
            using var server = client.Connect(parsed, signs: true);
            string answer = await server.PostJsonAsync($"incidents/{Uri.EscapeDataString(parsed.GetValue(id)!)}/grades",
                System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()), null, cancellationToken);
            await WriteIncidentAsync(console, answer, client.Json(parsed), "Graded");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task WriteIncidentAsync(CliConsole console, string answer, bool json, string verb)
    {
        if (json)
        {
            await console.Out.WriteLineAsync(answer);
            return;
        }

        using var document = JsonDocument.Parse(answer);
        var i = document.RootElement;
        var text = new System.Text.StringBuilder();
        text.Append($"{verb} {Text(i, "id")}: {Text(i, "kind")} reported by {Text(i, "reporter")} at {Text(i, "reported")}").AppendLine();
        text.Append($"  suspected   {(i.GetProperty("candidates").GetArrayLength() == 0 ? "none" : Candidates(i))}; replies due by {Text(i, "reply_deadline")}").AppendLine();
        text.Append($"  grade       {Text(i, "grade") ?? "none yet"}").AppendLine();
        foreach (var site in i.GetProperty("sites").EnumerateArray())
        {
            string which = Text(site, "zone") is { } zone
                ? zone + (site.TryGetProperty("exact", out var exact) ? exact.GetBoolean() ? " (touched)" : " (in the same cell only)" : "")
                : $"{Text(site, "handle")} (withheld; in cell {Cell(site)})";
            text.Append($"  site        {Text(site, "owner")} {Text(site, "kind")} {which}{(site.GetProperty("named").GetBoolean() ? ", named by the reporter" : "")}").AppendLine();
        }

        foreach (var match in i.GetProperty("declarations").EnumerateArray())
        {
            string which = Text(match, "operation") is { } op ? $"{op} ({Text(match, "state")})" : $"{Text(match, "handle")} (withheld; in cell {Cell(match)})";
            text.Append($"  declared    {Text(match, "owner")} {Text(match, "kind")} {which}").AppendLine();
        }

        foreach (var term in i.GetProperty("terms").EnumerateArray())
        {
            text.Append($"  term        {Text(term, "term")}: {Text(term, "reason")}").AppendLine();
        }

        foreach (var reply in i.GetProperty("replies").EnumerateArray())
        {
            text.Append($"  reply       {Text(reply, "party")} {Text(reply, "reply")}{(reply.GetProperty("late").GetBoolean() ? " (late)" : "")}" +
                        $"{(Text(reply, "operation") is { } op ? " by " + op : "")}{(Text(reply, "reason") is { } r ? ": " + r : "")}").AppendLine();
        }

        foreach (var grade in i.GetProperty("grades").EnumerateArray())
        {
            text.Append($"  graded      {Text(grade, "grade")} by {Text(grade, "by")}: {Text(grade, "reason")}").AppendLine();
        }

        foreach (var silence in i.GetProperty("silences").EnumerateArray())
        {
            text.Append($"  silence     {Text(silence, "party")}: no reply by the deadline (neither an admission nor a denial)").AppendLine();
        }

        text.Append("  A notified site is protected; so is one never notified (Additional Protocol I, art. 12(3)).").AppendLine();
        await console.Out.WriteAsync(text.ToString());
    }

    private static string Candidates(JsonElement incident) =>
        string.Join("; ", incident.GetProperty("candidates").EnumerateArray().Select(c => $"{Text(c, "party")}: {Text(c, "status")}, {Text(c, "reply")}"));

    private static string Cell(JsonElement item) =>
        item.TryGetProperty("cell", out var c)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{c.GetProperty("west").GetDouble()},{c.GetProperty("south").GetDouble()} to {c.GetProperty("east").GetDouble()},{c.GetProperty("north").GetDouble()}")
            : "?";

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
