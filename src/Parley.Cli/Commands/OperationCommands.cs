using System.CommandLine;
using System.Text.Json;
using Parley.Cli.Client;
using Spectre.Console;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary><c>parley op submit|list|show</c>: submit operations to a server and follow their state and conflicts.</summary>
public static class OperationCommands
{
    /// <summary>Creates the <c>op</c> command and its subcommands.</summary>
    public static Command Create(CliConsole console)
    {
        var op = new Command("op", "Submit and list operations on a Parley server.");
        op.Subcommands.Add(Submit(console));
        op.Subcommands.Add(List(console));
        op.Subcommands.Add(Show(console));
        return op;
    }

    private static Command Submit(CliConsole console)
    {
        var client = new ClientOptions();
        var file = new Argument<FileInfo>("FILE") { Description = "GeoJSON Feature of one operation (owner: the token's party)." };
        var command = client.AddTo(new Command("submit", "Submit one operation; prints its state and its conflicts.") { file }, writes: true);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            byte[] body = await Files.ReadAsync(parsed.GetValue(file)!, cancellationToken);
            using var server = client.Connect(parsed, signs: true);
            string answer = await server.PostGeoJsonAsync("operations", body, cancellationToken);
            await WriteOperationAsync(console, answer, client.Json(parsed), "Submitted");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliConsole console)
    {
        var client = new ClientOptions();
        var id = new Argument<string>("ID") { Description = "The operation id." };
        var command = client.AddTo(new Command("show", "Show one operation with its current conflicts (conflicts only for its owner).") { id });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var server = client.Connect(parsed);
            string answer = await server.GetAsync("operations/" + Uri.EscapeDataString(parsed.GetValue(id)!), cancellationToken);
            await WriteOperationAsync(console, answer, client.Json(parsed), "Operation");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var client = new ClientOptions();
        var command = client.AddTo(new Command("list", "List the operations the caller may see, with their state."));
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var server = client.Connect(parsed);
            string answer = await Listings.AllAsync(server, "operations", cancellationToken);
            if (client.Json(parsed))
            {
                await console.Out.WriteLineAsync(answer);
                return ExitCodes.Ok;
            }

            using var document = JsonDocument.Parse(answer);
            var features = document.RootElement.GetProperty("features").EnumerateArray().ToList();
            var tables = console.Tables();
            tables.Write(Render.Features(features, operations: true));
            var states = features
                .Select(f => f.TryGetProperty("properties", out var p) && p.TryGetProperty("state", out var s) ? s.GetString() ?? "" : "")
                .GroupBy(s => s).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}");
            tables.WriteLine($"{Render.Count(features.Count, "operation")}{(features.Count > 0 ? ": " + string.Join(", ", states) : "")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task WriteOperationAsync(CliConsole console, string answer, bool json, string verb)
    {
        if (json)
        {
            await console.Out.WriteLineAsync(answer);
            return;
        }

        using var document = JsonDocument.Parse(answer);
        var root = document.RootElement;
        var conflicts = root.GetProperty("conflicts");
        int count = conflicts.GetArrayLength();
        var tables = console.Tables();
        tables.WriteLine($"{verb} '{root.GetProperty("id").GetString()}': {root.GetProperty("state").GetString()}, " +
                         $"{(count == 0 ? "no conflicts" : Render.Count(count, "conflict"))}.");
        tables.Write(Render.Features([root.GetProperty("operation")], operations: true));
        if (count > 0)
        {
            tables.Write(Render.Conflicts(conflicts));
        }
    }
}
