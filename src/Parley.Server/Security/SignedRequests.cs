using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NSec.Cryptography;
using Parley.Core;
using Parley.Ledger;

namespace Parley.Server.Security;

/// <summary>
/// Signed submissions: every write carries a detached Ed25519 signature by one of the party's submission keys
/// over the RFC 8785 canonical JSON of what it asks and where:
/// <c>{"agreement","body","context":"parley-submission-v1","method","nonce","path","timestamp"}</c>.
/// </summary>
/// <remarks>
/// The body enters as parsed JSON (canonicalised), so whitespace and key order do not matter but every value
/// does; an empty body is <c>null</c>. Method and path are signed so that a body signed for one route cannot be
/// replayed on another. The timestamp bounds the replay window; the nonce, spent by the accepted write, closes it.
/// </remarks>
public static class SignedRequests
{
    /// <summary>The base64 Ed25519 signature.</summary>
    public const string SignatureHeader = "Parley-Signature";

    /// <summary>The RFC 3339 UTC time of signing.</summary>
    public const string TimestampHeader = "Parley-Timestamp";

    /// <summary>A fresh random string per request (16–128 characters of base64url).</summary>
    public const string NonceHeader = "Parley-Nonce";

    /// <summary>Optional: which of the party's keys signed (<c>ed25519:</c> base64 public key).</summary>
    public const string KeyHeader = "Parley-Key";

    /// <summary>Separates these signatures from any other use of the same key.</summary>
    public const string Context = "parley-submission-v1";

    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    /// <summary>The exact bytes signed for a request.</summary>
    /// <exception cref="InputRejectedException">The body is not JSON.</exception>
    public static byte[] Message(string agreement, string method, string path, string timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        byte[] bytes = body.ToArray();

        // The reader's own checks first (UTF-8, depth, repeated names), so a body is refused the same way whether
        // or not it is signed.
        using var document = body.IsEmpty ? null : Parley.Core.Features.FeatureReader.ParseJson(bytes);
        try
        {
            // The members in key order, the body canonicalised from the parsed document.
            var output = new ArrayBufferWriter<byte>(bytes.Length + 256);
            output.Write("{\"agreement\":"u8);
            CanonicalJson.WriteString(output, agreement);
            output.Write(",\"body\":"u8);
            if (document is null)
            {
                output.Write("null"u8);
            }
            else
            {
                CanonicalJson.Write(output, document.RootElement);
            }

            output.Write(",\"context\":"u8);
            CanonicalJson.WriteString(output, Context);
            output.Write(",\"method\":"u8);
            CanonicalJson.WriteString(output, method.ToUpperInvariant());
            output.Write(",\"nonce\":"u8);
            CanonicalJson.WriteString(output, nonce);
            output.Write(",\"path\":"u8);
            CanonicalJson.WriteString(output, path);
            output.Write(",\"timestamp\":"u8);
            CanonicalJson.WriteString(output, timestamp);
            output.Write("}"u8);
            return output.WrittenSpan.ToArray();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            // A value with no RFC 8785 form: the slower walk over the JSON tree names it.
            return MessageFromTree(agreement, method, path, timestamp, nonce, bytes);
        }
    }

    /// <summary>The message built from the body parsed as a JSON tree: refuses a value with no canonical form, naming it.</summary>
    private static byte[] MessageFromTree(string agreement, string method, string path, string timestamp, string nonce, byte[] body)
    {
        JsonNode? parsed = null;
        if (body.Length > 0)
        {
            try
            {
                parsed = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
            }
            catch (JsonException e)
            {
                string at = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
                throw new InputRejectedException(new InputError(null, "$", $"malformed JSON{at}"));
            }
        }

        if (parsed is not null && Uncanonical(parsed, "") is { } bad)
        {
            // RFC 8785 has no form for a number beyond the double range or a lone surrogate: nothing can be signed.
            throw new InputRejectedException(new InputError(bad.FeatureId, bad.Field, bad.Message));
        }

        var message = new JsonObject
        {
            ["agreement"] = agreement,
            ["body"] = parsed,
            ["context"] = Context,
            ["method"] = method.ToUpperInvariant(),
            ["nonce"] = nonce,
            ["path"] = path,
            ["timestamp"] = timestamp,
        };
        try
        {
            return CanonicalJson.Serialize(message);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            // RFC 8785 has no form for some JSON (numbers beyond double range, lone surrogates): nothing to sign.
            throw new InputRejectedException(new InputError(null, "$", $"the body has no canonical form (RFC 8785): {e.Message}"));
        }
    }

    /// <summary>The first value with no RFC 8785 form, named as the reader names fields (features by their id).</summary>
    private static InputError? Uncanonical(JsonNode node, string path, string? feature = null)
    {
        switch (node)
        {
            case JsonObject o:
                if (path == "features." && o["id"] is JsonValue id && Text(id) is { } featureId)
                {
                    (feature, path) = (featureId, "");
                }

                foreach (var (name, child) in o)
                {
                    if (!IsWellFormed(name))
                    {
                        return new InputError(feature, path.Length == 0 ? "$" : path.TrimEnd('.'), "a property name with an unpaired surrogate");
                    }

                    if (child is not null && Uncanonical(child, path + name + ".", feature) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonArray a:
                foreach (var child in a)
                {
                    if (child is not null && Uncanonical(child, path, feature) is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                var element = node.GetValue<JsonElement>();
                string field = path.Length == 0 ? "$" : path.TrimEnd('.');
                if (element.ValueKind == JsonValueKind.Number && !(element.TryGetDouble(out double d) && double.IsFinite(d)))
                {
                    return new InputError(feature, field, "a number beyond the range of a 64-bit float");
                }

                if (element.ValueKind == JsonValueKind.String)
                {
                    try
                    {
                        return IsWellFormed(element.GetString()!) ? null : new InputError(feature, field, "a string with an unpaired surrogate");
                    }
                    catch (InvalidOperationException)
                    {
                        return new InputError(feature, field, "a string with an unpaired surrogate");
                    }
                }

                return null;
        }
    }

    /// <summary>A string value's text, or null when it is not a string or not well-formed UTF-16.</summary>
    private static string? Text(JsonValue value)
    {
        var element = value.GetValue<JsonElement>();
        if (element.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            string text = element.GetString()!;
            return IsWellFormed(text) ? text : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static bool IsWellFormed(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A fresh nonce.</summary>
    public static string NewNonce() => Base64Url(RandomNumberGenerator.GetBytes(18));

    /// <summary>Whether <paramref name="nonce"/> has the accepted form.</summary>
    public static bool IsNonce(string nonce) =>
        nonce.Length is >= 16 and <= 128 && nonce.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The RFC 3339 form of a signing time (UTC, whole seconds).</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Reads an RFC 3339 timestamp with an offset or Z.</summary>
    public static bool TryParseTimestamp(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:sszzz"],
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    /// <summary>Whether <paramref name="signature"/> verifies <paramref name="message"/> under the submission key <paramref name="key"/>.</summary>
    public static bool Verify(string key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (!TryPublicKey(key, out var publicKey) || signature.Length != Ed25519.SignatureSize)
        {
            return false;
        }

        return Ed25519.Verify(publicKey, message, signature);
    }

    /// <summary>Adds the signature headers to a request whose content (if any) is already set.</summary>
    public static async Task SignAsync(HttpRequestMessage request, string agreement, SubmissionKey key, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        string timestamp = Timestamp(now), nonce = NewNonce();
        string path = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.AbsolutePath : "/" + request.RequestUri.OriginalString.Split('?')[0].TrimStart('/');
        byte[] message = Message(agreement, request.Method.Method, Uri.UnescapeDataString(path), timestamp, nonce, body);
        foreach (var header in new[] { SignatureHeader, TimestampHeader, NonceHeader, KeyHeader })
        {
            request.Headers.Remove(header);
        }

        request.Headers.Add(SignatureHeader, Convert.ToBase64String(key.Sign(message)));
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(NonceHeader, nonce);
        request.Headers.Add(KeyHeader, key.PublicKey);
    }

    /// <summary>The <c>ed25519:</c> form of a raw public key.</summary>
    public static string KeyText(ReadOnlySpan<byte> rawPublicKey) => "ed25519:" + Convert.ToBase64String(rawPublicKey);

    private static bool TryPublicKey(string key, out PublicKey publicKey)
    {
        publicKey = null!;
        if (!Parley.Core.Features.AgreementReader.IsSigningKey(key))
        {
            return false;
        }

        return PublicKey.TryImport(Ed25519, Convert.FromBase64String(key["ed25519:".Length..]), KeyBlobFormat.RawPublicKey, out publicKey!);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A party's private submission key (Ed25519).</summary>
public sealed class SubmissionKey : IDisposable
{
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    private SubmissionKey(Key key)
    {
        _key = key;
        PublicKey = SignedRequests.KeyText(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The public half as an agreement lists it (<c>ed25519:</c> base64).</summary>
    public string PublicKey { get; }

    /// <summary>A new random key.</summary>
    public static SubmissionKey Create() =>
        new(Key.Create(Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>The key of a 32-byte seed.</summary>
    public static SubmissionKey FromSeed(ReadOnlySpan<byte> seed) =>
        new(Key.Import(Ed25519, seed, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Reads a key file (PKCS#8 PEM, as <c>parley keygen</c> writes).</summary>
    /// <exception cref="FormatException">The text is not an Ed25519 private key.</exception>
    public static SubmissionKey FromPem(string pem)
    {
        if (!Key.TryImport(Ed25519, Encoding.ASCII.GetBytes(pem.Trim()), KeyBlobFormat.PkixPrivateKeyText, out var key,
                new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }) || key is null)
        {
            throw new FormatException("not an Ed25519 private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)");
        }

        return new SubmissionKey(key);
    }

    /// <summary>The key as PKCS#8 PEM.</summary>
    public string ToPem() => Encoding.ASCII.GetString(_key.Export(KeyBlobFormat.PkixPrivateKeyText));

    /// <summary>Signs <paramref name="message"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => Ed25519.Sign(_key, message);

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}

/// <summary>
/// Development submission keys: for a party the agreement lists no key for, the center derives one from a
/// secret in its data folder, so that the embedded server and <c>parley</c> on the same folder work with no setup.
/// </summary>
/// <remarks>
/// The center holds such a key, so a signature by it proves nothing against the center: deployments list every
/// party's own public keys in the agreement (<c>signing_keys</c>), and then development keys are refused.
/// </remarks>
public static class DevelopmentKeys
{
    private const string SecretFileName = "development-submission.key";

    /// <summary>The development key of <paramref name="party"/> in <paramref name="agreement"/> under a data folder.</summary>
    public static SubmissionKey For(string dataDirectory, string agreement, string party)
    {
        byte[] secret = SecretFiles.ReadOrCreate(Path.Combine(dataDirectory, SecretFileName), () => RandomNumberGenerator.GetBytes(32));
        byte[] seed = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"parley development submission key\n{agreement}\n{party}"));
        return SubmissionKey.FromSeed(seed);
    }
}
