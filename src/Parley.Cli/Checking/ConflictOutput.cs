using Parley.Core.Conflicts;
using Spectre.Console;
using Parley.Cli.Terminal;

namespace Parley.Cli.Checking;

/// <summary>Writes the conflicts found by <c>parley check</c>.</summary>
internal static class ConflictOutput
{
    /// <summary>
    /// One JSON object per line and nothing else: <c>{"operation":"a","zone":"z"}</c> or
    /// <c>{"operation":"a","operation2":"b"}</c>.
    /// </summary>
    public static void WriteJsonLines(TextWriter output, IReadOnlyList<CheckedConflict> conflicts)
    {
        foreach (var c in conflicts)
        {
            output.Write("{\"operation\":\"");
            WriteEscaped(output, c.Operation);
            if (c.Zone is { } zone)
            {
                output.Write("\",\"zone\":\"");
                WriteEscaped(output, zone);
            }
            else
            {
                output.Write("\",\"operation2\":\"");
                WriteEscaped(output, c.Operation2 ?? "");
            }

            output.Write("\"}\n");
        }
    }

    /// <summary>A table for people, with a one-line summary.</summary>
    public static void WriteTable(CliConsole console, IReadOnlyList<CheckedConflict> conflicts, int zoneCount, int operationCount)
    {
        var surface = console.Tables();
        if (conflicts.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("#", "Operation", "Conflicts with", "Which");
            table.Columns[0].RightAligned();
            int n = 0;
            foreach (var c in conflicts)
            {
                table.AddRow(
                    (++n).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(c.Operation),
                    c.Zone is { } zone ? "zone" : "operation",
                    Markup.Escape(c.Zone ?? c.Operation2 ?? ""));
            }

            surface.Write(table);
        }

        int withZones = conflicts.Count(c => c.Zone is not null);
        surface.WriteLine(
            $"{conflicts.Count:N0} conflict{(conflicts.Count == 1 ? "" : "s")}: {withZones:N0} with zones, {conflicts.Count - withZones:N0} between operations " +
            $"({operationCount:N0} operation{(operationCount == 1 ? "" : "s")} against {zoneCount:N0} zone{(zoneCount == 1 ? "" : "s")}).");
    }

    // What a JSON string cannot hold as itself: control characters, the quote, the backslash, and UTF-16 surrogates
    // (a valid pair is written as itself, a lone one escaped).
    private static readonly System.Buffers.SearchValues<char> Special = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(c => (char)c), '"', '\\', .. Enumerable.Range(0xD800, 0x800).Select(c => (char)c)]);

    /// <summary>Writes <paramref name="text"/> as the inside of a JSON string.</summary>
    internal static void WriteEscaped(TextWriter output, string text)
    {
        if (!text.AsSpan().ContainsAny(Special))
        {
            output.Write(text); // most ids: as they are
            return;
        }

        int clean = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (ch >= 0x20 && ch != '"' && ch != '\\' && !char.IsSurrogate(ch))
            {
                continue;
            }

            output.Write(text.AsSpan(clean, i - clean));
            clean = i + 1;
            switch (ch)
            {
                case '"': output.Write("\\\""); break;
                case '\\': output.Write("\\\\"); break;
                case '\n': output.Write("\\n"); break;
                case '\r': output.Write("\\r"); break;
                case '\t': output.Write("\\t"); break;
                default:
                    if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        output.Write(text.AsSpan(i, 2)); // a valid pair is written as itself
                        clean = i + 2;
                        i++;
                    }
                    else
                    {
                        output.Write($"\\u{(int)ch:x4}");
                    }

                    break;
            }
        }

        output.Write(text.AsSpan(clean));
    }
}
