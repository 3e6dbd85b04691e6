using System.Collections.Concurrent;
using System.Text.Json;
using Parley.Core;
using Parley.Core.Features;

namespace Parley.Cli.Checking;

/// <summary>
/// Reads a GeoJSON file of zones or operations fast: one pass over the bytes finds the features of a
/// FeatureCollection, then the features are validated in parallel, each parsed from its own slice.
/// </summary>
/// <remarks>
/// Errors are those of <see cref="FeatureReader"/>, with the field path of the feature in the file
/// (<c>features[3].properties.end</c>). Anything but a FeatureCollection goes to <see cref="FeatureReader"/> whole.
/// </remarks>
internal static class FeatureFile
{
    private const int MaxErrors = 100;

    /// <summary>Reads every feature; <paramref name="progress"/> receives the number of features read so far.</summary>
    /// <param name="utf8">The file's bytes.</param>
    /// <param name="read">The core reader for one Feature or a whole document (zones or operations).</param>
    /// <param name="idOf">The id of a read item.</param>
    /// <param name="progress">Optional progress sink: features read so far and their total.</param>
    public static List<T> Read<T>(ReadOnlyMemory<byte> utf8, Func<JsonElement, IReadOnlyList<T>> read, Func<T, string> idOf,
        IProgress<(int Done, int Total)>? progress = null)
    {
        utf8 = SkipByteOrderMark(utf8);
        var slices = FindFeatures(utf8.Span);
        if (slices is null)
        {
            using var whole = FeatureReader.ParseJson(utf8);
            return [.. read(whole.RootElement)];
        }

        progress?.Report((0, slices.Count));
        if (slices.Count == 0)
        {
            return []; // an empty collection is valid; a range partition of nothing is not
        }

        var items = new T[slices.Count];
        var errors = new ConcurrentBag<(int Index, InputError Error)>();
        int done = 0;
        Parallel.ForEach(Partitioner.Create(0, slices.Count, Math.Clamp(slices.Count / (Environment.ProcessorCount * 8), 64, 8192)), range =>
        {
            for (int i = range.Item1; i < range.Item2 && errors.Count < MaxErrors; i++)
            {
                var (start, length) = slices[i];
                var feature = utf8.Slice(start, length);
                try
                {
                    using var document = JsonDocument.Parse(feature);
                    var element = document.RootElement;
                    if (element.ValueKind != JsonValueKind.Object)
                    {
                        errors.Add((i, new InputError(null, $"features[{i}]", "must be a GeoJSON Feature object")));
                        continue;
                    }

                    if (!element.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || !type.ValueEquals("Feature"u8))
                    {
                        errors.Add((i, new InputError(IdOf(element), $"features[{i}].type", "must be \"Feature\"")));
                        continue;
                    }

                    items[i] = read(element)[0];
                }
                catch (InputRejectedException e)
                {
                    foreach (var error in e.Errors)
                    {
                        errors.Add((i, error with { Field = $"features[{i}]" + (error.Field.Length > 0 && error.Field != "$" ? "." + error.Field : "") }));
                    }
                }
            }

            progress?.Report((Interlocked.Add(ref done, range.Item2 - range.Item1), slices.Count));
        });

        if (!errors.IsEmpty)
        {
            throw new InputRejectedException([.. errors.OrderBy(e => e.Index).Take(MaxErrors).Select(e => e.Error)]);
        }

        var seen = new HashSet<string>(items.Length, StringComparer.Ordinal);
        for (int i = 0; i < items.Length; i++)
        {
            string id = idOf(items[i]);
            if (!seen.Add(id))
            {
                throw new InputRejectedException(new InputError(id, $"features[{i}].id", "duplicate id in this file"));
            }
        }

        return [.. items];
    }

    /// <summary>
    /// The byte ranges of the elements of the root object's <c>features</c> array, or null when the root is
    /// not a FeatureCollection with such an array (the core reader then explains what is wrong).
    /// </summary>
    /// <exception cref="InputRejectedException">The JSON is malformed.</exception>
    internal static List<(int Start, int Length)>? FindFeatures(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                Validate(ref reader);
                return null;
            }

            bool isCollection = false;
            List<(int, int)>? features = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isType = reader.ValueTextEquals("type"u8);
                bool isFeatures = reader.ValueTextEquals("features"u8);
                reader.Read();
                if (isType)
                {
                    isCollection = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("FeatureCollection"u8);
                }
                else if (isFeatures && reader.TokenType == JsonTokenType.StartArray)
                {
                    features = [];
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        int start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        features.Add((start, (int)reader.BytesConsumed - start));
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            Validate(ref reader);
            return isCollection ? features : null;
        }
        catch (JsonException e)
        {
            throw new InputRejectedException(new InputError(null, "$", $"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}"));
        }
    }

    /// <summary>Reads to the end so that trailing garbage is refused like the core reader refuses it.</summary>
    private static void Validate(ref Utf8JsonReader reader)
    {
        while (reader.Read())
        {
        }
    }

    private static string? IdOf(JsonElement feature) =>
        feature.TryGetProperty("id", out var id) ? id.ValueKind switch
        {
            JsonValueKind.String => id.GetString(),
            JsonValueKind.Number => id.GetRawText(),
            _ => null,
        } : null;

    private static ReadOnlyMemory<byte> SkipByteOrderMark(ReadOnlyMemory<byte> utf8) =>
        utf8.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? utf8[3..] : utf8;
}
