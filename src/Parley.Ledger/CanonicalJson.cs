using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Ledger;

/// <summary>The JSON Canonicalization Scheme (RFC 8785): the one byte sequence a JSON value hashes and signs as.</summary>
/// <remarks>
/// Object members sorted by their UTF-16 code units, no insignificant whitespace, strings escaped only where
/// JSON requires it, numbers in the ECMAScript shortest form (I-JSON: IEEE 754 doubles). The bytes are those
/// of Parley's first canonicalizer, which wrote every ledger entry stored so far; the tests hold the two equal.
/// </remarks>
public static class CanonicalJson
{
    // Room for any double's "R" form, the longest being 24 characters ("-1.7976931348623157E+308").
    private const int MaxNumberLength = 32;

    private static readonly SearchValues<char> MustEscape = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\"\\");

    /// <summary>The canonical UTF-8 bytes of a JSON value.</summary>
    public static byte[] Serialize(JsonNode? node)
    {
        var output = new ArrayBufferWriter<byte>();
        Write(output, node);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The canonical bytes of a JSON text.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json) => Serialize(JsonNode.Parse(utf8Json));

    /// <summary>Appends the canonical UTF-8 bytes of a JSON value to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, JsonNode? node)
    {
        switch (node)
        {
            case null:
                output.Write("null"u8);
                break;
            case JsonObject o:
                var members = new KeyValuePair<string, JsonNode?>[o.Count];
                ((ICollection<KeyValuePair<string, JsonNode?>>)o).CopyTo(members, 0);
                WriteObject(output, members, Write);
                break;
            case JsonArray a:
                output.Write("["u8);
                for (int i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        output.Write(","u8);
                    }

                    Write(output, a[i]);
                }

                output.Write("]"u8);
                break;
            case JsonValue v:
                // Values parsed from text and values created in code both report their kind.
                switch (v.GetValueKind())
                {
                    case JsonValueKind.String: WriteString(output, v.GetValue<string>()); break;
                    case JsonValueKind.Number: WriteNumber(output, NumberValue(v)); break;
                    case JsonValueKind.True: output.Write("true"u8); break;
                    case JsonValueKind.False: output.Write("false"u8); break;
                    default: output.Write("null"u8); break;
                }

                break;
        }
    }

    /// <summary>Appends the canonical UTF-8 bytes of a parsed JSON value to <paramref name="output"/>.</summary>
    /// <remarks>The same bytes as the value parsed into a <see cref="JsonNode"/>, without building one; objects must not repeat a name.</remarks>
    public static void Write(IBufferWriter<byte> output, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new List<KeyValuePair<string, JsonElement>>();
                foreach (var member in element.EnumerateObject())
                {
                    members.Add(new(member.Name, member.Value));
                }

                WriteObject(output, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(members), Write);
                break;
            case JsonValueKind.Array:
                output.Write("["u8);
                bool first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        output.Write(","u8);
                    }

                    first = false;
                    Write(output, item);
                }

                output.Write("]"u8);
                break;
            case JsonValueKind.String: WriteString(output, element.GetString()!); break;
            case JsonValueKind.Number:
                WriteNumber(output, element.TryGetDouble(out double d) ? d : double.Parse(element.GetRawText(), CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.True: output.Write("true"u8); break;
            case JsonValueKind.False: output.Write("false"u8); break;
            default: output.Write("null"u8); break;
        }
    }

    /// <summary>
    /// Compact JSON text with its escapes rewritten as the canonical form writes them (an escaped character written as
    /// itself; a quote, a backslash and controls as RFC 8785 escapes them), every other byte copied. For canonical JSON
    /// that a serializer wrote out again with escapes of its own (as a route serves a ledger opening) this is the
    /// canonical form, without parsing it into a tree and sorting it; anything else (members out of order, numbers not in
    /// their shortest form, spaces) comes out different, which a hash against its commitment tells. False where an escape
    /// is malformed or a lone surrogate (what was written then is to be dropped).
    /// </summary>
    public static bool TryWriteAsRead(ReadOnlySpan<byte> compact, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        int next;
        while ((next = compact.IndexOf((byte)'\\')) >= 0)
        {
            output.Write(compact[..next]);
            if (next + 1 >= compact.Length)
            {
                return false;
            }

            byte kind = compact[next + 1];
            int taken = 2;
            switch (kind)
            {
                case (byte)'"' or (byte)'\\' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                    output.Write(compact.Slice(next, 2));
                    break;
                case (byte)'/':
                    output.Write("/"u8);
                    break;
                case (byte)'u':
                    if (!TryHex(compact[(next + 2)..], out int unit))
                    {
                        return false;
                    }

                    taken = 6;
                    int scalar = unit;
                    if (char.IsHighSurrogate((char)unit))
                    {
                        if (compact.Length < next + 12 || compact[next + 6] != '\\' || compact[next + 7] != 'u'
                            || !TryHex(compact[(next + 8)..], out int low) || !char.IsLowSurrogate((char)low))
                        {
                            return false;
                        }

                        scalar = char.ConvertToUtf32((char)unit, (char)low);
                        taken = 12;
                    }
                    else if (char.IsLowSurrogate((char)unit))
                    {
                        return false;
                    }

                    if (scalar < 0x20 || scalar == '"' || scalar == '\\')
                    {
                        WriteEscape(output, (char)scalar);
                    }
                    else
                    {
                        var span = output.GetSpan(4);
                        output.Advance(new Rune(scalar).EncodeToUtf8(span));
                    }

                    break;
                default:
                    return false;
            }

            compact = compact[(next + taken)..];
        }

        output.Write(compact);
        return true;
    }

    private static bool TryHex(ReadOnlySpan<byte> text, out int value) =>
        int.TryParse(text[..Math.Min(4, text.Length)], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && text.Length >= 4;

    /// <summary>An object: its members sorted by the UTF-16 code units of their names, each value written by <paramref name="write"/>.</summary>
    private static void WriteObject<T>(IBufferWriter<byte> output, Span<KeyValuePair<string, T>> members, Action<IBufferWriter<byte>, T> write)
    {
        members.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        output.Write("{"u8);
        for (int i = 0; i < members.Length; i++)
        {
            if (i > 0)
            {
                output.Write(","u8);
            }

            WriteString(output, members[i].Key);
            output.Write(":"u8);
            write(output, members[i].Value);
        }

        output.Write("}"u8);
    }

    /// <summary>The double a JSON number stands for.</summary>
    /// <remarks>
    /// Parsed numbers and doubles, longs and ints made in code give it without a detour through text (conversions
    /// and parsing both round to nearest, so the double is the same). Anything else (decimal, float, unsigned,
    /// a number too large for a double) is read from its JSON text, as it always was.
    /// </remarks>
    private static double NumberValue(JsonValue v)
    {
        if (v.TryGetValue(out double d) && double.IsFinite(d))
        {
            return d;
        }

        if (v.TryGetValue(out long l))
        {
            return l;
        }

        if (v.TryGetValue(out int i))
        {
            return i;
        }

        return double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture);
    }

    /// <summary>Appends a JSON string, escaped as RFC 8785 §3.2.2.2 says, to <paramref name="output"/>.</summary>
    public static void WriteString(IBufferWriter<byte> output, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        output.Write("\""u8);
        var rest = value.AsSpan();
        int next;
        while ((next = rest.IndexOfAny(MustEscape)) >= 0)
        {
            WriteUtf8(output, rest[..next]);
            WriteEscape(output, rest[next]);
            rest = rest[(next + 1)..];
        }

        WriteUtf8(output, rest);
        output.Write("\""u8);
    }

    /// <summary>A character that RFC 8785 escapes: a quote, a backslash or a control.</summary>
    private static void WriteEscape(IBufferWriter<byte> output, char c)
    {
        switch (c)
        {
            case '"': output.Write("\\\""u8); break;
            case '\\': output.Write("\\\\"u8); break;
            case '\b': output.Write("\\b"u8); break;
            case '\f': output.Write("\\f"u8); break;
            case '\n': output.Write("\\n"u8); break;
            case '\r': output.Write("\\r"u8); break;
            case '\t': output.Write("\\t"u8); break;
            default:
                var span = output.GetSpan(6);
                "\\u00"u8.CopyTo(span);
                span[4] = (byte)"0123456789abcdef"[c >> 4];
                span[5] = (byte)"0123456789abcdef"[c & 0xF];
                output.Advance(6);
                break;
        }
    }

    // Runs end only before ASCII characters, never inside a surrogate pair; a lone surrogate becomes U+FFFD
    // exactly as when the whole string was encoded at once.
    private static void WriteUtf8(IBufferWriter<byte> output, ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }

        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        output.Advance(Encoding.UTF8.GetBytes(chars, span));
    }

    /// <summary>Appends a number in the ECMAScript form (see <see cref="Number"/>) to <paramref name="output"/>.</summary>
    public static void WriteNumber(IBufferWriter<byte> output, double value)
    {
        var span = output.GetSpan(MaxNumberLength);
        if (TryShortestFixed(value, span, out int length))
        {
            output.Advance(length);
            return;
        }

        string text = Number(value);
        output.Advance(Encoding.ASCII.GetBytes(text, output.GetSpan(text.Length)));
    }

    /// <summary>
    /// .NET's shortest round-trip form, when it is already ECMAScript's: without an exponent. .NET writes an
    /// exponent from 1E+15 and below 1E-04, ECMAScript from 1e+21 and below 1e-6, so every number .NET writes
    /// in full ECMAScript writes in full too, with the same digits; the others take <see cref="Number"/>'s way.
    /// </summary>
    private static bool TryShortestFixed(double value, Span<byte> utf8, out int length)
    {
        length = 0;
        return value != 0 && double.IsFinite(value) // "-0", NaN and the infinities are Number's
            && value.TryFormat(utf8, out length, "R", CultureInfo.InvariantCulture)
            && utf8[..length].IndexOf((byte)'E') < 0;
    }

    /// <summary>ECMAScript Number.prototype.toString for a finite double (RFC 8785 §3.2.2.3).</summary>
    public static string Number(double value)
    {
        Span<byte> buffer = stackalloc byte[MaxNumberLength];
        if (TryShortestFixed(value, buffer, out int length))
        {
            return Encoding.ASCII.GetString(buffer[..length]);
        }

        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), "JSON has no NaN or infinity");
        }

        if (value == 0)
        {
            return "0"; // also -0
        }

        // Shortest round-trip digits and exponent from .NET's "R" form, then laid out as ECMAScript does.
        string shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var (digits, pointExponent) = Decompose(shortest);
        int k = digits.Length, n = pointExponent;
        string sign = value < 0 ? "-" : "";
        string body;
        if (k <= n && n <= 21)
        {
            body = digits + new string('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            body = digits[..n] + "." + digits[n..];
        }
        else if (-6 < n && n <= 0)
        {
            body = "0." + new string('0', -n) + digits;
        }
        else
        {
            int e = n - 1;
            string exponent = (e < 0 ? "-" : "+") + Math.Abs(e).ToString(CultureInfo.InvariantCulture);
            body = (k == 1 ? digits : digits[..1] + "." + digits[1..]) + "e" + exponent;
        }

        return sign + body;
    }

    /// <summary>Splits "d.dddE±x" or "ddd.ddd" into significant digits s and n with value = 0.s × 10^n.</summary>
    private static (string Digits, int N) Decompose(string text)
    {
        int exponent = 0;
        int e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        int dot = text.IndexOf('.', StringComparison.Ordinal);
        string integer = dot < 0 ? text : text[..dot];
        string fraction = dot < 0 ? "" : text[(dot + 1)..];
        string all = integer + fraction;
        int n = integer.Length + exponent;
        int lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0')
        {
            lead++;
        }

        all = all[lead..];
        n -= lead;
        return (all.TrimEnd('0') is { Length: > 0 } trimmed ? trimmed : "0", n);
    }
}
