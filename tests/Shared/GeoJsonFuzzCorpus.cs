using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;

namespace Parley.Tests.Shared;

/// <summary>Where a fuzz body is sent (the server's fuzz test) or which reader it is for.</summary>
internal enum FuzzRoute
{
    Zones,
    Operations,
    Check,
    PutZone,
}

/// <summary>One hostile body. <paramref name="MayBeAccepted"/>: the body may in fact be valid, so a success is no fault.</summary>
internal sealed record FuzzCase(string What, FuzzRoute Route, byte[] Body, string? ContentType, bool MayBeAccepted, string PutId = GeoJsonFuzzCorpus.Target)
{
    public override string ToString()
    {
        string text = Encoding.UTF8.GetString(Body);
        return $"{What} → {Route} {(Route == FuzzRoute.PutZone ? PutId[..Math.Min(40, PutId.Length)] : "")} [{ContentType}] {Body.Length} bytes: " +
            (text.Length > 400 ? text[..400] + "…" : text);
    }
}

/// <summary>A change to a valid feature; <see cref="MayBeAccepted"/> when the result may still be valid.</summary>
internal sealed record FuzzMutation(string Name, bool MayBeAccepted, Func<JsonObject, byte[]> Apply);

/// <summary>
/// The corpus of malformed, hostile and extreme GeoJSON bodies: valid features of every geometry, changed by one
/// mutation (or a harmless one, then another), collections with one spoiled member, random bytes, JSON-like text,
/// JSON noise with GeoJSON's keys, nesting far past the limit, bodies over the size limit. Shared by the server's
/// fuzz test and the reader property tests.
/// </summary>
internal static class GeoJsonFuzzCorpus
{
    /// <summary>The zone id the PUT cases replace.</summary>
    internal const string Target = "fz-put-target";

    /// <summary>The body limit of the fuzzed server.</summary>
    internal const int MaxBody = 1024 * 1024;

    /// <summary>The demo agreement's limit of vertices per feature.</summary>
    internal const int MaxVertices = 10_000;

    internal static readonly Gen<FuzzRoute> Routes = Gen.OneOf(FuzzRoute.Zones, FuzzRoute.Operations, FuzzRoute.Check, FuzzRoute.PutZone);

    internal static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    internal static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A valid feature for the route: a zone for zones and PUT, an operation for operations and check.</summary>
    internal static readonly Gen<Func<FuzzRoute, string, JsonObject>> ValidFeature =
        Gen.Select(Gen.Int[0, 4], Gen.Double[-170, 170], Gen.Double[-80, 80], Gen.Double[0.001, 2], Gen.Int[3, 48],
            Gen.Int[0, 2], Gen.Int[0, 364], Gen.Int[-1, 1000])
        .Select(Gen.Int[-1, 5000], Gen.Int[0, 5000], Gen.Int[0, 2], Gen.Bool, (p, altMin, altSpan, visibility, named) =>
        {
            var (shape, lon, lat, size, n, kind, day, hours) = p;
            return (Func<FuzzRoute, string, JsonObject>)((route, id) =>
            {
                bool zone = route is FuzzRoute.Zones or FuzzRoute.PutZone;
                var props = new JsonObject
                {
                    ["kind"] = zone ? new[] { "protected", "restricted", "designated" }[kind] : new[] { "strike", "flight", "ground-movement" }[kind],
                    ["start"] = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(day).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                };
                if (hours >= 0)
                {
                    props["end"] = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(day).AddHours(hours + 1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                }

                if (altMin >= 0)
                {
                    props["alt_min_m"] = altMin;
                    props["alt_max_m"] = altMin + altSpan;
                }

                props["visibility"] = new[] { "private", "parties", "public" }[visibility];
                if (visibility == 1)
                {
                    props["shared_with"] = new JsonArray("red");
                }

                if (named)
                {
                    props["name"] = "Fuzz " + id;
                }

                JsonObject geometry;
                switch (shape)
                {
                    case 0:
                        geometry = Geometry("Point", new JsonArray(lon, lat));
                        props["radius_m"] = size * 1000;
                        break;
                    case 1:
                        geometry = Geometry("Polygon", new JsonArray(RegularRing(lon, lat, size, n)));
                        break;
                    case 2:
                        geometry = Geometry("LineString", Line(lon, lat, size, n));
                        props["corridor_m"] = size * 500;
                        break;
                    case 3:
                        geometry = Geometry("MultiPolygon", new JsonArray(
                            new JsonArray(RegularRing(lon, lat, size / 3, n)), new JsonArray(RegularRing(lon + size, lat, size / 3, 4))));
                        break;
                    default:
                        geometry = Geometry("MultiLineString", new JsonArray(Line(lon, lat, size, n), Line(lon, lat + size, size, 2)));
                        props["corridor_m"] = size * 500;
                        break;
                }

                return new JsonObject { ["type"] = "Feature", ["id"] = id, ["geometry"] = geometry, ["properties"] = props };
            });
        });

    internal static JsonObject Geometry(string type, JsonArray coordinates) => new() { ["type"] = type, ["coordinates"] = coordinates };

    internal static JsonArray RegularRing(double lon, double lat, double radius, int n)
    {
        var ring = new JsonArray();
        for (int i = 0; i < n; i++)
        {
            double a = 2 * Math.PI * i / n;
            ring.Add(new JsonArray(Math.Round(lon + (radius * Math.Cos(a)), 9), Math.Round(lat + (radius * Math.Sin(a)), 9)));
        }

        ring.Add(ring[0]!.DeepClone());
        return ring;
    }

    internal static JsonArray Line(double lon, double lat, double length, int n)
    {
        var line = new JsonArray();
        for (int i = 0; i < Math.Max(2, n); i++)
        {
            line.Add(new JsonArray(lon + (length * i / Math.Max(2, n)), lat + (0.1 * (i % 2))));
        }

        return line;
    }

    internal static JsonObject Props(JsonObject f) => f["properties"]!.AsObject();

    internal static JsonObject Geo(JsonObject f) => f["geometry"]!.AsObject();

    /// <summary>Every position (innermost array of numbers) of the feature's geometry.</summary>
    internal static List<JsonArray> Positions(JsonNode? node)
    {
        var found = new List<JsonArray>();
        if (node is JsonArray array)
        {
            if (array.Count > 0 && array[0] is JsonValue)
            {
                found.Add(array);
            }
            else
            {
                foreach (var item in array)
                {
                    found.AddRange(Positions(item));
                }
            }
        }

        return found;
    }

    internal const string RawMarker = "@@raw@@";

    /// <summary>Sets a field (null removes it); a value of the form "@@raw@@token" is written as the bare token.</summary>
    internal static FuzzMutation Set(string name, bool mayBeAccepted, Func<JsonObject, JsonObject> parent, string key, object? value) =>
        new(name, mayBeAccepted, f =>
        {
            var p = parent(f);
            string? raw = null;
            switch (value)
            {
                case null:
                    p.Remove(key);
                    break;
                case string s when s.StartsWith(RawMarker, StringComparison.Ordinal):
                    raw = s[RawMarker.Length..];
                    p[key] = RawMarker;
                    break;
                default:
                    p[key] = Node(value);
                    break;
            }

            string text = f.ToJsonString();
            return Utf8(raw is null ? text : text.Replace($"\"{RawMarker}\"", raw, StringComparison.Ordinal));
        });

    internal static string Raw(string token) => RawMarker + token;

    internal static JsonNode? Node(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        string s => JsonValue.Create(s),
        int i => JsonValue.Create(i),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        _ => throw new ArgumentException($"no JSON form for {value.GetType()}", nameof(value)),
    };

    internal static readonly string TenThousand = new('x', 10_000);

    internal static readonly object?[] NotANumber =
        [Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), "NaN", "Infinity", Raw("1e400"), Raw("-1e400"),
         Raw("123456789012345678901234567890"), null, true, "12", new JsonArray(), new JsonObject()];

    /// <summary>Mutations after which the feature is certainly invalid.</summary>
    internal static readonly FuzzMutation[] Refusing =
    [
        .. new object?[] { null, "feature", "Point", 1, "FeatureCollection", new JsonArray() }.Select(v => Set($"type = {v}", false, f => f, "type", v)),
        .. new object?[] { "", TenThousand, "a/b", "x\u0001y", true, new JsonObject(), new JsonArray(), null, Raw("null") }
            .Select(v => Set($"id = {Clip(v)}", false, f => f, "id", v)),
        .. new object?[] { Raw("null"), new JsonArray(), "x", null }.Select(v => Set($"properties = {v}", false, f => f, "properties", v)),
        .. new object?[] { Raw("null"), new JsonArray(), "Polygon", new JsonObject(), null }.Select(v => Set($"geometry = {v}", false, f => f, "geometry", v)),
        .. new object?[] { "Circle", "GeometryCollection", "polygon", 3, null }.Select(v => Set($"geometry.type = {v}", false, Geo, "type", v)),
        .. new object?[] { Raw("null"), "x", new JsonObject(), 5, null, new JsonArray() }.Select(v => Set($"coordinates = {v}", false, Geo, "coordinates", v)),
        .. new object?[] { TenThousand, "fortress", 7, null, Raw("null") }.Select(v => Set($"kind = {Clip(v)}", false, Props, "kind", v)),
        .. new object?[] { "red", "purple", "", 5 }.Select(v => Set($"owner = {v}", false, Props, "owner", v)),
        .. new object?[] { "100", "NaN", 1e10, -1e10, true, Raw("1e400"), Raw("-1e400"), Raw("123456789012345678901234567890"), Raw("NaN") }
            .SelectMany(v => new[] { Set($"alt_min_m = {v}", false, Props, "alt_min_m", v), Set($"alt_max_m = {v}", false, Props, "alt_max_m", v) }),
        new("alt_min_m > alt_max_m", false, f =>
        {
            Props(f)["alt_min_m"] = 500;
            Props(f)["alt_max_m"] = 499.999;
            return Utf8(f.ToJsonString());
        }),
        .. new object?[]
        {
            null, "", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "yesterday", 1_700_000_000, "2026-01-01T00:00:00", TenThousand,
            "0000-01-01T00:00:00Z", "2026-01-01T24:00:00Z", "+292278994-08-17T07:12:55Z", "2026-01-01T00:00:00+25:00",
        }.Select(v => Set($"start = {Clip(v)}", false, Props, "start", v)),
        .. new object?[] { "not a time", 5, "2026-13-01T00:00:00Z", "2026-01-01T00:00:00", "0001-01-01T00:00:00Z" }
            .Select(v => Set($"end = {v}", false, Props, "end", v)),
        new("end = start", false, f =>
        {
            Props(f)["end"] = Props(f)["start"]!.DeepClone();
            return Utf8(f.ToJsonString());
        }),
        .. new object?[] { TenThousand, 5, new JsonArray() }.Select(v => Set($"name = {Clip(v)}", false, Props, "name", v)),
        .. new object?[] { "secret", 1, true }.Select(v => Set($"visibility = {v}", false, Props, "visibility", v)),
        .. new object?[] { "red", new JsonArray(1), new JsonArray("purple") }.Select(v => Set($"shared_with = {v}", false, Props, "shared_with", v)),
        .. new object?[] { 0, -1, "5", 1e10, 1e9, 10_000_000.5, Raw("1e400"), Raw("NaN"), Raw("-0") }
            .SelectMany(v => new[] { Set($"radius_m = {v}", false, Props, "radius_m", v), Set($"corridor_m = {v}", false, Props, "corridor_m", v) }),
    ];

    /// <summary>Mutations after which the feature may still be valid.</summary>
    internal static readonly FuzzMutation[] Harmless =
    [
        Set("owner = blue", true, Props, "owner", "blue"),
        Set("name of 200 characters", true, Props, "name", new string('n', 200)),
        Set("name of emoji, right-to-left and combining marks", true, Props, "name", "🛰️ مستشفى e\u0301\u200d"),
        Set("name with control characters", true, Props, "name", "a\u0000b\u001fc"),
        Set("end = null", true, Props, "end", Raw("null")),
        Set("end at the end of time", true, Props, "end", "9999-12-31T23:59:59.9999999Z"),
        Set("start at the start of time", true, Props, "start", "0001-01-01T00:00:00Z"),
        Set("start before the start of time in UTC", true, Props, "start", "0001-01-01T00:00:00+14:00"),
        Set("start with an offset", true, Props, "start", "2026-06-01T12:00:00+05:30"),
        Set("start with a lowercase t", true, Props, "start", "2026-06-01t12:00:00z"),
        Set("alt_min_m = -1e9", true, Props, "alt_min_m", -1e9),
        Set("alt_max_m = 1e9", true, Props, "alt_max_m", 1e9),
        Set("radius_m = 1e7", true, Props, "radius_m", 1e7),
        Set("radius_m = 5e-324", true, Props, "radius_m", Raw("5e-324")),
        Set("corridor_m = 1e7", true, Props, "corridor_m", 1e7),
        Set("corridor_m = 1e-300", true, Props, "corridor_m", 1e-300),
        Set("an unknown property", true, Props, "colour", new JsonObject { ["deep"] = new JsonArray(1, "two", null, new JsonObject()) }),
        Set("bbox", true, f => f, "bbox", new JsonArray(-180, -90, 180, 90)),
        Set("crs", true, f => f, "crs", new JsonObject { ["type"] = "name" }),
        Set("a numeric id", true, f => f, "id", Raw("12345678901234567890123456789")),
    ];

    internal static string Clip(object? v) => v?.ToString() is { Length: > 20 } s ? s[..20] + "…" : v?.ToString() ?? "(removed)";

    /// <summary>A coordinate of one position replaced by a bad value or an extreme valid one.</summary>
    internal static readonly Gen<FuzzMutation> CoordinateMutation =
        Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 2], Gen.Int[0, 100], (which, component, pick) =>
        {
            object?[] refusing = component switch
            {
                0 => [.. NotANumber, 180.000001, -181, 1e10],
                1 => [.. NotANumber, 90.000001, -91],
                _ => [Raw("1e400"), "x", Raw("null"), new JsonArray()],
            };
            object?[] harmless = component switch
            {
                0 => [180, -180, 0, Raw("-0"), Raw("1e-400"), Raw("5e-324"), 179.99999999999997],
                1 => [90, -90, 0, Raw("-0.0"), Raw("1e-400"), 89.99999999999999],
                _ => [12345.6, -1e300, 0],
            };
            bool ok = pick % 3 == 0;
            var values = ok ? harmless : refusing;
            var value = values[pick % values.Length];
            return new FuzzMutation($"coordinate {component} = {Clip(value)}", ok, f =>
            {
                var positions = Positions(Geo(f)["coordinates"]);
                var position = positions[which % positions.Count];
                string? raw = value is string s && s.StartsWith(RawMarker, StringComparison.Ordinal) ? s[RawMarker.Length..] : null;
                JsonNode? node = raw is not null ? JsonValue.Create(RawMarker) : Node(value);
                if (component < 2)
                {
                    position[component] = node;
                }
                else
                {
                    position.Add(node);
                }

                string text = f.ToJsonString();
                return Utf8(raw is null ? text : text.Replace($"\"{RawMarker}\"", raw, StringComparison.Ordinal));
            });
        });

    /// <summary>One position replaced by something that is not a position.</summary>
    internal static readonly Gen<FuzzMutation> PositionMutation =
        Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 4], (which, shape) =>
        {
            JsonNode bad = shape switch
            {
                0 => new JsonArray(),
                1 => new JsonArray(1),
                2 => new JsonArray(1, 2, 3, 4),
                3 => new JsonArray(new JsonArray(0, 0)),
                _ => JsonValue.Create("0,0"),
            };
            return new FuzzMutation($"a position = {bad.ToJsonString()}", false, f =>
            {
                var coordinates = Geo(f)["coordinates"]!;
                var position = Positions(coordinates)[which % Positions(coordinates).Count];
                var parent = position.Parent;
                if (parent is JsonArray array)
                {
                    array[array.IndexOf(position)] = bad.DeepClone();
                }
                else
                {
                    Geo(f)["coordinates"] = bad.DeepClone();
                }

                return Utf8(f.ToJsonString());
            });
        });

    /// <summary>The geometry replaced by an invalid or an extreme valid one; the buffer properties follow the type.</summary>
    internal static readonly Gen<FuzzMutation> GeometryMutation =
        Gen.Select(Gen.Int[0, 17], Gen.Int[1, 5000], (which, extra) =>
        {
            (string Name, bool Ok, string Type, string Coordinates) g = which switch
            {
                0 => ("an unclosed ring", false, "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0.5]]]"),
                1 => ("a bow-tie ring", false, "Polygon", "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]"),
                2 => ("a ring of three positions", false, "Polygon", "[[[0,0],[1,0],[0,0]]]"),
                3 => ("a ring of one point repeated", false, "Polygon", "[[[0,0],[0,0],[0,0],[0,0],[0,0]]]"),
                4 => ("no rings", false, "Polygon", "[]"),
                5 => ("an empty ring", false, "Polygon", "[[]]"),
                6 => ("a hole outside its shell", false, "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[2,2],[3,2],[3,3],[2,3],[2,2]]]"),
                7 => ("overlapping parts", false, "MultiPolygon", "[[[[0,0],[2,0],[2,2],[0,2],[0,0]]],[[[1,1],[3,1],[3,3],[1,3],[1,1]]]]"),
                8 => ($"a ring of {MaxVertices + extra} positions", false, "Polygon", $"[{Circle(MaxVertices + extra)}]"),
                9 => ("a line of one position", false, "LineString", "[[0,0]]"),
                10 => ("no polygons", false, "MultiPolygon", "[]"),
                11 => ("no lines", false, "MultiLineString", "[]"),
                12 => ("a clockwise ring", true, "Polygon", "[[[0,0],[0,1],[1,1],[1,0],[0,0]]]"),
                13 => ("repeated positions", true, "Polygon", "[[[0,0],[1,0],[1,0],[1,1],[0,1],[0,1],[0,0]]]"),
                14 => ("a ring around the pole", true, "Polygon", "[[[0,89],[10,89],[10,90],[0,90],[0,89]]]"),
                15 => ("a ring from -180 to 180", true, "Polygon", "[[[-180,-10],[180,-10],[180,10],[-180,10],[-180,-10]]]"),
                16 => ("a ring with a hole", true, "Polygon", "[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[3,3],[7,3],[7,7],[3,7],[3,3]]]"),
                _ => ($"a ring of {Math.Min(MaxVertices, 4 + extra)} positions", true, "Polygon", $"[{Circle(Math.Min(MaxVertices, 4 + extra))}]"),
            };
            return new FuzzMutation(g.Name, g.Ok, f =>
            {
                Props(f).Remove("radius_m");
                Props(f).Remove("corridor_m");
                if (g.Type.Contains("Line", StringComparison.Ordinal))
                {
                    Props(f)["corridor_m"] = 100;
                }

                f["geometry"] = new JsonObject { ["type"] = g.Type, ["coordinates"] = RawMarker };
                return Utf8(f.ToJsonString().Replace($"\"{RawMarker}\"", g.Coordinates, StringComparison.Ordinal));
            });
        });

    internal static string Circle(int positions)
    {
        var ring = new StringBuilder("[");
        for (int i = 0; i < positions - 1; i++)
        {
            double a = 2 * Math.PI * i / (positions - 1);
            ring.Append(CultureInfo.InvariantCulture, $"[{Math.Cos(a):F6},{Math.Sin(a):F6}],");
        }

        return ring.Append("[1.000000,0.000000]]").ToString();
    }

    /// <summary>Changes to the text or the bytes of a valid feature.</summary>
    internal static readonly Gen<FuzzMutation> TextMutation =
        Gen.Select(Gen.Int[0, 9], Gen.Int[0, int.MaxValue], Gen.Int[0, 5], (which, at, pick) =>
        {
            byte[][] invalidUtf8 = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xF4, 0x90, 0x80, 0x80]];
            return which switch
            {
                0 => new FuzzMutation("truncated", false, f =>
                {
                    var b = Utf8(f.ToJsonString());
                    return b[..(1 + (at % (b.Length - 1)))];
                }),
                1 => new FuzzMutation("trailing garbage", false, f => Utf8(f.ToJsonString() + new[] { "}", "x", " {}", "[", ",", "\0" }[pick])),
                2 => new FuzzMutation("a repeated key", false, f => Utf8("{\"type\":\"Feature\"," + f.ToJsonString()[1..])),
                3 => new FuzzMutation("a repeated key in properties", false, f =>
                    Utf8(f.ToJsonString().Replace("\"properties\":{", "\"properties\":{\"kind\":\"protected\",", StringComparison.Ordinal))),
                4 => new FuzzMutation("invalid UTF-8", false, f =>
                {
                    var b = Utf8(f.ToJsonString());
                    int i = at % (b.Length + 1);
                    return [.. b[..i], .. invalidUtf8[pick], .. b[i..]];
                }),
                5 => new FuzzMutation("a byte order mark", false, f => [0xEF, 0xBB, 0xBF, .. Utf8(f.ToJsonString())]),
                6 => new FuzzMutation("one byte changed", true, f =>
                {
                    var b = Utf8(f.ToJsonString());
                    b[at % b.Length] = (byte)(32 + (at % 95));
                    return b;
                }),
                7 => new FuzzMutation("wrapped in arrays 64 deep", false, f =>
                    Utf8(new string('[', 60 + pick) + f.ToJsonString() + new string(']', 60 + pick))),
                // The root and "properties" are two levels: 63 arrays more pass the limit of 64.
                8 => new FuzzMutation("a property nested too deep", false, f =>
                    Utf8(f.ToJsonString().Replace("\"properties\":{", $"\"properties\":{{\"x\":{new string('[', 63 + (at % 5000))}{new string(']', 63 + (at % 5000))},", StringComparison.Ordinal))),
                _ => new FuzzMutation("a property nested deep but within the limit", true, f =>
                    Utf8(f.ToJsonString().Replace("\"properties\":{", $"\"properties\":{{\"x\":{new string('[', 1 + (at % 55))}{new string(']', 1 + (at % 55))},", StringComparison.Ordinal))),
            };
        });

    internal static readonly Gen<FuzzMutation> AnyMutation = Gen.Frequency<FuzzMutation>(
        (6, Gen.Int[0, Refusing.Length - 1].Select(i => Refusing[i])),
        (3, Gen.Int[0, Harmless.Length - 1].Select(i => Harmless[i])),
        (4, CoordinateMutation),
        (1, PositionMutation),
        (2, GeometryMutation),
        (3, TextMutation));

    internal static readonly Gen<uint> UniformId = Gen.Int.Uniform.Select(i => unchecked((uint)i));

    internal static string FeatureId(FuzzRoute route, bool mayBeAccepted, uint n) =>
        route == FuzzRoute.PutZone ? Target : $"fz-{(mayBeAccepted ? "ok" : "bad")}-{n:x8}";

    internal static readonly (string? Type, bool Ok)[] ContentTypes =
    [
        ("application/geo+json", true), ("application/geo+json", true), ("application/geo+json", true), ("application/geo+json", true),
        ("application/geo+json", true), ("application/geo+json", true), ("application/geo+json", true), ("application/geo+json", true),
        ("application/geo+json", true), ("application/geo+json", true), ("application/geo+json", true), ("application/geo+json", true),
        ("application/json", true), ("APPLICATION/GEO+JSON; charset=UTF-8", true), ("application/json; charset=utf-8", true),
        (null, false), ("text/plain", false), ("application/xml", false), ("application/json; charset=iso-8859-1", false),
        ("application/x-www-form-urlencoded", false),
    ];

    /// <summary>A valid feature with one mutation, sometimes after a harmless one, sent as GeoJSON or under another content type.</summary>
    internal static readonly Gen<FuzzCase> Mutated =
        Gen.Select(Routes, ValidFeature, AnyMutation, Gen.Int[-10, Harmless.Length - 1], UniformId, Gen.Int[0, 19], (route, feature, mutation, first, n, contentType) =>
        {
            var before = first >= 0 ? Harmless[first] : null;
            bool ok = mutation.MayBeAccepted && (before?.MayBeAccepted ?? true);
            var f = feature(route, FeatureId(route, ok, n));
            if (before is not null)
            {
                f = JsonNode.Parse(before.Apply(f))!.AsObject(); // the harmless changes leave well-formed JSON
            }

            var (type, typeOk) = ContentTypes[contentType % ContentTypes.Length];
            return new FuzzCase(before is null ? mutation.Name : $"{before.Name}, then {mutation.Name}", route, mutation.Apply(f), type, ok && typeOk);
        });

    /// <summary>A valid feature alone: extremes of the valid space come from the harmless mutations.</summary>
    internal static readonly Gen<FuzzCase> Valid =
        Gen.Select(Routes, ValidFeature, UniformId, (route, feature, n) =>
            new FuzzCase("valid", route, Utf8(feature(route, FeatureId(route, true, n)).ToJsonString()), "application/geo+json", true));

    /// <summary>
    /// FeatureCollections: acceptable as zones when every member is, and as one operation when it holds one.
    /// A member may carry any mutation, even one that breaks the JSON text.
    /// </summary>
    internal static readonly Gen<FuzzCase> Collections =
        Gen.Select(Routes, ValidFeature.Array[1, 5], AnyMutation, Gen.Int[-3, 4], UniformId, (route, features, mutation, mutated, n) =>
        {
            // A route that takes one Feature refuses any collection, even of one.
            bool ok = route == FuzzRoute.Zones && (mutated < 0 || mutation.MayBeAccepted);
            var body = new List<byte>(Utf8("""{"type":"FeatureCollection","features":["""));
            for (int i = 0; i < features.Length; i++)
            {
                var f = features[i](route == FuzzRoute.PutZone ? FuzzRoute.Zones : route, $"fz-{(ok ? "ok" : "bad")}-{n:x8}-{i}");
                body.AddRange(i > 0 ? Utf8(",") : []);
                body.AddRange(mutated >= 0 && i == mutated % features.Length ? mutation.Apply(f) : Utf8(f.ToJsonString()));
            }

            body.AddRange(Utf8("]}"));
            return new FuzzCase($"collection of {features.Length}{(mutated >= 0 ? ", one with " + mutation.Name : "")}", route, [.. body], "application/geo+json", ok);
        });

    /// <summary>Random bytes, most of them not UTF-8.</summary>
    internal static readonly Gen<FuzzCase> Garbage =
        Gen.Select(Routes, Gen.Byte.Array[0, 400], (route, bytes) => new FuzzCase("random bytes", route, bytes, "application/geo+json", false));

    /// <summary>Text of JSON punctuation, digits and literals: sometimes JSON, never GeoJSON.</summary>
    internal static readonly Gen<FuzzCase> JsonishText =
        Gen.Select(Routes, Gen.Char["{}[],:\"0123456789.eE+-truefalsn \\u"].Array[0, 300], (route, chars) =>
            new FuzzCase("JSON-like text", route, Utf8(new string(chars)), "application/json", false));

    internal static readonly Gen<string> Keys = Gen.OneOf<string>(
        Gen.OneOf("type", "id", "geometry", "properties", "features", "coordinates", "kind", "start", "radius_m", "Feature"),
        Gen.String[0, 12].Select(s => JsonEncodedText.Encode(s).ToString()));

    internal static readonly Gen<string> Scalars = Gen.OneOf<string>(
        Gen.OneOf("null", "true", "false", "1e400", "-1e400", "123456789012345678901234567890", "-0", "5e-324", "0.1", "\"Feature\"",
            "\"FeatureCollection\"", "\"Polygon\"", "\"NaN\"", "\"\\ud800\"", "\"\\u0000\"", "\"2026-01-01T00:00:00Z\"", "[0,0]", "[[0,0],[1,1]]"),
        Gen.Double.Select(d => double.IsFinite(d) ? Num(d) : "0"),
        Gen.String[0, 40].Select(s => "\"" + JsonEncodedText.Encode(s) + "\""));

    /// <summary>Well-formed JSON with the keys GeoJSON uses, in the wrong places and of the wrong types.</summary>
    internal static readonly Gen<FuzzCase> JsonNoise =
        Gen.Select(Routes, Gen.Recursive<string>((depth, self) => depth >= 6
            ? Scalars
            : Gen.Frequency<string>(
                (4, Scalars),
                (1, self.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
                (2, Gen.Select(Keys.Array[0, 5], self.Array[5], (keys, values) =>
                    "{" + string.Join(",", keys.Distinct().Select((k, i) => $"\"{k}\":{values[i]}")) + "}")))), (route, json) =>
            new FuzzCase("JSON noise", route, Utf8(json), "application/json", false));

    /// <summary>Nesting far beyond the limit, balanced or not, of arrays, objects or both.</summary>
    internal static readonly Gen<FuzzCase> DeepNesting =
        Gen.Select(Routes, Gen.Int[65, 50_000], Gen.Int[0, 3], Gen.Bool, (route, depth, kind, balanced) =>
        {
            string open = kind switch { 0 => "[", 1 => "{\"a\":", 2 => "[{\"a\":", _ => "{\"type\":\"Feature\",\"properties\":" };
            string close = kind switch { 0 => "]", 1 => "}", 2 => "}]", _ => "}" };
            int n = kind >= 2 ? depth / 2 : depth;
            string body = string.Concat(Enumerable.Repeat(open, n)) + "1" + (balanced ? string.Concat(Enumerable.Repeat(close, n)) : "");
            return new FuzzCase($"nested {depth} deep{(balanced ? "" : ", unbalanced")}", route, Utf8(body), "application/geo+json", false);
        });

    /// <summary>A valid feature padded with whitespace to just over the body limit.</summary>
    internal static readonly Gen<FuzzCase> Oversize =
        Gen.Select(Routes, ValidFeature, Gen.Int[1, 1000], UniformId, (route, feature, over, n) =>
        {
            var text = Utf8(feature(route, FeatureId(route, false, n)).ToJsonString());
            var body = new byte[MaxBody + over];
            Array.Fill(body, (byte)' ');
            text.CopyTo(body, 0);
            return new FuzzCase($"{over} bytes over the limit", route, body, "application/geo+json", false);
        });

    /// <summary>A valid zone put under an id that is not the body's, or is no zone at all.</summary>
    internal static readonly Gen<FuzzCase> ForeignPut =
        Gen.Select(ValidFeature, Gen.OneOf<string>(
                Gen.String[1, 200].Select(s => new string([.. s.Where(c => !char.IsSurrogate(c))]) is { Length: > 0 } id ? id : "x"),
                Gen.OneOf("blue-hospital-1", "red-water-plant", "aid-convoy-7", "..", "%2e%2e", "a%2Fb", " ")),
            (feature, id) => new FuzzCase($"put under '{Clip(id)}'", FuzzRoute.PutZone, Utf8(feature(FuzzRoute.PutZone, Target).ToJsonString()), "application/geo+json", false, id));

    internal static readonly Gen<FuzzCase> AnyCase = Gen.Frequency<FuzzCase>(
        (20, Mutated),
        (3, Valid),
        (3, Collections),
        (2, Garbage),
        (1, JsonishText),
        (2, JsonNoise),
        (1, DeepNesting),
        (1, Oversize),
        (1, ForeignPut));
}
