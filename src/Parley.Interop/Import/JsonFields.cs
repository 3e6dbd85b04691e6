using System.Globalization;
using System.Text.Json;

namespace Parley.Interop.Import;

/// <summary>Lenient reads of the JSON values geozone producers write: numbers as strings, empty strings for absent values.</summary>
internal static class JsonFields
{
    public static string? Text(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s.Trim() : null;

    public static bool Has(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null &&
        !(v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0);

    /// <summary>A number, or a string holding one; null when absent, null or empty.</summary>
    /// <exception cref="FormatException">Something else.</exception>
    public static double? Number(JsonElement o, string name)
    {
        if (!Has(o, name))
        {
            return null;
        }

        var v = o.GetProperty(name);
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && double.IsFinite(d))
        {
            return d;
        }

        if (v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out d) && double.IsFinite(d))
        {
            return d;
        }

        throw new FormatException($"{name} must be a number, not {Clip(v.GetRawText())}");
    }

    /// <summary>An ISO 8601 date-time with an offset; null when absent or empty.</summary>
    /// <exception cref="FormatException">Not such a time.</exception>
    public static DateTimeOffset? Time(JsonElement o, string name)
    {
        if (!Has(o, name))
        {
            return null;
        }

        var v = o.GetProperty(name);
        if (v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            return t.ToUniversalTime();
        }

        throw new FormatException($"{name} must be an ISO 8601 date-time, not {Clip(v.GetRawText())}");
    }

    /// <summary>A [longitude, latitude] position.</summary>
    public static (double Lon, double Lat) Position(JsonElement p, string what)
    {
        if (p.ValueKind == JsonValueKind.Array && p.GetArrayLength() >= 2 && p[0].ValueKind == JsonValueKind.Number && p[1].ValueKind == JsonValueKind.Number)
        {
            double lon = p[0].GetDouble(), lat = p[1].GetDouble();
            if (double.IsFinite(lon) && double.IsFinite(lat) && Math.Abs(lon) <= 180 && Math.Abs(lat) <= 90)
            {
                return (lon, lat);
            }
        }

        throw new FormatException($"{what}: {Clip(p.GetRawText())} is not a [longitude, latitude] position");
    }

    /// <summary>Packed rings of a GeoJSON Polygon's coordinates.</summary>
    public static List<double[]> Rings(JsonElement coordinates, string what)
    {
        if (coordinates.ValueKind != JsonValueKind.Array || coordinates.GetArrayLength() == 0)
        {
            throw new FormatException($"{what}: a polygon needs an array of rings");
        }

        var rings = new List<double[]>();
        foreach (var ring in coordinates.EnumerateArray())
        {
            if (ring.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"{what}: a ring must be an array of positions");
            }

            var packed = new List<double>(ring.GetArrayLength() * 2);
            foreach (var p in ring.EnumerateArray())
            {
                var (lon, lat) = Position(p, what);
                packed.Add(lon);
                packed.Add(lat);
            }

            rings.Add([.. packed]);
        }

        return rings;
    }

    public static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
