using Parley.Core.Features;
using Parley.Core.Tests.Features;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// <c>radius_m: 1e12</c> was refused as "must be a finite number", which it is. A radius or corridor half-width is
/// now bounded by what a footprint on the Earth can be (10,000 km, a quarter of a meridian), and refused as such.
/// </summary>
public class Bug_a_radius_beyond_the_earth_was_refused_as_not_a_finite_number
{
    [Theory]
    [InlineData("1e12")]
    [InlineData("10000000.5")]
    public void a_radius_beyond_the_bound_is_refused_as_beyond_it(string radius)
    {
        var error = IdGrammarTests.RefusedByBoth(FeatureReaderTests.Feature(type: "Point", coordinates: "[30,50]", extra: $$""","radius_m":{{radius}}"""));
        Assert.Equal("properties.radius_m", error.Field);
        Assert.Contains("at most 10,000,000 m", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("finite", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_corridor_beyond_the_bound_is_refused_as_beyond_it()
    {
        var error = IdGrammarTests.RefusedByBoth(FeatureReaderTests.Feature(type: "LineString", coordinates: "[[30,50],[31,50]]", extra: ""","corridor_m":2e7"""));
        Assert.Equal("properties.corridor_m", error.Field);
        Assert.Contains("at most 10,000,000 m", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void a_radius_at_the_bound_is_read()
    {
        var zone = Assert.Single(StreamingFeatureReader.ReadZones(System.Text.Encoding.UTF8.GetBytes(
            FeatureReaderTests.Feature(type: "Point", coordinates: "[30,50]", extra: ""","radius_m":10000000""")), Parley.Core.Agreements.Agreement.Default()));
        Assert.Equal(FeatureReader.MaxBufferMetres, zone.Volume.Footprint.BufferMetres);
    }
}
