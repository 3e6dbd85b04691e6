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

    /// <summary>
    /// Reads an export back into a picture (zones, operations with their states; not the conflict cells), checking every
    /// feature as Parley does; the kinds of operations are taken from the file.
    /// </summary>
    /// <exception cref="Parley.Core.InputRejectedException">Not an export of Parley's.</exception>
    public static Picture ReadPicture(ReadOnlyMemory<byte> utf8)
    {
        using var document = FeatureReader.ParseJson(utf8);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array ||
            !root.TryGetProperty("agreement", out var agreementId) || agreementId.ValueKind != JsonValueKind.String ||
            !root.TryGetProperty("viewer", out var viewer) || viewer.ValueKind != JsonValueKind.String ||
            !root.TryGetProperty("as_of", out var asOf) || !DateTimeOffset.TryParse(asOf.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw new Parley.Core.InputRejectedException(new Parley.Core.InputError(null, "$", "not a Parley export: a FeatureCollection with agreement, viewer and as_of"));
        }

        var all = features.EnumerateArray().ToList();
        var operationFeatures = all.Where(f => f.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("state", out _)).ToList();
        var zoneFeatures = all.Except(operationFeatures).ToList();
        var kinds = operationFeatures.Select(f => f.GetProperty("properties").TryGetProperty("kind", out var k) ? k.GetString() ?? "" : "").Distinct().ToList();
        var agreement = Parley.Core.Agreements.Agreement.Default(agreementId.GetString()!) with { OperationKinds = kinds, MaxVerticesPerFeature = int.MaxValue };
        var zones = FeatureReader.ReadStoredZones(Collection(zoneFeatures), agreement);
        var operations = FeatureReader.ReadStoredOperations(Collection(operationFeatures), agreement)
            .Select((o, i) => o with { State = OperationStates.Parse(operationFeatures[i].GetProperty("properties").GetProperty("state").GetString() ?? "") }).ToList();
        return new Picture(agreement.Id, new Parley.Core.Model.PartyId(viewer.GetString()!), time, zones, operations, []);
    }

    private static JsonElement Collection(List<JsonElement> features)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "FeatureCollection");
            w.WriteStartArray("features");
            foreach (var f in features)
            {
                f.WriteTo(w);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>The picture as GeoJSON bytes.</summary>
    public static byte[] ToBytes(Picture picture)
    {
        using var buffer = new MemoryStream();
        Write(buffer, picture);
        return buffer.ToArray();
    }
}
