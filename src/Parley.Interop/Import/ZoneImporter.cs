using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Interop.Import;

/// <summary>
/// Turns zones read from a source format into GeoJSON Features of Parley's input model, and checks each one as the
/// server will (<see cref="FeatureReader"/>): what this writes, a server accepts.
/// </summary>
/// <remarks>
/// Altitudes: a floor at the surface becomes no lower bound and an unlimited ceiling no upper bound (both exact: the band
/// is unbounded that way); metres and feet above mean sea level are kept; a flight level becomes its standard-atmosphere
/// altitude (FL × 30.48 m); a limit above the ground is added to <see cref="ImportOptions.GroundMetres"/> and listed in
/// the warnings; an ellipsoidal height is taken as above mean sea level and listed too.
/// </remarks>
public static class ZoneImporter
{
    /// <summary>Converts what a reader found; refuses the whole file on its first problem unless <see cref="ImportOptions.SkipInvalid"/>.</summary>
    /// <param name="format">The source format's name, written into each feature's <c>source</c>.</param>
    /// <param name="reading">What the reader found.</param>
    /// <param name="defaults">The format's kind mapping, unless the options give one.</param>
    /// <param name="options">How to convert.</param>
    /// <exception cref="ImportRejectedException">A record or feature could not be read or converted, and <see cref="ImportOptions.SkipInvalid"/> is off.</exception>
    public static ImportResult Convert(string format, SourceReading reading, KindMapping defaults, ImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(reading);
        ArgumentNullException.ThrowIfNull(options);
        if (reading.Errors.Count > 0 && !options.SkipInvalid)
        {
            throw new ImportRejectedException(reading.Errors);
        }

        var agreement = options.Agreement ?? Agreement.Default();
        var mapping = options.Mapping ?? defaults;
        var caller = options.Owner ?? new PartyId("importer");
        var features = new List<ImportedFeature>(reading.Zones.Count);
        var warnings = new List<ImportProblem>();
        var skipped = new List<ImportProblem>(reading.Errors);
        var errors = new List<ImportProblem>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int flightLevels = 0;

        foreach (var zone in reading.Zones)
        {
            string label = zone.Name ?? zone.Identifier ?? "";
            var kind = options.Kind ?? mapping.Map(zone.SourceClass);
            if (kind is null)
            {
                skipped.Add(new ImportProblem(zone.Location, NameOrNull(label), $"class '{zone.SourceClass}' is left out by the kind mapping"));
                continue;
            }

            var zoneWarnings = new List<ImportProblem>();
            void Warn(string message) => zoneWarnings.Add(new ImportProblem(zone.Location, NameOrNull(label), message));
            foreach (var note in zone.Notes)
            {
                Warn(note);
            }

            double? floor, ceiling;
            try
            {
                floor = Floor(zone.Floor, options.GroundMetres, Warn);
                ceiling = Ceiling(zone.Ceiling, options.GroundMetres, Warn);
            }
            catch (FormatException e)
            {
                errors.Add(new ImportProblem(zone.Location, NameOrNull(label), e.Message));
                continue;
            }

            flightLevels += (zone.Floor.Reference == VerticalReference.FlightLevel ? 1 : 0) + (zone.Ceiling.Reference == VerticalReference.FlightLevel ? 1 : 0);
            if (floor is { } f && ceiling is { } c && f > c)
            {
                errors.Add(new ImportProblem(zone.Location, NameOrNull(label), $"the floor ({zone.Floor.Text}, {Metres(f)} m) is above the ceiling ({zone.Ceiling.Text}, {Metres(c)} m)"));
                continue;
            }

            List<List<double[]>>? prepared = null;
            if (zone.Outline is ZoneOutline.Polygons polygons)
            {
                prepared = Outlines.Prepare(polygons.Parts, out string? repaired);
                if (prepared is null)
                {
                    errors.Add(new ImportProblem(zone.Location, NameOrNull(label), "a ring has fewer than three distinct points"));
                    continue;
                }

                if (repaired is not null)
                {
                    Warn(repaired);
                }
            }

            var windows = zone.Windows.Count == 0 ? [new ActivationWindow(null, null)] : zone.Windows;
            string baseId = options.IdPrefix + (zone.Identifier is { Length: > 0 } identifier ? Slug(identifier, keepCase: true) : Slug(label, keepCase: false));
            bool failed = false;
            var made = new List<ImportedFeature>();
            for (int w = 0; w < windows.Count; w++)
            {
                var start = windows[w].Start ?? options.DefaultStart;
                var end = windows[w].End;
                if (end is { } e && e <= start)
                {
                    errors.Add(new ImportProblem(zone.Location, NameOrNull(label), windows[w].Start is null
                        ? $"the activation window ends ({FeatureWriter.Time(e)}) before the import's start ({FeatureWriter.Time(start)}): pass an earlier --start"
                        : $"the activation window ends ({FeatureWriter.Time(e)}) before it starts ({FeatureWriter.Time(start)})"));
                    failed = true;
                    break;
                }

                string id = Unique(windows.Count > 1 ? $"{baseId}-w{w + 1}" : baseId, ids);
                byte[] utf8 = Write(format, id, zone, prepared, kind.Value, floor, ceiling, start, end, options);
                if (Check(utf8, agreement, caller) is { } why)
                {
                    errors.Add(new ImportProblem(zone.Location, NameOrNull(label), why));
                    failed = true;
                    break;
                }

                made.Add(new ImportedFeature(id, zone.Name, zone.Location, ZoneKinds.Name(kind.Value), utf8));
            }

            if (!failed)
            {
                features.AddRange(made);
                warnings.AddRange(zoneWarnings);
            }
        }

        if (errors.Count > 0)
        {
            if (!options.SkipInvalid)
            {
                throw new ImportRejectedException(errors);
            }

            skipped.AddRange(errors);
        }

        var notes = new List<string>();
        if (flightLevels > 0)
        {
            notes.Add($"{flightLevels} limits given as flight levels were converted at the standard atmosphere (FL × 30.48 m above mean sea level); the source text is kept in each feature's source.floor and source.ceiling");
        }

        return new ImportResult(features, warnings, skipped, notes);
    }

    private static string? NameOrNull(string label) => label.Length == 0 ? null : label;

    private static double? Floor(VerticalLimit limit, double ground, Action<string> warn) => limit.Reference switch
    {
        VerticalReference.Surface => null,
        VerticalReference.Unlimited => throw new FormatException($"the floor '{limit.Text}' is unlimited"),
        VerticalReference.Ground when limit.Metres == 0 => null,
        _ => Amsl(limit, ground, "floor", warn),
    };

    private static double? Ceiling(VerticalLimit limit, double ground, Action<string> warn) => limit.Reference switch
    {
        VerticalReference.Unlimited => null,
        _ => Amsl(limit, ground, "ceiling", warn),
    };

    private static double Amsl(VerticalLimit limit, double ground, string which, Action<string> warn)
    {
        switch (limit.Reference)
        {
            case VerticalReference.Ground:
            case VerticalReference.Surface:
                double metres = ground + limit.Metres;
                warn($"{which} '{limit.Text}' is above the ground: taken as {Metres(metres)} m above mean sea level with an assumed ground elevation of {Metres(ground)} m (--ground-m)");
                return metres;
            case VerticalReference.Ellipsoid:
                warn($"{which} '{limit.Text}' is a height above the WGS84 ellipsoid: taken as {Metres(limit.Metres)} m above mean sea level (the geoid's separation, up to ±100 m, is not applied)");
                return limit.Metres;
            default:
                return limit.Metres;
        }
    }

    private static string Metres(double m) => Math.Round(m, 2).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Why the server would refuse the feature, or null.</summary>
    private static string? Check(byte[] utf8, Agreement agreement, PartyId caller)
    {
        try
        {
            using var document = FeatureReader.ParseJson(utf8);
            FeatureReader.ReadZones(document.RootElement, agreement, caller);
            return null;
        }
        catch (InputRejectedException e)
        {
            return $"{e.Errors[0].Field}: {e.Errors[0].Message}";
        }
    }

    private static string Unique(string id, HashSet<string> ids)
    {
        if (ids.Add(id))
        {
            return id;
        }

        for (int n = 2; ; n++)
        {
            string candidate = $"{id}-{n}";
            if (ids.Add(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>An id from a name: letters and digits, other runs as one '-', at most 80 characters.</summary>
    internal static string Slug(string text, bool keepCase)
    {
        var s = new System.Text.StringBuilder(Math.Min(text.Length, 80));
        foreach (char ch in text)
        {
            if (s.Length >= 80)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(ch) || (keepCase && ch is '_' or '.'))
            {
                s.Append(keepCase ? ch : char.ToLowerInvariant(ch));
            }
            else if (s.Length > 0 && s[^1] != '-')
            {
                s.Append('-');
            }
        }

        string slug = s.ToString().Trim('-');
        return slug.Length == 0 ? "zone" : slug;
    }

    private static byte[] Write(string format, string id, ImportedZone zone, List<List<double[]>>? prepared, ZoneKind kind, double? floor, double? ceiling,
        DateTimeOffset start, DateTimeOffset? end, ImportOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "Feature");
            w.WriteString("id", id);
            w.WritePropertyName("geometry");
            WriteGeometry(w, zone.Outline, prepared);
            w.WritePropertyName("properties");
            w.WriteStartObject();
            w.WriteString("kind", ZoneKinds.Name(kind));
            if (options.Owner is { } owner)
            {
                w.WriteString("owner", owner.Value);
            }

            if (zone.Name is { Length: > 0 } name)
            {
                w.WriteString("name", name.Length <= 200 ? name : name[..200]);
            }

            if (floor is { } f)
            {
                w.WriteNumber("alt_min_m", Math.Round(f, 3));
            }

            if (ceiling is { } c)
            {
                w.WriteNumber("alt_max_m", Math.Round(c, 3));
            }

            w.WriteString("start", FeatureWriter.Time(start));
            if (end is { } e)
            {
                w.WriteString("end", FeatureWriter.Time(e));
            }

            switch (zone.Outline)
            {
                case ZoneOutline.Circle circle:
                    w.WriteNumber("radius_m", Math.Round(circle.RadiusMetres, 3));
                    break;
                case ZoneOutline.Corridor corridor:
                    w.WriteNumber("corridor_m", Math.Round(corridor.HalfWidthMetres, 3));
                    break;
            }

            w.WriteString("visibility", options.Visibility.ToString().ToLowerInvariant());
            if (options.Visibility == Visibility.Parties && options.SharedWith.Count > 0)
            {
                w.WriteStartArray("shared_with");
                foreach (var p in options.SharedWith)
                {
                    w.WriteStringValue(p.Value);
                }

                w.WriteEndArray();
            }

            w.WriteStartObject("source");
            w.WriteString("format", format);
            w.WriteString("location", zone.Location);
            if (zone.Identifier is not null)
            {
                w.WriteString("identifier", zone.Identifier);
            }

            if (!zone.Attributes.ContainsKey("class"))
            {
                w.WriteString("class", zone.SourceClass);
            }

            w.WriteString("floor", zone.Floor.Text);
            w.WriteString("ceiling", zone.Ceiling.Text);
            foreach (var (key, value) in zone.Attributes)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteGeometry(Utf8JsonWriter w, ZoneOutline outline, List<List<double[]>>? prepared)
    {
        w.WriteStartObject();
        switch (outline)
        {
            case ZoneOutline.Circle circle:
                w.WriteString("type", "Point");
                w.WriteStartArray("coordinates");
                w.WriteNumberValue(Math.Round(circle.Lon, Rings.Decimals));
                w.WriteNumberValue(Math.Round(circle.Lat, Rings.Decimals));
                w.WriteEndArray();
                break;
            case ZoneOutline.Corridor corridor:
                w.WriteString("type", "LineString");
                w.WritePropertyName("coordinates");
                WritePositions(w, corridor.Line, round: true);
                break;
            case ZoneOutline.Polygons:
                var parts = prepared!;
                w.WriteString("type", parts.Count == 1 ? "Polygon" : "MultiPolygon");
                w.WriteStartArray("coordinates");
                foreach (var rings in parts)
                {
                    if (parts.Count > 1)
                    {
                        w.WriteStartArray();
                    }

                    foreach (var ring in rings)
                    {
                        WritePositions(w, ring, round: false);
                    }

                    if (parts.Count > 1)
                    {
                        w.WriteEndArray();
                    }
                }

                w.WriteEndArray();
                break;
        }

        w.WriteEndObject();
    }

    private static void WritePositions(Utf8JsonWriter w, double[] packed, bool round)
    {
        w.WriteStartArray();
        for (int i = 0; i + 1 < packed.Length; i += 2)
        {
            w.WriteStartArray();
            w.WriteNumberValue(round ? Math.Round(packed[i], Rings.Decimals) : packed[i]);
            w.WriteNumberValue(round ? Math.Round(packed[i + 1], Rings.Decimals) : packed[i + 1]);
            w.WriteEndArray();
        }

        w.WriteEndArray();
    }
}
