using System.CommandLine;
using System.Text.Json;
using Parley.Cli.Client;
using Spectre.Console;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary><c>parley zone add|list</c>: declare zones on a server and list those the caller may see.</summary>
public static class ZoneCommands
{
    /// <summary>Creates the <c>zone</c> command and its subcommands.</summary>
    public static Command Create(CliConsole console)
    {
        var zone = new Command("zone", "Declare and list zones on a Parley server.");
        zone.Subcommands.Add(Add(console));
        zone.Subcommands.Add(List(console));
        return zone;
    }

    private static Command Add(CliConsole console)
    {
        var client = new ClientOptions();
        var file = new Argument<FileInfo>("FILE") { Description = "GeoJSON Feature or FeatureCollection of zones (owner: the token's party)." };
        var command = client.AddTo(new Command("add", "Declare one zone (Feature) or several (FeatureCollection).") { file }, writes: true);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            byte[] body = await Files.ReadAsync(parsed.GetValue(file)!, cancellationToken);
            using var server = client.Connect(parsed, signs: true);
            string answer = await server.PostGeoJsonAsync("zones", body, cancellationToken);
            if (client.Json(parsed))
            {
                await console.Out.WriteLineAsync(answer);
                return ExitCodes.Ok;
            }

            using var document = JsonDocument.Parse(answer);
            var accepted = document.RootElement.GetProperty("accepted").EnumerateArray().ToList();
            var tables = console.Tables();
            tables.WriteLine($"Declared {Render.Count(accepted.Count, "zone")}.");
            tables.Write(Render.Features(accepted, operations: false));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var client = new ClientOptions();
        var command = client.AddTo(new Command("list", "List the zones the caller may see."));
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var server = client.Connect(parsed);
            string answer = await Listings.AllAsync(server, "zones", cancellationToken);
            if (client.Json(parsed))
            {
                await console.Out.WriteLineAsync(answer);
                return ExitCodes.Ok;
            }

            using var document = JsonDocument.Parse(answer);
            var features = document.RootElement.GetProperty("features").EnumerateArray().ToList();
            var tables = console.Tables();
            tables.Write(Render.Features(features, operations: false));
            tables.WriteLine($"{Render.Count(features.Count, "zone")}.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
