using System.Text;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Tests.Features;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// The document parser refuses a name repeated in one object but gives no position, so the refusal read
/// <c>malformed JSON at line , byte :</c> (or named nothing at all). It now names the feature, the field and the
/// line and byte of the repeated name.
/// </summary>
public class Bug_a_repeated_name_was_reported_without_its_feature_or_position
{
    [Fact]
    public void a_repeated_property_in_the_third_feature_names_it_with_line_and_byte()
    {
        string second = FeatureReaderTests.Feature(id: "z2");
        string third = FeatureReaderTests.Feature(id: "z3").Replace("\"kind\":\"protected\"", "\"kind\":\"protected\",\n  \"kind\":\"restricted\"", StringComparison.Ordinal);
        string body = "{\"type\":\"FeatureCollection\",\"features\":[\n" + FeatureReaderTests.Feature() + ",\n" + second + ",\n" + third + "]}";
        var e = Assert.Throws<InputRejectedException>(() => StreamingFeatureReader.ReadZones(Encoding.UTF8.GetBytes(body), Agreement.Default()));
        var error = Assert.Single(e.Errors);
        Assert.Equal("z3", error.FeatureId);
        Assert.Equal("features[2].properties.kind", error.Field);
        Assert.Contains("at line 5, byte 3:", error.Message, StringComparison.Ordinal);
        Assert.Contains("'kind' is repeated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_repeated_id_of_a_single_feature_is_named_at_its_position()
    {
        string body = "{\"type\":\"Feature\",\"id\":\"a\",\"id\":\"b\",\"geometry\":null,\"properties\":{}}";
        var e = Assert.Throws<InputRejectedException>(() => FeatureReader.ParseJson(Encoding.UTF8.GetBytes(body)));
        var error = Assert.Single(e.Errors);
        Assert.Equal("id", error.Field);
        Assert.Equal("a", error.FeatureId);
        Assert.Contains("at line 1, byte 28:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_syntax_error_still_names_its_line_and_byte()
    {
        var e = Assert.Throws<InputRejectedException>(() => FeatureReader.ParseJson(Encoding.UTF8.GetBytes("{\"type\":\n \"Feature\",,}")));
        Assert.Contains("at line 2, byte", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }
}
