using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Parley.Core.Model;
using Parley.Server.Console;
using Parley.Server.Demo;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Configuration;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>A party of the demo and the roles its tokens may claim.</summary>
public sealed record DemoParty(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles);

/// <summary>What the demo sign-in offers: the agreement and its parties.</summary>
public sealed record DemoSignInOffer(
    [property: JsonPropertyName("agreement")] string Agreement,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("parties")] IReadOnlyList<DemoParty> Parties);

/// <summary>A demo sign-in asked for: one party in one role.</summary>
public sealed record DemoSignInRequest(
    [property: JsonPropertyName("party")] string? Party,
    [property: JsonPropertyName("role")] string? Role);

/// <summary>A development token and the party's development submission key (PKCS#8 PEM), as <c>parley token</c> and <c>parley keygen --development</c> give.</summary>
public sealed record DemoCredentials(
    [property: JsonPropertyName("agreement")] string Agreement,
    [property: JsonPropertyName("party")] string Party,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("public_key")] string PublicKey);

/// <summary>Source-generated JSON of the demo sign-in.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DemoSignInOffer))]
[JsonSerializable(typeof(DemoSignInRequest))]
[JsonSerializable(typeof(DemoCredentials))]
public sealed partial class DemoSignInJson : JsonSerializerContext;

/// <summary>
/// The console's demo sign-in: on a <c>--demo</c> server that listens on loopback only, anyone at this machine may
/// act as any demo party (the development tokens and keys are in the data folder anyway). Every other server, and
/// every request that does not come to and from loopback, gets 404: the route does not exist there.
/// </summary>
/// <remarks>Not part of the API document: it is the demo's convenience, not a contract.</remarks>
internal static class DemoSignInApi
{
    public const string Path = "/console/demo-sign-in";

    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    public static void Map(WebApplication app)
    {
        app.MapGet(Path, Offer).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(Path, SignInAsync).AllowAnonymous().ExcludeFromDescription();
    }

    private static IResult Offer(HttpContext http, ParleyServerOptions options, TheaterRegistry registry)
    {
        ConsoleFiles.SecureHeaders(http.Response);
        if (!Available(http, options) || registry.Find(new AgreementId(DemoAgreement.Id)) is not { } agreement)
        {
            return Problems.NotFound("no demo sign-in on this server");
        }

        var parties = agreement.Parties
            .Select(p => new DemoParty(p.Id.Value, p.Name, [.. Roles.All.Where(r => r != Roles.Admin && CallerFilter.Allows(p.Role, r))]))
            .ToList();
        return TypedResults.Json(new DemoSignInOffer(agreement.Id.Value, agreement.Name, parties), DemoSignInJson.Default.DemoSignInOffer);
    }

    private static async Task<IResult> SignInAsync(HttpContext http, ParleyServerOptions options, TheaterRegistry registry, CancellationToken ct)
    {
        ConsoleFiles.SecureHeaders(http.Response);
        if (!Available(http, options) || registry.Find(new AgreementId(DemoAgreement.Id)) is not { } agreement)
        {
            return Problems.NotFound("no demo sign-in on this server");
        }

        // JSON only: a page of another origin cannot send it without a preflight, which this server never grants.
        if (http.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "The body is not JSON", "send {\"party\":…,\"role\":…} as application/json");
        }

        DemoSignInRequest? asked;
        try
        {
            asked = await JsonSerializer.DeserializeAsync(http.Request.Body, DemoSignInJson.Default.DemoSignInRequest, ct);
        }
        catch (JsonException)
        {
            return Invalid("$", "malformed JSON: send {\"party\":…,\"role\":…}");
        }

        var party = agreement.Parties.FirstOrDefault(p => p.Id.Value == asked?.Party);
        if (party is null)
        {
            return Invalid("party", $"one of {string.Join(", ", agreement.Parties.Select(p => p.Id.Value))}");
        }

        if (asked!.Role is not { } role || role == Roles.Admin || !Roles.All.Contains(role) || !CallerFilter.Allows(party.Role, role))
        {
            return Invalid("role", $"a role {party.Id.Value} may hold: {string.Join(", ", Roles.All.Where(r => r != Roles.Admin && CallerFilter.Allows(party.Role, r)))}");
        }

        string token = TokenKeys.Issue(options.DataDirectory, agreement.Id.Value, party.Id.Value, role, Lifetime, http.RequestServices.GetService<TimeProvider>());
        using var key = DevelopmentKeys.For(options.DataDirectory, agreement.Id.Value, party.Id.Value);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new DemoCredentials(agreement.Id.Value, party.Id.Value, role, token, key.ToPem(), key.PublicKey), DemoSignInJson.Default.DemoCredentials);
    }

    /// <summary>Only a demo server bound to loopback addresses, asked from loopback under a loopback host name.</summary>
    private static bool Available(HttpContext http, ParleyServerOptions options) =>
        options.Demo &&
        options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries).All(IsLoopbackUrl) &&
        http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote) &&
        http.Request.Host.Host is "127.0.0.1" or "localhost" or "[::1]" or "::1";

    private static bool IsLoopbackUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.IsLoopback || uri.Host is "127.0.0.1" or "[::1]");

    private static IResult Invalid(string field, string message) =>
        Problems.Invalid(new Parley.Core.InputRejectedException(new Parley.Core.InputError(null, field, message)));
}
