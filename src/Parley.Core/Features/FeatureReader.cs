using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Features;

/// <summary>
/// Reads zones and operations from GeoJSON (RFC 7946) Features or FeatureCollections and validates them
/// against an agreement. Every error names the feature id and the field.
/// </summary>
/// <remarks>
/// Properties: <c>kind</c>, <c>owner</c>, <c>alt_min_m</c>, <c>alt_max_m</c> (absent: unbounded),
/// <c>start</c> (required), <c>end</c> (absent or null: open-ended), <c>radius_m</c> (Point),
/// <c>corridor_m</c> (LineString, MultiLineString), <c>name</c>, <c>visibility</c>, <c>shared_with</c>.
/// Nothing is returned unless every feature is valid.
/// </remarks>
public static class FeatureReader
{
    /// <summary>
    /// The widest footprint buffer: a <c>radius_m</c> or <c>corridor_m</c> of at most 10,000 km, about a quarter of a
    /// meridian. A wider circle or corridor would cover more than a hemisphere, which no operation or zone does.
    /// </summary>
    public const double MaxBufferMetres = 10_000_000;

    /// <summary>The widest altitude: <c>alt_min_m</c> and <c>alt_max_m</c> lie within ±1,000,000,000 m.</summary>
    public const double MaxAltitudeMetres = 1e9;

    /// <summary>The most characters (Unicode scalar values) in a zone's or operation's <c>name</c>.</summary>
    public const int MaxNameCharacters = 200;

    /// <summary>
    /// Parses UTF-8 JSON text into a document, refusing malformed JSON with a clear error: invalid UTF-8, nesting
    /// deeper than 64, and a property name repeated in one object (readers differ on which one counts).
    /// </summary>
    public static JsonDocument ParseJson(ReadOnlyMemory<byte> utf8)
    {
        if (!Utf8.IsValid(utf8.Span))
        {
            throw new InputRejectedException(new InputError(null, "$", $"not valid UTF-8 (byte {FirstInvalidUtf8(utf8.Span) + 1})"));
        }

        try
        {
            return JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
        }
        catch (InvalidOperationException)
        {
            // Checking property names for repeats decodes them: one holding a lone UTF-16 surrogate escape fails.
            throw new InputRejectedException(new InputError(null, "$", "a property name holds an invalid \\u escape (a lone UTF-16 surrogate)"));
        }
        catch (JsonException e)
        {
            // The parser's own message says what is wrong; its position suffix is given separately. A repeated
            // property name is found after parsing, with no position.
            if (e.LineNumber is null && DuplicateNames.Find(utf8.Span) is { } repeated)
            {
                throw new InputRejectedException(new InputError(repeated.FeatureId, repeated.Field,
                    $"malformed JSON at line {repeated.Line}, byte {repeated.Byte}: the name '{Clip(repeated.Field.Split('.')[^1])}' is repeated in one object"));
            }

            string reason = e.Message.Split(" LineNumber:", 2)[0].Trim().TrimEnd('.');
            string at = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
            throw new InputRejectedException(new InputError(null, "$", $"malformed JSON{at}: {Clip(reason, 120)}"));
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        int offset = 0;
        while (offset < utf8.Length && Rune.DecodeFromUtf8(utf8[offset..], out _, out int consumed) == System.Buffers.OperationStatus.Done)
        {
            offset += consumed;
        }

        return offset;
    }

    /// <summary>Reads zones; <paramref name="caller"/>, when given, is the owner of features that name none.</summary>
    public static IReadOnlyList<Zone> ReadZones(JsonElement root, Agreement agreement, PartyId? caller = null) =>
        Read(root, agreement, caller, isZone: true, (f, _) => ZoneOf(f));

    /// <summary>Reads operations (state <see cref="OperationState.Proposed"/>).</summary>
    public static IReadOnlyList<Operation> ReadOperations(JsonElement root, Agreement agreement, PartyId? caller = null) =>
        Read(root, agreement, caller, isZone: false, (f, _) => OperationOf(f));

    /// <summary>
    /// Reads zones already accepted (stored rows, ledger entries): as <see cref="ReadZones"/>, but with the rules of
    /// what was accepted before the id grammar, the buffer bound and the <c>shared_with</c> rule, so that every
    /// earlier record still reads.
    /// </summary>
    public static IReadOnlyList<Zone> ReadStoredZones(JsonElement root, Agreement agreement) =>
        Read(root, agreement, null, isZone: true, (f, _) => ZoneOf(f), stored: true);

    /// <summary>Reads operations already accepted, as <see cref="ReadStoredZones"/> reads zones.</summary>
    public static IReadOnlyList<Operation> ReadStoredOperations(JsonElement root, Agreement agreement) =>
        Read(root, agreement, null, isZone: false, (f, _) => OperationOf(f), stored: true);

    /// <summary>What a valid feature says, before it becomes a zone or an operation.</summary>
    internal sealed record Parsed(
        string Id, PartyId Owner, string Kind, Volume Volume, string? Name, Visibility Visibility, IReadOnlyList<PartyId> SharedWith);

    /// <summary>The refusal of a repeated feature id; <c>Field</c> is <c>features[i].id</c>.</summary>
    internal const string DuplicateIdMessage = "duplicate id: an earlier feature has the same id";

    /// <summary>The refusal of a string that cannot be decoded, for the whole input (field <c>$</c>).</summary>
    internal const string LoneSurrogateMessage = "a string holds an invalid \\u escape (a lone UTF-16 surrogate)";

    /// <summary>A valid zone as the reader makes it.</summary>
    internal static Zone ZoneOf(Parsed f)
    {
        ZoneKinds.TryParse(f.Kind, out var kind);
        return new Zone
        {
            Id = new ZoneId(f.Id), Owner = f.Owner, Kind = kind, Volume = f.Volume,
            Name = f.Name, Visibility = f.Visibility, SharedWith = f.SharedWith,
        };
    }

    /// <summary>A valid operation as the reader makes it.</summary>
    internal static Operation OperationOf(Parsed f) => new()
    {
        Id = new OperationId(f.Id), Owner = f.Owner, Kind = f.Kind, Volume = f.Volume,
        Name = f.Name, Visibility = f.Visibility, SharedWith = f.SharedWith,
    };

    /// <summary>Reads zones as <see cref="ReadZones"/> does, under <paramref name="guard"/>.</summary>
    internal static IReadOnlyList<Zone> ReadZonesGuarded(JsonElement root, Agreement agreement, PartyId? caller, ReadGuard guard) =>
        Read(root, agreement, caller, isZone: true, (f, _) => ZoneOf(f), guard: guard);

    /// <summary>Reads operations as <see cref="ReadOperations"/> does, under <paramref name="guard"/>.</summary>
    internal static IReadOnlyList<Operation> ReadOperationsGuarded(JsonElement root, Agreement agreement, PartyId? caller, ReadGuard guard) =>
        Read(root, agreement, caller, isZone: false, (f, _) => OperationOf(f), guard: guard);

    private static List<T> Read<T>(JsonElement root, Agreement agreement, PartyId? caller, bool isZone, Func<Parsed, int, T> make, bool stored = false,
        ReadGuard? guard = null)
    {
        try
        {
            return ReadChecked(root, agreement, caller, isZone, make, stored, guard ?? ReadGuard.None);
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode a string holding a lone UTF-16 surrogate escape.
            throw new InputRejectedException(new InputError(null, "$", LoneSurrogateMessage));
        }
    }

    private static List<T> ReadChecked<T>(JsonElement root, Agreement agreement, PartyId? caller, bool isZone, Func<Parsed, int, T> make, bool stored, ReadGuard guard)
    {
        var errors = new List<InputError>();
        var result = new List<T>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InputRejectedException(new InputError(null, "$", "expected a GeoJSON Feature or FeatureCollection object"));
        }

        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (type == "FeatureCollection")
        {
            if (!root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            {
                throw new InputRejectedException(new InputError(null, "features", "a FeatureCollection needs a 'features' array"));
            }

            int i = 0;
            foreach (var feature in features.EnumerateArray())
            {
                guard.Vertices(0);
                var parsed = ReadOne(feature, $"features[{i}].", agreement, caller, isZone, errors, stored, guard);
                if (parsed is not null)
                {
                    if (!seen.Add(parsed.Id))
                    {
                        errors.Add(new InputError(parsed.Id, $"features[{i}].id", DuplicateIdMessage));
                    }
                    else
                    {
                        result.Add(make(parsed, i));
                    }
                }

                i++;
                if (errors.Count >= 100)
                {
                    break; // enough to act on; the rest would only repeat
                }
            }
        }
        else if (type == "Feature")
        {
            var parsed = ReadOne(root, "", agreement, caller, isZone, errors, stored, guard);
            if (parsed is not null)
            {
                result.Add(make(parsed, 0));
            }
        }
        else
        {
            throw new InputRejectedException(new InputError(null, "type", "must be \"Feature\" or \"FeatureCollection\""));
        }

        if (errors.Count > 0)
        {
            throw new InputRejectedException(errors);
        }

        return result;
    }

    /// <summary>
    /// Reads one element of a collection (or the root Feature): null, with what is wrong added to <paramref name="errors"/>,
    /// each field prefixed with <paramref name="path"/>, unless it is valid.
    /// </summary>
    /// <remarks><paramref name="stored"/>: a record accepted before, read under the earlier rules (see <see cref="ReadStoredZones"/>).</remarks>
    /// <exception cref="InvalidOperationException">A string it decodes holds a lone UTF-16 surrogate escape.</exception>
    internal static Parsed? ReadOne(JsonElement f, string path, Agreement agreement, PartyId? caller, bool isZone, List<InputError> errors, bool stored = false,
        ReadGuard? guard = null)
    {
        int before = errors.Count;
        string? id = null;
        if (f.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new InputError(null, path.TrimEnd('.'), "must be a GeoJSON Feature object"));
            return null;
        }

        if (f.TryGetProperty("id", out var idElement))
        {
            id = idElement.ValueKind switch
            {
                JsonValueKind.String => idElement.GetString(),
                JsonValueKind.Number => idElement.GetRawText(),
                _ => null,
            };
        }

        void Error(string field, string message) => errors.Add(new InputError(id, path + field, message));

        if (!f.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "Feature")
        {
            Error("type", "must be \"Feature\"");
        }

        if (string.IsNullOrEmpty(id))
        {
            Error("id", "required: a string or number that identifies the feature");
        }
        else if (stored ? id.Length > 128 || id.Any(char.IsControl) || id.Contains('/') : !IdGrammar.IsValid(id))
        {
            string why = IdGrammar.Refusal(id) ?? $"must be {IdGrammar.Description}";
            id = Clip(id, 128); // every error names it: a 10,000-character id is not echoed whole
            Error("id", why);
        }

        if (!f.TryGetProperty("properties", out var props) || props.ValueKind != JsonValueKind.Object)
        {
            Error("properties", "required: an object with kind, owner, start and the other fields");
            return null;
        }

        // kind
        string kind = "";
        if (props.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String)
        {
            kind = k.GetString()!;
            if (isZone ? !ZoneKinds.TryParse(kind, out _) : !agreement.HasOperationKind(kind))
            {
                Error("properties.kind", isZone
                    ? $"unknown zone kind '{Clip(kind)}' (protected, restricted, designated)"
                    : $"unknown operation kind '{Clip(kind)}' ({string.Join(", ", agreement.OperationKinds)})");
            }
        }
        else
        {
            Error("properties.kind", "required: a string");
        }

        // owner
        PartyId owner = default;
        if (props.TryGetProperty("owner", out var o) && o.ValueKind != JsonValueKind.Null)
        {
            if (o.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(o.GetString()))
            {
                Error("properties.owner", "must be a party id");
            }
            else
            {
                owner = new PartyId(o.GetString()!);
                if (!agreement.HasParty(owner))
                {
                    Error("properties.owner", $"unknown party '{Clip(owner.Value)}'");
                }
            }
        }
        else if (caller is { } c)
        {
            owner = c;
        }
        else
        {
            Error("properties.owner", "required: the declaring party");
        }

        // altitude
        double altMin = ReadNumber(props, "alt_min_m", path, id, errors) ?? double.NegativeInfinity;
        double altMax = ReadNumber(props, "alt_max_m", path, id, errors) ?? double.PositiveInfinity;
        if (altMin > altMax)
        {
            Error("properties.alt_min_m", $"alt_min_m ({altMin}) must not exceed alt_max_m ({altMax})");
        }

        // time
        DateTimeOffset? start = ReadTime(props, "start", path, id, errors, required: true);
        DateTimeOffset? end = ReadTime(props, "end", path, id, errors, required: false);
        if (start is { } s && end is { } e && e <= s)
        {
            Error("properties.end", "must be after start");
        }

        // name, visibility
        string? name = null;
        if (props.TryGetProperty("name", out var n) && n.ValueKind != JsonValueKind.Null)
        {
            if (n.ValueKind != JsonValueKind.String || CountCharacters(n.GetString()!) > MaxNameCharacters)
            {
                Error("properties.name", $"must be a string of at most {MaxNameCharacters} characters (Unicode scalar values)");
            }
            else
            {
                name = n.GetString();
            }
        }

        var visibility = Visibility.Private;
        if (props.TryGetProperty("visibility", out var v) && v.ValueKind != JsonValueKind.Null)
        {
            switch (v.ValueKind == JsonValueKind.String ? v.GetString() : null)
            {
                case "private": visibility = Visibility.Private; break;
                case "parties": visibility = Visibility.Parties; break;
                case "public": visibility = Visibility.Public; break;
                default: Error("properties.visibility", "must be \"private\", \"parties\" or \"public\""); break;
            }
        }

        var shared = new List<PartyId>();
        if (props.TryGetProperty("shared_with", out var sw) && sw.ValueKind != JsonValueKind.Null)
        {
            if (sw.ValueKind != JsonValueKind.Array || sw.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            {
                Error("properties.shared_with", "must be an array of party ids");
            }
            else
            {
                foreach (var x in sw.EnumerateArray())
                {
                    var p = new PartyId(x.GetString()!);
                    if (!agreement.HasParty(p))
                    {
                        Error("properties.shared_with", $"unknown party '{Clip(p.Value)}'");
                    }

                    shared.Add(p);
                }
            }

            if (visibility != Visibility.Parties && shared.Count > 0)
            {
                Error("properties.shared_with", "only meaningful with visibility \"parties\"");
            }
        }

        if (!stored && visibility == Visibility.Parties && shared.Count == 0 && !errors.Any(e => e.Field == path + "properties.shared_with"))
        {
            Error("properties.shared_with", "required with visibility \"parties\": a non-empty array of the party ids that may see the geometry");
        }

        // geometry
        Shape? shape = null;
        if (!f.TryGetProperty("geometry", out var g) || g.ValueKind != JsonValueKind.Object)
        {
            Error("geometry", "required: a Polygon, MultiPolygon, Point (with radius_m) or LineString/MultiLineString (with corridor_m)");
        }
        else
        {
            shape = GeometryReader.Read(g, props, path, id, agreement.MaxVerticesPerFeature, errors, stored, guard);
        }

        if (errors.Count > before || shape is null || start is null)
        {
            return null;
        }

        var volume = new Volume(shape, new AltitudeBand(altMin, altMax), new TimeWindow(start.Value, end));
        return new Parsed(id!, owner, kind, volume, name, visibility, shared);
    }

    /// <summary>A number of metres: finite, and within ±<paramref name="limit"/> (<paramref name="beyond"/> says why, when given).</summary>
    internal static double? ReadNumber(JsonElement props, string field, string path, string? id, List<InputError> errors,
        double limit = MaxAltitudeMetres, string? beyond = null)
    {
        if (!props.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var d) || !double.IsFinite(d))
        {
            errors.Add(new InputError(id, path + "properties." + field, "must be a finite number (metres)"));
            return null;
        }

        if (Math.Abs(d) > limit)
        {
            errors.Add(new InputError(id, path + "properties." + field,
                beyond ?? $"must lie within ±{limit.ToString("N0", CultureInfo.InvariantCulture)} m"));
            return null;
        }

        return d;
    }

    /// <summary>The characters of <paramref name="text"/> as Parley counts them: Unicode scalar values.</summary>
    internal static int CountCharacters(string text)
    {
        int count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static DateTimeOffset? ReadTime(JsonElement props, string field, string path, string? id, List<InputError> errors, bool required)
    {
        if (!props.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add(new InputError(id, path + "properties." + field, "required: an RFC 3339 UTC time such as 2026-05-01T06:00:00Z"));
            }

            return null;
        }

        if (value.ValueKind == JsonValueKind.String && TryParseTime(value.GetString(), out var time))
        {
            return time;
        }

        errors.Add(new InputError(id, path + "properties." + field, TimeRefusal));
        return null;
    }

    /// <summary>Parses an RFC 3339 time that carries a zone offset, as UTC, to the tick (see <see cref="Rfc3339"/>).</summary>
    internal static bool TryParseTime(string? text, out DateTimeOffset time)
    {
        time = default;
        return text is not null && Rfc3339.TryParse(text, out time);
    }

    /// <summary>The refusal of a time that is not RFC 3339 as Parley reads it.</summary>
    internal const string TimeRefusal =
        "must be an RFC 3339 time with a zone offset and at most 9 fraction digits, such as 2026-05-01T06:00:00Z or 2026-05-01T06:00:00.123456789+02:00";

    internal static string Clip(string s, int length = 40) => s.Length <= length ? s : s[..length] + "…";
}
