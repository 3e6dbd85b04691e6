using Parley.Core.Features;
using Parley.Core.Tests.Features;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// A zone with <c>visibility: parties</c> and no <c>shared_with</c> (or an empty one) was accepted: shared with
/// nobody, it was private under another name, and its owner believed it shared. It is now refused, naming
/// <c>properties.shared_with</c>.
/// </summary>
public class Bug_visibility_parties_was_accepted_without_shared_with
{
    [Theory]
    [InlineData(""","visibility":"parties" """)]
    [InlineData(""","visibility":"parties","shared_with":[]""")]
    [InlineData(""","visibility":"parties","shared_with":null""")]
    public void parties_visibility_with_no_party_is_refused(string extra)
    {
        var error = IdGrammarTests.RefusedByBoth(FeatureReaderTests.Feature(extra: extra));
        Assert.Equal("properties.shared_with", error.Field);
        Assert.Contains("non-empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void parties_visibility_with_a_party_is_read()
    {
        var zone = Assert.Single(StreamingFeatureReader.ReadZones(System.Text.Encoding.UTF8.GetBytes(
            FeatureReaderTests.Feature(extra: ""","visibility":"parties","shared_with":["red"]""")), Parley.Core.Agreements.Agreement.Default()));
        Assert.Equal("red", Assert.Single(zone.SharedWith).Value);
    }
}
