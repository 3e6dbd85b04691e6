using Microsoft.IdentityModel.Tokens;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Model;

namespace Parley.Server.Security;

/// <summary>
/// How one agreement's parties' tokens are validated: for each party that runs its own identity provider, its
/// issuer, audience and parsed keys; parties without one use the center's development tokens.
/// </summary>
/// <remarks>
/// Built once when an agreement (version) loads, so keys are not parsed per request; immutable afterwards and safe
/// to share between threads. A party's parameters trust only that party's keys: one party's provider can never
/// mint a token that names another party.
/// </remarks>
public sealed class PartyTokenKeys
{
    private readonly Dictionary<PartyId, TokenValidationParameters> _parties;

    private PartyTokenKeys(Dictionary<PartyId, TokenValidationParameters> parties) => _parties = parties;

    /// <summary>
    /// Reads and checks the keys of every party of <paramref name="agreement"/> that has an identity: inline JWKS as
    /// given, <c>jwks_file</c> read from disk (relative paths against the working directory).
    /// </summary>
    /// <exception cref="InputRejectedException">A JWKS cannot be read or holds a key Parley does not accept.</exception>
    public static PartyTokenKeys Load(Agreement agreement, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        ArgumentNullException.ThrowIfNull(time);
        var errors = new List<InputError>();
        var parties = new Dictionary<PartyId, TokenValidationParameters>();
        for (int i = 0; i < agreement.Parties.Count; i++)
        {
            var party = agreement.Parties[i];
            if (party.Identity is not { } identity)
            {
                continue;
            }

            string field = $"parties[{i}].identity.";
            string? json = identity.JwksJson;
            if (identity.JwksFile is { } file)
            {
                field += "jwks_file";
                try
                {
                    json = File.ReadAllText(Path.GetFullPath(file));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    errors.Add(new InputError(null, field, $"agreement '{agreement.Id}', party '{party.Id}': cannot read the JWKS file {file}: {e.Message}"));
                    continue;
                }
            }
            else
            {
                field += "jwks";
            }

            int before = errors.Count;
            var keys = Jwks.Parse(json ?? "", field, errors);
            if (errors.Count == before)
            {
                parties[party.Id] = Parameters(identity.Issuer, identity.Audience ?? agreement.TokenAudience, keys, Jwks.Algorithms, agreement.TokenClockSkew, time);
            }
        }

        if (errors.Count > 0)
        {
            throw new InputRejectedException(errors);
        }

        return new PartyTokenKeys(parties);
    }

    /// <summary>The validation parameters of a party with an identity, or <see langword="null"/> for a party without one.</summary>
    public TokenValidationParameters? For(PartyId party) => _parties.GetValueOrDefault(party);

    /// <summary>
    /// Parameters that trust only <paramref name="keys"/>, with algorithms that fit each key's type, for tokens from
    /// <paramref name="issuer"/> to <paramref name="audience"/>, with an expiry, within <paramref name="skew"/> of
    /// <paramref name="time"/>: the center's clock, which issues and remembers tokens too, not the machine's.
    /// </summary>
    internal static TokenValidationParameters Parameters(string issuer, string audience, IReadOnlyList<SecurityKey> keys, IReadOnlyList<string> algorithms, TimeSpan skew,
        TimeProvider time) => new()
    {
        ValidIssuer = issuer,
        ValidAudience = audience,
        IgnoreTrailingSlashWhenValidatingAudience = false,
        ValidAlgorithms = algorithms,
        // The key is chosen by the token's kid (when both have one) and must fit the token's algorithm: an
        // HS256 token keyed with an RSA public key, or an ES256 token with an Ed25519 key, finds no key at all.
        IssuerSigningKeyResolver = (_, token, kid, _) =>
        {
            string? alg = (token as Microsoft.IdentityModel.JsonWebTokens.JsonWebToken)?.Alg;
            return keys.Where(k => Jwks.Fits(alg, k) && (string.IsNullOrEmpty(kid) || k.KeyId is null || k.KeyId == kid)).ToList();
        },
        TryAllIssuerSigningKeys = false,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        LifetimeValidator = (notBefore, expires, _, parameters) => Lifetime(notBefore, expires, parameters.ClockSkew, time.GetUtcNow().UtcDateTime),
        ValidateIssuer = true,
        ValidateAudience = true,
        ClockSkew = skew,
        NameClaimType = "sub",
        RoleClaimType = "scope",
    };

    // The library's own check reads the machine's clock; this one is the library's rule at the center's time.
    private static bool Lifetime(DateTime? notBefore, DateTime? expires, TimeSpan skew, DateTime now)
    {
        if (expires is not { } until)
        {
            throw new SecurityTokenNoExpirationException("the token has no expiry");
        }

        if (notBefore is { } from && from > until)
        {
            throw new SecurityTokenInvalidLifetimeException("the token's lifetime ends before it starts") { NotBefore = from, Expires = until };
        }

        if (notBefore is { } start && start > now + skew)
        {
            throw new SecurityTokenNotYetValidException("the token is not valid yet") { NotBefore = start };
        }

        if (until < now - skew)
        {
            throw new SecurityTokenExpiredException("the token has expired") { Expires = until };
        }

        return true;
    }
}

/// <summary>The token keys of each agreement version served, read once per version (a new version reads them anew).</summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class PartyKeyBook(Parley.Server.Theaters.TheaterRegistry registry, TimeProvider time)
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Agreement, PartyTokenKeys> _keys = new();

    /// <summary>The agreement in force and its parties' token keys, if served.</summary>
    public (Agreement Agreement, PartyTokenKeys Keys)? Find(Parley.Core.Model.AgreementId id) =>
        registry.Find(id) is { } agreement ? (agreement, _keys.GetValue(agreement, a => PartyTokenKeys.Load(a, time))) : null;
}
