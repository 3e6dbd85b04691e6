using System.Text.Json;

namespace Parley.Storage.Rows;

/// <summary>Lists of strings as every store keeps them in a text column or binds them as a parameter: a JSON array.</summary>
internal static class JsonStrings
{
    /// <summary>The strings as a JSON array.</summary>
    public static string Write(IEnumerable<string> items)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartArray();
            foreach (var item in items)
            {
                w.WriteStringValue(item);
            }

            w.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The strings of a JSON array.</summary>
    /// <exception cref="JsonException">The text is not a JSON array of strings.</exception>
    public static List<string> Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(k => k.GetString() ?? throw new JsonException("an item is not a string"))];
    }
}
