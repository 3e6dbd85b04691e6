using System.Text.Json;
using Parley.Interop.Import;

namespace Parley.Interop.Ed269;

/// <summary>
/// Reads EUROCAE ED-269 UAS geographical zones (JSON): a document <c>{features: [...]}</c> (InterUSS) or
/// <c>{UASZoneList: [...]}</c> (the Swiss CIS), each zone with a stack of volumes.
/// </summary>
/// <remarks>
/// Each volume (<c>geometry[i]</c>) becomes a zone: <c>horizontalProjection</c> <c>Polygon</c> (coordinates
/// [longitude, latitude]) or <c>Circle</c> (<c>center</c>, <c>radius</c>); <c>uomDimensions</c> M or FT applies to the
/// limits and to the radius; <c>lowerVerticalReference</c>/<c>upperVerticalReference</c> AGL or AMSL; a null upper limit
/// is unlimited. Each <c>applicability</c> entry is a window (<c>startDateTime</c>, <c>endDateTime</c>); a weekly
/// <c>schedule</c> (or <c>dailyPeriod</c>) inside it is widened to the whole window, with a warning: Parley holds one
/// window per zone, and a zone active for longer is the safe side. Numbers given as strings and empty strings for
/// absent values are read leniently.
/// </remarks>
public static class Ed269Reader
{
    /// <summary>Reads every zone of an ED-269 document.</summary>
    /// <exception cref="ImportRejectedException">The document is not JSON, or has no list of zones.</exception>
    public static SourceReading Read(ReadOnlyMemory<byte> utf8)
    {
        using var document = Parse(utf8);
        var root = document.RootElement;
        string listName = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("UASZoneList", out _) ? "UASZoneList" : "features";
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(listName, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new ImportRejectedException([new ImportProblem("$", null, "an ED-269 document has a 'features' (or 'UASZoneList') array of zones")]);
        }

        var zones = new List<ImportedZone>();
        var errors = new List<ImportProblem>();
        int index = 0;
        foreach (var zone in list.EnumerateArray())
        {
            string location = $"{listName}[{index++}]";
            string? name = JsonFields.Text(zone, "name") ?? JsonFields.Text(zone, "identifier");
            try
            {
                zones.AddRange(Zone(zone, location, name));
            }
            catch (FormatException e)
            {
                errors.Add(new ImportProblem(location, name, e.Message));
            }
        }

        return new SourceReading(zones, errors);
    }

    internal static JsonDocument Parse(ReadOnlyMemory<byte> utf8)
    {
        try
        {
            return Parley.Core.Features.FeatureReader.ParseJson(utf8);
        }
        catch (Parley.Core.InputRejectedException e)
        {
            throw new ImportRejectedException([new ImportProblem("$", null, e.Errors[0].Message)]);
        }
    }

    private static IEnumerable<ImportedZone> Zone(JsonElement zone, string location, string? name)
    {
        if (zone.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a zone must be an object");
        }

        string restriction = JsonFields.Text(zone, "restriction") ?? throw new FormatException("restriction is required (PROHIBITED, REQ_AUTHORISATION, CONDITIONAL, NO_RESTRICTION)");
        if (restriction is not ("PROHIBITED" or "REQ_AUTHORISATION" or "CONDITIONAL" or "NO_RESTRICTION"))
        {
            throw new FormatException($"restriction '{JsonFields.Clip(restriction)}' is not PROHIBITED, REQ_AUTHORISATION, CONDITIONAL or NO_RESTRICTION");
        }

        var (windows, notes) = Windows(zone);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["restriction"] = restriction };
        foreach (var field in new[] { "country", "type", "message", "otherReasonInfo" })
        {
            if (JsonFields.Text(zone, field) is { } value)
            {
                attributes[field] = value;
            }
        }

        if (zone.TryGetProperty("reason", out var reasons) && reasons.ValueKind == JsonValueKind.Array)
        {
            attributes["reason"] = string.Join(',', reasons.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()));
        }

        if (!zone.TryGetProperty("geometry", out var volumes) || volumes.ValueKind != JsonValueKind.Array || volumes.GetArrayLength() == 0)
        {
            throw new FormatException("geometry must be an array of at least one volume");
        }

        var result = new List<ImportedZone>();
        int v = 0;
        string? identifier = JsonFields.Text(zone, "identifier");
        int count = volumes.GetArrayLength();
        foreach (var volume in volumes.EnumerateArray())
        {
            string at = $"{location}.geometry[{v}]";
            string unit = JsonFields.Text(volume, "uomDimensions") ?? throw new FormatException($"{at}: uomDimensions is required (M or FT)");
            double scale = unit switch
            {
                "M" => 1,
                "FT" => VerticalLimit.MetresPerFoot,
                _ => throw new FormatException($"{at}: uomDimensions '{JsonFields.Clip(unit)}' is not M or FT"),
            };
            var floor = Limit(volume, "lowerLimit", "lowerVerticalReference", scale, unit, at, upper: false);
            var ceiling = Limit(volume, "upperLimit", "upperVerticalReference", scale, unit, at, upper: true);
            var outline = Projection(volume, scale, at);
            result.Add(new ImportedZone
            {
                Location = at,
                Identifier = identifier is null ? null : count > 1 ? $"{identifier}-v{v + 1}" : identifier,
                Name = name,
                SourceClass = restriction,
                Outline = outline,
                Floor = floor,
                Ceiling = ceiling,
                Windows = windows,
                Notes = notes,
                Attributes = attributes,
            });
            v++;
        }

        return result;
    }

    private static VerticalLimit Limit(JsonElement volume, string field, string referenceField, double scale, string unit, string at, bool upper)
    {
        double? value;
        try
        {
            value = JsonFields.Number(volume, field);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{at}: {e.Message}");
        }

        string reference = JsonFields.Text(volume, referenceField) ?? (value is null ? "" : throw new FormatException($"{at}: {referenceField} is required (AGL or AMSL)"));
        string text = value is null ? "null" : $"{value.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)} {unit} {reference}";
        if (value is null)
        {
            return upper ? VerticalLimit.Unlimited(text) : throw new FormatException($"{at}: {field} is required");
        }

        return reference switch
        {
            "AGL" when value == 0 => VerticalLimit.Surface(text),
            "AGL" => new VerticalLimit(VerticalReference.Ground, value.Value * scale, text),
            "AMSL" => new VerticalLimit(VerticalReference.MeanSeaLevel, value.Value * scale, text),
            _ => throw new FormatException($"{at}: {referenceField} '{JsonFields.Clip(reference)}' is not AGL or AMSL"),
        };
    }

    private static ZoneOutline Projection(JsonElement volume, double scale, string at)
    {
        if (!volume.TryGetProperty("horizontalProjection", out var projection) || projection.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{at}: horizontalProjection is required (a Polygon or a Circle)");
        }

        switch (JsonFields.Text(projection, "type"))
        {
            case "Circle":
                {
                    var (lon, lat) = JsonFields.Position(projection.TryGetProperty("center", out var c) ? c : default, $"{at}.horizontalProjection.center");
                    double radius = JsonFields.Number(projection, "radius") is { } r and > 0 ? r : throw new FormatException($"{at}.horizontalProjection.radius must be a positive number");
                    return new ZoneOutline.Circle(lon, lat, radius * scale);
                }

            case "Polygon":
                return new ZoneOutline.Polygons([JsonFields.Rings(projection.TryGetProperty("coordinates", out var p) ? p : default, $"{at}.horizontalProjection.coordinates")]);
            default:
                throw new FormatException($"{at}: horizontalProjection.type must be Polygon or Circle");
        }
    }

    private static (List<ActivationWindow> Windows, List<string> Notes) Windows(JsonElement zone)
    {
        var windows = new List<ActivationWindow>();
        var notes = new List<string>();
        if (!zone.TryGetProperty("applicability", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return (windows, notes);
        }

        foreach (var a in list.EnumerateArray())
        {
            var start = JsonFields.Time(a, "startDateTime");
            var end = JsonFields.Time(a, "endDateTime");
            if (start is null && end is null && JsonFields.Text(a, "permanent") == "YES")
            {
                return ([], notes); // permanent: one open window from the import's start
            }

            windows.Add(new ActivationWindow(start, end));
            foreach (var periods in new[] { "schedule", "dailyPeriod" })
            {
                if (a.TryGetProperty(periods, out var schedule) && schedule.ValueKind == JsonValueKind.Array &&
                    schedule.EnumerateArray().Any(s => JsonFields.Has(s, "startTime") || (s.TryGetProperty("day", out var d) && d.ValueKind == JsonValueKind.Array && d.GetArrayLength() > 0)))
                {
                    notes.Add($"a weekly {periods} ({Schedule(schedule)}) is widened to the whole window: the zone is taken as active throughout");
                }
            }
        }

        return (windows, notes);
    }

    internal static string Schedule(JsonElement schedule) => string.Join("; ", schedule.EnumerateArray().Select(s =>
        $"{(s.TryGetProperty("day", out var d) && d.ValueKind == JsonValueKind.Array ? string.Join(',', d.EnumerateArray().Select(x => x.GetString())) : "")} " +
        $"{JsonFields.Text(s, "startTime") ?? JsonFields.Text(s, "startEvent")}–{JsonFields.Text(s, "endTime") ?? JsonFields.Text(s, "endEvent")}"));
}
