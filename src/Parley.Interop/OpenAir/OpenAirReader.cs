using System.Globalization;
using Parley.Interop.Geodesics;
using Parley.Interop.Import;

namespace Parley.Interop.OpenAir;

/// <summary>
/// Reads OpenAir airspace files (WinPilot 1998 and Naviter v2): one airspace per <c>AC</c> record, with its name, class
/// and type, floor and ceiling, activation windows and its outline from <c>DP</c> points, <c>DA</c>/<c>DB</c> arcs,
/// <c>DC</c> circles and <c>DY</c> airways.
/// </summary>
/// <remarks>
/// Semantics: distances are nautical miles (1852 m); <c>V X=</c> sets the centre of the arcs and circles that follow,
/// and stays set into later airspaces; <c>V D=+</c> (the default) turns arcs clockwise and <c>V D=-</c> counter-clockwise,
/// reset to clockwise at every <c>AC</c>; <c>V W=</c> is an airway's full width. A <c>DB</c> arc whose ends lie at
/// different distances from its centre goes from the first distance to the second. Comments (<c>*</c>, also inline),
/// blank lines, CRLF and the records for display only (<c>AT</c>, <c>SP</c>, <c>SB</c>, <c>TO</c>, <c>TC</c>, <c>AR</c>,
/// <c>AI</c>, <c>V Z=</c>) are skipped. An unreadable record is reported with its line, and its airspace left out.
/// </remarks>
public static class OpenAirReader
{
    private static readonly HashSet<string> DisplayOnly = new(StringComparer.Ordinal) { "AT", "SP", "SB", "TO", "TC", "AR", "AI" };

    /// <summary>Reads every airspace of <paramref name="text"/>.</summary>
    public static SourceReading Read(string text)
    {
        var zones = new List<ImportedZone>();
        var errors = new List<ImportProblem>();
        Builder? current = null;
        (double Lon, double Lat)? centre = null;
        int lineNumber = 0;
        foreach (var rawLine in Lines(text))
        {
            lineNumber++;
            int star = rawLine.IndexOf('*', StringComparison.Ordinal);
            string line = (star >= 0 ? rawLine[..star] : rawLine).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            int space = line.IndexOfAny([' ', '\t']);
            string command = (space < 0 ? line : line[..space]).ToUpperInvariant();
            string argument = space < 0 ? "" : line[(space + 1)..].Trim();
            if (command == "AC")
            {
                Finish(current, zones, errors);
                current = new Builder(lineNumber, argument);
                continue;
            }

            if (current is null)
            {
                errors.Add(new ImportProblem($"line {lineNumber}", null, $"the first record must be AC, not '{OpenAirFields.Clip(command)}'"));
                continue;
            }

            if (current.Error is not null || DisplayOnly.Contains(command))
            {
                continue;
            }

            try
            {
                Apply(current, command, argument, ref centre);
            }
            catch (FormatException e)
            {
                current.Fail(lineNumber, e.Message);
            }
        }

        Finish(current, zones, errors);
        return new SourceReading(zones, errors);
    }

    private static IEnumerable<string> Lines(string text)
    {
        int start = 0;
        while (start < text.Length)
        {
            int end = text.IndexOfAny(['\n', '\r'], start);
            if (end < 0)
            {
                yield return text[start..];
                yield break;
            }

            yield return text[start..end];
            start = end + (text[end] == '\r' && end + 1 < text.Length && text[end + 1] == '\n' ? 2 : 1);
        }
    }

    private static void Apply(Builder b, string command, string argument, ref (double Lon, double Lat)? centre)
    {
        switch (command)
        {
            case "AN":
                b.Name = argument;
                break;
            case "AY":
                b.Type = argument;
                break;
            case "AL":
                b.Floor = OpenAirFields.Limit(argument);
                break;
            case "AH":
                b.Ceiling = OpenAirFields.Limit(argument);
                break;
            case "AF":
                b.Attributes["frequency"] = argument;
                break;
            case "AG":
                b.Attributes["station"] = argument;
                break;
            case "AX":
                b.Attributes["transponder"] = argument;
                break;
            case "AA":
                if (argument.Equals("NONE", StringComparison.OrdinalIgnoreCase))
                {
                    b.ByNotam = true;
                }
                else
                {
                    b.Windows.Add(OpenAirFields.Window(argument));
                }

                break;
            case "V":
                Variable(b, argument, ref centre);
                break;
            case "DP":
                {
                    var (lon, lat, _) = OpenAirFields.Coordinate(argument);
                    b.Ring.Add(lon);
                    b.Ring.Add(lat);
                    break;
                }

            case "DY":
                {
                    var (lon, lat, _) = OpenAirFields.Coordinate(argument);
                    b.Airway.Add(lon);
                    b.Airway.Add(lat);
                    break;
                }

            case "DC":
                {
                    var c = centre ?? throw new FormatException("DC without a centre: set one with V X= first");
                    double radius = Distance(argument, "DC radius");
                    if (b.Circle is not null)
                    {
                        throw new FormatException("a second DC in one airspace");
                    }

                    b.Circle = new ZoneOutline.Circle(c.Lon, c.Lat, radius * VerticalLimit.MetresPerNauticalMile);
                    break;
                }

            case "DA":
                {
                    var c = centre ?? throw new FormatException("DA without a centre: set one with V X= first");
                    var parts = argument.Split(',');
                    if (parts.Length != 3)
                    {
                        throw new FormatException($"DA '{OpenAirFields.Clip(argument)}' is not 'radius, start bearing, end bearing'");
                    }

                    double radius = Distance(parts[0], "DA radius") * VerticalLimit.MetresPerNauticalMile;
                    double from = Bearing(parts[1]), to = Bearing(parts[2]);
                    Arcs.Append(b.Ring, c.Lon, c.Lat, radius, radius, from, to, b.Clockwise);
                    break;
                }

            case "DB":
                {
                    var c = centre ?? throw new FormatException("DB without a centre: set one with V X= first");
                    var (lon1, lat1, end) = OpenAirFields.Coordinate(argument);
                    int comma = argument.IndexOf(',', end);
                    if (comma < 0)
                    {
                        throw new FormatException($"DB '{OpenAirFields.Clip(argument)}' is not 'start, end'");
                    }

                    var (lon2, lat2, _) = OpenAirFields.Coordinate(argument, comma + 1);
                    var (r1, b1) = Ellipsoid.Inverse(c.Lon, c.Lat, lon1, lat1);
                    var (r2, b2) = Ellipsoid.Inverse(c.Lon, c.Lat, lon2, lat2);
                    // The given ends are kept exactly; the vertices between lie on the arc.
                    int first = b.Ring.Count;
                    Arcs.Append(b.Ring, c.Lon, c.Lat, r1, r2, b1, b2, b.Clockwise);
                    b.Ring[first] = lon1;
                    b.Ring[first + 1] = lat1;
                    b.Ring[^2] = lon2;
                    b.Ring[^1] = lat2;
                    break;
                }

            default:
                throw new FormatException($"unknown record '{OpenAirFields.Clip(command)}'");
        }
    }

    private static void Variable(Builder b, string argument, ref (double Lon, double Lat)? centre)
    {
        int equals = argument.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            throw new FormatException($"V '{OpenAirFields.Clip(argument)}' is not NAME=VALUE");
        }

        string name = argument[..equals].Trim().ToUpperInvariant();
        string value = argument[(equals + 1)..].Trim();
        switch (name)
        {
            case "X":
                {
                    var (lon, lat, _) = OpenAirFields.Coordinate(value);
                    centre = (lon, lat);
                    break;
                }

            case "D":
                // Real files write "V D=-5": the sign is what counts.
                b.Clockwise = value.StartsWith('-') ? false : value.StartsWith('+') ? true : throw new FormatException($"V D={OpenAirFields.Clip(value)}: the direction is + or -");
                break;
            case "W":
                b.Width = Distance(value, "V W= width") * VerticalLimit.MetresPerNauticalMile;
                break;
            case "Z" or "T":
                break;
            default:
                throw new FormatException($"unknown variable 'V {OpenAirFields.Clip(name)}='");
        }
    }

    private static double Distance(string text, string what)
    {
        double d = OpenAirFields.Number(text);
        return d > 0 ? d : throw new FormatException($"{what} must be a positive number of nautical miles");
    }

    private static double Bearing(string text)
    {
        double d = double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new FormatException($"bearing '{OpenAirFields.Clip(text.Trim())}' is not a number of degrees");
        return Ellipsoid.NormalizeBearing(d);
    }

    private static void Finish(Builder? b, List<ImportedZone> zones, List<ImportProblem> errors)
    {
        if (b is null)
        {
            return;
        }

        if (b.Error is { } error)
        {
            errors.Add(error with { Name = b.Name });
            return;
        }

        string? Missing() =>
            b.Floor is null ? "no floor (AL)" :
            b.Ceiling is null ? "no ceiling (AH)" :
            b.Circle is not null && (b.Ring.Count > 0 || b.Airway.Count > 0) ? "a circle (DC) together with points or arcs" :
            b.Airway.Count > 0 && b.Ring.Count > 0 ? "airway points (DY) together with polygon points" :
            b.Airway.Count > 0 && b.Width is null ? "an airway (DY) without a width (V W=)" :
            b.Airway.Count is > 0 and < 4 ? "an airway (DY) needs two points" :
            b.Circle is null && b.Airway.Count == 0 && b.Ring.Count < 6 ? (b.Ring.Count == 0 ? "no outline (DP, DA, DB, DC or DY)" : "fewer than three points") :
            null;

        if (Missing() is { } why)
        {
            errors.Add(new ImportProblem($"line {b.Line}", b.Name, why));
            return;
        }

        ZoneOutline outline = b.Circle is not null ? b.Circle
            : b.Airway.Count > 0 ? new ZoneOutline.Corridor([.. b.Airway], b.Width!.Value / 2)
            : new ZoneOutline.Polygons([[b.Ring.ToArray()]]);
        var attributes = new Dictionary<string, string>(b.Attributes);
        if (b.Type is not null)
        {
            attributes["type"] = b.Type;
        }

        zones.Add(new ImportedZone
        {
            Location = $"line {b.Line}",
            Name = b.Name,
            SourceClass = b.Type is { Length: > 0 } type ? type : b.Class,
            Outline = outline,
            Floor = b.Floor!,
            Ceiling = b.Ceiling!,
            Windows = b.Windows,
            Notes = b.ByNotam && b.Windows.Count == 0 ? ["activated by NOTAM (AA NONE): imported as always active"] : [],
            Attributes = attributes,
        });
    }

    private sealed class Builder(int line, string cls)
    {
        public int Line { get; } = line;

        public string Class { get; } = cls;

        public string? Name { get; set; }

        public string? Type { get; set; }

        public VerticalLimit? Floor { get; set; }

        public VerticalLimit? Ceiling { get; set; }

        public bool Clockwise { get; set; } = true;

        public double? Width { get; set; }

        public bool ByNotam { get; set; }

        public List<double> Ring { get; } = [];

        public List<double> Airway { get; } = [];

        public ZoneOutline.Circle? Circle { get; set; }

        public List<ActivationWindow> Windows { get; } = [];

        public Dictionary<string, string> Attributes { get; } = new(StringComparer.Ordinal) { ["class"] = cls };

        public ImportProblem? Error { get; private set; }

        public void Fail(int lineNumber, string message) => Error = new ImportProblem($"line {lineNumber}", Name, message);
    }
}
