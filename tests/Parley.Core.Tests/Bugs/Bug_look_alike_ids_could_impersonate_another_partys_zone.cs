using System.Text;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Tests.Features;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// Ids were any text of at most 128 UTF-16 units without '/' or control characters: red declared public zones
/// <c>blue-schооl-2</c> (Cyrillic о) and <c>blue-school-2</c> followed by U+2060 beside blue's <c>blue-school-2</c>,
/// and an id in NFD was a different id from the same text in NFC. Ids now follow one ASCII grammar, and the refusal
/// names the character at fault by its code point, since it may be invisible.
/// </summary>
public class Bug_look_alike_ids_could_impersonate_another_partys_zone
{
    [Theory]
    [InlineData("blue-school-2\u202E", "U+202E")] // right-to-left override
    [InlineData("\u202Eblue-school-2", "U+202E")]
    [InlineData("blue-\u200Bschool-2", "U+200B")] // zero-width space
    [InlineData("blue-school\u200D-2", "U+200D")] // zero-width joiner
    [InlineData("blue-school-2\u2060", "U+2060")] // word joiner
    [InlineData("blue-sch\u043E\u043El-2", "U+043E")] // Cyrillic о twice
    [InlineData("blue-\u0455chool-2", "U+0455")] // Cyrillic ѕ
    [InlineData("blue-school-\uFF12", "U+FF12")] // fullwidth digit two
    public void a_look_alike_id_is_refused_naming_the_character(string id, string codePoint)
    {
        var error = IdGrammarTests.RefusedByBoth(FeatureReaderTests.Feature(id: id));
        Assert.Equal("id", error.Field);
        Assert.Contains(codePoint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void of_an_nfc_and_nfd_pair_neither_form_is_an_id()
    {
        // The same text in its two normal forms: é as one code point, and as e with a combining acute accent.
        const string nfc = "caf\u00E9-1", nfd = "cafe\u0301-1";
        Assert.NotEqual(nfc, nfd);
        Assert.Contains("U+00E9", IdGrammarTests.RefusedByBoth(FeatureReaderTests.Feature(id: nfc)).Message, StringComparison.Ordinal);
        Assert.Contains("U+0301", IdGrammarTests.RefusedByBoth(FeatureReaderTests.Feature(id: nfd)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_look_alike_id_in_a_collection_is_refused_at_its_index_and_nothing_is_read()
    {
        string body = $$"""{"type":"FeatureCollection","features":[{{FeatureReaderTests.Feature(id: "blue-school-2")}},{{FeatureReaderTests.Feature(id: "blue-school-2\u2060")}}]}""";
        var e = Assert.Throws<InputRejectedException>(() => StreamingFeatureReader.ReadZones(Encoding.UTF8.GetBytes(body), Agreement.Default()));
        var error = Assert.Single(e.Errors);
        Assert.Equal("features[1].id", error.Field);
    }

    [Fact]
    public void a_term_id_with_a_zero_width_character_is_refused()
    {
        var e = Assert.Throws<InputRejectedException>(() => AgreementReader.Parse("""
            {"id":"pact","parties":[{"id":"blue","role":"member"},{"id":"red","role":"member"}],
             "terms":[{"id":"limit\u200B1","type":"limit","parties":["red"],"kinds":["strike"],"per_day":1}]}
            """));
        Assert.Contains(e.Errors, x => x.Field.EndsWith(".id", StringComparison.Ordinal) && x.Message.Contains("U+200B", StringComparison.Ordinal));
    }
}
