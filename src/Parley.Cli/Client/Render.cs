using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Parley.Cli.Client;

/// <summary>Tables for the server's answers: zones, operations and conflicts.</summary>
internal static class Render
{
    /// <summary>A table of GeoJSON Features (zones or operations).</summary>
    public static Table Features(IEnumerable<JsonElement> features, bool operations)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("Id", "Kind", "Owner");
        if (operations)
        {
            table.AddColumn("State");
        }

        table.AddColumns("Name", "Visibility", "Altitude (m)", "From", "Until", "Geometry");
        foreach (var feature in features)
        {
            var properties = feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            var cells = new List<string>
            {
                Cell(feature, "id"),
                Cell(properties, "kind"),
                Cell(properties, "owner"),
            };
            if (operations)
            {
                cells.Add(Cell(properties, "state"));
            }

            cells.Add(Cell(properties, "name"));
            cells.Add(Cell(properties, "visibility"));
            cells.Add($"{Number(properties, "alt_min_m") ?? "-∞"} – {Number(properties, "alt_max_m") ?? "∞"}");
            cells.Add(Cell(properties, "start"));
            cells.Add(Text(properties, "end") ?? "open");
            cells.Add(Geometry(feature, properties));
            table.AddRow([.. cells.Select(Markup.Escape)]);
        }

        return table;
    }

    /// <summary>A table of conflict views (what the caller may learn of each conflict).</summary>
    public static Table Conflicts(JsonElement conflicts)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("With", "Owner", "Kind", "Id or handle", "Name", "Area (W S E N)");
        foreach (var c in conflicts.EnumerateArray())
        {
            string area = "";
            if (c.TryGetProperty("area", out var a) && a.ValueKind == JsonValueKind.Object)
            {
                area = string.Join(' ', new[] { "west", "south", "east", "north" }.Select(k => Number(a, k) ?? "?"));
            }

            table.AddRow([.. new[]
            {
                Cell(c, "type"), Cell(c, "owner"), Cell(c, "kind"),
                Text(c, "id") ?? Text(c, "handle") + " (withheld)",
                Cell(c, "name"), area,
            }.Select(Markup.Escape)]);
        }

        return table;
    }

    /// <summary>"3 zones", "1 operation".</summary>
    public static string Count(int n, string noun) => $"{n.ToString("N0", CultureInfo.InvariantCulture)} {noun}{(n == 1 ? "" : "s")}";

    private static string Geometry(JsonElement feature, JsonElement properties)
    {
        if (!feature.TryGetProperty("geometry", out var g) || g.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        string type = Cell(g, "type");
        return type switch
        {
            "Point" => $"circle r={Number(properties, "radius_m")} m",
            "LineString" => $"corridor ±{Number(properties, "corridor_m")} m",
            _ => type,
        };
    }

    private static string Cell(JsonElement element, string name) => Text(element, name) ?? "";

    private static string? Text(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            _ => null,
        };
    }

    private static string? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetRawText()
            : null;
}
