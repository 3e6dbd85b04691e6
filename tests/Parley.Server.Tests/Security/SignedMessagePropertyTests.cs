using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Parley.Core;
using Parley.Server.Security;
using Parley.Tests.Reference;

namespace Parley.Server.Tests.Security;

/// <summary>
/// The bytes a submission signs, against the reference: the RFC 8785 form of the message object with the body
/// parsed as a JSON tree, written by the first canonicalizer. Every signature ever made covers these bytes, so
/// the message written straight from the parsed body must be the very same, and a body with no canonical form
/// must be refused as it was.
/// </summary>
public sealed class SignedMessagePropertyTests
{
    private static Gen<T> FromRandom<T>(Func<Random, T> make) => Gen.Int.Select(seed => make(new Random(seed)));

    [Fact]
    public void every_json_body_is_signed_as_the_reference_writes_its_message()
    {
        FromRandom(r =>
        {
            var sb = new StringBuilder();
            RandomJson.Text(r, sb, 0);
            return (Body: sb.ToString(), Method: r.GetItems(["POST", "post", "PUT", "Delete"], 1)[0], Path: RandomJson.String(r, loneSurrogates: false));
        }).Sample(c => AssertSame(c.Method, "/v1/agreements/a/" + c.Path, Encoding.UTF8.GetBytes(c.Body)), iter: 20_000);
    }

    [Fact]
    public void an_empty_body_is_signed_as_null()
    {
        AssertSame("POST", "/v1/agreements/a/operations/x/cancel", []);
        Assert.Contains("\"body\":null,", Encoding.UTF8.GetString(SignedRequests.Message("a", "POST", "/p", "t", "n", [])), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"a":1e400}""", "a", "a number beyond the range of a 64-bit float")]
    [InlineData("""{"a":{"b":[-1e309]}}""", "a.b", "a number beyond the range of a 64-bit float")]
    [InlineData("""{"type":"FeatureCollection","features":[{"type":"Feature","id":"f-1","properties":{"name":"\ud800"}}]}""", "properties.name", "a string with an unpaired surrogate")]
    public void a_body_with_no_canonical_form_is_refused_naming_the_field(string body, string field, string message)
    {
        var e = Assert.Throws<InputRejectedException>(() => SignedRequests.Message("a", "POST", "/p", "t", "n", Encoding.UTF8.GetBytes(body)));
        var error = Assert.Single(e.Errors);
        Assert.Equal(field, error.Field);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void malformed_json_is_refused_before_anything_is_signed()
    {
        foreach (string body in new[] { "{", """{"a":1,"a":2}""", "[1,]", "\"\\ud800" })
        {
            Assert.Throws<InputRejectedException>(() => SignedRequests.Message("a", "POST", "/p", "t", "n", Encoding.UTF8.GetBytes(body)));
        }
    }

    private static void AssertSame(string method, string path, byte[] body)
    {
        const string agreement = "demo", timestamp = "2027-01-01T00:00:00Z", nonce = "AAAAAAAAAAAAAAAAAAAAAAAA";
        byte[]? want = null;
        try
        {
            want = CanonicalJsonReference.Serialize(new JsonObject
            {
                ["agreement"] = agreement,
                ["body"] = body.Length == 0 ? null : JsonNode.Parse(body),
                ["context"] = SignedRequests.Context,
                ["method"] = method.ToUpperInvariant(),
                ["nonce"] = nonce,
                ["path"] = path,
                ["timestamp"] = timestamp,
            });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException or FormatException or OverflowException)
        {
            // No canonical form: the message must be refused.
        }

        if (want is null)
        {
            Assert.Throws<InputRejectedException>(() => SignedRequests.Message(agreement, method, path, timestamp, nonce, body));
        }
        else
        {
            Assert.Equal(Encoding.UTF8.GetString(want), Encoding.UTF8.GetString(SignedRequests.Message(agreement, method, path, timestamp, nonce, body)));
        }
    }
}
