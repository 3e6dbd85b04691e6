using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Tests.Reference;

/// <summary>
/// The reference model of RFC 8785: Parley's first canonicalizer, kept as it was (StringBuilder, numbers through
/// their text, members sorted with LINQ). Every entry hashed into stored ledgers was written by it, so the fast
/// canonicalizer must give exactly its bytes.
/// </summary>
internal static class CanonicalJsonReference
{
    /// <summary>The canonical UTF-8 bytes of a JSON value.</summary>
    public static byte[] Serialize(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>The canonical bytes of a JSON text.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json) => Serialize(JsonNode.Parse(utf8Json));

    private static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject o:
                sb.Append('{');
                bool first = true;
                foreach (var (key, value) in o.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }

                    first = false;
                    WriteString(sb, key);
                    sb.Append(':');
                    Write(sb, value);
                }

                sb.Append('}');
                break;
            case JsonArray a:
                sb.Append('[');
                for (int i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    Write(sb, a[i]);
                }

                sb.Append(']');
                break;
            case JsonValue v:
                // Values parsed from text and values created in code both report their kind.
                switch (v.GetValueKind())
                {
                    case JsonValueKind.String: WriteString(sb, v.GetValue<string>()); break;
                    case JsonValueKind.Number: sb.Append(Number(double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture))); break;
                    case JsonValueKind.True: sb.Append("true"); break;
                    case JsonValueKind.False: sb.Append("false"); break;
                    default: sb.Append("null"); break;
                }

                break;
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>ECMAScript Number.prototype.toString for a finite double (RFC 8785 §3.2.2.3).</summary>
    public static string Number(double value)
    {
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
