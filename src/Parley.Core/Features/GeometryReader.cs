using System.Text.Json;
using Parley.Core.Geometry;

namespace Parley.Core.Features;

/// <summary>Reads and validates a GeoJSON geometry into a <see cref="Shape"/>.</summary>
internal static class GeometryReader
{
    private sealed class VertexBudgetExceeded : Exception;

    /// <summary>
    /// The footprint of geometry <paramref name="g"/> with the buffer properties of <paramref name="props"/>; null, with
    /// what is wrong in <paramref name="errors"/>, otherwise. At most <paramref name="maxVertices"/> vertices: every
    /// position counts but a ring's closing one, which repeats its first.
    /// </summary>
    public static Shape? Read(JsonElement g, JsonElement props, string path, string? id, int maxVertices, List<InputError> errors, bool stored = false,
        ReadGuard? guard = null)
    {
        int before = errors.Count;
        void Error(string field, string message) => errors.Add(new InputError(id, path + field, message));

        string? type = g.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type is not ("Polygon" or "MultiPolygon" or "Point" or "LineString" or "MultiLineString"))
        {
            Error("geometry.type", "must be Polygon, MultiPolygon, Point (with radius_m) or LineString/MultiLineString (with corridor_m)");
            return null;
        }

        if (!g.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array)
        {
            Error("geometry.coordinates", "required: an array");
            return null;
        }

        double limit = stored ? FeatureReader.MaxAltitudeMetres : FeatureReader.MaxBufferMetres;
        double? radius = FeatureReader.ReadNumber(props, "radius_m", path, id, errors, limit, BeyondBuffer);
        double? corridor = FeatureReader.ReadNumber(props, "corridor_m", path, id, errors, limit, BeyondBuffer);
        if (errors.Skip(before).Any(e => e.Message == BeyondBuffer))
        {
            return null;
        }

        if (type == "Point" ? radius is not > 0 : radius is not null)
        {
            Error("properties.radius_m", type == "Point" ? "required with a Point: a positive number of metres" : "only allowed with a Point");
        }

        bool isLine = type is "LineString" or "MultiLineString";
        if (isLine ? corridor is not > 0 : corridor is not null)
        {
            Error("properties.corridor_m", isLine ? "required with a LineString: a positive half-width in metres" : "only allowed with a LineString");
        }

        int budget = maxVertices;
        try
        {
            return ReadShape(type, coordinates, radius, corridor, before, maxVertices, ref budget, errors, Error);
        }
        finally
        {
            // Charged whether the feature is valid or not: a refused feature cost its reading too.
            guard?.Vertices(maxVertices - budget);
        }
    }

    private static Shape? ReadShape(string type, JsonElement coordinates, double? radius, double? corridor, int before, int maxVertices, ref int budget,
        List<InputError> errors, Action<string, string> error)
    {
        try
        {
            switch (type)
            {
                case "Point":
                    {
                        var p = Position(coordinates, "geometry.coordinates", ref budget, error);
                        return p is null || errors.Count > before ? null : Shape.Circle(p.Value.X, p.Value.Y, radius!.Value);
                    }

                case "LineString":
                    {
                        var line = Positions(coordinates, "geometry.coordinates", ref budget, error);
                        if (line is not null && line.Length < 4)
                        {
                            error("geometry.coordinates", "a LineString needs at least two positions");
                        }

                        return line is null || errors.Count > before ? null : Shape.Corridor(line, corridor!.Value);
                    }

                case "MultiLineString":
                    {
                        var lines = new List<double[]>();
                        int i = 0;
                        foreach (var part in coordinates.EnumerateArray())
                        {
                            var line = Positions(part, $"geometry.coordinates[{i}]", ref budget, error);
                            if (line is not null && line.Length < 4)
                            {
                                error($"geometry.coordinates[{i}]", "a line string needs at least two positions");
                            }

                            if (line is not null)
                            {
                                lines.Add(line);
                            }

                            i++;
                        }

                        if (i == 0)
                        {
                            error("geometry.coordinates", "a MultiLineString needs at least one line string");
                        }

                        return errors.Count > before ? null : Shape.Corridor(lines, corridor!.Value);
                    }

                case "Polygon":
                    {
                        var rings = Rings(coordinates, "geometry.coordinates", ref budget, error);
                        if (rings is null || errors.Count > before)
                        {
                            return null;
                        }

                        return Polygons([rings], error);
                    }

                default:
                    {
                        var polygons = new List<IReadOnlyList<double[]>>();
                        int i = 0;
                        foreach (var polygon in coordinates.EnumerateArray())
                        {
                            var rings = Rings(polygon, $"geometry.coordinates[{i}]", ref budget, error);
                            if (rings is not null)
                            {
                                polygons.Add(rings);
                            }

                            i++;
                        }

                        if (i == 0)
                        {
                            error("geometry.coordinates", "a MultiPolygon needs at least one polygon");
                        }

                        return errors.Count > before ? null : Polygons(polygons, error);
                    }
            }
        }
        catch (VertexBudgetExceeded)
        {
            error("geometry.coordinates", $"more than {maxVertices} vertices (the agreement's limit per feature; a ring's closing position is not counted)");
            return null;
        }
    }

    /// <summary>The refusal of a radius or corridor half-width beyond <see cref="FeatureReader.MaxBufferMetres"/>.</summary>
    internal const string BeyondBuffer =
        "must be at most 10,000,000 m (10,000 km, a quarter of a meridian): a wider footprint would cover more than a hemisphere";

    private static Shape? Polygons(List<IReadOnlyList<double[]>> polygons, Action<string, string> error)
    {
        bool simple = true;
        for (int p = 0; p < polygons.Count && simple; p++)
        {
            for (int r = 0; r < polygons[p].Count; r++)
            {
                if (RingCheck.SelfIntersection(polygons[p][r]) is { } why)
                {
                    string at = polygons.Count > 1 ? $"geometry.coordinates[{p}][{r}]" : $"geometry.coordinates[{r}]";
                    error(at, $"self-intersecting ring: {why}");
                    simple = false;
                    break;
                }
            }
        }

        if (!simple)
        {
            return null;
        }

        // Holes and multi-part arrangements are checked by NetTopologySuite's validity rules.
        if (polygons.Count > 1 || polygons[0].Count > 1)
        {
            if (RingCheck.PolygonsError(polygons) is { } why)
            {
                error("geometry.coordinates", $"invalid polygon: {why}");
                return null;
            }
        }

        return Shape.Polygons(polygons);
    }

    private static List<double[]>? Rings(JsonElement rings, string field, ref int budget, Action<string, string> error)
    {
        if (rings.ValueKind != JsonValueKind.Array || rings.GetArrayLength() == 0)
        {
            error(field, "a polygon needs an array of linear rings");
            return null;
        }

        var result = new List<double[]>();
        int i = 0;
        foreach (var ring in rings.EnumerateArray())
        {
            string at = $"{field}[{i++}]";
            var packed = Positions(ring, at, ref budget, error, ring: true);
            if (packed is null)
            {
                return null;
            }

            int n = packed.Length / 2;
            if (n < 4)
            {
                error(at, "a linear ring needs at least four positions");
                return null;
            }

            if (packed[0] != packed[^2] || packed[1] != packed[^1])
            {
                error(at, "unclosed ring: the last position must equal the first");
                return null;
            }

            var deduplicated = WithoutRepeats(packed);
            if (deduplicated.Length < 8)
            {
                error(at, "degenerate ring: fewer than three distinct positions");
                return null;
            }

            result.Add(deduplicated);
        }

        return result;
    }

    /// <summary>The ring without consecutive repeated positions; the same array when it has none.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static double[] WithoutRepeats(double[] packed)
    {
        // Most rings have no repeat: found so, the ring is returned without a copy being made first.
        bool repeats = false;
        for (int i = 2; i < packed.Length && !repeats; i += 2)
        {
            repeats = packed[i] == packed[i - 2] && packed[i + 1] == packed[i - 1];
        }

        if (!repeats)
        {
            return packed;
        }

        var list = new List<double>(packed.Length) { packed[0], packed[1] };
        for (int i = 2; i < packed.Length; i += 2)
        {
            if (packed[i] != list[^2] || packed[i + 1] != list[^1])
            {
                list.Add(packed[i]);
                list.Add(packed[i + 1]);
            }
        }

        return list.Count == packed.Length ? packed : [.. list];
    }

    /// <summary>The positions of a line string or (<paramref name="ring"/>) a ring, whose closing position is not counted.</summary>
    private static double[]? Positions(JsonElement array, string field, ref int budget, Action<string, string> error, bool ring = false)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            error(field, "must be an array of positions");
            return null;
        }

        int length = array.GetArrayLength();
        int vertices = ring && length > 1 ? length - 1 : length;
        if (vertices > budget)
        {
            throw new VertexBudgetExceeded();
        }

        budget -= vertices;
        var packed = new double[length * 2];
        int i = 0;
        foreach (var position in array.EnumerateArray())
        {
            var p = Position(position, $"{field}[{i}]", ref budget, error, counted: true);
            if (p is null)
            {
                return null;
            }

            packed[2 * i] = p.Value.X;
            packed[(2 * i) + 1] = p.Value.Y;
            i++;
        }

        return packed;
    }

    private static (double X, double Y)? Position(JsonElement position, string field, ref int budget, Action<string, string> error, bool counted = false)
    {
        if (!counted)
        {
            if (budget < 1)
            {
                throw new VertexBudgetExceeded();
            }

            budget--;
        }

        if (position.ValueKind != JsonValueKind.Array || position.GetArrayLength() is < 2 or > 3)
        {
            error(field, "a position is [longitude, latitude] or [longitude, latitude, altitude]");
            return null;
        }

        var lon = position[0];
        var lat = position[1];
        if (lon.ValueKind != JsonValueKind.Number || !lon.TryGetDouble(out var x) || !double.IsFinite(x) ||
            lat.ValueKind != JsonValueKind.Number || !lat.TryGetDouble(out var y) || !double.IsFinite(y) ||
            (position.GetArrayLength() == 3 && (position[2].ValueKind != JsonValueKind.Number || !position[2].TryGetDouble(out var z) || !double.IsFinite(z))))
        {
            error(field, "coordinates must be finite numbers (no NaN, no strings)");
            return null;
        }

        if (x is < -180 or > 180)
        {
            error(field, $"longitude {x} is outside [-180, 180]");
            return null;
        }

        if (y is < -90 or > 90)
        {
            error(field, $"latitude {y} is outside [-90, 90]");
            return null;
        }

        return (x, y);
    }
}
