using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using CsCheck;
using Parley.Tests.Reference;

namespace Parley.Ledger.Tests;

/// <summary>
/// Canonical JSON written out again by a serializer with escapes of its own (as a route serves a ledger opening) comes
/// back to its canonical bytes through <see cref="CanonicalJson.TryWriteAsRead"/>, and JSON that is not canonical in its
/// order, its numbers or its spaces does not: the hash against a commitment tells them apart.
/// </summary>
public sealed class CanonicalJsonAsReadPropertyTests
{
    private static readonly JavaScriptEncoder[] Encoders =
    [
        JavaScriptEncoder.Default, // escapes +, <, >, &, ', " and every non-ASCII character
        JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        JavaScriptEncoder.Create(UnicodeRanges.BasicLatin),
    ];

    [Fact]
    public void canonical_json_escaped_again_by_any_serializer_reads_back_to_its_canonical_bytes()
    {
        Gen.Int.Select(seed =>
        {
            var r = new Random(seed);
            var sb = new StringBuilder();
            RandomJson.Text(r, sb, 0);
            return (Text: sb.ToString(), Encoder: Encoders[r.Next(Encoders.Length)]);
        }).Sample(c =>
        {
            byte[] canonical;
            try
            {
                canonical = CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(c.Text));
            }
            catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
            {
                return; // not JSON, or a lone surrogate: nothing canonical to serve
            }

            byte[] served = Reserialize(canonical, c.Encoder);
            var output = new ArrayBufferWriter<byte>();
            Assert.True(CanonicalJson.TryWriteAsRead(served, output), Encoding.UTF8.GetString(served));
            Assert.Equal(Encoding.UTF8.GetString(canonical), Encoding.UTF8.GetString(output.WrittenSpan));
        }, iter: 20_000);
    }

    [Theory]
    [InlineData("{\"b\":1,\"a\":2}")] // members out of order
    [InlineData("{\"a\":1.0}")] // a number not in its shortest form
    [InlineData("{\"a\":1e3}")]
    [InlineData("{\"a\": 1}")] // a space
    public void json_that_is_not_canonical_does_not_read_as_its_canonical_form(string text)
    {
        byte[] json = Encoding.UTF8.GetBytes(text);
        var output = new ArrayBufferWriter<byte>();
        Assert.True(CanonicalJson.TryWriteAsRead(json, output));
        Assert.NotEqual(CanonicalJson.Canonicalize(json), output.WrittenSpan.ToArray());
    }

    [Theory]
    [InlineData("\"\\u12\"")]
    [InlineData("\"\\uD800\"")]
    [InlineData("\"\\uDC00x\"")]
    [InlineData("\"\\x\"")]
    [InlineData("\"abc\\")]
    public void a_malformed_escape_or_a_lone_surrogate_is_not_rewritten(string text)
    {
        Assert.False(CanonicalJson.TryWriteAsRead(Encoding.UTF8.GetBytes(text), new ArrayBufferWriter<byte>()));
    }

    private static byte[] Reserialize(byte[] canonical, JavaScriptEncoder encoder)
    {
        using var document = JsonDocument.Parse(canonical);
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = encoder }))
        {
            document.RootElement.WriteTo(writer);
        }

        return output.WrittenSpan.ToArray();
    }
}
