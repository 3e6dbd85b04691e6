using System.Buffers;
using System.Buffers.Text;
using Parley.Ledger;
using Parley.Ledger.Entries.Compliance;

namespace Parley.Cli.Ledger;

/// <summary>
/// A line of an export's openings file in the exact layout <c>parley ledger export</c> writes
/// (<c>{"index":n,"openings":[{"item":i,"opening":{…}},…]}</c>, compact), read by its bytes without a JSON reader.
/// </summary>
/// <remarks>
/// Nothing read here is trusted: each opening is taken as its bytes with their escapes written canonically
/// (<see cref="CanonicalJson.TryWriteAsRead"/>), and only a hash equal to its item's commitment accepts it, which it
/// can only be when those bytes are the canonical JSON the center committed to. An opening that cannot state a
/// compliance fact is kept as that hash alone (most of a file's bytes: operations' and zones' features), so that a
/// million entries' openings are not copied into memory; in the export's own layout its members are in canonical order.
/// A line in any other layout is left to the JSON reader, which reads any member order and whitespace and names what
/// is wrong.
/// </remarks>
internal static class OpeningsLineLayout
{
    /// <summary>The line's entry and openings, or false when it is not in the export's layout.</summary>
    public static bool TryRead(ReadOnlySpan<byte> line, ArrayBufferWriter<byte> scratch, out long index,
        out List<(int Item, byte[] Opening)> openings, out List<(int Item, byte[] Hash)>? hashed)
    {
        openings = [];
        hashed = null;
        index = 0;
        if (!Take(ref line, "{\"index\":"u8) || !TryNumber(ref line, out index) || !Take(ref line, ",\"openings\":["u8))
        {
            return false;
        }

        if (!Take(ref line, "]"u8))
        {
            do
            {
                if (!Take(ref line, "{\"item\":"u8) || !TryNumber(ref line, out long item) || item > int.MaxValue
                    || !Take(ref line, ",\"opening\":"u8))
                {
                    return false;
                }

                int end = ObjectEnd(line);
                if (end < 0)
                {
                    return false;
                }

                var value = line[..end];
                line = line[end..];
                if (value.IndexOf((byte)'\\') >= 0)
                {
                    scratch.ResetWrittenCount();
                    if (!CanonicalJson.TryWriteAsRead(value, scratch))
                    {
                        return false;
                    }

                    value = scratch.WrittenSpan;
                }

                // An opening that states no fact is only checked against its commitment: its hash is all that is kept.
                if (CheckedEntry.MayStateFact(value))
                {
                    openings.Add(((int)item, value.ToArray()));
                }
                else
                {
                    (hashed ??= []).Add(((int)item, System.Security.Cryptography.SHA256.HashData(value)));
                }

                if (!Take(ref line, "}"u8))
                {
                    return false;
                }
            }
            while (Take(ref line, ","u8));

            if (!Take(ref line, "]"u8))
            {
                return false;
            }
        }

        return Take(ref line, "}"u8) && line.IsEmpty;
    }

    private static bool Take(ref ReadOnlySpan<byte> line, ReadOnlySpan<byte> expected)
    {
        if (!line.StartsWith(expected))
        {
            return false;
        }

        line = line[expected.Length..];
        return true;
    }

    // A non-negative integer as JSON writes it (no sign, no leading zero, no fraction or exponent).
    private static bool TryNumber(ref ReadOnlySpan<byte> line, out long value)
    {
        int digits = line.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        if (digits <= 0 || (digits > 1 && line[0] == '0') || !Utf8Parser.TryParse(line[..digits], out value, out int used) || used != digits)
        {
            value = 0;
            return false;
        }

        line = line[digits..];
        return true;
    }

    /// <summary>Where the object that <paramref name="text"/> starts with ends (one past its closing brace), or -1.</summary>
    /// <remarks>Strings are crossed by a search for their closing quote (one not escaped); the few bytes between them are looked at one by one.</remarks>
    private static int ObjectEnd(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty || text[0] != '{')
        {
            return -1;
        }

        int depth = 0;
        for (int at = 0; at < text.Length; at++)
        {
            switch (text[at])
            {
                case (byte)'"':
                    while (true)
                    {
                        int quote = text[(at + 1)..].IndexOf((byte)'"');
                        if (quote < 0)
                        {
                            return -1;
                        }

                        at += quote + 1;
                        int escapes = 0;
                        while (text[at - 1 - escapes] == '\\')
                        {
                            escapes++;
                        }

                        if (escapes % 2 == 0)
                        {
                            break;
                        }
                    }

                    break;
                case (byte)'{' or (byte)'[':
                    depth++;
                    break;
                case (byte)'}' or (byte)']':
                    if (--depth == 0)
                    {
                        return at + 1;
                    }

                    break;
            }
        }

        return -1;
    }
}
