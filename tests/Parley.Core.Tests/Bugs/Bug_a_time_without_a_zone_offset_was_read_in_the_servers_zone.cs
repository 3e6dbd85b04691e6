using Parley.Core.Tests.Features;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// The reader's time format ended in the <c>K</c> specifier, which also matches no offset at all: a time such as
/// <c>2026-05-01T08:00:00</c> was accepted and read as local time of whichever server parsed it. A time must now carry
/// <c>Z</c> or an offset, as RFC 3339 asks.
/// </summary>
public class Bug_a_time_without_a_zone_offset_was_read_in_the_servers_zone
{
    [Theory]
    [InlineData("2026-05-01T08:00:00")]
    [InlineData("2026-05-01 08:00:00")]
    [InlineData("2026-05-01T08:00:00.5")]
    public void a_time_without_a_zone_offset_is_refused_not_read_in_the_servers_zone(string end)
    {
        FeatureReaderTests.AssertNames(FeatureReaderTests.RejectedZone(FeatureReaderTests.Feature(extra: $$""","end":"{{end}}" """)), "properties.end");
    }
}
