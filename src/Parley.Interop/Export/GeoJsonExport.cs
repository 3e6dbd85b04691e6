using System.Text.Json;
using Parley.Core.Features;

namespace Parley.Interop.Export;

/// <summary>
/// Writes a <see cref="Picture"/> as one GeoJSON FeatureCollection: zones then operations, each the Feature Parley itself
/// reads (<see cref="FeatureWriter"/>), so that it re-imports unchanged; the disclosed conflict cells in the foreign
/// member <c>conflict_cells</c> (RFC 7946 §6.1), which readers of features ignore.
/// </summary>
public static class GeoJsonExport
{
    /// <summary>The media type of GeoJSON.</summary>
    public const string MediaType = "application/geo+json";

    /// <summary>Writes the picture to <paramref name="stream"/> (UTF-8).</summary>
    public static void Write(Stream stream, Picture picture)
    {
        ArgumentNullException.ThrowIfNull(picture);
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteString("type", "FeatureCollection");
        w.WriteString("agreement", picture.Agreement.Value);
        w.WriteString("viewer", picture.Viewer.Value);
        w.WriteString("as_of", FeatureWriter.Time(picture.AsOf));
        w.WriteStartArray("features");
        foreach (var zone in picture.Zones)
        {
            FeatureWriter.Write(w, zone);
        }

        foreach (var operation in picture.Operations)
        {
            FeatureWriter.Write(w, operation);
        }

        w.WriteEndArray();
        w.WriteStartArray("conflict_cells");
        foreach (var cell in picture.Cells)
        {
            w.WriteStartObject();
            w.WriteString("operation", cell.Operation);
            w.WriteString("type", cell.Type);
            w.WriteString("owner", cell.Owner);
            w.WriteString("kind", cell.Kind);
            w.WriteString("handle", cell.Handle);
            w.WriteStartObject("area");
            w.WriteNumber("west", cell.Area!.West);
            w.WriteNumber("south", cell.Area.South);
            w.WriteNumber("east", cell.Area.East);
            w.WriteNumber("north", cell.Area.North);
            w.WriteNumber("resolution_m", cell.Area.ResolutionMetres);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The picture as GeoJSON bytes.</summary>
    public static byte[] ToBytes(Picture picture)
    {
        using var buffer = new MemoryStream();
        Write(buffer, picture);
        return buffer.ToArray();
    }
}
