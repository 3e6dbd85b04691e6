using System.Text;
using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Core.Tests.Features;

/// <summary>The id grammar: ASCII letters, digits and <c>-_.:~</c>, 1 to 128 of them, in every reader that takes an id a party writes.</summary>
public class IdGrammarTests
{
    /// <summary>The first error of a zone refused by both the document reader and the streaming reader, which must agree.</summary>
    internal static InputError RefusedByBoth(string json, Agreement? agreement = null)
    {
        agreement ??= Agreement.Default();
        using var document = JsonDocument.Parse(json);
        var byDocument = Assert.Throws<InputRejectedException>(() => FeatureReader.ReadZones(document.RootElement, agreement));
        var byStream = Assert.Throws<InputRejectedException>(() => StreamingFeatureReader.ReadZones(Encoding.UTF8.GetBytes(json), agreement));
        Assert.Equal(byDocument.Errors, byStream.Errors);
        return byDocument.Errors[0];
    }

    [Theory]
    [InlineData("a")]
    [InlineData("blue-school-2")]
    [InlineData("urn:parley:zone:7")]
    [InlineData("Z_1.2~3")]
    [InlineData("42")]
    public void ids_within_the_grammar_are_read(string id)
    {
        var zone = Assert.Single(StreamingFeatureReader.ReadZones(Encoding.UTF8.GetBytes(FeatureReaderTests.Feature(id: id)), Agreement.Default()));
        Assert.Equal(id, zone.Id.Value);
        Assert.True(IdGrammar.IsValid(id));
        Assert.True(IdGrammar.IsValid(Encoding.UTF8.GetBytes(id)));
        Assert.Null(IdGrammar.Refusal(id));
    }

    [Fact]
    public void an_id_of_128_characters_is_read_and_one_of_129_is_refused()
    {
        Assert.Single(StreamingFeatureReader.ReadZones(Encoding.UTF8.GetBytes(FeatureReaderTests.Feature(id: new string('a', 128))), Agreement.Default()));
        var error = RefusedByBoth(FeatureReaderTests.Feature(id: new string('a', 129)));
        Assert.Equal("id", error.Field);
        Assert.Contains("1 to 128", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("has space", "U+0020")]
    [InlineData("a/b", "U+002F '/'")]
    [InlineData("a@b", "U+0040 '@'")]
    [InlineData("caf\u00e9", "U+00E9")]
    public void ids_outside_the_grammar_are_refused_naming_the_character(string id, string named)
    {
        var error = RefusedByBoth(FeatureReaderTests.Feature(id: id));
        Assert.Equal("id", error.Field);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void an_incident_id_outside_the_grammar_is_refused()
    {
        const string report = """
            {"type":"Feature","id":"inc\u200B1","geometry":{"type":"Point","coordinates":[30.5,50.4]},
             "properties":{"kind":"strike","time":"2026-05-01T06:00:00Z","location_precision":"exact","time_precision":"exact"}}
            """;
        using var document = JsonDocument.Parse(report);
        var e = Assert.Throws<InputRejectedException>(() => IncidentReader.Read(document.RootElement, Agreement.Default(), new PartyId("blue")));
        Assert.Contains(e.Errors, x => x.Field == "id" && x.Message.Contains("U+200B", StringComparison.Ordinal));
    }

    [Fact]
    public void an_agreement_whose_own_id_or_party_id_is_outside_the_grammar_is_refused_while_party_names_stay_free()
    {
        var bad = Assert.Throws<InputRejectedException>(() => AgreementReader.Parse("""
            {"id":"pact\u202E1","parties":[{"id":"blu\u0435","name":"Blue","role":"member"}]}
            """));
        Assert.Contains(bad.Errors, x => x.Field == "id" && x.Message.Contains("U+202E", StringComparison.Ordinal));
        Assert.Contains(bad.Errors, x => x.Field == "parties[0].id" && x.Message.Contains("U+0435", StringComparison.Ordinal));

        var good = AgreementReader.Parse("""{"id":"pact:1","parties":[{"id":"blue","name":"Синие — Blue ✓","role":"member"}]}""");
        Assert.Equal("Синие — Blue ✓", good.Parties[0].Name);
    }

    [Fact]
    public void a_stored_zone_whose_id_predates_the_grammar_still_reads()
    {
        using var document = JsonDocument.Parse(FeatureReaderTests.Feature(id: "school №4"));
        Assert.Equal("school №4", Assert.Single(FeatureReader.ReadStoredZones(document.RootElement, Agreement.Default())).Id.Value);
    }
}
