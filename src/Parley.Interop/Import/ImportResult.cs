using System.Text;

namespace Parley.Interop.Import;

/// <summary>One imported zone as a GeoJSON Feature in Parley's input model, with where it came from.</summary>
/// <param name="Id">The feature id.</param>
/// <param name="Name">The zone's name, when it has one.</param>
/// <param name="Location">Where in the source.</param>
/// <param name="Kind">The zone kind it was given.</param>
/// <param name="Utf8">The Feature as UTF-8 JSON.</param>
public sealed record ImportedFeature(string Id, string? Name, string Location, string Kind, byte[] Utf8);

/// <summary>What an import made: features, and what the user must be told.</summary>
/// <param name="Features">The features, in source order.</param>
/// <param name="Warnings">Conversions that rest on an assumption (a limit above the ground, an ellipsoidal height, a sentinel read as unlimited, a schedule widened).</param>
/// <param name="Skipped">Records or features left out: unreadable ones under <see cref="ImportOptions.SkipInvalid"/>, or left out by the kind mapping.</param>
/// <param name="Notes">General statements about the conversion (flight levels at the standard atmosphere).</param>
public sealed record ImportResult(
    IReadOnlyList<ImportedFeature> Features,
    IReadOnlyList<ImportProblem> Warnings,
    IReadOnlyList<ImportProblem> Skipped,
    IReadOnlyList<string> Notes)
{
    /// <summary>The features as one GeoJSON FeatureCollection, UTF-8.</summary>
    public byte[] ToFeatureCollection() => Collection(Features);

    /// <summary>A FeatureCollection of <paramref name="features"/>, UTF-8.</summary>
    public static byte[] Collection(IEnumerable<ImportedFeature> features)
    {
        using var buffer = new MemoryStream();
        buffer.Write("{\"type\":\"FeatureCollection\",\"features\":["u8);
        bool first = true;
        foreach (var feature in features)
        {
            if (!first)
            {
                buffer.WriteByte((byte)',');
            }

            buffer.Write(feature.Utf8);
            first = false;
        }

        buffer.Write("]}"u8);
        return buffer.ToArray();
    }

    /// <summary>The FeatureCollection as text.</summary>
    public string ToFeatureCollectionText() => Encoding.UTF8.GetString(ToFeatureCollection());
}
