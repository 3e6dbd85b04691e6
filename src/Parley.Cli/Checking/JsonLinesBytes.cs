using System.Buffers;
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
        // A few shares ahead of the one written, each in a pooled buffer given back once written: the memory of a
        // few shares, touched once, rather than of the whole output.
        int ahead = 2 * Environment.ProcessorCount;
        var made = new Task<(byte[] Bytes, int Length)>?[shares];
        for (int s = 0; s < shares; s++)
        {
            for (int next = s; next < Math.Min(shares, s + ahead + 1); next++)
            {
                if (made[next] is null)
                {
                    int from = next * share, to = (int)Math.Min((long)from + share, conflicts.Count);
                    made[next] = Task.Run(() => Make(conflicts, from, to));
                }
            }

            var (bytes, length) = made[s]!.GetAwaiter().GetResult();
            made[s] = null;
            stream.Write(bytes, 0, length);
            ArrayPool<byte>.Shared.Return(bytes);
        }

        stream.Flush();
    }

    /// <summary>The lines of conflicts [<paramref name="from"/>, <paramref name="to"/>) as UTF-8.</summary>
    // Optimised at once: run once a process, on hundreds of thousands of lines, before the tiers would catch up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (byte[] Bytes, int Length) Make(IReadOnlyList<CheckedConflict> conflicts, int from, int to)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, (long)(to - from) * 48));
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

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Append(ref byte[] buffer, ref int at, ReadOnlySpan<byte> bytes)
    {
        Reserve(ref buffer, at, bytes.Length);
        bytes.CopyTo(buffer.AsSpan(at));
        at += bytes.Length;
    }

    private static void Reserve(ref byte[] buffer, int at, int more)
    {
        if (at + more > buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, at + more));
            buffer.AsSpan(0, at).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = larger;
        }
    }

    // An id is ASCII with nothing to escape almost always: copied as it is. Anything else takes the one escaping
    // routine there is (ConflictOutput.WriteEscaped), whose text is then encoded: valid UTF-16, so the same bytes.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void AppendEscaped(ref byte[] buffer, ref int at, string text)
    {
        var span = text.AsSpan();
        if (Ascii.IsValid(span) && !span.ContainsAny(Special))
        {
            Reserve(ref buffer, at, span.Length);
            at += Encoding.ASCII.GetBytes(span, buffer.AsSpan(at));
            return;
        }

        using var escaped = new StringWriter();
        ConflictOutput.WriteEscaped(escaped, text);
        Append(ref buffer, ref at, Encoding.UTF8.GetBytes(escaped.ToString()));
    }

    private static readonly SearchValues<char> Special = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(c => (char)c), '"', '\\']);
}
