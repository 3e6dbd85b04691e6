using System.CommandLine;
using System.Text;
using Parley.Cli.Client;
using Parley.Cli.Terminal;

namespace Parley.Cli.Commands;

/// <summary>
/// <c>parley export kml|cot|geojson</c>: the caller's picture (the zones and operations it may see, its conflicts with
/// hidden items as disclosed cells) in the formats operators' tools read, to standard output or <c>--out</c>.
/// </summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliConsole console)
    {
        var export = new Command("export", "Export the caller's picture as KML (Google Earth), CoT events (ATAK/WinTAK) or GeoJSON.");
        export.Subcommands.Add(Format(console, "kml", "OGC KML 2.2 with time spans and extruded volumes.", "export.kml", null));
        export.Subcommands.Add(Format(console, "geojson", "GeoJSON that Parley re-imports unchanged.", "export.geojson", null));
        export.Subcommands.Add(Format(console, "cot", "Cursor-on-Target drawings, back to back (the zones and live operations, with their altitude band; stale after 10 minutes when open-ended).", "export.geojson", CotFromGeoJson));
        return export;
    }

    private static Command Format(CliConsole console, string name, string description, string route, Func<byte[], byte[]>? convert)
    {
        var client = new ClientOptions();
        var output = new Option<FileInfo?>("--out") { Description = "Write here instead of standard output.", HelpName = "FILE" };
        var bbox = new Option<string?>("--bbox") { Description = "Only items whose footprint meets west,south,east,north (degrees).", HelpName = "W,S,E,N" };
        var start = new Option<string?>("--start") { Description = "Only items active at or after this time (RFC 3339).", HelpName = "TIME" };
        var end = new Option<string?>("--end") { Description = "Only items active before this time (RFC 3339).", HelpName = "TIME" };
        var kind = new Option<string?>("--kind") { Description = "Only these zone or operation kinds, comma-separated.", HelpName = "KINDS" };
        var owner = new Option<string?>("--owner") { Description = "Only items of these parties, comma-separated.", HelpName = "PARTIES" };
        var state = new Option<string?>("--state") { Description = "Only operations in these states, comma-separated.", HelpName = "STATES" };
        var include = new Option<string?>("--include") { Description = "Which layers: zones, operations, conflicts (default: all).", HelpName = "LAYERS" };
        var command = client.AddTo(new Command(name, description) { output, bbox, start, end, kind, owner, state, include });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var query = new List<string>();
            foreach (var (key, option) in new[] { ("bbox", bbox), ("start", start), ("end", end), ("kind", kind), ("owner", owner), ("state", state), ("include", include) })
            {
                if (parsed.GetValue(option) is { } value)
                {
                    query.Add($"{key}={Uri.EscapeDataString(value)}");
                }
            }

            using var server = client.Connect(parsed);
            string body = await server.GetAsync(route + (query.Count > 0 ? "?" + string.Join('&', query) : ""), cancellationToken);
            byte[] bytes = Encoding.UTF8.GetBytes(body);
            if (convert is not null)
            {
                bytes = convert(bytes);
            }

            if (parsed.GetValue(output) is { } file)
            {
                await File.WriteAllBytesAsync(file.FullName, bytes, cancellationToken);
                await console.Error.WriteLineAsync($"parley export: {bytes.Length:N0} bytes of {name} written to {file}");
            }
            else
            {
                await console.Out.WriteAsync(Encoding.UTF8.GetString(bytes));
                await console.Out.WriteLineAsync();
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The CoT drawings of an export, as the TAK feed sends them on connection.</summary>
    private static byte[] CotFromGeoJson(byte[] geojson) =>
        Parley.Interop.Export.CotWriter.Picture(Parley.Interop.Export.GeoJsonExport.ReadPicture(geojson), new Parley.Server.Configuration.ParleyServerOptions().Cot.RefreshHorizon);
}
