using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Tests.Reference;

/// <summary>Random doubles, strings and JSON trees for the canonicalizer's property tests.</summary>
internal static class RandomJson
{
    private static readonly string[] Keys = ["a", "B", "b", "A", "é", "\uD83D\uDE00", "\uFB33", "\u20AC", "\r", "1", "", "aa", "\u0080", "\u00f6", "type", "id"];

    /// <summary>A finite double of any magnitude, often near where .NET and ECMAScript switch to exponents.</summary>
    public static double Double(Random r)
    {
        double d = r.Next(8) switch
        {
            // Any bit pattern: mostly 16-17 significant digits, any exponent.
            0 => BitConverter.Int64BitsToDouble(r.NextInt64()),

            // Subnormals.
            1 => BitConverter.Int64BitsToDouble(r.NextInt64(1, 1L << 52)),

            // Few digits at any magnitude.
            2 => double.Parse($"{r.Next(1, 1_000_000)}e{r.Next(-330, 310)}", CultureInfo.InvariantCulture),

            // Few digits, or their neighbours, near the notation thresholds.
            3 or 4 => Neighbour(r, double.Parse($"{r.Next(1, 100_000)}e{r.Next(-13, -1)}", CultureInfo.InvariantCulture)),
            5 => Neighbour(r, double.Parse($"{r.Next(1, 100_000)}e{r.Next(10, 23)}", CultureInfo.InvariantCulture)),

            // Integers, small and up to 2^63.
            6 => r.Next(-1000, 1000),
            _ => r.NextInt64() >> r.Next(64),
        };
        d = r.Next(2) == 0 ? d : -d;
        return double.IsFinite(d) ? d : 1.5;
    }

    private static double Neighbour(Random r, double d)
    {
        int steps = r.Next(-3, 4);
        for (; steps > 0; steps--)
        {
            d = Math.BitIncrement(d);
        }

        for (; steps < 0; steps++)
        {
            d = Math.BitDecrement(d);
        }

        return d;
    }

    /// <summary>A JSON number as a writer might spell it: any format of a double, or a random digit string.</summary>
    public static string NumberText(Random r)
    {
        double d = Double(r);
        switch (r.Next(8))
        {
            case 0: return d.ToString("R", CultureInfo.InvariantCulture);
            case 1: return d.ToString("E" + r.Next(0, 30), CultureInfo.InvariantCulture);
            case 2: return d.ToString("G17", CultureInfo.InvariantCulture);
            case 3: return Math.Abs(d) < 1e30 ? d.ToString("F" + r.Next(0, 30), CultureInfo.InvariantCulture) : "0";
            case 4: return CanonicalJsonReference.Number(d);
            default:
                var sb = new StringBuilder();
                if (r.Next(2) == 0)
                {
                    sb.Append('-');
                }

                sb.Append(r.Next(3) == 0 ? "0" : Digits(r, 1, 25, leadingZero: false));
                if (r.Next(2) == 0)
                {
                    sb.Append('.').Append(Digits(r, 1, 40, leadingZero: true));
                }

                if (r.Next(2) == 0)
                {
                    sb.Append(r.Next(2) == 0 ? 'e' : 'E').Append(r.Next(3) switch { 0 => "", 1 => "+", _ => "-" }).Append(r.Next(0, 340));
                }

                return sb.ToString();
        }
    }

    private static string Digits(Random r, int min, int max, bool leadingZero)
    {
        var chars = new char[r.Next(min, max + 1)];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)('0' + (i == 0 && !leadingZero ? r.Next(1, 10) : r.Next(10)));
        }

        return new string(chars);
    }

    /// <summary>A string with escapes, control characters, non-ASCII and surrogate pairs (and lone surrogates if asked).</summary>
    public static string String(Random r, bool loneSurrogates)
    {
        var sb = new StringBuilder();
        int length = r.Next(0, 14);
        for (int i = 0; i < length; i++)
        {
            switch (r.Next(loneSurrogates ? 10 : 9))
            {
                case 0 or 1 or 2: sb.Append((char)r.Next(0x20, 0x7F)); break;
                case 3: sb.Append((char)r.Next(0, 0x20)); break;
                case 4: sb.Append(r.GetItems(['"', '\\', '/', '\u007f', '\''], 1)[0]); break;
                case 5: sb.Append(r.GetItems(['é', '€', '\u2028', '\u0080', '\uFB33', '\uFFFF', 'ö'], 1)[0]); break;
                case 6: sb.Append((char)r.Next(0x80, 0xD800)); break;
                case 7: sb.Append("\uD83D\uDE00"); break;
                case 8: sb.Append(char.ConvertFromUtf32(r.Next(0x10000, 0x110000))); break;
                default: sb.Append((char)r.Next(0xD800, 0xE000)); break;
            }
        }

        return sb.ToString();
    }

    private static string Key(Random r) => r.Next(4) == 0 ? String(r, loneSurrogates: false) : Keys[r.Next(Keys.Length)];

    /// <summary>A JSON tree built in code: ints, longs, doubles, decimals and other numbers, strings, nested arrays and objects.</summary>
    public static JsonNode? Built(Random r, int depth)
    {
        switch (r.Next(depth >= 4 ? 5 : 9))
        {
            case 0: return null;
            case 1: return JsonValue.Create(r.Next(2) == 0);
            case 2: return JsonValue.Create(String(r, loneSurrogates: true));
            case 3 or 4: return BuiltNumber(r);
            case 5 or 6:
                var array = new JsonArray();
                for (int n = r.Next(0, 6); n > 0; n--)
                {
                    array.Add(Built(r, depth + 1));
                }

                return array;
            default:
                var o = new JsonObject();
                for (int n = r.Next(0, 7); n > 0; n--)
                {
                    o[Key(r)] = Built(r, depth + 1);
                }

                return o;
        }
    }

    private static JsonValue? BuiltNumber(Random r) => r.Next(10) switch
    {
        0 => JsonValue.Create(r.Next(int.MinValue, int.MaxValue)),
        1 => JsonValue.Create(r.NextInt64() >> r.Next(64)),
        2 or 3 => JsonValue.Create(Double(r)),
        4 => JsonValue.Create(new decimal(r.Next(), r.Next(), r.Next(), r.Next(2) == 0, (byte)r.Next(0, 29))),
        5 => JsonValue.Create((float)Double(r) is var f && float.IsFinite(f) ? f : 0.1f),
        6 => JsonValue.Create((ulong)r.NextInt64() << 1),
        7 => JsonValue.Create((short)r.Next(short.MinValue, short.MaxValue)),
        8 => JsonValue.Create((uint)r.NextInt64(0, uint.MaxValue)),
        _ => JsonValue.Create(JsonDocument.Parse(NumberText(r)).RootElement.Clone()),
    };

    /// <summary>A JSON text with whitespace, escaped and raw strings, numbers spelt in many ways, nested arrays and objects.</summary>
    public static void Text(Random r, StringBuilder sb, int depth)
    {
        Space(r, sb);
        switch (r.Next(depth >= 4 ? 5 : 9))
        {
            case 0: sb.Append("null"); break;
            case 1: sb.Append(r.Next(2) == 0 ? "true" : "false"); break;
            case 2: TextString(r, sb, String(r, loneSurrogates: false)); break;
            case 3 or 4: sb.Append(NumberText(r)); break;
            case 5 or 6:
                sb.Append('[');
                for (int i = 0, n = r.Next(0, 6); i < n; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    Text(r, sb, depth + 1);
                }

                sb.Append(']');
                break;
            default:
                sb.Append('{');
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0, n = r.Next(0, 7); i < n; i++)
                {
                    string key = Key(r);
                    if (!seen.Add(key))
                    {
                        continue;
                    }

                    if (seen.Count > 1)
                    {
                        sb.Append(',');
                    }

                    Space(r, sb);
                    TextString(r, sb, key);
                    Space(r, sb);
                    sb.Append(':');
                    Text(r, sb, depth + 1);
                }

                sb.Append('}');
                break;
        }

        Space(r, sb);
    }

    private static void Space(Random r, StringBuilder sb)
    {
        if (r.Next(4) == 0)
        {
            sb.Append(r.GetItems([" ", "\n", "\t", "\r\n  "], 1)[0]);
        }
    }

    /// <summary>A string literal, each character raw or escaped as \uXXXX (or its short escape) at random.</summary>
    private static void TextString(Random r, StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            if (c < 0x20 || c == '"' || c == '\\' || r.Next(4) == 0)
            {
                sb.Append(c switch
                {
                    '"' when r.Next(2) == 0 => "\\\"",
                    '\\' when r.Next(2) == 0 => "\\\\",
                    '\n' when r.Next(2) == 0 => "\\n",
                    '/' => "\\/",
                    _ => $"\\u{(int)c:X4}",
                });
            }
            else
            {
                sb.Append(c);
            }
        }

        sb.Append('"');
    }
}
