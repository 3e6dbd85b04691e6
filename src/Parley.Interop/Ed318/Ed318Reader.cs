using System.Globalization;
using System.Text.Json;
using Parley.Interop.Import;

namespace Parley.Interop.Ed318;

/// <summary>
/// Reads EUROCAE ED-318 UAS geographical zones: a GeoJSON FeatureCollection whose geometries carry their vertical extent
/// in <c>layer</c> (LayeredGeoJSON).
/// </summary>
/// <remarks>
/// Each geometry (each member of a <c>GeometryCollection</c>) becomes a zone: <c>Polygon</c>, <c>MultiPolygon</c>, or a
/// <c>Point</c> with <c>extent {subType: Circle, radius}</c> (metres). <c>layer</c>: <c>upper</c>, <c>lower</c>,
/// <c>upperReference</c>/<c>lowerReference</c> AGL, AMSL or WGS84 (ellipsoidal, taken as AMSL with a warning),
/// <c>uom</c> m (default) or ft; an upper limit of 99999 is the "no upper limit" sentinel of national data and is read
/// as unlimited, with a warning. <c>limitedApplicability</c> windows as in ED-269 (schedules widened with a warning).
/// The properties ED-318 requires are checked (identifier, country, type, variant, zoneAuthority; <c>type</c> spelt
/// <c>REQ_AUTHORIZATION</c>; localized texts with <c>text</c> and <c>lang</c>), and the collection's
/// <c>metadata.validFrom</c>/<c>issued</c> must be date-times: a document that breaks the schema this way is refused.
/// </remarks>
public static class Ed318Reader
{
    /// <summary>The "no upper limit" value in national ED-318 data.</summary>
    public const double UnlimitedSentinel = 99999;

    private static readonly HashSet<string> Types = new(StringComparer.Ordinal) { "USPACE", "PROHIBITED", "REQ_AUTHORIZATION", "CONDITIONAL", "NO_RESTRICTION" };
    private static readonly HashSet<string> Reasons = new(StringComparer.Ordinal) { "AIR_TRAFFIC", "SENSITIVE", "PRIVACY", "POPULATION", "NATURE", "NOISE", "EMERGENCY", "DAR", "OTHER" };

    /// <summary>Reads every zone of an ED-318 FeatureCollection.</summary>
    /// <exception cref="ImportRejectedException">Not JSON, not a FeatureCollection, or its metadata breaks the schema.</exception>
    public static SourceReading Read(ReadOnlyMemory<byte> utf8)
    {
        using var document = Ed269.Ed269Reader.Parse(utf8);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || JsonFields.Text(root, "type") != "FeatureCollection" ||
            !root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
        {
            throw new ImportRejectedException([new ImportProblem("$", null, "an ED-318 document is a GeoJSON FeatureCollection with a 'features' array")]);
        }

        if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in new[] { "validFrom", "validTo", "issued" })
            {
                try
                {
                    JsonFields.Time(metadata, field);
                }
                catch (FormatException e)
                {
                    throw new ImportRejectedException([new ImportProblem($"metadata.{field}", null, e.Message)]);
                }
            }
        }

        var zones = new List<ImportedZone>();
        var errors = new List<ImportProblem>();
        int index = 0;
        foreach (var feature in features.EnumerateArray())
        {
            string location = $"features[{index++}]";
            string? name = null;
            try
            {
                var properties = feature.ValueKind == JsonValueKind.Object && feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object
                    ? p : throw new FormatException("properties is required");
                name = Localized(properties, "name", location, required: false) ?? JsonFields.Text(properties, "identifier");
                zones.AddRange(Zone(feature, properties, location, name));
            }
            catch (FormatException e)
            {
                errors.Add(new ImportProblem(location, name, e.Message));
            }
        }

        return new SourceReading(zones, errors);
    }

    private static List<ImportedZone> Zone(JsonElement feature, JsonElement properties, string location, string? name)
    {
        string identifier = JsonFields.Text(properties, "identifier") ?? throw new FormatException("properties.identifier is required");
        foreach (var required in new[] { "country", "variant" })
        {
            _ = JsonFields.Text(properties, required) ?? throw new FormatException($"properties.{required} is required");
        }

        string type = JsonFields.Text(properties, "type") ?? throw new FormatException("properties.type is required");
        if (!Types.Contains(type))
        {
            throw new FormatException($"properties.type '{JsonFields.Clip(type)}' is not one of {string.Join(", ", Types)}" +
                (type == "REQ_AUTHORISATION" ? " (ED-318 spells it REQ_AUTHORIZATION)" : ""));
        }

        if (JsonFields.Text(properties, "variant") is not ("COMMON" or "CUSTOMIZED"))
        {
            throw new FormatException("properties.variant must be COMMON or CUSTOMIZED");
        }

        if (!properties.TryGetProperty("zoneAuthority", out var authority) || authority.ValueKind != JsonValueKind.Array || authority.GetArrayLength() == 0)
        {
            throw new FormatException("properties.zoneAuthority must be an array of at least one authority");
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["type"] = type,
            ["country"] = JsonFields.Text(properties, "country")!,
            ["variant"] = JsonFields.Text(properties, "variant")!,
        };
        if (properties.TryGetProperty("reason", out var reasons) && reasons.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in reasons.EnumerateArray())
            {
                if (r.ValueKind != JsonValueKind.String || !Reasons.Contains(r.GetString()!))
                {
                    throw new FormatException($"properties.reason {JsonFields.Clip(r.GetRawText())} is not one of {string.Join(", ", Reasons)}");
                }
            }

            attributes["reason"] = string.Join(',', reasons.EnumerateArray().Select(r => r.GetString()));
        }

        foreach (var field in new[] { "otherReasonInfo", "message" })
        {
            if (Localized(properties, field, location, required: false) is { } text)
            {
                attributes[field] = text;
            }
        }

        var (windows, notes) = Windows(properties);
        if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("geometry is required");
        }

        var parts = JsonFields.Text(geometry, "type") == "GeometryCollection"
            ? (geometry.TryGetProperty("geometries", out var g) && g.ValueKind == JsonValueKind.Array ? g.EnumerateArray().ToList() : throw new FormatException("geometry.geometries must be an array"))
            : [geometry];
        var result = new List<ImportedZone>();
        for (int i = 0; i < parts.Count; i++)
        {
            string at = parts.Count > 1 ? $"{location}.geometry.geometries[{i}]" : $"{location}.geometry";
            var zoneNotes = new List<string>(notes);
            var layer = parts[i].TryGetProperty("layer", out var l) && l.ValueKind == JsonValueKind.Object ? l : throw new FormatException($"{at}: layer is required (the vertical extent)");
            string uom = JsonFields.Text(layer, "uom") ?? "m";
            double scale = uom switch
            {
                "m" => 1,
                "ft" => VerticalLimit.MetresPerFoot,
                _ => throw new FormatException($"{at}.layer.uom '{JsonFields.Clip(uom)}' is not m or ft"),
            };
            var floor = Limit(layer, "lower", "lowerReference", scale, uom, at, zoneNotes);
            var ceiling = Limit(layer, "upper", "upperReference", scale, uom, at, zoneNotes);
            result.Add(new ImportedZone
            {
                Location = at,
                Identifier = parts.Count > 1 ? $"{identifier}-v{i + 1}" : identifier,
                Name = name,
                SourceClass = type,
                Outline = Outline(parts[i], at),
                Floor = floor,
                Ceiling = ceiling,
                Windows = windows,
                Notes = zoneNotes,
                Attributes = attributes,
            });
        }

        return result;
    }

    private static VerticalLimit Limit(JsonElement layer, string field, string referenceField, double scale, string uom, string at, List<string> notes)
    {
        double value = (layer.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && double.IsFinite(d))
            ? d : throw new FormatException($"{at}.layer.{field} must be a number");
        string reference = JsonFields.Text(layer, referenceField) ?? throw new FormatException($"{at}.layer.{referenceField} is required (AGL, AMSL or WGS84)");
        string text = $"{value.ToString(CultureInfo.InvariantCulture)} {uom} {reference}";
        if (field == "upper" && value == UnlimitedSentinel)
        {
            notes.Add($"upper limit {text} read as no upper limit (the sentinel national ED-318 data use)");
            return VerticalLimit.Unlimited(text);
        }

        return reference switch
        {
            "AGL" when value == 0 => VerticalLimit.Surface(text),
            "AGL" => new VerticalLimit(VerticalReference.Ground, value * scale, text),
            "AMSL" => new VerticalLimit(VerticalReference.MeanSeaLevel, value * scale, text),
            "WGS84" => new VerticalLimit(VerticalReference.Ellipsoid, value * scale, text),
            _ => throw new FormatException($"{at}.layer.{referenceField} '{JsonFields.Clip(reference)}' is not AGL, AMSL or WGS84"),
        };
    }

    private static ZoneOutline Outline(JsonElement geometry, string at)
    {
        var coordinates = geometry.TryGetProperty("coordinates", out var c) ? c : default;
        switch (JsonFields.Text(geometry, "type"))
        {
            case "Polygon":
                return new ZoneOutline.Polygons([JsonFields.Rings(coordinates, at)]);
            case "MultiPolygon" when coordinates.ValueKind == JsonValueKind.Array:
                return new ZoneOutline.Polygons([.. coordinates.EnumerateArray().Select(p => (IReadOnlyList<double[]>)JsonFields.Rings(p, at))]);
            case "Point":
                {
                    var (lon, lat) = JsonFields.Position(coordinates, at);
                    var extent = geometry.TryGetProperty("extent", out var e) && e.ValueKind == JsonValueKind.Object ? e
                        : throw new FormatException($"{at}: a Point needs an extent {{subType: Circle, radius}}");
                    if (JsonFields.Text(extent, "subType") != "Circle" || JsonFields.Number(extent, "radius") is not > 0)
                    {
                        throw new FormatException($"{at}.extent must be {{subType: Circle, radius}} with a positive radius in metres");
                    }

                    return new ZoneOutline.Circle(lon, lat, JsonFields.Number(extent, "radius")!.Value);
                }

            default:
                throw new FormatException($"{at}.type must be Polygon, MultiPolygon, Point (with a circle extent) or GeometryCollection");
        }
    }

    private static (List<ActivationWindow> Windows, List<string> Notes) Windows(JsonElement properties)
    {
        var windows = new List<ActivationWindow>();
        var notes = new List<string>();
        if (!properties.TryGetProperty("limitedApplicability", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return (windows, notes);
        }

        foreach (var a in list.EnumerateArray())
        {
            windows.Add(new ActivationWindow(JsonFields.Time(a, "startDateTime"), JsonFields.Time(a, "endDateTime")));
            if (a.TryGetProperty("schedule", out var schedule) && schedule.ValueKind == JsonValueKind.Array && schedule.GetArrayLength() > 0)
            {
                notes.Add($"a weekly schedule ({Ed269.Ed269Reader.Schedule(schedule)}) is widened to the whole window: the zone is taken as active throughout");
            }
        }

        return (windows, notes);
    }

    /// <summary>An array of {text, lang}: the English text if there is one, else the first; each entry needs both.</summary>
    private static string? Localized(JsonElement properties, string field, string location, bool required)
    {
        if (!properties.TryGetProperty(field, out var texts) || texts.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new FormatException($"properties.{field} is required") : null;
        }

        if (texts.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"properties.{field} must be an array of {{text, lang}}");
        }

        string? english = null, first = null;
        int i = 0;
        foreach (var t in texts.EnumerateArray())
        {
            string? text = JsonFields.Text(t, "text"), lang = JsonFields.Text(t, "lang");
            if (text is null || lang is null)
            {
                throw new FormatException($"properties.{field}[{i}] needs both text and lang");
            }

            first ??= text;
            if (english is null && lang.StartsWith("en", StringComparison.OrdinalIgnoreCase))
            {
                english = text;
            }

            i++;
        }

        _ = location;
        return english ?? first;
    }
}
