using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using NSec.Cryptography;
using Parley.Core;

namespace Parley.Server.Security;

/// <summary>Reads a JSON Web Key Set (RFC 7517) into the signature keys Parley accepts.</summary>
/// <remarks>
/// Accepted: <c>RSA</c> keys of at least 2048 bits (RS256), <c>EC</c> keys on P-256 (ES256) and <c>OKP</c> keys on
/// Ed25519 (EdDSA, RFC 8037). Keys marked <c>"use":"enc"</c> are skipped; any other key that is not one of these,
/// names another algorithm, or holds private material is refused, so a mistake in the set is seen when the
/// agreement loads rather than when a token fails.
/// </remarks>
internal static class Jwks
{
    /// <summary>The signature algorithms accepted from parties' identity providers.</summary>
    public static readonly IReadOnlyList<string> Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256, Ed25519SecurityKey.Algorithm];

    private const int MinimumRsaBits = 2048;

    // Members that only a private or symmetric key has: such a key must never be published in an agreement.
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    /// <summary>Parses <paramref name="json"/>; every problem is added to <paramref name="errors"/> under <paramref name="field"/>.</summary>
    public static IReadOnlyList<SecurityKey> Parse(string json, string field, List<InputError> errors)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            errors.Add(new InputError(null, field, $"not JSON: {e.Message}"));
            return [];
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new InputError(null, field, "must be a JWKS: an object with a keys array"));
                return [];
            }

            int before = errors.Count;
            var parsed = new List<SecurityKey>();
            int index = 0;
            foreach (var key in keys.EnumerateArray())
            {
                if (Parse(key, $"{field}.keys[{index++}]", errors) is { } securityKey)
                {
                    parsed.Add(securityKey);
                }
            }

            if (parsed.Count == 0 && errors.Count == before)
            {
                errors.Add(new InputError(null, field, "holds no signature key"));
            }

            return parsed;
        }
    }

    /// <summary>Whether a token signed with <paramref name="algorithm"/> may be verified with <paramref name="key"/>.</summary>
    /// <remarks>The algorithm follows from the key's type, never from the token alone: no RSA key verifies an HMAC or ECDSA token.</remarks>
    public static bool Fits(string? algorithm, SecurityKey key) => (algorithm, key) switch
    {
        (SecurityAlgorithms.RsaSha256, RsaSecurityKey) => true,
        (SecurityAlgorithms.EcdsaSha256, ECDsaSecurityKey) => true,
        (Ed25519SecurityKey.Algorithm, Ed25519SecurityKey) => true,
        _ => false,
    };

    private static SecurityKey? Parse(JsonElement key, string field, List<InputError> errors)
    {
        if (key.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new InputError(null, field, "must be a JWK object"));
            return null;
        }

        string? use = Member(key, "use", field, errors);
        if (use == "enc")
        {
            return null; // an encryption key of the provider: not for signatures
        }

        if (use is not null and not "sig")
        {
            errors.Add(new InputError(null, field + ".use", "must be sig (or enc, which is skipped)"));
            return null;
        }

        if (PrivateMembers.FirstOrDefault(m => key.TryGetProperty(m, out _)) is { } secret)
        {
            errors.Add(new InputError(null, $"{field}.{secret}", "private or symmetric key material: publish only the public key"));
            return null;
        }

        string? kid = Member(key, "kid", field, errors);
        string? alg = Member(key, "alg", field, errors);
        string? kty = Member(key, "kty", field, errors);
        try
        {
            SecurityKey? parsed = kty switch
            {
                "RSA" => Rsa(key, field, alg, errors),
                "EC" => Ec(key, field, alg, errors),
                "OKP" => Okp(key, field, alg, errors),
                null => Refuse(errors, field + ".kty", "required: RSA, EC or OKP"),
                _ => Refuse(errors, field + ".kty", $"key type {Clip(kty)} is not accepted (RSA, EC P-256, OKP Ed25519)"),
            };
            if (parsed is not null)
            {
                parsed.KeyId = kid;
            }

            return parsed;
        }
        catch (CryptographicException e)
        {
            errors.Add(new InputError(null, field, $"not a valid {kty} public key: {e.Message}"));
            return null;
        }
    }

    private static RsaSecurityKey? Rsa(JsonElement key, string field, string? alg, List<InputError> errors)
    {
        if (!AlgorithmIs(alg, SecurityAlgorithms.RsaSha256, field, errors))
        {
            return null;
        }

        byte[]? n = Bytes(key, "n", field, errors);
        byte[]? e = Bytes(key, "e", field, errors);
        if (n is null || e is null)
        {
            return null;
        }

        int bits = (n.AsSpan().TrimStart((byte)0).Length * 8) - LeadingZeroBits(n.AsSpan().TrimStart((byte)0));
        if (bits < MinimumRsaBits)
        {
            errors.Add(new InputError(null, field + ".n", $"an RSA key of {bits} bits is too short: at least {MinimumRsaBits}"));
            return null;
        }

        var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportParameters(new RSAParameters { Modulus = n, Exponent = e });
        return new RsaSecurityKey(rsa);
    }

    private static ECDsaSecurityKey? Ec(JsonElement key, string field, string? alg, List<InputError> errors)
    {
        if (!AlgorithmIs(alg, SecurityAlgorithms.EcdsaSha256, field, errors))
        {
            return null;
        }

        string? crv = Member(key, "crv", field, errors);
        if (crv != "P-256")
        {
            errors.Add(new InputError(null, field + ".crv", "must be P-256 (ES256)"));
            return null;
        }

        byte[]? x = Bytes(key, "x", field, errors, 32);
        byte[]? y = Bytes(key, "y", field, errors, 32);
        if (x is null || y is null)
        {
            return null;
        }

        // Importing checks that the point is on the curve.
        var ecdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } });
        return new ECDsaSecurityKey(ecdsa);
    }

    private static Ed25519SecurityKey? Okp(JsonElement key, string field, string? alg, List<InputError> errors)
    {
        if (!AlgorithmIs(alg, Ed25519SecurityKey.Algorithm, field, errors))
        {
            return null;
        }

        string? crv = Member(key, "crv", field, errors);
        if (crv != "Ed25519")
        {
            errors.Add(new InputError(null, field + ".crv", "must be Ed25519 (EdDSA)"));
            return null;
        }

        byte[]? x = Bytes(key, "x", field, errors, 32);
        if (x is null)
        {
            return null;
        }

        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, x, KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
        {
            errors.Add(new InputError(null, field + ".x", "not an Ed25519 public key"));
            return null;
        }

        return new Ed25519SecurityKey(publicKey);
    }

    private static bool AlgorithmIs(string? alg, string expected, string field, List<InputError> errors)
    {
        if (alg is null || alg == expected)
        {
            return true;
        }

        errors.Add(new InputError(null, field + ".alg", $"algorithm {Clip(alg)} is not accepted for this key type: {expected}"));
        return false;
    }

    private static string? Member(JsonElement key, string name, string field, List<InputError> errors)
    {
        if (!key.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        errors.Add(new InputError(null, $"{field}.{name}", "must be a string"));
        return null;
    }

    private static byte[]? Bytes(JsonElement key, string name, string field, List<InputError> errors, int? length = null)
    {
        string? text = Member(key, name, field, errors);
        if (text is null)
        {
            if (!key.TryGetProperty(name, out _))
            {
                errors.Add(new InputError(null, $"{field}.{name}", "required"));
            }

            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            errors.Add(new InputError(null, $"{field}.{name}", "must be base64url"));
            return null;
        }

        if (bytes.Length == 0 || (length is { } expected && bytes.Length != expected))
        {
            errors.Add(new InputError(null, $"{field}.{name}", length is null ? "must not be empty" : $"must be {length} bytes"));
            return null;
        }

        return bytes;
    }

    private static int LeadingZeroBits(ReadOnlySpan<byte> bytes) =>
        bytes.IsEmpty ? 0 : System.Numerics.BitOperations.LeadingZeroCount((uint)bytes[0]) - 24;

    private static SecurityKey? Refuse(List<InputError> errors, string field, string message)
    {
        errors.Add(new InputError(null, field, message));
        return null;
    }

    private static string Clip(string s) => s.Length <= 32 ? s : s[..32] + "…";
}
