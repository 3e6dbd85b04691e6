using Parley.Cli.Terminal;
using Parley.Core.Terms;
using Spectre.Console;

namespace Parley.Cli.Checking;

/// <summary>Writes the breaches of the agreement's terms found by <c>parley check --agreement</c>.</summary>
internal static class BreachOutput
{
    /// <summary>One JSON object per line, after the conflicts' lines: <c>{"operation":"a","term":"t"}</c>.</summary>
    public static void WriteJsonLines(TextWriter output, IReadOnlyList<CheckedBreach> breaches)
    {
        foreach (var b in breaches)
        {
            output.Write("{\"operation\":\"");
            ConflictOutput.WriteEscaped(output, b.Operation);
            output.Write("\",\"term\":\"");
            ConflictOutput.WriteEscaped(output, b.Term);
            output.Write("\"}\n");
        }
    }

    /// <summary>A table for people and a one-line summary, when the agreement has terms.</summary>
    public static void WriteTable(CliConsole console, IReadOnlyList<CheckedBreach> breaches, int termCount)
    {
        if (termCount == 0)
        {
            return;
        }

        var surface = console.Tables();
        if (breaches.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("Operation", "Breaches term", "Why");
            foreach (var b in breaches)
            {
                table.AddRow(Markup.Escape(b.Operation), Markup.Escape(b.Term), Markup.Escape(b.Reason));
            }

            surface.Write(table);
        }

        surface.WriteLine($"{breaches.Count:N0} breach{(breaches.Count == 1 ? "" : "es")} of {termCount:N0} term{(termCount == 1 ? "" : "s")}.");
    }
}
