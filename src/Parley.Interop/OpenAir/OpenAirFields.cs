using System.Globalization;
using System.Text.RegularExpressions;
using Parley.Interop.Import;

namespace Parley.Interop.OpenAir;

/// <summary>The values of OpenAir records: coordinates, vertical limits, distances and activation windows.</summary>
internal static partial class OpenAirFields
{
    // DD:MM:SS[.s] or DD:MM[.mmm], the hemisphere after an optional space.
    [GeneratedRegex(@"\G\s*(\d{1,3}):(\d{1,2}(?:\.\d+)?)(?::(\d{1,2}(?:\.\d+)?))?\s*([NSns])\s*(\d{1,3}):(\d{1,2}(?:\.\d+)?)(?::(\d{1,2}(?:\.\d+)?))?\s*([EWew])", RegexOptions.CultureInvariant)]
    private static partial Regex CoordinatePattern();

    [GeneratedRegex(@"^(?<value>\d+(?:\.\d+)?)\s*(?<unit>FT|F|FEET|M|MTR|METERS?)?\s*(?<datum>AMSL|MSL|AGL|GND|SFC|ASFC|AGND|STD|ALT)?$", RegexOptions.CultureInvariant)]
    private static partial Regex LimitPattern();

    [GeneratedRegex(@"^FL\s*(?<value>\d+(?:\.\d+)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex FlightLevelPattern();

    /// <summary>Parses a coordinate at <paramref name="start"/>; returns the index after it.</summary>
    /// <exception cref="FormatException">Not a coordinate, or out of range.</exception>
    public static (double Lon, double Lat, int End) Coordinate(string text, int start = 0)
    {
        var m = CoordinatePattern().Match(text, start);
        if (!m.Success)
        {
            throw new FormatException($"unknown coordinate '{Clip(text[start..].Trim())}' (expected DD:MM:SS N DDD:MM:SS E or DD:MM.mmm N DDD:MM.mmm E)");
        }

        double lat = Degrees(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, text);
        double lon = Degrees(m.Groups[5].Value, m.Groups[6].Value, m.Groups[7].Value, text);
        if (m.Groups[4].Value is "S" or "s")
        {
            lat = -lat;
        }

        if (m.Groups[8].Value is "W" or "w")
        {
            lon = -lon;
        }

        if (Math.Abs(lat) > 90 || Math.Abs(lon) > 180)
        {
            throw new FormatException($"coordinate '{Clip(m.Value.Trim())}' is out of range");
        }

        return (lon, lat, m.Index + m.Length);
    }

    private static double Degrees(string degrees, string minutes, string seconds, string text)
    {
        double d = double.Parse(degrees, CultureInfo.InvariantCulture);
        double m = double.Parse(minutes, CultureInfo.InvariantCulture);
        double s = seconds.Length == 0 ? 0 : double.Parse(seconds, CultureInfo.InvariantCulture);
        if (m >= 60 || s >= 60 || (seconds.Length > 0 && minutes.Contains('.', StringComparison.Ordinal)))
        {
            throw new FormatException($"coordinate '{Clip(text.Trim())}' has minutes or seconds out of range");
        }

        return d + (m / 60) + (s / 3600);
    }

    /// <summary>A vertical limit (<c>AL</c>, <c>AH</c>).</summary>
    /// <exception cref="FormatException">Not a limit this reader knows (e.g. <c>NOTAM</c>).</exception>
    public static VerticalLimit Limit(string raw)
    {
        string text = raw.Trim();
        // A remark in brackets after the limit ("UNLIM (Mon-Fri)") is kept in the text, not read.
        string value = text;
        if (value.EndsWith(')') && value.LastIndexOf('(') is > 0 and var open)
        {
            value = value[..open].Trim();
        }

        string u = string.Join(' ', value.ToUpperInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (u is "GND" or "SFC" or "GROUND" or "SURFACE" or "ASFC" or "AGL")
        {
            return VerticalLimit.Surface(text);
        }

        if (u is "UNL" or "UNLIM" or "UNLIMITED" or "UNLTD" or "UNL FT" or "NO LIMIT")
        {
            return VerticalLimit.Unlimited(text);
        }

        if (FlightLevelPattern().Match(u) is { Success: true } fl)
        {
            return new VerticalLimit(VerticalReference.FlightLevel, Number(fl.Groups["value"].Value) * 100 * VerticalLimit.MetresPerFoot, text);
        }

        // "MSL 3500ft" and "3500ft MSL" alike.
        var m = LimitPattern().Match(u.Replace(" ", "", StringComparison.Ordinal));
        if (!m.Success && u.Split(' ') is [var datum, var rest] && datum is "MSL" or "AMSL" or "AGL" or "GND" or "SFC" or "STD")
        {
            m = LimitPattern().Match(rest + datum);
        }

        if (!m.Success)
        {
            throw new FormatException($"unknown vertical limit '{Clip(text)}'");
        }

        double number = Number(m.Groups["value"].Value);
        string unit = m.Groups["unit"].Value;
        double metres = unit is "M" or "MTR" or "METER" or "METERS" ? number : number * VerticalLimit.MetresPerFoot;
        return m.Groups["datum"].Value switch
        {
            "AGL" or "GND" or "SFC" or "ASFC" or "AGND" => new VerticalLimit(VerticalReference.Ground, metres, text),
            // A height in feet on the standard datum is a flight level (XCSoar: "5000 STD" is FL50).
            "STD" => new VerticalLimit(VerticalReference.FlightLevel, metres, text),
            _ => new VerticalLimit(VerticalReference.MeanSeaLevel, metres, text),
        };
    }

    /// <summary>A non-negative decimal number.</summary>
    public static double Number(string text)
    {
        if (double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
        {
            return value;
        }

        throw new FormatException($"'{Clip(text.Trim())}' is not a number");
    }

    /// <summary>An <c>AA</c> activation window: <c>START/END</c> in ISO 8601 UTC, either side <c>NONE</c>.</summary>
    public static Import.ActivationWindow Window(string text)
    {
        var parts = text.Trim().Split('/');
        if (parts.Length != 2)
        {
            throw new FormatException($"activation window '{Clip(text.Trim())}' is not START/END");
        }

        return new Import.ActivationWindow(Time(parts[0]), Time(parts[1]));
    }

    private static DateTimeOffset? Time(string text)
    {
        text = text.Trim();
        if (text.Equals("NONE", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string[] formats = ["yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mmzzz", "yyyy-MM-dd'T'HH:mm:sszzz"];
        if (DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time.ToUniversalTime();
        }

        throw new FormatException($"'{Clip(text)}' is not an ISO 8601 UTC time such as 2025-01-01T12:00Z");
    }

    public static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
