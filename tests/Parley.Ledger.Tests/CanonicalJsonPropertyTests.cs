using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Parley.Tests.Reference;

namespace Parley.Ledger.Tests;

/// <summary>
/// The canonicalizer against its reference model, the first implementation (which wrote every stored ledger
/// entry): the same text for every number and the same bytes for every JSON tree, built in code or parsed.
/// </summary>
public sealed class CanonicalJsonPropertyTests
{
    private static Gen<T> FromRandom<T>(Func<Random, T> make) => Gen.Int.Select(seed => make(new Random(seed)));

    [Fact]
    public void every_double_is_written_as_the_reference_writes_it()
    {
        FromRandom(RandomJson.Double).Sample(d =>
        {
            Assert.Equal(CanonicalJsonReference.Number(d), CanonicalJson.Number(d));
            AssertSame(() => CanonicalJsonReference.Serialize(JsonValue.Create(d)), () => CanonicalJson.Serialize(JsonValue.Create(d)));
        }, iter: 200_000);
    }

    [Fact]
    public void powers_of_ten_and_their_neighbours_are_written_as_the_reference_writes_them()
    {
        // Where .NET and ECMAScript switch to exponents (1e-7, 1e-6, 1e-5, 1e-4, 1e15, 1e16, 1e21, …) and beyond.
        for (int k = -324; k <= 308; k++)
        {
            foreach (string mantissa in new[] { "1", "9.999999999999999", "5", "1.5", "2.2250738585072014", "4.9406564584124654" })
            {
                double center = double.Parse($"{mantissa}e{k}", CultureInfo.InvariantCulture);
                double d = center;
                for (int step = 0; step < 3; step++, d = Math.BitDecrement(d))
                {
                    AssertNumber(d);
                }

                d = center;
                for (int step = 0; step < 3; step++, d = Math.BitIncrement(d))
                {
                    AssertNumber(d);
                }
            }
        }

        foreach (double d in new[] { double.Epsilon, double.MaxValue, double.MinValue, 2.2250738585072009e-308, 9007199254740992, 9007199254740993, 0.0, -0.0 })
        {
            AssertNumber(d);
        }

        static void AssertNumber(double d)
        {
            if (double.IsFinite(d))
            {
                Assert.Equal(CanonicalJsonReference.Number(d), CanonicalJson.Number(d));
                Assert.Equal(CanonicalJsonReference.Number(-d), CanonicalJson.Number(-d));
            }
        }
    }

    [Fact]
    public void nan_and_infinity_are_refused_as_the_reference_refuses_them()
    {
        foreach (double d in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => CanonicalJson.Number(d));
            AssertSame(() => CanonicalJsonReference.Serialize(JsonValue.Create(d)), () => CanonicalJson.Serialize(JsonValue.Create(d)));
        }

        AssertSame(() => CanonicalJsonReference.Canonicalize("[1e400]"u8), () => CanonicalJson.Canonicalize("[1e400]"u8));
    }

    [Fact]
    public void every_number_text_canonicalizes_as_the_reference_canonicalizes_it()
    {
        FromRandom(RandomJson.NumberText).Sample(text =>
        {
            byte[] json = Encoding.UTF8.GetBytes(text);
            AssertSame(() => CanonicalJsonReference.Canonicalize(json), () => CanonicalJson.Canonicalize(json));
            AssertSame(() => CanonicalJsonReference.Canonicalize(json), () => FromElement(json));
        }, iter: 100_000);
    }

    [Fact]
    public void every_tree_built_in_code_serializes_as_the_reference_serializes_it()
    {
        FromRandom(r => RandomJson.Built(r, 0)).Sample(node =>
            AssertSame(() => CanonicalJsonReference.Serialize(node), () => CanonicalJson.Serialize(node)), iter: 20_000);
    }

    [Fact]
    public void every_json_text_canonicalizes_as_the_reference_canonicalizes_it()
    {
        FromRandom(r =>
        {
            var sb = new StringBuilder();
            RandomJson.Text(r, sb, 0);
            return sb.ToString();
        }).Sample(text =>
        {
            byte[] json = Encoding.UTF8.GetBytes(text);
            AssertSame(() => CanonicalJsonReference.Canonicalize(json), () => CanonicalJson.Canonicalize(json));
            AssertSame(() => CanonicalJsonReference.Canonicalize(json), () => FromElement(json));
        }, iter: 20_000);
    }

    /// <summary>The canonical bytes written from a parsed document rather than from a JSON tree.</summary>
    private static byte[] FromElement(byte[] json)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        using var document = JsonDocument.Parse(json);
        CanonicalJson.Write(output, document.RootElement);
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void keys_are_sorted_by_utf16_code_units_as_the_reference_sorts_them()
    {
        // Every order of keys whose UTF-16 and code point orders differ (a surrogate pair sorts below U+FB33).
        string[] keys = ["a", "B", "é", "\uD83D\uDE00", "\uFB33", "\u20AC", "\r", "", "aa", "A"];
        FromRandom(r => r.GetItems(keys, r.Next(1, keys.Length + 1)).Distinct().ToArray()).Sample(order =>
        {
            var o = new JsonObject();
            foreach (string key in order)
            {
                o[key] = key;
            }

            Assert.Equal(CanonicalJsonReference.Serialize(o), CanonicalJson.Serialize(o));
        }, iter: 10_000);
    }

    [Fact]
    public void strings_are_escaped_and_encoded_as_the_reference_does_lone_surrogates_included()
    {
        FromRandom(r => RandomJson.String(r, loneSurrogates: true)).Sample(s =>
            Assert.Equal(CanonicalJsonReference.Serialize(JsonValue.Create(s)), CanonicalJson.Serialize(JsonValue.Create(s))), iter: 50_000);
    }

    /// <summary>Equal bytes, or the same exception.</summary>
    private static void AssertSame(Func<byte[]> expected, Func<byte[]> actual)
    {
        byte[]? want = null, got = null;
        Exception? wantError = null, gotError = null;
        try
        {
            want = expected();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException or FormatException or OverflowException)
        {
            wantError = e;
        }

        try
        {
            got = actual();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException or FormatException or OverflowException)
        {
            gotError = e;
        }

        Assert.Equal(wantError?.GetType(), gotError?.GetType());
        Assert.Equal(want is null ? null : Encoding.UTF8.GetString(want), got is null ? null : Encoding.UTF8.GetString(got));
        Assert.Equal(want, got);
    }
}
