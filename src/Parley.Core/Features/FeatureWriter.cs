using System.Globalization;
using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Features;

/// <summary>Writes zones and operations as GeoJSON Features, with the same properties <see cref="FeatureReader"/> reads.</summary>
public static class FeatureWriter
{
    /// <summary>Writes a zone as a Feature.</summary>
    public static void Write(Utf8JsonWriter w, Zone zone) =>
        Write(w, zone.Id.Value, zone, ZoneKinds.Name(zone.Kind), null);

    /// <summary>Writes an operation as a Feature (its state in <c>properties.state</c>, its breach marks in <c>properties.in_breach</c>).</summary>
    public static void Write(Utf8JsonWriter w, Operation operation) =>
        Write(w, operation.Id.Value, operation, operation.Kind, OperationStates.Name(operation.State), operation.InBreach);

    /// <summary>A zone as Feature JSON text.</summary>
    public static string ToJson(Zone zone) => ToJson(w => Write(w, zone));

    /// <summary>An operation as Feature JSON text.</summary>
    public static string ToJson(Operation operation) => ToJson(w => Write(w, operation));

    /// <summary>A zone as Feature JSON, UTF-8 encoded (the bytes of <see cref="ToJson(Zone)"/>).</summary>
    public static byte[] ToUtf8(Zone zone) => Written(w => Write(w, zone)).WrittenSpan.ToArray();

    /// <summary>An operation as Feature JSON, UTF-8 encoded (the bytes of <see cref="ToJson(Operation)"/>).</summary>
    public static byte[] ToUtf8(Operation operation) => Written(w => Write(w, operation)).WrittenSpan.ToArray();

    private static string ToJson(Action<Utf8JsonWriter> write) => System.Text.Encoding.UTF8.GetString(Written(write).WrittenSpan);

    private static System.Buffers.ArrayBufferWriter<byte> Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        return buffer;
    }

    private static void Write(Utf8JsonWriter w, string id, Declaration d, string kind, string? state, IReadOnlyList<string>? inBreach = null)
    {
        var shape = d.Volume.Footprint;
        w.WriteStartObject();
        w.WriteString("type", "Feature");
        w.WriteString("id", id);
        w.WritePropertyName("geometry");
        WriteGeometry(w, shape);
        w.WritePropertyName("properties");
        w.WriteStartObject();
        w.WriteString("kind", kind);
        w.WriteString("owner", d.Owner.Value);
        if (state is not null)
        {
            w.WriteString("state", state);
        }

        if (inBreach is { Count: > 0 })
        {
            w.WriteStartArray("in_breach");
            foreach (var term in inBreach)
            {
                w.WriteStringValue(term);
            }

            w.WriteEndArray();
        }

        if (double.IsFinite(d.Volume.Altitude.MinMetres))
        {
            w.WriteNumber("alt_min_m", d.Volume.Altitude.MinMetres);
        }

        if (double.IsFinite(d.Volume.Altitude.MaxMetres))
        {
            w.WriteNumber("alt_max_m", d.Volume.Altitude.MaxMetres);
        }

        w.WriteString("start", Time(d.Volume.Time.Start));
        if (d.Volume.Time.End is { } end)
        {
            w.WriteString("end", Time(end));
        }
        else
        {
            w.WriteNull("end");
        }

        if (shape.Kind == ShapeKind.Point)
        {
            w.WriteNumber("radius_m", shape.BufferMetres);
        }
        else if (shape.Kind == ShapeKind.Line)
        {
            w.WriteNumber("corridor_m", shape.BufferMetres);
        }

        if (d.Name is not null)
        {
            w.WriteString("name", d.Name);
        }

        w.WriteString("visibility", d.Visibility.ToString().ToLowerInvariant());
        if (d.SharedWith.Count > 0)
        {
            w.WriteStartArray("shared_with");
            foreach (var p in d.SharedWith)
            {
                w.WriteStringValue(p.Value);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>RFC 3339 UTC with the fraction only when there is one.</summary>
    public static string Time(DateTimeOffset t) =>
        t.UtcDateTime.ToString(t.UtcTicks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>The base geometry of a shape as GeoJSON geometry text.</summary>
    public static string GeometryJson(Shape shape) => ToJson(w => WriteGeometry(w, shape));

    /// <summary>Writes the base geometry of a shape as a GeoJSON geometry object.</summary>
    public static void WriteGeometry(Utf8JsonWriter w, Shape shape)
    {
        w.WriteStartObject();
        switch (shape.Kind)
        {
            case ShapeKind.Point:
                w.WriteString("type", "Point");
                w.WritePropertyName("coordinates");
                WritePosition(w, shape.Paths[0], 0);
                break;
            case ShapeKind.Line when shape.Paths.Count == 1:
                w.WriteString("type", "LineString");
                w.WritePropertyName("coordinates");
                WritePositions(w, shape.Paths[0]);
                break;
            case ShapeKind.Line:
                w.WriteString("type", "MultiLineString");
                w.WritePropertyName("coordinates");
                w.WriteStartArray();
                foreach (var path in shape.Paths)
                {
                    WritePositions(w, path);
                }

                w.WriteEndArray();
                break;
            default:
                bool multi = shape.PolygonStarts.Count > 1;
                w.WriteString("type", multi ? "MultiPolygon" : "Polygon");
                w.WritePropertyName("coordinates");
                if (multi)
                {
                    w.WriteStartArray();
                }

                for (int p = 0; p < shape.PolygonStarts.Count; p++)
                {
                    int end = p + 1 < shape.PolygonStarts.Count ? shape.PolygonStarts[p + 1] : shape.Paths.Count;
                    w.WriteStartArray();
                    for (int r = shape.PolygonStarts[p]; r < end; r++)
                    {
                        WritePositions(w, shape.Paths[r]);
                    }

                    w.WriteEndArray();
                }

                if (multi)
                {
                    w.WriteEndArray();
                }

                break;
        }

        w.WriteEndObject();
    }

    private static void WritePositions(Utf8JsonWriter w, double[] packed)
    {
        w.WriteStartArray();
        for (int i = 0; i < packed.Length; i += 2)
        {
            WritePosition(w, packed, i);
        }

        w.WriteEndArray();
    }

    private static void WritePosition(Utf8JsonWriter w, double[] packed, int i)
    {
        w.WriteStartArray();
        w.WriteNumberValue(packed[i]);
        w.WriteNumberValue(packed[i + 1]);
        w.WriteEndArray();
    }
}

/// <summary>Wire names of operation states.</summary>
public static class OperationStates
{
    /// <summary>The breach marks written in an operation Feature's <c>properties.in_breach</c>, if any (<see cref="FeatureReader"/> leaves them to the stores and the ledger's replay).</summary>
    public static IReadOnlyList<string> InBreach(JsonElement feature) =>
        feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object &&
        p.TryGetProperty("in_breach", out var marks) && marks.ValueKind == JsonValueKind.Array
            ? [.. marks.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!)]
            : [];

    /// <summary>The wire name: proposed, accepted, awaiting-concurrence, …</summary>
    public static string Name(OperationState state) => state switch
    {
        OperationState.AwaitingConcurrence => "awaiting-concurrence",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses a wire name.</summary>
    public static OperationState Parse(string name) => name switch
    {
        "awaiting-concurrence" => OperationState.AwaitingConcurrence,
        _ => Enum.Parse<OperationState>(name, ignoreCase: true),
    };
}
