using System.CommandLine;

namespace Parley.Cli.Commands;

/// <summary><c>parley export kml|cot|geojson</c>: the caller's picture in the formats operators' tools read.</summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliConsole console)
    {
        _ = console;
        return new Command("export", "Export the caller's picture as KML, CoT or GeoJSON.");
    }
}
