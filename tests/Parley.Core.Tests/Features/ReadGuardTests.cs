using System.Globalization;
using System.Text;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Core.Tests.Features;

/// <summary>The reading observes its guard: cancellation between features, every feature's vertices charged.</summary>
public class ReadGuardTests
{
    private static byte[] Collection(int features) => Encoding.UTF8.GetBytes(
        "{\"type\":\"FeatureCollection\",\"features\":[" +
        string.Join(",", Enumerable.Range(0, features).Select(i => FeatureReaderTests.Feature(id: "z" + i.ToString(CultureInfo.InvariantCulture)))) + "]}");

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(512)] // many chunks, read in parallel
    public void every_vertex_read_is_charged_once_for_valid_features(int chunkBytes)
    {
        long charged = 0;
        var guard = new ReadGuard(CancellationToken.None, n => Interlocked.Add(ref charged, n));
        var zones = StreamingFeatureReader.Read<Zone>(Collection(40), Agreement.Default(), null, true, null, chunkBytes, guard: guard);
        Assert.Equal(40, zones.Count);
        Assert.Equal(40 * 4, charged); // four vertices a square: its closing position is not one
    }

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(512)]
    public void a_cancelled_reading_stops_with_operation_cancelled(int chunkBytes)
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            StreamingFeatureReader.Read<Zone>(Collection(40), Agreement.Default(), null, true, null, chunkBytes, guard: new ReadGuard(cancelled.Token)));
    }

    [Fact]
    public void a_cancellation_during_the_reading_stops_it_before_the_next_feature()
    {
        using var source = new CancellationTokenSource();
        int features = 0;
        var guard = new ReadGuard(source.Token, _ =>
        {
            if (++features == 3)
            {
                source.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => StreamingFeatureReader.ReadZones(Collection(40), Agreement.Default(), guard: guard));
        Assert.Equal(3, features);
    }

    [Theory]
    [InlineData(1 << 20)]
    [InlineData(512)]
    public void a_spent_budget_stops_the_reading_with_its_own_exception(int chunkBytes)
    {
        var guard = new ReadGuard(CancellationToken.None, _ => throw new TimeoutException("spent"));
        var e = Assert.Throws<TimeoutException>(() => StreamingFeatureReader.Read<Zone>(Collection(40), Agreement.Default(), null, true, null, chunkBytes, guard: guard));
        Assert.Equal("spent", e.Message);
    }

    [Fact]
    public void an_invalid_feature_is_charged_too()
    {
        long charged = 0;
        var guard = new ReadGuard(CancellationToken.None, n => Interlocked.Add(ref charged, n));
        string bowTie = FeatureReaderTests.Feature(coordinates: "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]");
        Assert.Throws<InputRejectedException>(() => StreamingFeatureReader.ReadZones(Encoding.UTF8.GetBytes(bowTie), Agreement.Default(), guard: guard));
        Assert.True(charged >= 4, $"charged {charged}");
    }

    [Fact]
    public void a_features_root_type_is_peeked_without_reading_the_features()
    {
        Assert.Equal("FeatureCollection", StreamingFeatureReader.PeekType("""{"features":[{"broken":[1,2]}],"type":"FeatureCollection"}"""u8));
        Assert.Equal("Feature", StreamingFeatureReader.PeekType("""{"type":"Feature"}"""u8));
        Assert.Null(StreamingFeatureReader.PeekType("""[1]"""u8));
        Assert.Null(StreamingFeatureReader.PeekType("""{"type":"#"""u8));
    }
}
