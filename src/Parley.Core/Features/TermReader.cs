using System.Text.Json.Nodes;
using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Model;
using static Parley.Core.Features.JsonFields;

namespace Parley.Core.Features;

/// <summary>
/// Reads the terms of an agreement (or of an amendment) strictly, against the agreement's parties and operation kinds.
/// </summary>
/// <remarks>
/// A term: <c>id</c>, <c>type</c> (<c>designated-area</c>, <c>suspension</c>, <c>limit</c>), <c>parties</c>, <c>kinds</c>,
/// optional <c>name</c>, <c>alt_min_m</c>/<c>alt_max_m</c> and <c>start</c>/<c>end</c> (the scope it binds in), <c>on_breach</c>
/// (<c>refuse</c>, the default, or <c>concurrence</c>); a designated area has <c>areas</c> (a GeoJSON FeatureCollection or
/// Feature whose geometries and properties are the zone input model's: Polygon, MultiPolygon, Point with <c>radius_m</c>,
/// LineString with <c>corridor_m</c>, optional <c>alt_min_m</c>, <c>alt_max_m</c>, <c>start</c>, <c>end</c>);
/// a suspension an optional <c>area</c> (a Polygon or MultiPolygon geometry, or a Feature; absent: the whole theater); a
/// limit <c>max_per_day</c> and an optional <c>area</c>.
/// </remarks>
internal static class TermReader
{
    private static readonly string[] CommonFields = ["id", "name", "type", "parties", "kinds", "alt_min_m", "alt_max_m", "start", "end", "on_breach"];

    private static readonly string[] DesignatedFields = [.. CommonFields, "areas"];

    private static readonly string[] SuspensionFields = [.. CommonFields, "area"];

    private static readonly string[] LimitFields = [.. CommonFields, "area", "max_per_day"];

    private static readonly string[] CollectionFields = ["type", "features", "bbox"];

    private static readonly string[] FeatureFields = ["type", "id", "geometry", "properties", "bbox"];

    private static readonly string[] GeometryFields = ["type", "coordinates", "bbox"];

    private static readonly string[] AreaProperties = ["radius_m", "corridor_m", "alt_min_m", "alt_max_m", "start", "end"];

    /// <summary>The terms at <paramref name="path"/>: an array of term objects with distinct ids.</summary>
    public static List<Term> ReadAll(JsonNode node, string path, Agreement agreement, List<InputError> errors)
    {
        if (node is not JsonArray array)
        {
            errors.Add(new InputError(null, path, "must be an array of terms"));
            return [];
        }

        var terms = new List<Term>();
        for (int i = 0; i < array.Count; i++)
        {
            if (ReadOne(array[i], $"{path}[{i}]", agreement, errors) is { } term)
            {
                if (terms.Any(t => t.Id == term.Id))
                {
                    errors.Add(new InputError(null, $"{path}[{i}].id", $"term '{term.Id}' is declared twice"));
                    continue;
                }

                terms.Add(term);
            }
        }

        return terms;
    }

    /// <summary>One term at <paramref name="at"/>, or null (with its errors added) when it does not read.</summary>
    public static Term? ReadOne(JsonNode? node, string at, Agreement agreement, List<InputError> errors)
    {
        if (node is not JsonObject o)
        {
            errors.Add(new InputError(null, at, "must be a term object with id, type, parties and kinds"));
            return null;
        }

        int before = errors.Count;
        string path = at + ".";
        var id = Str(o, "id", errors, path);
        if (id is null || !IsToken(id))
        {
            errors.Add(new InputError(null, path + "id", IdRefusal(id)));
        }

        var typeName = Str(o, "type", errors, path);
        if (!TermNames.TryParse(typeName, out TermType type))
        {
            errors.Add(new InputError(null, path + "type", typeName is null
                ? "required: designated-area, suspension or limit"
                : $"unknown term type '{FeatureReader.Clip(typeName)}' (designated-area, suspension, limit)"));
            Known(o, path, LimitFields.Concat(DesignatedFields).Distinct().ToList(), errors);
            return null;
        }

        Known(o, path, type switch { TermType.DesignatedArea => DesignatedFields, TermType.Suspension => SuspensionFields, _ => LimitFields }, errors);
        var name = Str(o, "name", errors, path);
        if (name is { Length: > 200 })
        {
            errors.Add(new InputError(null, path + "name", "at most 200 characters"));
        }

        var parties = ReadParties(o, path, agreement, errors);
        var kinds = ReadKinds(o, path, agreement, errors);
        var altitude = ReadBand(o, path, errors);
        var window = ReadWindow(o, path, errors);
        BreachAction action = BreachAction.Refuse;
        if (Str(o, "on_breach", errors, path) is { } breach && !TermNames.TryParse(breach, out action))
        {
            errors.Add(new InputError(null, path + "on_breach", $"must be refuse or concurrence, not '{FeatureReader.Clip(breach)}'"));
        }

        IReadOnlyList<Volume> areas = [];
        Shape? area = null;
        int maxPerDay = 0;
        switch (type)
        {
            case TermType.DesignatedArea:
                if (o["areas"] is null)
                {
                    errors.Add(new InputError(null, path + "areas", "required: a GeoJSON FeatureCollection (or Feature) of the areas"));
                }
                else
                {
                    areas = ReadAreas(o["areas"]!, path + "areas", agreement, errors);
                }

                break;
            case TermType.Limit:
                if (o["max_per_day"] is null)
                {
                    errors.Add(new InputError(null, path + "max_per_day", "required: the most operations a bound party may start in one UTC day"));
                }
                else
                {
                    maxPerDay = Count(o, "max_per_day", errors, 1_000_000, path, min: 0) ?? 0;
                }

                goto default;
            default:
                if (o["area"] is { } given)
                {
                    area = ReadArea(given, path + "area", agreement, errors);
                }

                break;
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new Term
        {
            Id = id!, Type = type, Parties = parties, Kinds = kinds, Name = name, Altitude = altitude, Window = window,
            OnBreach = action, Areas = areas, Area = area, MaxPerDay = maxPerDay,
        };
    }

    private static List<PartyId> ReadParties(JsonObject o, string path, Agreement agreement, List<InputError> errors)
    {
        var names = Strings(o, "parties", errors, path);
        if (names is null || names.Count == 0)
        {
            if (names is not null || o["parties"] is null)
            {
                errors.Add(new InputError(null, path + "parties", "required: the parties whose operations the term binds (at least one)"));
            }

            return [];
        }

        var parties = new List<PartyId>();
        foreach (var name in names.Distinct())
        {
            var id = new PartyId(name);
            if (!agreement.HasParty(id))
            {
                errors.Add(new InputError(null, path + "parties", $"'{FeatureReader.Clip(name)}' is not a party of the agreement"));
            }
            else if (agreement.FindParty(id) is { Role: not PartyRole.Member })
            {
                errors.Add(new InputError(null, path + "parties", $"'{name}' is not a member party: only members plan operations"));
            }
            else
            {
                parties.Add(id);
            }
        }

        return parties;
    }

    private static List<string> ReadKinds(JsonObject o, string path, Agreement agreement, List<InputError> errors)
    {
        var kinds = Strings(o, "kinds", errors, path);
        if (kinds is null || kinds.Count == 0)
        {
            if (kinds is not null || o["kinds"] is null)
            {
                errors.Add(new InputError(null, path + "kinds", "required: the operation kinds the term binds (at least one)"));
            }

            return [];
        }

        foreach (var kind in kinds.Where(k => !agreement.HasOperationKind(k)))
        {
            errors.Add(new InputError(null, path + "kinds", $"unknown operation kind '{FeatureReader.Clip(kind)}' ({string.Join(", ", agreement.OperationKinds)})"));
        }

        return [.. kinds.Distinct()];
    }

    private static AltitudeBand ReadBand(JsonObject o, string path, List<InputError> errors)
    {
        double min = Num(o, "alt_min_m", errors, -1e9, 1e9, path) ?? double.NegativeInfinity;
        double max = Num(o, "alt_max_m", errors, -1e9, 1e9, path) ?? double.PositiveInfinity;
        if (min > max)
        {
            errors.Add(new InputError(null, path + "alt_min_m", $"alt_min_m ({min}) must not exceed alt_max_m ({max})"));
            return TermScope.AnyAltitude;
        }

        return new AltitudeBand(min, max);
    }

    private static TimeWindow ReadWindow(JsonObject o, string path, List<InputError> errors)
    {
        var start = Time(o, "start", errors, path);
        var end = Time(o, "end", errors, path);
        if (end is { } e && e <= (start ?? DateTimeOffset.MinValue))
        {
            errors.Add(new InputError(null, path + "end", "must be after start"));
            return TermScope.Always;
        }

        return new TimeWindow(start ?? DateTimeOffset.MinValue, end);
    }

    /// <summary>A designated area's areas: a FeatureCollection (at least one Feature) or one Feature.</summary>
    private static List<Volume> ReadAreas(JsonNode node, string path, Agreement agreement, List<InputError> errors)
    {
        var areas = new List<Volume>();
        if (node is not JsonObject o || Str(o, "type", [], "") is not ("FeatureCollection" or "Feature"))
        {
            errors.Add(new InputError(null, path, "must be a GeoJSON FeatureCollection or Feature"));
            return areas;
        }

        if (o["type"]!.GetValue<string>() == "Feature")
        {
            if (ReadAreaFeature(o, path + ".", agreement, errors) is { } one)
            {
                areas.Add(one);
            }

            return areas;
        }

        Known(o, path + ".", CollectionFields, errors);
        if (o["features"] is not JsonArray features || features.Count == 0)
        {
            errors.Add(new InputError(null, path + ".features", "required: at least one Feature"));
            return areas;
        }

        for (int i = 0; i < features.Count; i++)
        {
            string at = $"{path}.features[{i}]";
            if (features[i] is not JsonObject feature)
            {
                errors.Add(new InputError(null, at, "must be a GeoJSON Feature"));
            }
            else if (ReadAreaFeature(feature, at + ".", agreement, errors) is { } volume)
            {
                areas.Add(volume);
            }
        }

        return areas;
    }

    private static Volume? ReadAreaFeature(JsonObject feature, string path, Agreement agreement, List<InputError> errors, bool containing = true)
    {
        int before = errors.Count;
        Known(feature, path, FeatureFields, errors);
        if (Str(feature, "type", errors, path) != "Feature")
        {
            errors.Add(new InputError(null, path + "type", "must be \"Feature\""));
        }

        var properties = feature["properties"] as JsonObject ?? [];
        if (feature["properties"] is { } p && p is not JsonObject)
        {
            errors.Add(new InputError(null, path + "properties", "must be an object"));
        }

        Known(properties, path + "properties.", AreaProperties, errors);

        if (feature["geometry"] is not JsonObject geometry)
        {
            errors.Add(new InputError(null, path + "geometry", "required: a Polygon, MultiPolygon, Point (with radius_m) or LineString (with corridor_m)"));
            return null;
        }

        Known(geometry, path + "geometry.", GeometryFields, errors);
        var band = ReadBand(properties, path + "properties.", errors);
        var window = ReadWindow(properties, path + "properties.", errors);
        var shape = ReadShape(geometry, properties, path, agreement, errors);
        if (shape is not null && containing && Inscribed.Refusal(shape) is { } refusal)
        {
            errors.Add(new InputError(null, path + "geometry", refusal));
        }

        return errors.Count > before || shape is null ? null : new Volume(shape, band, window);
    }

    /// <summary>A suspension's or a limit's area: a Polygon or MultiPolygon geometry, or a Feature of any zone geometry.</summary>
    private static Shape? ReadArea(JsonNode node, string path, Agreement agreement, List<InputError> errors)
    {
        if (node is not JsonObject o)
        {
            errors.Add(new InputError(null, path, "must be a GeoJSON Polygon or MultiPolygon, or a Feature"));
            return null;
        }

        string? type = Str(o, "type", [], "");
        if (type == "Feature")
        {
            return ReadAreaFeature(o, path + ".", agreement, errors, containing: false) is { } volume
                ? (volume.Altitude == TermScope.AnyAltitude && volume.Time == TermScope.Always ? volume.Footprint
                    : Refused(errors, path + ".properties", "an area of a suspension or a limit has no altitude or window of its own: give them on the term"))
                : null;
        }

        if (type is not ("Polygon" or "MultiPolygon"))
        {
            errors.Add(new InputError(null, path + ".type", type is "Point" or "LineString" or "MultiLineString"
                ? "a circle or a corridor is given as a Feature, with properties.radius_m or properties.corridor_m"
                : "must be Polygon or MultiPolygon (or a Feature)"));
            return null;
        }

        Known(o, path + ".", GeometryFields, errors);
        return ReadShape(o, [], path[..(path.LastIndexOf('.') + 1)], agreement, errors, bareAt: path);
    }

    private static Shape? Refused(List<InputError> errors, string field, string message)
    {
        errors.Add(new InputError(null, field, message));
        return null;
    }

    /// <summary>
    /// The geometry read by the zone input model's reader; <paramref name="bareAt"/> names where a bare geometry sits, so
    /// that its errors name that field rather than a Feature's <c>geometry</c>.
    /// </summary>
    private static Shape? ReadShape(JsonObject geometry, JsonObject properties, string path, Agreement agreement, List<InputError> errors, string? bareAt = null)
    {
        using var g = ToDocument(geometry);
        using var props = ToDocument(properties);
        var found = new List<InputError>();
        var shape = GeometryReader.Read(g.RootElement, props.RootElement, path, null, agreement.MaxVerticesPerFeature, found);
        foreach (var error in found)
        {
            errors.Add(bareAt is not null && error.Field.StartsWith(path + "geometry", StringComparison.Ordinal)
                ? error with { Field = bareAt + error.Field[(path + "geometry").Length..] }
                : error);
        }

        return found.Count > 0 ? null : shape;
    }
}
