using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Tests.Features;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// The reader's time formats took at most seven fraction digits, so RFC 3339 times with eight or nine (Go's
/// <c>RFC3339Nano</c>, Java's <c>Instant</c>) were refused with a message that did not say why, while a point with no
/// digit after it (<c>08:00:00.Z</c>) was accepted. Up to nine digits are now read, kept to the tick (100 ns) by
/// dropping the digits after the seventh; an empty fraction is refused.
/// </summary>
public class Bug_times_with_eight_or_nine_fraction_digits_were_refused
{
    private static DateTimeOffset Start(string time)
    {
        string json = FeatureReaderTests.Feature().Replace("2026-05-01T06:00:00Z", time, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        var byDocument = Assert.Single(FeatureReader.ReadZones(document.RootElement, Agreement.Default())).Volume.Time.Start;
        var byStream = Assert.Single(StreamingFeatureReader.ReadZones(System.Text.Encoding.UTF8.GetBytes(json), Agreement.Default())).Volume.Time.Start;
        Assert.Equal(byDocument, byStream);
        return byDocument;
    }

    [Theory]
    [InlineData("2026-05-01T06:00:00.123456789Z", 1_234_567)]
    [InlineData("2026-05-01T06:00:00.12345678Z", 1_234_567)]
    [InlineData("2026-05-01T06:00:00.999999999Z", 9_999_999)]
    [InlineData("2026-05-01T06:00:00.1234567Z", 1_234_567)]
    [InlineData("2026-05-01T06:00:00.5Z", 5_000_000)]
    [InlineData("2026-05-01t06:00:00.000000001z", 0)]
    public void up_to_nine_fraction_digits_are_read_to_the_tick(string time, long ticks)
    {
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 6, 0, 0, TimeSpan.Zero).AddTicks(ticks), Start(time));
    }

    [Fact]
    public void an_offset_is_applied_with_a_nanosecond_fraction()
    {
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 4, 0, 0, TimeSpan.Zero).AddTicks(1), Start("2026-05-01T06:00:00.000000123+02:00"));
    }

    [Theory]
    [InlineData("2026-05-01T06:00:00.Z")]
    [InlineData("2026-05-01T06:00:00.+02:00")]
    [InlineData("2026-05-01T06:00:00.1234567890Z")]
    [InlineData("2026-05-01T06:00:00,5Z")]
    [InlineData("2026-05-01T06:00Z")]
    [InlineData("2026-02-30T06:00:00Z")]
    [InlineData("2026-05-01T24:00:00Z")]
    [InlineData("2026-05-01T06:00:00+2:00")]
    public void an_empty_fraction_ten_digits_and_other_malformed_times_are_refused_saying_what_is_read(string time)
    {
        var error = IdGrammarTests.RefusedByBoth(FeatureReaderTests.Feature().Replace("2026-05-01T06:00:00Z", time, StringComparison.Ordinal));
        Assert.Equal("properties.start", error.Field);
        Assert.Contains("at most 9 fraction digits", error.Message, StringComparison.Ordinal);
    }
}
