using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Notifications;

/// <summary>
/// Reads and validates a subscription request: <c>{"area": Polygon or MultiPolygon, "start": RFC 3339, "end": RFC 3339 or
/// null, "kinds": [kind, …], "webhook": URL}</c>. Every error names its field; nothing is returned unless all are valid.
/// </summary>
/// <remarks>
/// The area is read by the same geometry reader as zones and operations (rings closed, not self-intersecting, within
/// the agreement's vertex limit), its errors named <c>area…</c>. A webhook is an absolute <c>https://</c> URL, or
/// <c>http://</c> to a loopback host; it carries no user name, password or fragment. Unknown fields are refused, so
/// that a misspelt one is not silently ignored.
/// </remarks>
public static class SubscriptionReader
{
    /// <summary>Most kinds one subscription may name.</summary>
    public const int MaxKinds = 32;

    /// <summary>Longest webhook URL accepted.</summary>
    public const int MaxWebhookLength = 2048;

    private static readonly string[] Fields = ["area", "start", "end", "kinds", "webhook"];

    // The geometry reader takes a Point's radius and a line's corridor from properties; an area has neither.
    private static readonly JsonElement NoProperties = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>Reads a subscription of <paramref name="party"/> under <paramref name="agreement"/>'s kinds and limits.</summary>
    /// <exception cref="InputRejectedException">A field is missing or invalid; every error names its field.</exception>
    public static Subscription Read(JsonElement root, Agreement agreement, SubscriptionId id, PartyId party, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        try
        {
            return ReadChecked(root, agreement, id, party, created);
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode a string holding a lone UTF-16 surrogate escape.
            throw new InputRejectedException(new InputError(null, "$", "a string holds an invalid \\u escape (a lone UTF-16 surrogate)"));
        }
    }

    /// <summary>Reads an area (a GeoJSON Polygon or MultiPolygon geometry object).</summary>
    /// <exception cref="InputRejectedException">The geometry is not a valid polygonal area.</exception>
    public static Shape ReadArea(JsonElement geometry, int maxVertices)
    {
        var errors = new List<InputError>();
        var area = ReadArea(geometry, maxVertices, errors);
        return errors.Count > 0 || area is null ? throw new InputRejectedException(errors.Count > 0 ? errors : [new InputError(null, "area", "unreadable")]) : area;
    }

    private static Subscription ReadChecked(JsonElement root, Agreement agreement, SubscriptionId id, PartyId party, DateTimeOffset created)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InputRejectedException(new InputError(null, "$", "expected a JSON object with area, start, end, kinds and webhook"));
        }

        var errors = new List<InputError>();
        foreach (var property in root.EnumerateObject())
        {
            if (!Fields.Contains(property.Name, StringComparer.Ordinal))
            {
                errors.Add(new InputError(null, FeatureReader.Clip(property.Name), "not a field of a subscription (area, start, end, kinds, webhook)"));
            }
        }

        Shape? area = null;
        if (!root.TryGetProperty("area", out var geometry) || geometry.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new InputError(null, "area", "required: a GeoJSON Polygon or MultiPolygon"));
        }
        else
        {
            area = ReadArea(geometry, agreement.MaxVerticesPerFeature, errors);
        }

        var start = ReadTime(root, "start", required: true, errors);
        var end = ReadTime(root, "end", required: false, errors);
        if (start is { } s && end is { } e && e <= s)
        {
            errors.Add(new InputError(null, "end", "must be after start"));
        }

        var kinds = ReadKinds(root, agreement, errors);
        var webhook = ReadWebhook(root, errors);
        if (errors.Count > 0)
        {
            throw new InputRejectedException(errors);
        }

        return new Subscription
        {
            Id = id, Party = party, Area = area!, Window = new TimeWindow(start!.Value, end), Kinds = kinds, Webhook = webhook, Created = created,
        };
    }

    private static Shape? ReadArea(JsonElement g, int maxVertices, List<InputError> errors)
    {
        if (g.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new InputError(null, "area", "must be a GeoJSON Polygon or MultiPolygon object"));
            return null;
        }

        if (!g.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() is not ("Polygon" or "MultiPolygon"))
        {
            errors.Add(new InputError(null, "area.type", "must be Polygon or MultiPolygon"));
            return null;
        }

        var found = new List<InputError>();
        var shape = GeometryReader.Read(g, NoProperties, "", null, maxVertices, found);

        // The reader names its fields geometry.…; here the geometry is the area.
        errors.AddRange(found.Select(e => e with
        {
            Field = e.Field.StartsWith("geometry", StringComparison.Ordinal) ? "area" + e.Field["geometry".Length..] : e.Field,
        }));
        return found.Count > 0 ? null : shape;
    }

    private static DateTimeOffset? ReadTime(JsonElement root, string field, bool required, List<InputError> errors)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add(new InputError(null, field, "required: an RFC 3339 time such as 2026-05-01T06:00:00Z"));
            }

            return null;
        }

        if (value.ValueKind == JsonValueKind.String && FeatureReader.TryParseTime(value.GetString(), out var time))
        {
            return time;
        }

        errors.Add(new InputError(null, field, "must be an RFC 3339 time with a zone offset, such as 2026-05-01T06:00:00Z"));
        return null;
    }

    private static List<string> ReadKinds(JsonElement root, Agreement agreement, List<InputError> errors)
    {
        var kinds = new List<string>();
        if (!root.TryGetProperty("kinds", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return kinds;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new InputError(null, "kinds", "must be an array of operation and zone kinds (empty: every kind)"));
            return kinds;
        }

        if (array.GetArrayLength() > MaxKinds)
        {
            errors.Add(new InputError(null, "kinds", $"at most {MaxKinds} kinds"));
            return kinds;
        }

        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            string field = $"kinds[{i++}]";
            string? kind = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (kind is null)
            {
                errors.Add(new InputError(null, field, "must be a string"));
            }
            else if (!ZoneKinds.TryParse(kind, out _) && !agreement.HasOperationKind(kind))
            {
                errors.Add(new InputError(null, field,
                    $"unknown kind '{FeatureReader.Clip(kind)}' (zones: protected, restricted, designated; operations: {string.Join(", ", agreement.OperationKinds)})"));
            }
            else if (kinds.Contains(kind, StringComparer.Ordinal))
            {
                errors.Add(new InputError(null, field, $"'{kind}' is named twice"));
            }
            else
            {
                kinds.Add(kind);
            }
        }

        return kinds;
    }

    private static Uri? ReadWebhook(JsonElement root, List<InputError> errors)
    {
        if (!root.TryGetProperty("webhook", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        const string Expected = "must be an absolute https:// URL (http:// only to a loopback host: 127.0.0.1, [::1] or localhost)";
        string? text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (text is null || text.Length > MaxWebhookLength || !Uri.TryCreate(text, UriKind.Absolute, out var uri) ||
            !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
        {
            errors.Add(new InputError(null, "webhook", text is { Length: > MaxWebhookLength } ? $"at most {MaxWebhookLength} characters" : Expected));
            return null;
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            errors.Add(new InputError(null, "webhook", "must carry no user name, password or fragment"));
            return null;
        }

        return uri;
    }
}
