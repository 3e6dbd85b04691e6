using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Parley.Server.Security;

/// <summary>
/// The embedded server's token signing key: an ECDSA P-256 key kept in the data folder, so that
/// <c>parley token --data DIR</c> issues tokens that the server on that folder accepts.
/// </summary>
/// <remarks>
/// The key file is created once with owner-only permissions. Tokens are ES256 JWTs with issuer
/// <see cref="Issuer"/>, audience <see cref="Audience"/>, subject = party, claim <c>agreement</c> and
/// claim <c>scope</c> = role.
/// </remarks>
public static class TokenKeys
{
    /// <summary>Issuer of development tokens.</summary>
    public const string Issuer = "parley-embedded";

    /// <summary>Audience the server expects.</summary>
    public const string Audience = "parley";

    private const string KeyFileName = "token-signing-key.pem";

    /// <summary>Loads the signing key of a data folder, creating it if absent.</summary>
    public static ECDsaSecurityKey Load(string dataDirectory)
    {
        var ecdsa = ECDsa.Create();
        var pem = SecretFiles.ReadOrCreate(Path.Combine(dataDirectory, KeyFileName), () =>
        {
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return System.Text.Encoding.ASCII.GetBytes(fresh.ExportPkcs8PrivateKeyPem());
        });
        ecdsa.ImportFromPem(System.Text.Encoding.ASCII.GetString(pem));
        return new ECDsaSecurityKey(ecdsa) { KeyId = Base64UrlEncoder.Encode(SHA256.HashData(ecdsa.ExportSubjectPublicKeyInfo()).AsSpan(0, 8).ToArray()) };
    }

    /// <summary>Issues a token for a party of an agreement with one role.</summary>
    public static string Issue(string dataDirectory, string agreement, string party, string role, TimeSpan lifetime, TimeProvider? time = null)
    {
        if (!Roles.All.Contains(role))
        {
            throw new ArgumentException($"unknown role '{role}' ({string.Join(", ", Roles.All)})", nameof(role));
        }

        var now = (time ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        var handler = new JsonWebTokenHandler();
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = party,
                ["agreement"] = agreement,
                ["scope"] = role,
            },
            SigningCredentials = new SigningCredentials(Load(dataDirectory), SecurityAlgorithms.EcdsaSha256),
        });
    }
}
