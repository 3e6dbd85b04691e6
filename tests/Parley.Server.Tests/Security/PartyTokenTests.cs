using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using NSec.Cryptography;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Microsoft.Extensions.DependencyInjection;

namespace Parley.Server.Tests.Security;

/// <summary>
/// Tokens verified against each party's own identity provider: blue signs RS256 (inline JWKS), red ES256 (a JWKS
/// file, its own audience), aid EdDSA (inline Ed25519 key), grey has no provider and uses development tokens.
/// </summary>
public sealed class PartyTokenTests : IAsyncLifetime
{
    private const string AgreementId = "tokens";
    private const string Audience = "https://parley.test";
    private const string RedAudience = "red-gateway";
    private const string BlueIssuer = "https://idp.blue.test";
    private const string RedIssuer = "https://idp.red.test";
    private const string AidIssuer = "https://idp.aid.test";
    private const string ZonesPath = "/v1/agreements/tokens/zones";

    private readonly RSA _blueKey = RSA.Create(2048);
    private readonly ECDsa _redKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly Key _aidKey = Key.Create(SignatureAlgorithm.Ed25519);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "parley-party-tokens-" + Guid.NewGuid().ToString("N"));
    private RunningServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string RedJwksFile => Path.Combine(_folder, "red.jwks.json");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(RedJwksFile, new JsonObject { ["keys"] = new JsonArray(EcJwk(_redKey, "red-1")) }.ToJsonString(), Ct);
        var agreement = new JsonObject
        {
            ["id"] = AgreementId,
            ["token_audience"] = Audience,
            ["parties"] = new JsonArray(
                Party("blue", new JsonObject { ["issuer"] = BlueIssuer, ["jwks"] = new JsonObject { ["keys"] = new JsonArray(RsaJwk(_blueKey, "blue-1")) } }),
                Party("red", new JsonObject { ["issuer"] = RedIssuer, ["audience"] = RedAudience, ["jwks_file"] = RedJwksFile }),
                Party("aid", new JsonObject { ["issuer"] = AidIssuer, ["jwks"] = new JsonObject { ["keys"] = new JsonArray(OkpJwk(_aidKey, "aid-1")) } }),
                Party("grey", null)),
        };
        string file = Path.Combine(_folder, "agreement.json");
        await File.WriteAllTextAsync(file, agreement.ToJsonString(), Ct);
        _server = await RunningServer.StartAsync(agreementFiles: [file]);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _blueKey.Dispose();
        _redKey.Dispose();
        _aidKey.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task each_party_is_accepted_with_a_token_from_its_own_identity_provider_or_a_development_token()
    {
        foreach (var (party, token) in new[]
        {
            ("blue", BlueToken(Claims(BlueIssuer, "blue"))),
            ("red", RedToken(Claims(RedIssuer, "red", audience: RedAudience))),
            ("aid", AidToken(Claims(AidIssuer, "aid"))),
            ("grey", TokenKeys.Issue(_server.DataDirectory, AgreementId, "grey", Roles.Operator, TimeSpan.FromMinutes(5))),
        })
        {
            var response = await GetZonesAsync(token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{party}: {response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("not-yet-valid")]
    [InlineData("no-expiry")]
    [InlineData("wrong-audience")]
    [InlineData("the-agreement-audience-for-a-party-with-its-own")]
    [InlineData("wrong-issuer")]
    [InlineData("red-key-claiming-blues-issuer")]
    [InlineData("red-provider-minting-for-blue")]
    [InlineData("development-token-for-a-party-with-a-provider")]
    [InlineData("unknown-kid")]
    [InlineData("alg-none")]
    [InlineData("hs256-keyed-with-the-rsa-public-key")]
    [InlineData("es256-under-the-kid-of-an-rsa-key")]
    [InlineData("tampered-payload")]
    [InlineData("flipped-eddsa-signature")]
    [InlineData("unknown-party")]
    [InlineData("unknown-agreement")]
    [InlineData("agreement-as-a-number")]
    [InlineData("garbage")]
    [InlineData("three-segments-of-garbage")]
    public async Task a_bad_token_is_refused_with_401_a_problem_and_a_bearer_challenge(string fault)
    {
        string token = BadToken(fault);
        var response = await GetZonesAsync(token);
        string body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        var detail = JsonNode.Parse(body)!["detail"]!.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        if (fault switch { "expired" => "the token has expired", "not-yet-valid" => "the token is not valid yet", "no-expiry" => "the token has no expiry", _ => null } is { } why)
        {
            Assert.Contains(why, detail, StringComparison.Ordinal);
        }

        foreach (var segment in token.Split('.').Where(s => s.Length >= 8))
        {
            Assert.DoesNotContain(segment, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task a_request_without_a_token_gets_401_and_a_challenge_without_an_error_code()
    {
        using var client = _server.Client();
        var response = await client.GetAsync(ZonesPath, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).ToString());
    }

    [Fact]
    public async Task a_token_expired_ten_seconds_ago_is_within_the_thirty_seconds_of_skew_and_accepted()
    {
        var response = await GetZonesAsync(BlueToken(Claims(BlueIssuer, "blue", expiresIn: TimeSpan.FromSeconds(-10))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        response = await GetZonesAsync(AidToken(Claims(AidIssuer, "aid", notBeforeIn: TimeSpan.FromSeconds(10))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task a_valid_token_without_the_role_the_route_needs_or_for_another_agreement_is_refused_with_403()
    {
        using var monitor = Client(RedToken(Claims(RedIssuer, "red", audience: RedAudience, scope: Roles.Monitor)));
        var check = await monitor.PostAsync("/v1/agreements/tokens/check",
            RunningServer.GeoJson(Json.Operation("o1", "flight", Json.Box(0, 0, 1, 1))), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, check.StatusCode);
        Assert.Equal("application/problem+json", check.Content.Headers.ContentType?.MediaType);

        // A member may not claim the administrator's role, whatever its provider signs.
        Assert.Equal(HttpStatusCode.Forbidden, (await GetZonesAsync(AidToken(Claims(AidIssuer, "aid", scope: Roles.Admin)))).StatusCode);

        // A valid token of the demo agreement does not open this one.
        Assert.Equal(HttpStatusCode.Forbidden, (await GetZonesAsync(_server.Token("red"))).StatusCode);
    }

    [Fact]
    public async Task a_scope_given_as_an_array_is_read_as_the_roles_it_lists()
    {
        var claims = Claims(BlueIssuer, "blue");
        claims["scope"] = new JsonArray(Roles.Monitor, Roles.Operator);
        using var blue = Client(BlueToken(claims));
        var check = await blue.PostAsync("/v1/agreements/tokens/check",
            RunningServer.GeoJson(Json.Operation("o1", "flight", Json.Box(0, 0, 1, 1))), Ct);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
    }

    [Fact]
    public async Task keys_are_read_once_when_the_agreement_loads_not_on_every_request()
    {
        var keyBook = _server.App.Services.GetRequiredService<PartyKeyBook>();
        var first = keyBook.Find(new AgreementId(AgreementId))!.Value.Keys;
        File.Delete(RedJwksFile);

        var response = await GetZonesAsync(RedToken(Claims(RedIssuer, "red", audience: RedAudience)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Same(first, keyBook.Find(new AgreementId(AgreementId))!.Value.Keys);
    }

    [Fact]
    public async Task a_token_taken_on_trust_after_it_verified_is_refused_once_its_partys_keys_are_replaced()
    {
        string token = BlueToken(Claims(BlueIssuer, "blue"));
        Assert.Equal(HttpStatusCode.OK, (await GetZonesAsync(token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetZonesAsync(token)).StatusCode);

        // Blue's provider rotates to a new key: the agreement is put again with it alone.
        using var rotated = RSA.Create(2048);
        var agreement = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, "agreement.json"), Ct))!.AsObject();
        agreement["parties"]![0]!["identity"]!["jwks"] = new JsonObject { ["keys"] = new JsonArray(RsaJwk(rotated, "blue-2")) };
        var registry = _server.App.Services.GetRequiredService<TheaterRegistry>();
        await registry.PutAgreementAsync(agreement.ToJsonString(), Ct);

        var refused = await GetZonesAsync(token);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private string BadToken(string fault) => fault switch
    {
        "expired" => BlueToken(Claims(BlueIssuer, "blue", expiresIn: TimeSpan.FromMinutes(-2), notBeforeIn: TimeSpan.FromHours(-1))),
        "not-yet-valid" => BlueToken(Claims(BlueIssuer, "blue", notBeforeIn: TimeSpan.FromMinutes(2))),
        "no-expiry" => BlueToken(Without(Claims(BlueIssuer, "blue"), "exp")),
        "wrong-audience" => BlueToken(Claims(BlueIssuer, "blue", audience: "parley")),
        "the-agreement-audience-for-a-party-with-its-own" => RedToken(Claims(RedIssuer, "red", audience: Audience)),
        "wrong-issuer" => BlueToken(Claims(AidIssuer, "blue")),
        "red-key-claiming-blues-issuer" => RedToken(Claims(BlueIssuer, "blue")),
        "red-provider-minting-for-blue" => RedToken(Claims(RedIssuer, "blue", audience: RedAudience)),
        "development-token-for-a-party-with-a-provider" => TokenKeys.Issue(_server.DataDirectory, AgreementId, "blue", Roles.Operator, TimeSpan.FromMinutes(5)),
        "unknown-kid" => BlueToken(Claims(BlueIssuer, "blue"), kid: "blue-2"),
        "alg-none" => Jwt("none", null, Claims(BlueIssuer, "blue"), _ => []),
        "hs256-keyed-with-the-rsa-public-key" => Jwt("HS256", "blue-1", Claims(BlueIssuer, "blue"),
            data => HMACSHA256.HashData(Encoding.ASCII.GetBytes(_blueKey.ExportSubjectPublicKeyInfoPem()), data)),
        "es256-under-the-kid-of-an-rsa-key" => Jwt("ES256", "blue-1", Claims(BlueIssuer, "blue"), data => _redKey.SignData(data, HashAlgorithmName.SHA256)),
        "tampered-payload" => Tamper(BlueToken(Claims(BlueIssuer, "blue", scope: Roles.Monitor)), Claims(BlueIssuer, "blue", scope: Roles.Operator)),
        "flipped-eddsa-signature" => FlipLastSignatureByte(AidToken(Claims(AidIssuer, "aid"))),
        "unknown-party" => BlueToken(Claims(BlueIssuer, "green")),
        "unknown-agreement" => BlueToken(Claims(BlueIssuer, "blue", agreement: "nowhere")),
        "agreement-as-a-number" => BlueToken(With(Claims(BlueIssuer, "blue"), "agreement", 7)),
        "garbage" => "not-a-jwt",
        "three-segments-of-garbage" => "bm90LWpzb24.bm90LWpzb24.bm90LWpzb24",
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    private async Task<HttpResponseMessage> GetZonesAsync(string token)
    {
        using var client = Client(token);
        return await client.GetAsync(ZonesPath, Ct);
    }

    private HttpClient Client(string token)
    {
        var client = _server.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private string BlueToken(JsonObject claims, string kid = "blue-1") =>
        Jwt("RS256", kid, claims, data => _blueKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    private string RedToken(JsonObject claims) => Jwt("ES256", "red-1", claims, data => _redKey.SignData(data, HashAlgorithmName.SHA256));

    private string AidToken(JsonObject claims) => Jwt("EdDSA", "aid-1", claims, data => SignatureAlgorithm.Ed25519.Sign(_aidKey, data));

    /// <summary>A compact JWS built by hand (RFC 7515), so that any algorithm, including EdDSA and forgeries, can be made.</summary>
    private static string Jwt(string alg, string? kid, JsonObject claims, Func<byte[], byte[]> sign)
    {
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT" };
        if (kid is not null)
        {
            header["kid"] = kid;
        }

        string input = Segment(header) + "." + Segment(claims);
        return input + "." + Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(input)));
    }

    private static string Segment(JsonObject o) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(o.ToJsonString()));

    private static JsonObject Claims(string issuer, string party, string audience = Audience, string scope = Roles.Operator,
        TimeSpan? expiresIn = null, TimeSpan? notBeforeIn = null, string agreement = AgreementId)
    {
        var now = DateTimeOffset.UtcNow;
        return new JsonObject
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["sub"] = party,
            ["agreement"] = agreement,
            ["scope"] = scope,
            ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["nbf"] = (now + (notBeforeIn ?? TimeSpan.FromMinutes(-1))).ToUnixTimeSeconds(),
            ["exp"] = (now + (expiresIn ?? TimeSpan.FromMinutes(5))).ToUnixTimeSeconds(),
        };
    }

    private static JsonObject Without(JsonObject claims, string name)
    {
        claims.Remove(name);
        return claims;
    }

    private static JsonObject With(JsonObject claims, string name, JsonNode value)
    {
        claims[name] = value;
        return claims;
    }

    private static string Tamper(string token, JsonObject claims)
    {
        var parts = token.Split('.');
        return parts[0] + "." + Segment(claims) + "." + parts[2];
    }

    private static string FlipLastSignatureByte(string token)
    {
        var parts = token.Split('.');
        byte[] signature = Base64Url.DecodeFromChars(parts[2]);
        signature[^1] ^= 1;
        return parts[0] + "." + parts[1] + "." + Base64Url.EncodeToString(signature);
    }

    private static JsonObject Party(string id, JsonObject? identity)
    {
        var party = new JsonObject { ["id"] = id, ["role"] = "member" };
        if (identity is not null)
        {
            party["identity"] = identity;
        }

        return party;
    }

    private static JsonObject RsaJwk(RSA rsa, string kid)
    {
        var p = rsa.ExportParameters(includePrivateParameters: false);
        return new JsonObject { ["kty"] = "RSA", ["kid"] = kid, ["use"] = "sig", ["alg"] = "RS256", ["n"] = Base64Url.EncodeToString(p.Modulus), ["e"] = Base64Url.EncodeToString(p.Exponent) };
    }

    private static JsonObject EcJwk(ECDsa ecdsa, string kid)
    {
        var p = ecdsa.ExportParameters(includePrivateParameters: false);
        return new JsonObject { ["kty"] = "EC", ["kid"] = kid, ["crv"] = "P-256", ["x"] = Base64Url.EncodeToString(p.Q.X), ["y"] = Base64Url.EncodeToString(p.Q.Y) };
    }

    private static JsonObject OkpJwk(Key key, string kid) => new()
    {
        ["kty"] = "OKP", ["kid"] = kid, ["crv"] = "Ed25519", ["x"] = Base64Url.EncodeToString(key.PublicKey.Export(KeyBlobFormat.RawPublicKey)),
    };
}

/// <summary>Which keys an agreement may name for its parties, checked when the agreement loads.</summary>
public sealed class PartyTokenKeyLoadingTests
{
    private static Agreement WithKeys(string identity) =>
        AgreementReader.Parse($$"""{"id":"a","parties":[{"id":"x"},{"id":"y","identity":{{identity}}}]}""");

    private static InputRejectedException Refused(string identity) =>
        Assert.Throws<InputRejectedException>(() => PartyTokenKeys.Load(WithKeys(identity), TimeProvider.System));

    [Fact]
    public void a_jwks_file_that_cannot_be_read_makes_the_agreement_fail_to_load_with_the_field_and_the_path()
    {
        string missing = Path.Combine(Path.GetTempPath(), "parley-no-such-" + Guid.NewGuid().ToString("N") + ".json");
        var e = Refused($$"""{"issuer":"i","jwks_file":"{{missing}}"}""");
        Assert.Equal("parties[1].identity.jwks_file", e.Errors[0].Field);
        Assert.Contains(missing, e.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_jwks_file_that_is_not_a_key_set_makes_the_agreement_fail_to_load()
    {
        string file = Path.Combine(Path.GetTempPath(), "parley-bad-jwks-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(file, "{\"keys\": [");
        try
        {
            Assert.Equal("parties[1].identity.jwks_file", Refused($$"""{"issuer":"i","jwks_file":"{{file}}"}""").Errors[0].Field);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void an_rsa_key_shorter_than_2048_bits_is_refused()
    {
        using var rsa = RSA.Create(1024);
        var p = rsa.ExportParameters(false);
        var e = Refused($$$"""{"issuer":"i","jwks":{"keys":[{"kty":"RSA","n":"{{{Base64Url.EncodeToString(p.Modulus)}}}","e":"AQAB"}]}}""");
        Assert.Equal("parties[1].identity.jwks.keys[0].n", e.Errors[0].Field);
    }

    [Theory]
    [InlineData("""{"kty":"oct","k":"c2VjcmV0"}""", "parties[1].identity.jwks.keys[0].k")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}""", "parties[1].identity.jwks.keys[0].d")]
    [InlineData("""{"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""", "parties[1].identity.jwks.keys[0].crv")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","x":"short"}""", "parties[1].identity.jwks.keys[0].x")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","alg":"ES256","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""", "parties[1].identity.jwks.keys[0].alg")]
    [InlineData("""{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}""", "parties[1].identity.jwks.keys[0].crv")]
    [InlineData("""{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}""", "parties[1].identity.jwks.keys[0]")]
    [InlineData("""{"crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""", "parties[1].identity.jwks.keys[0].kty")]
    [InlineData("""{"kty":"OKP","crv":"Ed25519","use":"wrap","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""", "parties[1].identity.jwks.keys[0].use")]
    public void a_key_parley_does_not_accept_is_refused_and_named(string key, string field)
    {
        var e = Refused($$$"""{"issuer":"i","jwks":{"keys":[{{{key}}}]}}""");
        Assert.Contains(e.Errors, error => error.Field == field);
    }

    [Fact]
    public void encryption_keys_are_skipped_but_a_set_of_nothing_else_is_refused()
    {
        const string ed25519 = """{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}""";
        const string encryption = """{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}""";
        var keys = PartyTokenKeys.Load(WithKeys($$$"""{"issuer":"i","jwks":{"keys":[{{{encryption}}},{{{ed25519}}}]}}"""), TimeProvider.System);
        Assert.NotNull(keys.For(new PartyId("y")));
        Assert.Null(keys.For(new PartyId("x")));

        Assert.Equal("parties[1].identity.jwks", Refused($$$"""{"issuer":"i","jwks":{"keys":[{{{encryption}}}]}}""").Errors[0].Field);
    }

    [Fact]
    public void a_party_audience_overrides_the_agreement_audience_and_the_skew_is_the_agreements()
    {
        var agreement = AgreementReader.Parse("""
            {"id":"a","token_audience":"aud-a","token_clock_skew_s":5,"parties":[
              {"id":"x","identity":{"issuer":"ix","jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}}},
              {"id":"y","identity":{"issuer":"iy","audience":"aud-y","jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}}}]}
            """);
        var keys = PartyTokenKeys.Load(agreement, TimeProvider.System);
        Assert.Equal("aud-a", keys.For(new PartyId("x"))!.ValidAudience);
        Assert.Equal("ix", keys.For(new PartyId("x"))!.ValidIssuer);
        Assert.Equal("aud-y", keys.For(new PartyId("y"))!.ValidAudience);
        Assert.Equal(TimeSpan.FromSeconds(5), keys.For(new PartyId("y"))!.ClockSkew);
    }
}
