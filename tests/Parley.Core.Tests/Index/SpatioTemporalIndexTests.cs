using Parley.Core.Geometry;
using Parley.Core.Index;
using Parley.Core.Model;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Index;

public class SpatioTemporalIndexTests
{
    private static List<string> Query(SpatioTemporalIndex<string> index, Volume volume, double lateral = 0, double vertical = 0)
    {
        var results = new List<string>();
        index.Query(volume, lateral, vertical, null, results);
        return [.. results.Order()];
    }

    [Fact]
    public void back_to_back_time_windows_do_not_meet()
    {
        var index = new SpatioTemporalIndex<string>();
        index.Upsert("a", "a", Volume(Box(0, 0, 1, 1), start: T0, end: T0.AddHours(1)));
        Assert.Empty(Query(index, Volume(Box(0, 0, 1, 1), start: T0.AddHours(1), end: T0.AddHours(2))));
        Assert.Empty(Query(index, Volume(Box(0, 0, 1, 1), start: T0.AddHours(-1), end: T0)));
        Assert.Equal(["a"], Query(index, Volume(Box(0, 0, 1, 1), start: T0.AddHours(1).AddTicks(-1), end: T0.AddHours(2))));
    }

    [Fact]
    public void an_open_ended_window_meets_everything_after_its_start()
    {
        var index = new SpatioTemporalIndex<string>();
        index.Upsert("open", "open", Volume(Box(0, 0, 1, 1), start: T0, openEnded: true));
        Assert.Equal(["open"], Query(index, Volume(Box(0, 0, 1, 1), start: T0.AddYears(50), end: T0.AddYears(51))));
        Assert.Empty(Query(index, Volume(Box(0, 0, 1, 1), start: T0.AddHours(-2), end: T0)));
        Assert.Equal(["open"], Query(index, Volume(Box(0, 0, 1, 1), start: T0.AddHours(-2), openEnded: true)));
    }

    [Fact]
    public void touching_altitude_bands_meet_and_the_vertical_margin_is_closed()
    {
        var index = new SpatioTemporalIndex<string>();
        index.Upsert("low", "low", Volume(Box(0, 0, 1, 1), altMin: 0, altMax: 500));
        Assert.Equal(["low"], Query(index, Volume(Box(0, 0, 1, 1), altMin: 500, altMax: 900)));
        Assert.Empty(Query(index, Volume(Box(0, 0, 1, 1), altMin: 500.01, altMax: 900)));
        Assert.Equal(["low"], Query(index, Volume(Box(0, 0, 1, 1), altMin: 800, altMax: 900), vertical: 300));
        Assert.Empty(Query(index, Volume(Box(0, 0, 1, 1), altMin: 800.01, altMax: 900), vertical: 300));
    }

    [Fact]
    public void an_update_moves_the_entry()
    {
        var index = new SpatioTemporalIndex<string>();
        index.Upsert("a", "a1", Volume(Box(0, 0, 1, 1)));
        index.Upsert("a", "a2", Volume(Box(50, 50, 51, 51)));
        Assert.Equal(1, index.Count);
        Assert.Empty(Query(index, Volume(Box(0, 0, 1, 1))));
        Assert.Equal(["a2"], Query(index, Volume(Box(50.5, 50.5, 52, 52))));
        Assert.Equal("a2", index.Find("a"));
    }

    [Fact]
    public void entries_on_either_side_of_the_antimeridian_and_at_the_pole_are_found()
    {
        var index = new SpatioTemporalIndex<string>();
        index.Upsert("east", "east", Volume(Box(179, 0, 180, 1)));
        index.Upsert("cap", "cap", Volume(Box(30, 89, 40, 90)));
        Assert.Equal(["east"], Query(index, Volume(Box(-180, 0.5, -179, 2))));
        Assert.Equal(["cap"], Query(index, Volume(Box(-150, 89.5, -140, 90))));
        Assert.Equal(["east"], Query(index, Volume(Shape.Circle(-179.99, 0.5, 1200))));
    }
}
