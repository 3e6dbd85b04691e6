using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Parley.Core.Model;
using Parley.Server.Api;
using Parley.Server.Theaters;
using Parley.Server.Http;

namespace Parley.Server.Security;

/// <summary>The outcome of validating a bearer token: the verified identity, or why it was refused.</summary>
/// <param name="Identity">The verified claims, when the token is valid.</param>
/// <param name="Failure">Why it is not, in general terms that never repeat the token's content.</param>
internal sealed record PartyTokenResult(ClaimsIdentity? Identity, string? Failure);

/// <summary>
/// Validates bearer tokens against the keys of the party they name: the token is read unverified only to find its
/// <c>agreement</c> and <c>sub</c>, then verified against that party's identity provider alone (or the center's
/// development key for a party without one).
/// </summary>
/// <remarks>
/// Thread-safe; the per-party parameters come from <see cref="PartyTokenKeys"/>, read once per agreement version (<see cref="PartyKeyBook"/>). A token
/// that verified is remembered (by its SHA-256) until it expires, for at most five minutes, and only while its
/// agreement's keys stay the ones it verified with: a client sends the same token with every call, and checking its
/// signature again each time is most of the cost of a small request.
/// </remarks>
internal sealed class PartyTokenValidator(PartyKeyBook keyBook, SecurityKey developmentKey, TimeProvider time)
{
    // How long a verified token is taken on trust at most, and how many are remembered (past that, all are forgotten).
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(5);
    private const int MostRemembered = 10_000;

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    private sealed record Verified(AgreementId Agreement, PartyTokenKeys Keys, ClaimsIdentity Identity, DateTimeOffset Until);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Verified> _verified = new(StringComparer.Ordinal);

    // Development tokens are validated the same way for every agreement but for its clock skew (0..300 s).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<TimeSpan, TokenValidationParameters> _development = new();

    /// <summary>Validates <paramref name="token"/>.</summary>
    public async Task<PartyTokenResult> ValidateAsync(string token)
    {
        string digest = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
        var now = time.GetUtcNow();
        if (_verified.TryGetValue(digest, out var known))
        {
            if (now < known.Until && keyBook.Find(known.Agreement) is { } current && ReferenceEquals(current.Keys, known.Keys))
            {
                return new PartyTokenResult(known.Identity.Clone(), null);
            }

            _verified.TryRemove(digest, out _);
        }

        var result = await VerifyAsync(token);
        if (result.Verified is { } verified && now < verified.Until)
        {
            if (_verified.Count >= MostRemembered)
            {
                _verified.Clear();
            }

            _verified[digest] = verified;
        }

        return result.Result;
    }

    private async Task<(PartyTokenResult Result, Verified? Verified)> VerifyAsync(string token)
    {
        JsonWebToken unverified;
        try
        {
            if (!_handler.CanReadToken(token))
            {
                return (Refused("the token is not a well-formed JWT"), null);
            }

            unverified = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return (Refused("the token is not a well-formed JWT"), null);
        }

        if (unverified.IsEncrypted)
        {
            return (Refused("encrypted tokens are not accepted"), null);
        }

        if (!unverified.TryGetPayloadValue("agreement", out string? agreementId) || string.IsNullOrEmpty(agreementId) ||
            !unverified.TryGetPayloadValue("sub", out string? partyId) || string.IsNullOrEmpty(partyId))
        {
            return (Refused("the token does not name an agreement and a party"), null);
        }

        if (keyBook.Find(new AgreementId(agreementId)) is not { } found || !found.Agreement.HasParty(new PartyId(partyId)))
        {
            return (Refused("the token names an agreement or party this center does not serve"), null);
        }

        var (agreement, keys) = found;
        var parameters = keys.For(new PartyId(partyId)) ?? _development.GetOrAdd(agreement.TokenClockSkew, skew =>
            PartyTokenKeys.Parameters(TokenKeys.Issuer, TokenKeys.Audience, [developmentKey], [SecurityAlgorithms.EcdsaSha256], skew, time));
        if (!parameters.ValidAlgorithms.Contains(unverified.Alg))
        {
            return (Refused("the token's signature algorithm is not accepted for its party"), null);
        }

        var result = await _handler.ValidateTokenAsync(unverified, parameters);
        if (!result.IsValid)
        {
            return (Refused(Describe(result.Exception)), null);
        }

        var until = new DateTimeOffset(DateTime.SpecifyKind(unverified.ValidTo, DateTimeKind.Utc));
        var cap = time.GetUtcNow() + Remembered;
        return (new PartyTokenResult(result.ClaimsIdentity, null), new Verified(agreement.Id, keys, result.ClaimsIdentity.Clone(), until < cap ? until : cap));
    }

    private static PartyTokenResult Refused(string why) => new(null, why);

    private static string Describe(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenNoExpirationException => "the token has no expiry",
        SecurityTokenInvalidLifetimeException => "the token's lifetime is invalid",
        SecurityTokenInvalidAudienceException => "the token is for another audience",
        SecurityTokenInvalidIssuerException => "the token is not from its party's identity provider",
        SecurityTokenInvalidAlgorithmException => "the token's signature algorithm is not accepted for its party",
        SecurityTokenInvalidSignatureException => "the token's signature does not verify with its party's keys",
        SecurityTokenMalformedException or ArgumentException => "the token is not a well-formed JWT",
        _ => "the token is not valid",
    };
}

/// <summary>Options of the party-aware bearer scheme.</summary>
internal sealed class PartyTokenOptions : AuthenticationSchemeOptions;

/// <summary>
/// The <c>Bearer</c> scheme: authenticates with <see cref="PartyTokenValidator"/>; refuses with 401, an RFC 9457
/// problem document and <c>WWW-Authenticate: Bearer</c> (RFC 6750).
/// </summary>
internal sealed class PartyTokenHandler(
    IOptionsMonitor<PartyTokenOptions> options, ILoggerFactory logger, UrlEncoder encoder, PartyTokenValidator validator)
    : AuthenticationHandler<PartyTokenOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        using var span = Telemetry.ParleyTelemetry.Source.StartActivity("authenticate");
        var result = await VerifyTokenAsync();
        if (span is not null && result.Failure is not null)
        {
            span.SetStatus(System.Diagnostics.ActivityStatusCode.Error);
        }

        return result;
    }

    private async Task<AuthenticateResult> VerifyTokenAsync()
    {
        string? authorization = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(authorization))
        {
            return AuthenticateResult.NoResult();
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("only bearer tokens are accepted");
        }

        string token = authorization["Bearer ".Length..].Trim();
        var result = await validator.ValidateAsync(token);
        return result.Identity is { } identity
            ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName))
            : AuthenticateResult.Fail(result.Failure ?? "the token is not valid");
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var outcome = await HandleAuthenticateOnceSafeAsync();
        string? failure = outcome.Failure?.Message;

        // RFC 6750 §3.1: no error code when the request carried no credentials at all.
        Response.Headers.WWWAuthenticate = failure is null
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{failure.Replace('"', '\'')}\"";
        await Problems.Problem(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized",
            failure ?? "this call needs a bearer token").ExecuteAsync(Context);
    }
}

/// <summary>Registers the party-aware bearer scheme.</summary>
internal static class PartyTokenRegistration
{
    /// <summary>Adds the <c>Bearer</c> scheme, trusting <paramref name="developmentKey"/> for parties without an identity provider.</summary>
    public static IServiceCollection AddPartyTokens(this IServiceCollection services, SecurityKey developmentKey)
    {
        services.AddSingleton(sp => new PartyKeyBook(sp.GetRequiredService<TheaterRegistry>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new PartyTokenValidator(sp.GetRequiredService<PartyKeyBook>(), developmentKey, sp.GetRequiredService<TimeProvider>()));
        services.AddAuthentication(PartyTokenHandler.SchemeName).AddScheme<PartyTokenOptions, PartyTokenHandler>(PartyTokenHandler.SchemeName, null);
        return services;
    }
}
