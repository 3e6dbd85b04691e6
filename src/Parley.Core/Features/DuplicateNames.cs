using System.Text;
using System.Text.Json;

namespace Parley.Core.Features;

/// <summary>
/// Finds the first property name repeated in one object of a JSON text, with its path, line and byte, and the id of
/// the feature it is in: the document parser refuses a repeat but says neither where nor which.
/// </summary>
internal static class DuplicateNames
{
    /// <summary>Where a repeated name is: the field (a path such as <c>features[2].properties.kind</c>), its line and byte (1-based), and the feature's id when it has one.</summary>
    public sealed record Found(string Field, long Line, long Byte, string? FeatureId);

    private sealed class Level(bool isObject, string path)
    {
        public bool IsObject { get; } = isObject;

        public string Path { get; } = path;

        public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

        public int Index { get; set; }

        public string? Pending { get; set; } // the name whose value comes next

        public string? Id { get; set; } // the value of its member "id", once read
    }

    /// <summary>The first repeated name, or null when there is none (or the text is not well-formed).</summary>
    public static Found? Find(ReadOnlySpan<byte> utf8)
    {
        var stack = new List<Level>();
        Found? found = null;
        int featureDepth = -1; // the stack depth of the feature holding the repeat
        try
        {
            var r = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
            while (r.Read())
            {
                switch (r.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        {
                            var level = stack[^1];
                            string name = r.GetString()!;
                            if (found is null && !level.Names.Add(name))
                            {
                                var (line, column) = Position(utf8, (int)r.TokenStartIndex);
                                found = new Found(Join(level.Path, name), line, column, null);
                                featureDepth = FeatureLevel(stack);
                                if (featureDepth < 0)
                                {
                                    return found;
                                }
                            }

                            level.Pending = name;
                            break;
                        }

                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        stack.Add(new Level(r.TokenType == JsonTokenType.StartObject, stack.Count == 0 ? "" : ChildPath(stack[^1])));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        if (found is not null && stack.Count - 1 == featureDepth)
                        {
                            return found with { FeatureId = stack[^1].Id };
                        }

                        stack.RemoveAt(stack.Count - 1);
                        Advance(stack);
                        break;
                    default:
                        if (stack.Count > 0 && stack[^1] is { IsObject: true, Pending: "id" } holder && r.TokenType is JsonTokenType.String or JsonTokenType.Number)
                        {
                            holder.Id ??= r.TokenType == JsonTokenType.String ? r.GetString() : Encoding.UTF8.GetString(r.ValueSpan);
                        }

                        Advance(stack);
                        break;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return found;
        }

        return found;
    }

    /// <summary>The depth of the innermost object that is a feature: the root, or an element of the root's <c>features</c>.</summary>
    private static int FeatureLevel(List<Level> stack)
    {
        if (stack.Count >= 3 && stack[1] is { IsObject: false, Path: "features" } && stack[2].IsObject)
        {
            return 2;
        }

        return stack.Count > 0 && stack[0].IsObject ? 0 : -1;
    }

    private static void Advance(List<Level> stack)
    {
        if (stack.Count > 0 && !stack[^1].IsObject)
        {
            stack[^1].Index++;
        }
    }

    private static string ChildPath(Level parent) =>
        parent.IsObject ? Join(parent.Path, parent.Pending ?? "") : $"{parent.Path}[{parent.Index}]";

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static (long Line, long Byte) Position(ReadOnlySpan<byte> utf8, int offset)
    {
        var before = utf8[..offset];
        int lastNewline = before.LastIndexOf((byte)'\n');
        long line = before.Count((byte)'\n') + 1;
        return (line, offset - lastNewline);
    }
}
