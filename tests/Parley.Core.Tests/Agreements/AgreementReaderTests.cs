using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Core.Tests.Agreements;

public class AgreementReaderTests
{
    private const string Json = """
        {
          "id": "demo",
          "name": "Demo agreement",
          "version": 3,
          "parties": [
            { "id": "blue", "name": "Blue", "role": "member" },
            { "id": "red", "name": "Red", "role": "member" },
            { "id": "un", "name": "Monitors", "role": "observer" }
          ],
          "operation_kinds": ["flight", "strike", "ground-movement", "humanitarian-movement", "survey"],
          "airborne_kinds": ["flight", "strike", "survey"],
          "rules": [
            { "operation": "strike", "zones": ["protected", "restricted"] },
            { "operation": "survey", "zones": ["restricted"] }
          ],
          "separation": { "lateral_m": 5000, "vertical_m": 150 },
          "max_vertices": 500,
          "concurrence_deadline_minutes": 45,
          "disclosure_resolution_m": 20000
        }
        """;

    private const string Yaml = """
        id: demo
        name: Demo agreement
        version: 3
        parties:
          - id: blue
            name: Blue
            role: member
          - { id: red, name: Red, role: member }
          - id: un
            name: Monitors
            role: observer
        operation_kinds: [flight, strike, ground-movement, humanitarian-movement, survey]
        airborne_kinds: [flight, strike, survey]
        rules:
          - operation: strike
            zones: [protected, restricted]
          - operation: survey
            zones: [restricted]
        separation:
          lateral_m: 5000
          vertical_m: 150
        max_vertices: 500
        concurrence_deadline_minutes: 45
        disclosure_resolution_m: 20000
        """;

    private static void AssertSame(Agreement expected, Agreement actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Parties, actual.Parties);
        Assert.Equal(expected.OperationKinds, actual.OperationKinds);
        Assert.Equal(expected.AirborneKinds, actual.AirborneKinds);
        Assert.Equal(expected.ZoneRules.Select(r => (r.OperationKind, string.Join(",", r.ZoneKinds))), actual.ZoneRules.Select(r => (r.OperationKind, string.Join(",", r.ZoneKinds))));
        Assert.Equal(expected.Separation, actual.Separation);
        Assert.Equal(expected.MaxVerticesPerFeature, actual.MaxVerticesPerFeature);
        Assert.Equal(expected.ConcurrenceDeadline, actual.ConcurrenceDeadline);
        Assert.Equal(expected.DisclosureResolutionMetres, actual.DisclosureResolutionMetres);
    }

    [Fact]
    public void json_and_yaml_forms_parse_to_the_same_agreement()
    {
        var fromJson = AgreementReader.Parse(Json);
        AssertSame(fromJson, AgreementReader.Parse(Yaml));

        Assert.Equal("demo", fromJson.Id.Value);
        Assert.Equal(3, fromJson.Parties.Count);
        Assert.Equal(PartyRole.Observer, fromJson.Parties[2].Role);
        Assert.Equal(new SeparationMinima(5000, 150), fromJson.Separation);
        Assert.Equal(500, fromJson.MaxVerticesPerFeature);
        Assert.Equal(TimeSpan.FromMinutes(45), fromJson.ConcurrenceDeadline);
        Assert.True(fromJson.Forbids("survey", ZoneKind.Restricted));
        Assert.False(fromJson.Forbids("flight", ZoneKind.Restricted));
        Assert.True(fromJson.IsAirborne("survey"));
    }

    [Fact]
    public void fields_not_given_keep_the_defaults()
    {
        var parsed = AgreementReader.Parse("id: minimal");
        AssertSame(Agreement.Default("minimal") with { Name = parsed.Name }, parsed);
        Assert.Equal(new SeparationMinima(9260, 300), parsed.Separation);
        Assert.Equal(10_000, parsed.MaxVerticesPerFeature);
        AssertSame(parsed, AgreementReader.Parse("""{"id":"minimal"}"""));
    }

    [Theory]
    [InlineData("""{"name":"no id"}""", "id")]
    [InlineData("""{"id":"a","separation":{"lateral_m":-5}}""", "separation.lateral_m")]
    [InlineData("""{"id":"a","separation":{"vertical_m":"high"}}""", "separation.vertical_m")]
    [InlineData("""{"id":"a","separation":7}""", "separation")]
    [InlineData("""{"id":"a","max_vertices":2}""", "max_vertices")]
    [InlineData("""{"id":"a","version":0}""", "version")]
    [InlineData("""{"id":"a","parties":[{"id":"has space"}]}""", "parties[0].id")]
    [InlineData("""{"id":"a","parties":[{"id":"x","role":"king"}]}""", "parties[0].role")]
    [InlineData("""{"id":"a","parties":[{"id":"x"},{"id":"x"}]}""", "parties")]
    [InlineData("""{"id":"a","parties":{"id":"x"}}""", "parties")]
    [InlineData("""{"id":"a","rules":[{"operation":"strike","zones":["sacred"]}]}""", "rules[0].zones")]
    [InlineData("""{"id":"a","rules":[{"zones":["protected"]}]}""", "rules[0].operation")]
    [InlineData("""{"id":"a","rules":[{"operation":"raid","zones":["protected"]}]}""", "operation_kinds")]
    [InlineData("""{"id":"a","airborne_kinds":["balloon"]}""", "operation_kinds")]
    [InlineData("""{"id":"a","operation_kinds":"flight"}""", "operation_kinds")]
    [InlineData("""{"id":"a","parties":[{"id":"x","signing_keys":["rsa:AAAA"]}]}""", "parties[0].signing_keys")]
    [InlineData("""{"id":"a","parties":[{"id":"x","signing_keys":["ed25519:AAAA"]}]}""", "parties[0].signing_keys")]
    [InlineData("""{"id":"a","parties":[{"id":"x","signing_keys":"ed25519:AAAA"}]}""", "parties[0].signing_keys")]
    [InlineData("""{"id":"a","parties":[{"id":"x","webhook_networks":["10.0.0.0/33"]}]}""", "parties[0].webhook_networks")]
    [InlineData("""{"id":"a","parties":[{"id":"x","webhook_networks":["intranet"]}]}""", "parties[0].webhook_networks")]
    [InlineData("""{"id":"a","parties":[{"id":"x","webhook_networks":"10.0.0.0/8"}]}""", "parties[0].webhook_networks")]
    [InlineData("""{"id":"a","signature_window_s":1}""", "signature_window_s")]
    [InlineData("""{"id":"a","token_audience":""}""", "token_audience")]
    [InlineData("""{"id":"a","token_audience":7}""", "token_audience")]
    [InlineData("""{"id":"a","token_clock_skew_s":301}""", "token_clock_skew_s")]
    [InlineData("""{"id":"a","token_clock_skew_s":-1}""", "token_clock_skew_s")]
    [InlineData("""{"id":"a","parties":[{"id":"x"},{"id":"y","identity":"idp"}]}""", "parties[1].identity")]
    [InlineData("""{"id":"a","parties":[{"id":"x"},{"id":"y","identity":{"jwks_file":"y.json"}}]}""", "parties[1].identity.issuer")]
    [InlineData("""{"id":"a","parties":[{"id":"y","identity":{"issuer":"","jwks_file":"y.json"}}]}""", "parties[0].identity.issuer")]
    [InlineData("""{"id":"a","parties":[{"id":"y","identity":{"issuer":5,"jwks_file":"y.json"}}]}""", "parties[0].identity.issuer")]
    [InlineData("""{"id":"a","parties":[{"id":"y","identity":{"issuer":"i","audience":"","jwks_file":"y.json"}}]}""", "parties[0].identity.audience")]
    [InlineData("""{"id":"a","parties":[{"id":"y","identity":{"issuer":"i"}}]}""", "parties[0].identity.jwks")]
    [InlineData("""{"id":"a","parties":[{"id":"y","identity":{"issuer":"i","jwks_file":"y.json","jwks":{"keys":[{}]}}}]}""", "parties[0].identity.jwks")]
    [InlineData("""{"id":"a","parties":[{"id":"y","identity":{"issuer":"i","jwks":{"keys":[]}}}]}""", "parties[0].identity.jwks")]
    [InlineData("""{"id":"a","parties":[{"id":"y","identity":{"issuer":"i","jwks":[{"kty":"RSA"}]}}]}""", "parties[0].identity.jwks")]
    [InlineData("""{"id":"a","parties":[{"id":"y","identity":{"issuer":"i","jwks":{"keys":["RSA"]}}}]}""", "parties[0].identity.jwks")]
    [InlineData("""{"id":"a","parties":[{"id":"y","identity":{"issuer":"i","jwks_file":""}}]}""", "parties[0].identity.jwks_file")]
    [InlineData("""{"id":"a","parties":[{"id":"y","identity":{"issuer":"i","jwks_file":"y.json","jwks_url":"https://idp"}}]}""", "parties[0].identity.jwks_url")]
    [InlineData("""{"id":"a","disclosure_time_resolution_minutes":0}""", "disclosure_time_resolution_minutes")]
    [InlineData("""{"id":"a","disclosure_time_resolution_minutes":1.5}""", "disclosure_time_resolution_minutes")]
    [InlineData("""{"id":"a","probing_budget":30}""", "probing_budget")]
    [InlineData("""{"id":"a","probing_budget":{"per_hour":0}}""", "probing_budget.per_hour")]
    [InlineData("""{"id":"a","probing_budget":{"per_day":"many"}}""", "probing_budget.per_day")]
    [InlineData("""{"id":"a","probing_budget":{"per_day":2.5}}""", "probing_budget.per_day")]
    public void bad_fields_are_named(string text, string field)
    {
        var e = Assert.Throws<InputRejectedException>(() => AgreementReader.Parse(text));
        Assert.Contains(e.Errors, error => error.Field == field);
    }

    [Fact]
    public void signing_keys_and_the_signature_window_are_read()
    {
        string key = "ed25519:" + Convert.ToBase64String(new byte[32]);
        var agreement = AgreementReader.Parse($$"""{"id":"a","signature_window_s":60,"parties":[{"id":"x","signing_keys":["{{key}}"]},{"id":"y"}]}""");

        Assert.Equal(TimeSpan.FromSeconds(60), agreement.SignatureWindow);
        Assert.Equal([key], agreement.Parties[0].SigningKeys);
        Assert.Empty(agreement.Parties[1].SigningKeys);
        Assert.Equal(TimeSpan.FromMinutes(5), AgreementReader.Parse("""{"id":"b"}""").SignatureWindow);
    }

    [Fact]
    public void a_partys_webhook_networks_are_read_and_default_to_none()
    {
        var agreement = AgreementReader.Parse("""{"id":"a","parties":[{"id":"x","webhook_networks":["10.20.0.0/16","fd00:1::/64"]},{"id":"y"}]}""");
        Assert.Equal(["10.20.0.0/16", "fd00:1::/64"], agreement.Parties[0].WebhookNetworks);
        Assert.Empty(agreement.Parties[1].WebhookNetworks);
        Assert.NotEqual(agreement.Parties[0], agreement.Parties[0] with { WebhookNetworks = [] });
    }

    [Theory]
    [InlineData("{\"id\": ")]
    [InlineData("id: [unclosed")]
    [InlineData("- a\n- b")]
    public void malformed_agreements_are_refused(string text)
    {
        var e = Assert.Throws<InputRejectedException>(() => AgreementReader.Parse(text));
        Assert.Equal("$", e.Errors[0].Field);
    }

    [Fact]
    public void the_disclosure_time_resolution_and_the_probing_budget_default_to_a_day_and_30_per_hour_200_per_day()
    {
        var parsed = AgreementReader.Parse("id: a");
        Assert.Equal(TimeSpan.FromDays(1), parsed.DisclosureTimeResolution);
        Assert.Equal(new ProbingBudget(30, 200), parsed.ProbingBudget);
    }

    [Fact]
    public void the_disclosure_time_resolution_and_the_probing_budget_are_read_in_both_forms()
    {
        var json = AgreementReader.Parse("""{"id":"a","disclosure_time_resolution_minutes":60,"probing_budget":{"per_hour":5,"per_day":20}}""");
        var yaml = AgreementReader.Parse("id: a\ndisclosure_time_resolution_minutes: 60\nprobing_budget: { per_hour: 5, per_day: 20 }\n");
        Assert.Equal(TimeSpan.FromHours(1), json.DisclosureTimeResolution);
        Assert.Equal(new ProbingBudget(5, 20), json.ProbingBudget);
        Assert.Equal(json.DisclosureTimeResolution, yaml.DisclosureTimeResolution);
        Assert.Equal(json.ProbingBudget, yaml.ProbingBudget);

        // One side given, the other keeps its default.
        Assert.Equal(new ProbingBudget(7, 200), AgreementReader.Parse("""{"id":"a","probing_budget":{"per_hour":7}}""").ProbingBudget);
    }

    [Fact]
    public void yaml_separation_is_read_from_the_yaml_form()
    {
        var parsed = AgreementReader.Parse("id: a\nseparation:\n  lateral_m: 1852\n  vertical_m: 0\n");
        Assert.Equal(new SeparationMinima(1852, 0), parsed.Separation);
    }

    [Fact]
    public void token_settings_default_to_audience_parley_and_thirty_seconds_of_skew()
    {
        var parsed = AgreementReader.Parse("id: a");
        Assert.Equal("parley", parsed.TokenAudience);
        Assert.Equal(TimeSpan.FromSeconds(30), parsed.TokenClockSkew);
        Assert.All(parsed.Parties, p => Assert.Null(p.Identity));

        var set = AgreementReader.Parse("""{"id":"a","token_audience":"https://parley.example","token_clock_skew_s":0}""");
        Assert.Equal("https://parley.example", set.TokenAudience);
        Assert.Equal(TimeSpan.Zero, set.TokenClockSkew);
    }

    [Fact]
    public void party_identities_are_read_alike_from_json_and_yaml()
    {
        const string json = """
            {
              "id": "a",
              "parties": [
                { "id": "blue", "identity": { "issuer": "https://idp.blue", "jwks": { "keys": [ { "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "b1" } ] } } },
                { "id": "red", "identity": { "issuer": "https://idp.red", "audience": "parley-east", "jwks_file": "keys/red.jwks.json" } },
                { "id": "aid" }
              ]
            }
            """;
        const string yaml = """
            id: a
            parties:
              - id: blue
                identity:
                  issuer: https://idp.blue
                  jwks:
                    keys:
                      - { kty: OKP, crv: Ed25519, x: 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo, kid: b1 }
              - id: red
                identity: { issuer: https://idp.red, audience: parley-east, jwks_file: keys/red.jwks.json }
              - id: aid
            """;
        var fromJson = AgreementReader.Parse(json);
        Assert.Equal(fromJson.Parties, AgreementReader.Parse(yaml).Parties);

        var blue = fromJson.Parties[0].Identity!;
        Assert.Equal("https://idp.blue", blue.Issuer);
        Assert.Null(blue.Audience);
        Assert.Null(blue.JwksFile);
        Assert.Equal("b1", System.Text.Json.JsonDocument.Parse(blue.JwksJson!).RootElement.GetProperty("keys")[0].GetProperty("kid").GetString());
        Assert.Equal(new PartyIdentity("https://idp.red", "parley-east", null, "keys/red.jwks.json"), fromJson.Parties[1].Identity);
        Assert.Null(fromJson.Parties[2].Identity);
        Assert.Same(fromJson.Parties[1], fromJson.FindParty(new PartyId("red")));
        Assert.Null(fromJson.FindParty(new PartyId("green")));
    }
}
