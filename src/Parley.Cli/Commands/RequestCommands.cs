using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Cli.Client;
using Spectre.Console;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary><c>parley request list|answer</c>: the concurrence requests a party is asked or asks, and its answers.</summary>
public static class RequestCommands
{
    /// <summary>Creates the <c>request</c> command and its subcommands.</summary>
    public static Command Create(CliConsole console)
    {
        var request = new Command("request", "List and answer concurrence requests on a Parley server.");
        request.Subcommands.Add(List(console));
        request.Subcommands.Add(Answer(console));
        return request;
    }

    private static Command List(CliConsole console)
    {
        var client = new ClientOptions();
        var state = new Option<string?>("--state") { Description = "Only requests in this state (open, concurred, refused, counter-proposed, expired, withdrawn)." };
        var role = new Option<string?>("--role") { Description = "Only requests the caller's party is asked (affected) or asks (submitter)." };
        role.AcceptOnlyFromAmong("affected", "submitter");
        var command = client.AddTo(new Command("list", "List the concurrence requests of the caller's party.") { state, role });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var server = client.Connect(parsed);
            var query = new List<string>();
            if (parsed.GetValue(state) is { } s)
            {
                query.Add("state=" + Uri.EscapeDataString(s));
            }

            if (parsed.GetValue(role) is { } r)
            {
                query.Add("role=" + r);
            }

            string answer = await server.GetAsync("requests" + (query.Count == 0 ? "" : "?" + string.Join('&', query)), cancellationToken);
            if (client.Json(parsed))
            {
                await console.Out.WriteLineAsync(answer);
                return ExitCodes.Ok;
            }

            using var document = JsonDocument.Parse(answer);
            var requests = document.RootElement.GetProperty("requests").EnumerateArray().ToList();
            var table = new Table().Border(TableBorder.Rounded).AddColumns("Request", "State", "Asks", "Asked", "About", "Deadline", "Reason");
            foreach (var q in requests)
            {
                string about = $"{Text(q, "target_type")} {Text(q, "target_id") ?? Text(q, "target_handle") + " (withheld)"}";
                table.AddRow([.. new[]
                {
                    Text(q, "id") ?? "", Text(q, "state") ?? "", $"{Text(q, "submitter")}: {Text(q, "operation") ?? Text(q, "operation_handle") + " (withheld)"}",
                    Text(q, "affected") ?? "", about, Text(q, "deadline") ?? "", Text(q, "reason") ?? "",
                }.Select(Markup.Escape)]);
            }

            var tables = console.Tables();
            tables.Write(table);
            tables.WriteLine($"{Render.Count(requests.Count, "request")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Answer(CliConsole console)
    {
        var client = new ClientOptions();
        var id = new Argument<string>("ID") { Description = "The request id (cr-…)." };
        var concur = new Option<bool>("--concur") { Description = "Concur: the operation may go ahead as far as this party is concerned." };
        var refuse = new Option<string?>("--refuse") { Description = "Refuse, with the reason.", HelpName = "REASON" };
        var counter = new Option<FileInfo?>("--counter") { Description = "Counter-propose the volumes of this GeoJSON Feature (with --reason).", HelpName = "FILE" };
        var reason = new Option<string?>("--reason") { Description = "The reason of a counter-proposal." };
        var command = client.AddTo(new Command("answer", "Answer a request put to the caller's party (concur, refuse or counter-propose).")
        {
            id, concur, refuse, counter, reason,
        }, writes: true);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            int chosen = (parsed.GetValue(concur) ? 1 : 0) + (parsed.GetValue(refuse) is null ? 0 : 1) + (parsed.GetValue(counter) is null ? 0 : 1);
            if (chosen != 1)
            {
                throw new CliException(ExitCodes.InvalidInput, "answer with exactly one of --concur, --refuse REASON or --counter FILE --reason REASON");
            }

            var body = new JsonObject();
            if (parsed.GetValue(concur))
            {
                body["answer"] = "concur";
            }
            else if (parsed.GetValue(refuse) is { } why)
            {
                body["answer"] = "refuse";
                body["reason"] = why;
            }
            else
            {
                body["answer"] = "counter-propose";
                body["reason"] = parsed.GetValue(reason) ?? throw new CliException(ExitCodes.InvalidInput, "--counter needs --reason");
                body["counter"] = JsonNode.Parse(await Files.ReadAsync(parsed.GetValue(counter)!, cancellationToken));
            }

            string path = "requests/" + Uri.EscapeDataString(parsed.GetValue(id)!);
            using var server = client.Connect(parsed, signs: true);

            // The answer names the version it answers: the one just read.
            var (_, etag) = await server.GetWithETagAsync(path, cancellationToken);
            string answer = await server.PostJsonAsync(path + "/answer", System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()), etag, cancellationToken);
            if (client.Json(parsed))
            {
                await console.Out.WriteLineAsync(answer);
                return ExitCodes.Ok;
            }

            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            var request = root.GetProperty("request");
            await console.Out.WriteLineAsync($"Request {Text(request, "id")}: {Text(request, "state")}" +
                (Text(root, "operation_state") is { } opState ? $"; operation {Text(request, "operation")}: {opState}." : "."));
            if (root.TryGetProperty("counter_proposal", out var proposal) && proposal.ValueKind == JsonValueKind.Object)
            {
                await console.Out.WriteLineAsync($"Counter-proposal {Text(proposal, "id")}: {Text(proposal, "state")}.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
