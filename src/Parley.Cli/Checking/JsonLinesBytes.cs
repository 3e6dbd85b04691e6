using System.Text;
using Parley.Core.Conflicts;

namespace Parley.Cli.Checking;

/// <summary>
/// The jsonl of <see cref="ConflictOutput.WriteJsonLines"/>, byte for byte, for a UTF-8 stream writer: the lines are
/// made as UTF-8 in shares on every core and the shares written in order as they are done, so that hundreds of
/// thousands of lines are not encoded one character at a time on one core after the check.
/// </summary>
internal static class JsonLinesBytes
{
    /// <summary>Conflicts per share: small enough that writing trails making by little, large enough to be worth a task.</summary>
    public const int DefaultShare = 8192;

    /// <summary>
    /// Writes <paramref name="conflicts"/> as <see cref="ConflictOutput.WriteJsonLines"/> would; to a
    /// <see cref="StreamWriter"/> that encodes UTF-8 without a byte order mark, in parallel shares of
    /// <paramref name="share"/> conflicts straight to its stream (flushed first), to any other writer through it.
    /// </summary>
    public static void Write(TextWriter output, IReadOnlyList<CheckedConflict> conflicts, int share = DefaultShare)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(conflicts);
        ArgumentOutOfRangeException.ThrowIfLessThan(share, 1);
        if (output is not StreamWriter { Encoding: UTF8Encoding utf8 } writer || utf8.GetPreamble().Length > 0 || conflicts.Count <= share)
        {
            ConflictOutput.WriteJsonLines(output, conflicts);
            return;
        }

        writer.Flush();
        var stream = writer.BaseStream;
        int shares = (int)(((long)conflicts.Count + share - 1) / share);
        var made = new Task<(byte[] Bytes, int Length)>[shares];
        for (int s = 0; s < shares; s++)
        {
            int from = s * share, to = (int)Math.Min((long)from + share, conflicts.Count);
            made[s] = Task.Run(() => Make(conflicts, from, to));
        }

        foreach (var task in made)
        {
            var (bytes, length) = task.GetAwaiter().GetResult();
            stream.Write(bytes, 0, length);
        }

        stream.Flush();
    }

    /// <summary>The lines of conflicts [<paramref name="from"/>, <paramref name="to"/>) as UTF-8.</summary>
    private static (byte[] Bytes, int Length) Make(IReadOnlyList<CheckedConflict> conflicts, int from, int to)
    {
        var buffer = new byte[(to - from) * 48];
        int at = 0;
        for (int i = from; i < to; i++)
        {
            var c = conflicts[i];
            Append(ref buffer, ref at, "{\"operation\":\""u8);
            AppendEscaped(ref buffer, ref at, c.Operation);
            if (c.Zone is { } zone)
            {
                Append(ref buffer, ref at, "\",\"zone\":\""u8);
                AppendEscaped(ref buffer, ref at, zone);
            }
            else
            {
                Append(ref buffer, ref at, "\",\"operation2\":\""u8);
                AppendEscaped(ref buffer, ref at, c.Operation2 ?? "");
            }

            Append(ref buffer, ref at, "\"}\n"u8);
        }

        return (buffer, at);
    }

    private static void Append(ref byte[] buffer, ref int at, ReadOnlySpan<byte> bytes)
    {
        if (at + bytes.Length > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, at + bytes.Length));
        }

        bytes.CopyTo(buffer.AsSpan(at));
        at += bytes.Length;
    }

    // An id is ASCII with nothing to escape almost always: copied as it is. Anything else takes the one escaping
    // routine there is (ConflictOutput.WriteEscaped), whose text is then encoded: valid UTF-16, so the same bytes.
    private static void AppendEscaped(ref byte[] buffer, ref int at, string text)
    {
        var span = text.AsSpan();
        if (Ascii.IsValid(span) && !span.ContainsAny(Special))
        {
            if (at + span.Length > buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(buffer.Length * 2, at + span.Length));
            }

            at += Encoding.ASCII.GetBytes(span, buffer.AsSpan(at));
            return;
        }

        using var escaped = new StringWriter();
        ConflictOutput.WriteEscaped(escaped, text);
        Append(ref buffer, ref at, Encoding.UTF8.GetBytes(escaped.ToString()));
    }

    private static readonly System.Buffers.SearchValues<char> Special = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(c => (char)c), '"', '\\']);
}
