using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Tests.Features;

public sealed class AgreementTermsReaderTests
{
    /// <summary>The form the issue fixes for other tools, filled in.</summary>
    internal const string Yaml = """
        id: pact
        version: 2
        parties:
          - { id: blue, role: member }
          - { id: red, role: member }
          - { id: un, role: observer }
        signatories: [blue, red]
        terms:
          - id: red-strikes-in-designated-areas
            type: designated-area
            parties: [red]
            kinds: [strike]
            areas:
              type: FeatureCollection
              features:
                - type: Feature
                  geometry: { type: Polygon, coordinates: [[[10, 40], [11, 40], [11, 41], [10, 41], [10, 40]]] }
                  properties: { alt_min_m: 0, alt_max_m: 8000 }
                - type: Feature
                  geometry: { type: Point, coordinates: [12, 40.5] }
                  properties: { radius_m: 5000, start: "2026-12-01T00:00:00Z", end: "2026-12-31T00:00:00Z" }
            on_breach: refuse
          - id: red-air-grounded-north
            name: Red air grounded over the north
            type: suspension
            parties: [red]
            kinds: [flight, strike]
            area: { type: Polygon, coordinates: [[[10, 42], [12, 42], [12, 43], [10, 43], [10, 42]]] }
            alt_min_m: 0
            alt_max_m: 20000
            start: 2026-12-08T00:00:00Z
            end: 2026-12-11T00:00:00Z
            on_breach: refuse
          - id: red-strike-scale-back
            type: limit
            parties: [red]
            kinds: [strike]
            max_per_day: 4
            on_breach: concurrence
        """;

    [Fact]
    public void the_terms_of_the_documented_form_are_read_with_their_scopes_areas_and_breach_actions()
    {
        var agreement = AgreementReader.Parse(Yaml);

        Assert.Equal([new PartyId("blue"), new PartyId("red")], agreement.Signatories);
        Assert.Equal(3, agreement.Terms.Count);

        var designated = agreement.FindTerm("red-strikes-in-designated-areas")!;
        Assert.Equal(TermType.DesignatedArea, designated.Type);
        Assert.Equal([new PartyId("red")], designated.Parties);
        Assert.Equal(["strike"], designated.Kinds);
        Assert.Equal(BreachAction.Refuse, designated.OnBreach);
        Assert.Equal(2, designated.Areas.Count);
        Assert.Equal(ShapeKind.Polygonal, designated.Areas[0].Footprint.Kind);
        Assert.Equal(new AltitudeBand(0, 8000), designated.Areas[0].Altitude);
        Assert.Equal(TermScope.Always, designated.Areas[0].Time);
        Assert.Equal(ShapeKind.Point, designated.Areas[1].Footprint.Kind);
        Assert.Equal(5000, designated.Areas[1].Footprint.BufferMetres);
        Assert.Equal(new TimeWindow(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.Zero)), designated.Areas[1].Time);
        Assert.Equal(TermScope.AnyAltitude, designated.Altitude);

        var suspension = agreement.FindTerm("red-air-grounded-north")!;
        Assert.Equal(TermType.Suspension, suspension.Type);
        Assert.Equal("Red air grounded over the north", suspension.Name);
        Assert.Equal(["flight", "strike"], suspension.Kinds);
        Assert.Equal(new AltitudeBand(0, 20000), suspension.Altitude);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero), suspension.Window.Start);
        Assert.Equal(new DateTimeOffset(2026, 12, 11, 0, 0, 0, TimeSpan.Zero), suspension.Window.End);
        Assert.Equal(new GeoBox(10, 42, 12, 43), suspension.Area!.Bounds);

        var limit = agreement.FindTerm("red-strike-scale-back")!;
        Assert.Equal(TermType.Limit, limit.Type);
        Assert.Equal(4, limit.MaxPerDay);
        Assert.Equal(BreachAction.Concurrence, limit.OnBreach);
        Assert.Null(limit.Area);
        Assert.Equal(TermScope.Always, limit.Window);
    }

    [Fact]
    public void an_agreement_written_reads_back_to_the_same_pact_in_json()
    {
        var agreement = AgreementReader.Parse(Yaml);
        string written = AgreementWriter.ToJson(agreement);
        var again = AgreementReader.Parse(written);

        Assert.Equal(AgreementWriter.GovernedJson(agreement), AgreementWriter.GovernedJson(again));
        Assert.Equal(written, AgreementWriter.ToJson(again));
        Assert.Equal(agreement.Version, again.Version);
        Assert.Equal(agreement.Parties.Select(p => (p.Id, p.Role)), again.Parties.Select(p => (p.Id, p.Role)));
    }

    [Fact]
    public void signatories_default_to_every_member_party()
    {
        var agreement = AgreementReader.Parse("""{"id":"a","parties":[{"id":"blue"},{"id":"un","role":"observer"},{"id":"red"}]}""");
        Assert.Equal([new PartyId("blue"), new PartyId("red")], agreement.Signatories);
        Assert.Empty(agreement.Terms);
    }

    [Fact]
    public void a_term_takes_a_feature_for_a_circular_suspension_area_and_a_window_with_only_an_end()
    {
        var agreement = AgreementReader.Parse("""
            {"id":"a","parties":[{"id":"red"}],"terms":[{"id":"t","type":"suspension","parties":["red"],"kinds":["flight"],
              "end":"2026-12-11T00:00:00Z",
              "area":{"type":"Feature","geometry":{"type":"Point","coordinates":[10,40]},"properties":{"radius_m":2000}}}]}
            """);
        var term = agreement.Terms[0];
        Assert.Equal(ShapeKind.Point, term.Area!.Kind);
        Assert.Equal(2000, term.Area.BufferMetres);
        Assert.True(TermScope.StartsAtAnyTime(term.Window));
        Assert.Equal(new DateTimeOffset(2026, 12, 11, 0, 0, 0, TimeSpan.Zero), term.Window.End);
        Assert.Equal(AgreementWriter.GovernedJson(agreement), AgreementWriter.GovernedJson(AgreementReader.Parse(AgreementWriter.ToJson(agreement))));
    }

    private const string Parties = "\"parties\":[{\"id\":\"blue\"},{\"id\":\"red\"},{\"id\":\"un\",\"role\":\"observer\"}]";

    private static string WithTerm(string term) => $$"""{"id":"a",{{Parties}},"terms":[{{term}}]}""";

    private const string Box = """{"type":"Polygon","coordinates":[[[10,40],[11,40],[11,41],[10,41],[10,40]]]}""";

    [Theory]
    // A typo anywhere is refused by name, not read as a default.
    [InlineData("""{"id":"a","seperation":{"lateral_m":1}}""", "seperation")]
    [InlineData("""{"id":"a","rulez":[]}""", "rulez")]
    [InlineData("""{"id":"a","separation":{"lateral":1}}""", "separation.lateral")]
    [InlineData("""{"id":"a","probing_budget":{"per_hours":5}}""", "probing_budget.per_hours")]
    [InlineData("""{"id":"a","rules":[{"operation":"strike","zone":["protected"]}]}""", "rules[0].zone")]
    [InlineData("""{"id":"a","parties":[{"id":"x","rol":"member"}]}""", "parties[0].rol")]
    [InlineData("""{"id":"a","term":[]}""", "term")]
    [InlineData("""{"id":"a","signatories":["green"],"parties":[{"id":"x"}]}""", "signatories")]
    [InlineData("""{"id":"a","signatories":["un"],"parties":[{"id":"x"},{"id":"un","role":"observer"}]}""", "signatories")]
    [InlineData("""{"id":"a","signatories":[],"parties":[{"id":"x"}]}""", "signatories")]
    [InlineData("""{"id":"a","terms":{"id":"t"}}""", "terms")]
    public void unknown_fields_and_bad_signatories_are_named(string text, string field)
    {
        var e = Assert.Throws<InputRejectedException>(() => AgreementReader.Parse(text));
        Assert.Contains(e.Errors, error => error.Field == field);
    }

    [Fact]
    public void a_misspelt_field_is_named_with_the_field_it_resembles()
    {
        var e = Assert.Throws<InputRejectedException>(() => AgreementReader.Parse("""{"id":"a","seperation":{"lateral_m":1}}"""));
        Assert.Contains("did you mean 'separation'", e.Errors.Single(x => x.Field == "seperation").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"id":"t","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":4,"on_breech":"refuse"}""", "terms[0].on_breech")]
    [InlineData("""{"type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":4}""", "terms[0].id")]
    [InlineData("""{"id":"has space","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":4}""", "terms[0].id")]
    [InlineData("""{"id":"t","type":"ceasefire","parties":["red"],"kinds":["strike"]}""", "terms[0].type")]
    [InlineData("""{"id":"t","parties":["red"],"kinds":["strike"]}""", "terms[0].type")]
    [InlineData("""{"id":"t","type":"limit","parties":[],"kinds":["strike"],"max_per_day":4}""", "terms[0].parties")]
    [InlineData("""{"id":"t","type":"limit","kinds":["strike"],"max_per_day":4}""", "terms[0].parties")]
    [InlineData("""{"id":"t","type":"limit","parties":["green"],"kinds":["strike"],"max_per_day":4}""", "terms[0].parties")]
    [InlineData("""{"id":"t","type":"limit","parties":["un"],"kinds":["strike"],"max_per_day":4}""", "terms[0].parties")]
    [InlineData("""{"id":"t","type":"limit","parties":["red"],"kinds":["raid"],"max_per_day":4}""", "terms[0].kinds")]
    [InlineData("""{"id":"t","type":"limit","parties":["red"],"kinds":[],"max_per_day":4}""", "terms[0].kinds")]
    [InlineData("""{"id":"t","type":"limit","parties":["red"],"kinds":["strike"]}""", "terms[0].max_per_day")]
    [InlineData("""{"id":"t","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":2.5}""", "terms[0].max_per_day")]
    [InlineData("""{"id":"t","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":-1}""", "terms[0].max_per_day")]
    [InlineData("""{"id":"t","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":4,"on_breach":"ignore"}""", "terms[0].on_breach")]
    [InlineData("""{"id":"t","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":4,"alt_min_m":500,"alt_max_m":100}""", "terms[0].alt_min_m")]
    [InlineData("""{"id":"t","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":4,"start":"2026-12-02T00:00:00Z","end":"2026-12-01T00:00:00Z"}""", "terms[0].end")]
    [InlineData("""{"id":"t","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":4,"start":"tomorrow"}""", "terms[0].start")]
    [InlineData("""{"id":"t","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":4,"start":"2026-12-02T00:00:00"}""", "terms[0].start")]
    [InlineData("""{"id":"t","type":"suspension","parties":["red"],"kinds":["strike"],"max_per_day":4}""", "terms[0].max_per_day")]
    [InlineData("""{"id":"t","type":"suspension","parties":["red"],"kinds":["strike"],"areas":{"type":"FeatureCollection","features":[]}}""", "terms[0].areas")]
    [InlineData("""{"id":"t","type":"designated-area","parties":["red"],"kinds":["strike"]}""", "terms[0].areas")]
    [InlineData("""{"id":"t","type":"designated-area","parties":["red"],"kinds":["strike"],"area":{"type":"Polygon","coordinates":[]}}""", "terms[0].area")]
    [InlineData("""{"id":"t","type":"designated-area","parties":["red"],"kinds":["strike"],"areas":{"type":"FeatureCollection","features":[]}}""", "terms[0].areas.features")]
    [InlineData("""{"id":"t","type":"designated-area","parties":["red"],"kinds":["strike"],"areas":{"type":"FeatureCollection","featurez":[]}}""", "terms[0].areas.featurez")]
    [InlineData("""{"id":"t","type":"designated-area","parties":["red"],"kinds":["strike"],"areas":[]}""", "terms[0].areas")]
    [InlineData("""{"id":"t","type":"designated-area","parties":["red"],"kinds":["strike"],"areas":{"type":"Feature","geometry":{"type":"Point","coordinates":[10,40]},"properties":{}}}""", "terms[0].areas.properties.radius_m")]
    [InlineData("""{"id":"t","type":"designated-area","parties":["red"],"kinds":["strike"],"areas":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[10,40],[11,40],[11,41],[10,40.5]]]},"properties":{}}}""", "terms[0].areas.geometry.coordinates[0]")]
    [InlineData("""{"id":"t","type":"designated-area","parties":["red"],"kinds":["strike"],"areas":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[10,40],[11,40],[11,41],[10,41],[10,40]]]},"properties":{"altitude":5}}}""", "terms[0].areas.properties.altitude")]
    [InlineData("""{"id":"t","type":"designated-area","parties":["red"],"kinds":["strike"],"areas":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[10,40],[11,40],[11,41],[10,41],[10,40]]],"crs":"x"},"properties":{}}}""", "terms[0].areas.geometry.crs")]
    [InlineData("""{"id":"t","type":"designated-area","parties":["red"],"kinds":["strike"],"areas":{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[10,40],[11,40],[11,41],[10,41],[10,40]]]},"properties":{"start":"x"}}]}}""", "terms[0].areas.features[0].properties.start")]
    [InlineData("""{"id":"t","type":"suspension","parties":["red"],"kinds":["strike"],"area":{"type":"Point","coordinates":[10,40]}}""", "terms[0].area.type")]
    [InlineData("""{"id":"t","type":"suspension","parties":["red"],"kinds":["strike"],"area":{"type":"Polygon","coordinates":[[[10,40],[11,40],[10,41],[11,41],[10,40]]]}}""", "terms[0].area.coordinates[0]")]
    [InlineData("""{"id":"t","type":"suspension","parties":["red"],"kinds":["strike"],"area":{"type":"Polygon","coordinates":[[[10,95],[11,40],[11,41],[10,40]]]}}""", "terms[0].area.coordinates[0][0]")]
    [InlineData("""{"id":"t","type":"suspension","parties":["red"],"kinds":["strike"],"area":{"type":"Feature","geometry":{"type":"Point","coordinates":[10,40]},"properties":{"radius_m":100,"alt_max_m":5}}}""", "terms[0].area.properties")]
    public void a_bad_term_is_refused_naming_the_field(string term, string field)
    {
        var e = Assert.Throws<InputRejectedException>(() => AgreementReader.Parse(WithTerm(term)));
        Assert.True(e.Errors.Any(x => x.Field == field), $"expected {field}; got {string.Join("; ", e.Errors)}");
    }

    [Fact]
    public void two_terms_of_one_id_are_refused()
    {
        string term = """{"id":"t","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":4}""";
        var e = Assert.Throws<InputRejectedException>(() => AgreementReader.Parse($$"""{"id":"a",{{Parties}},"terms":[{{term}},{{term}}]}"""));
        Assert.Equal("terms[1].id", e.Errors.Single().Field);
    }

    [Fact]
    public void a_limit_of_zero_a_day_reads_and_a_suspension_over_the_whole_theater_has_no_area()
    {
        var agreement = AgreementReader.Parse($$"""
            {"id":"a",{{Parties}},"terms":[
              {"id":"none","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":0,"area":{{Box}}},
              {"id":"grounded","type":"suspension","parties":["red","blue"],"kinds":["flight"]}]}
            """);
        Assert.Equal(0, agreement.Terms[0].MaxPerDay);
        Assert.NotNull(agreement.Terms[0].Area);
        Assert.Null(agreement.Terms[1].Area);
        Assert.Equal(TermScope.Always, agreement.Terms[1].Window);
    }
}
