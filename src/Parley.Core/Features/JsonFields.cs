using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Parley.Core.Features;

/// <summary>
/// The field readers of Parley's strict documents (agreements, amendments): each value is read with its path, and every
/// member an object may not have is refused by name, with the known field it most resembles.
/// </summary>
internal static class JsonFields
{
    /// <summary>Parses JSON (when the text starts with '{') or YAML into a JSON tree; malformed text is refused at <c>$</c>.</summary>
    public static JsonNode? Parse(string text, string what)
    {
        try
        {
            return text.TrimStart().StartsWith('{') ? JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) : YamlToJson(text);
        }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException or ArgumentException or InvalidCastException)
        {
            // A repeated key is an ArgumentException (YAML) or a JsonException; a complex YAML key an InvalidCastException.
            throw new InputRejectedException(new InputError(null, "$", $"malformed {what}: {e.Message}"));
        }
    }

    /// <summary>Refuses every member of <paramref name="o"/> that is not one of <paramref name="known"/>, naming it.</summary>
    public static void Known(JsonObject o, string path, IReadOnlyList<string> known, List<InputError> errors)
    {
        foreach (var (name, _) in o)
        {
            if (!known.Contains(name))
            {
                string hint = Closest(name, known) is { } near ? $"did you mean '{near}'? " : "";
                errors.Add(new InputError(null, path + name, $"unknown field: {hint}(known here: {string.Join(", ", known)})"));
            }
        }
    }

    /// <summary>The known name within two edits of <paramref name="name"/>, if one is.</summary>
    private static string? Closest(string name, IReadOnlyList<string> known)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (var candidate in known)
        {
            int d = Distance(name, candidate);
            if (d < bestDistance)
            {
                (best, bestDistance) = (candidate, d);
            }
        }

        return best;
    }

    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2 || a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    public static string? Str(JsonObject o, string name, List<InputError> errors, string path = "")
    {
        var node = o[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue(out string? s))
        {
            return s;
        }

        errors.Add(new InputError(null, path + name, "must be a string"));
        return null;
    }

    /// <summary>A string that, when given, must not be blank.</summary>
    public static string? NonEmpty(JsonObject o, string name, List<InputError> errors, string path = "")
    {
        var s = Str(o, name, errors, path);
        if (s is not null && string.IsNullOrWhiteSpace(s))
        {
            errors.Add(new InputError(null, path + name, "must not be empty"));
            return null;
        }

        return s;
    }

    public static double? Num(JsonObject o, string name, List<InputError> errors, double min, double max, string path = "")
    {
        var node = o[name];
        if (node is null)
        {
            return null;
        }

        double value;
        if (node is JsonValue v && v.TryGetValue(out double d))
        {
            value = d;
        }
        else if (node is JsonValue sv && sv.TryGetValue(out string? s) &&
                 double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
        }
        else
        {
            errors.Add(new InputError(null, path + name, "must be a number"));
            return null;
        }

        if (!double.IsFinite(value) || value < min || value > max)
        {
            errors.Add(new InputError(null, path + name, $"must be between {min} and {max}"));
            return null;
        }

        return value;
    }

    /// <summary>A whole number between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static int? Count(JsonObject o, string name, List<InputError> errors, int max, string path, int min = 1)
    {
        if (Num(o, name, errors, min, max, path) is not { } value)
        {
            return null;
        }

        if (value != Math.Floor(value))
        {
            errors.Add(new InputError(null, path + name, "must be a whole number"));
            return null;
        }

        return (int)value;
    }

    public static List<string>? Strings(JsonObject o, string name, List<InputError> errors, string path = "")
    {
        var node = o[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonArray a && a.All(n => n is JsonValue v && v.TryGetValue(out string? _)))
        {
            return [.. a.Select(n => n!.GetValue<string>())];
        }

        errors.Add(new InputError(null, path + name, "must be an array of strings"));
        return null;
    }

    /// <summary>An RFC 3339 time with a zone offset, as UTC.</summary>
    public static DateTimeOffset? Time(JsonObject o, string name, List<InputError> errors, string path = "")
    {
        if (Str(o, name, errors, path) is not { } text)
        {
            return null;
        }

        if (FeatureReader.TryParseTime(text, out var time))
        {
            return time;
        }

        errors.Add(new InputError(null, path + name, "must be an RFC 3339 time with a zone offset, such as 2026-12-08T00:00:00Z"));
        return null;
    }

    /// <summary>Whether <paramref name="s"/> is an id (<see cref="Model.IdGrammar"/>).</summary>
    public static bool IsToken(string s) => Model.IdGrammar.IsValid(s);

    /// <summary>The refusal of an id outside the grammar, naming the character at fault.</summary>
    public static string IdRefusal(string? s) =>
        s is null ? $"required: {Model.IdGrammar.Description}" : Model.IdGrammar.Refusal(s) ?? $"must be {Model.IdGrammar.Description}";

    /// <summary>A JSON tree as a document the GeoJSON readers take.</summary>
    public static JsonDocument ToDocument(JsonNode node) => JsonDocument.Parse(node.ToJsonString());

    private static JsonNode? YamlToJson(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);

        static JsonNode? Convert(YamlNode node) => node switch
        {
            YamlMappingNode m => new JsonObject(m.Children.Select(kv =>
                KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))),
            YamlSequenceNode s => new JsonArray([.. s.Children.Select(Convert)]),
            YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } sc when sc.Value is null or "" or "~" or "null" => null,
            YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } sc when
                double.TryParse(sc.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            YamlScalarNode sc => JsonValue.Create(sc.Value),
            _ => null,
        };
    }
}
