using System.Diagnostics;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Workflow;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Conflicts;

/// <summary>
/// Conflicts with zones the requester may not see are decided on the disclosure grid's cells and time slots
/// (<see cref="Theater.FindConflictsFor"/>); zones it may see keep exact semantics.
/// </summary>
public class HiddenZoneTests
{
    private static readonly DateTimeOffset Day = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly DisclosureGrid Grid = new(10_000);

    // A cell at mid latitude and two small points well inside it, about 6 km apart.
    private static readonly GridCell Cell = Grid.CellAt(9.15, 42.15);
    private static readonly (double Lon, double Lat) SouthWest = Inside(0.25, 0.25), NorthEast = Inside(0.75, 0.75);

    private static (double Lon, double Lat) Inside(double fx, double fy) =>
        (Grid.West(Cell.Row, Cell.Column) + (fx * (Grid.East(Cell.Row, Cell.Column) - Grid.West(Cell.Row, Cell.Column))),
         Grid.South(Cell.Row) + (fy * (Grid.North(Cell.Row) - Grid.South(Cell.Row))));

    private static Theater With(params Zone[] zones)
    {
        var theater = new Theater(Agreement.Default());
        foreach (var zone in zones)
        {
            theater.Upsert(zone);
        }

        return theater;
    }

    private static Zone Hospital(Shape shape, Visibility visibility = Visibility.Private, DateTimeOffset? start = null, DateTimeOffset? end = null, double altMax = 1000) =>
        Zone("hospital", "red", ZoneKind.Protected, Volume(shape, altMax: altMax, start: start, end: end)) with { Visibility = visibility };

    private static Operation Strike(Shape shape, DateTimeOffset? start = null, DateTimeOffset? end = null, bool openEnded = false, double altMin = 0) =>
        Operation("strike", "blue", "strike", Volume(shape, altMin: altMin, altMax: altMin + 1000, start: start, end: end, openEnded: openEnded));

    [Fact]
    public void a_private_zone_in_the_same_cell_conflicts_without_an_exact_overlap()
    {
        var theater = With(Hospital(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200)));
        var strike = Strike(Shape.Circle(NorthEast.Lon, NorthEast.Lat, 50));

        Assert.Empty(theater.FindConflicts(strike));
        var conflict = Assert.Single(theater.FindConflictsFor(strike));
        Assert.Equal("hospital", conflict.TargetId);
        Assert.False(conflict.Exact);
    }

    [Fact]
    public void an_exact_overlap_with_a_private_zone_is_recorded_as_exact()
    {
        var theater = With(Hospital(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200)));
        var conflict = Assert.Single(theater.FindConflictsFor(Strike(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 10))));
        Assert.True(conflict.Exact);
    }

    [Theory]
    [InlineData(Visibility.Public)]
    [InlineData(Visibility.Parties)]
    public void a_zone_the_requester_may_see_keeps_exact_semantics(Visibility visibility)
    {
        var zone = Hospital(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200), visibility) with { SharedWith = [new PartyId("blue")] };
        var theater = With(zone);
        Assert.Empty(theater.FindConflictsFor(Strike(Shape.Circle(NorthEast.Lon, NorthEast.Lat, 50))));
        Assert.True(Assert.Single(theater.FindConflictsFor(Strike(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 10)))).Exact);
    }

    [Fact]
    public void a_zone_shared_with_someone_else_is_hidden_from_the_requester()
    {
        var zone = Hospital(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200), Visibility.Parties) with { SharedWith = [new PartyId("aid")] };
        Assert.Single(With(zone).FindConflictsFor(Strike(Shape.Circle(NorthEast.Lon, NorthEast.Lat, 50))));
    }

    [Fact]
    public void own_zones_and_kinds_the_agreement_allows_never_conflict()
    {
        var theater = With(Hospital(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200)));
        var own = Strike(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 10)) with { Owner = new PartyId("red") };
        var flight = Strike(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 10)) with { Kind = "flight" };
        Assert.Empty(theater.FindConflictsFor(own));
        Assert.Empty(theater.FindConflictsFor(flight));
    }

    [Fact]
    public void a_private_zone_in_a_neighbouring_cell_does_not_conflict()
    {
        var east = new GridCell(Cell.Row, Cell.Column + 1);
        double lon = (Grid.West(east.Row, east.Column) + Grid.East(east.Row, east.Column)) / 2, lat = (Grid.South(east.Row) + Grid.North(east.Row)) / 2;
        var theater = With(Hospital(Shape.Circle(lon, lat, 200)));
        Assert.Empty(theater.FindConflictsFor(Strike(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 50))));
    }

    [Fact]
    public void altitude_is_ignored_for_a_hidden_zone()
    {
        var theater = With(Hospital(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200), altMax: 100));
        Assert.Single(theater.FindConflictsFor(Strike(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 10), altMin: 5000)));
    }

    [Fact]
    public void time_is_judged_on_whole_utc_days_by_default()
    {
        var day = new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var theater = With(Hospital(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200), start: day.AddHours(2), end: day.AddHours(3)));
        var shape = Shape.Circle(SouthWest.Lon, SouthWest.Lat, 10);

        Assert.Single(theater.FindConflictsFor(Strike(shape, day.AddHours(20), day.AddHours(21))));
        Assert.Empty(theater.FindConflicts(Strike(shape, day.AddHours(20), day.AddHours(21))));
        Assert.Empty(theater.FindConflictsFor(Strike(shape, day.AddDays(1), day.AddDays(1).AddHours(1))));
        Assert.Empty(theater.FindConflictsFor(Strike(shape, day.AddHours(-5), day))); // half-open: ends as the day starts
        Assert.Single(theater.FindConflictsFor(Strike(shape, day.AddHours(-5), day.AddTicks(1))));
        Assert.Single(theater.FindConflictsFor(Strike(shape, day.AddYears(-1), openEnded: true)));
    }

    [Fact]
    public void the_time_slot_follows_the_agreement()
    {
        var day = new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var theater = new Theater(Agreement.Default() with { DisclosureTimeResolution = TimeSpan.FromHours(1) });
        theater.Upsert(Hospital(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200), start: day.AddHours(2).AddMinutes(10), end: day.AddHours(2).AddMinutes(20)));
        var shape = Shape.Circle(SouthWest.Lon, SouthWest.Lat, 10);
        Assert.Single(theater.FindConflictsFor(Strike(shape, day.AddHours(2).AddMinutes(40), day.AddHours(2).AddMinutes(50))));
        Assert.Empty(theater.FindConflictsFor(Strike(shape, day.AddHours(3), day.AddHours(4))));
    }

    [Fact]
    public void slots_are_aligned_to_the_unix_epoch_and_open_ends_stay_open()
    {
        var slot = TimeSpan.FromDays(1);
        var window = DisclosureSlots.Widen(new TimeWindow(new DateTimeOffset(2026, 5, 1, 7, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 5, 2, 0, 0, 0, TimeSpan.Zero)), slot);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), window.Start);
        Assert.Equal(new DateTimeOffset(2026, 5, 2, 0, 0, 0, TimeSpan.Zero), window.End);

        var before = DisclosureSlots.Widen(new TimeWindow(new DateTimeOffset(1969, 12, 31, 13, 0, 0, TimeSpan.Zero), null), TimeSpan.FromHours(5));
        Assert.Equal(new DateTimeOffset(1969, 12, 31, 9, 0, 0, TimeSpan.Zero), before.Start); // slots of 5 h back from 1970-01-01T00:00
        Assert.Null(before.End);

        var last = DisclosureSlots.Widen(new TimeWindow(DateTimeOffset.MaxValue.AddDays(-2), DateTimeOffset.MaxValue.AddHours(-1)), slot);
        Assert.Null(last.End); // past the last representable slot edge: open
    }

    [Fact]
    public void the_area_of_a_hidden_zone_is_the_southernmost_then_westernmost_shared_cell()
    {
        // A zone and an operation both spanning this cell and the one to the east, and the one to the north.
        var (w, s) = Inside(0.5, 0.5);
        var north = Grid.CellAt(w, Grid.North(Cell.Row) + 0.01);
        double eastLon = Grid.East(Cell.Row, Cell.Column) + 0.01, northLat = Grid.North(Cell.Row) + 0.01;
        var zone = Hospital(Box(w, s, eastLon, northLat));
        var strike = Strike(Box(w + 0.001, s + 0.001, eastLon + 0.001, northLat + 0.001));
        var conflict = Assert.Single(With(zone).FindConflictsFor(strike));

        var view = new Disclosure(new byte[32]).View(conflict, new PartyId("blue"), Agreement.Default());
        Assert.True(view.Redacted);
        Assert.Equal(Grid.Area(Cell), view.Area);
        Assert.NotEqual(Grid.Area(north), view.Area);
        Assert.Null(view.Exact); // only the zone's owner may learn whether the volumes overlap
    }

    [Fact]
    public void cells_never_cross_the_antimeridian_and_a_footprint_across_it_touches_cells_on_both_sides()
    {
        // A circle on the antimeridian touches the last column and column 0; a zone in column 0 is met.
        var atEdge = Shape.Circle(180, 10, 500);
        var cover = Grid.Cover(atEdge);
        int row = Grid.CellAt(180, 10).Row;
        Assert.Contains(new GridCell(row, 0), cover);
        Assert.Contains(new GridCell(row, Grid.Columns(row) - 1), cover);

        double lon = (Grid.West(row, 0) + Grid.East(row, 0)) / 2;
        var theater = With(Hospital(Shape.Circle(lon, 10, 100)));
        Assert.Single(theater.FindConflictsFor(Strike(atEdge)));

        // Two small footprints a kilometre apart on either side of it share no cell.
        var zoneWest = With(Hospital(Shape.Circle(-179.996, 10, 10)));
        Assert.Empty(zoneWest.FindConflictsFor(Strike(Shape.Circle(179.996, 10, 10))));
    }

    [Fact]
    public void near_a_pole_rows_have_few_columns_and_footprints_on_opposite_meridians_may_share_a_cell()
    {
        int top = Grid.Rows - 1;
        Assert.InRange(Grid.Columns(top), 1, 10);
        Assert.Equal(-180, Grid.West(top, 0));
        Assert.Equal(180, Grid.East(top, Grid.Columns(top) - 1));

        // Both in the top row's column holding longitude 10.
        double lat = Grid.South(top) + 0.02;
        var theater = With(Hospital(Shape.Circle(10, lat, 100)));
        var column = Grid.CellAt(10, lat).Column;
        double otherLon = Grid.West(top, column) + 1;
        Assert.Single(theater.FindConflictsFor(Strike(Shape.Circle(otherLon, lat, 100))));

        // A circle over the pole touches every cell of the top row.
        Assert.Equal(Grid.Columns(top), Grid.Cover(Shape.Circle(0, 90, 100)).Count(c => c.Row == top));
    }

    [Fact]
    public void neighbouring_cells_share_their_edges_exactly_and_rows_cover_every_longitude()
    {
        for (int row = 0; row < Grid.Rows; row += 97)
        {
            Assert.Equal(Grid.North(row), Grid.South(row + 1));
            int columns = Grid.Columns(row);
            Assert.Equal(-180, Grid.West(row, 0));
            Assert.Equal(180, Grid.East(row, columns - 1));
            for (int c = 0; c + 1 < columns; c++)
            {
                Assert.Equal(Grid.East(row, c), Grid.West(row, c + 1));
            }
        }

        Assert.Equal(-90, Grid.South(0));
        Assert.Equal(90, Grid.North(Grid.Rows - 1));
    }

    [Fact]
    public void the_redacted_cell_of_a_point_is_the_grid_cell_holding_it()
    {
        var area = Disclosure.Cell(9.152, 42.148, 10_000);
        Assert.InRange(9.152, area.West, area.East);
        Assert.InRange(42.148, area.South, area.North);
        Assert.Equal(Grid.Area(Grid.CellAt(9.152, 42.148)), area);
    }

    [Fact]
    public void a_zone_declared_reopens_the_accepted_operations_its_cells_meet_under_the_relation_their_owner_sees()
    {
        var theater = new Theater(Agreement.Default());
        var accepted = Strike(Shape.Circle(NorthEast.Lon, NorthEast.Lat, 50)) with { State = OperationState.Accepted };
        theater.Upsert(accepted);
        var hidden = Hospital(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200));
        var visible = hidden with { Visibility = Visibility.Public };

        var reopened = Assert.Single(Lifecycle.DeclareZone(theater, hidden, Day).State.Operations);
        Assert.Equal(OperationState.AwaitingConcurrence, reopened.State);
        Assert.Empty(Lifecycle.DeclareZone(theater, visible, Day).State.Operations);
    }

    [Fact]
    public void a_submission_near_a_hidden_zone_awaits_concurrence()
    {
        var theater = With(Hospital(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200)));
        var decision = Lifecycle.Submit(theater, Strike(Shape.Circle(NorthEast.Lon, NorthEast.Lat, 50)), Day).Verdict;
        Assert.Equal(OperationState.AwaitingConcurrence, decision.Operation.State);
        Assert.False(Assert.Single(decision.Conflicts).Exact);
    }

    [Fact]
    public void huge_footprints_are_answered_within_the_bound_and_conservatively_past_it()
    {
        var theater = With(Hospital(Box(-20, -20, 20, 20)));
        var watch = Stopwatch.StartNew();
        var conflicts = theater.FindConflictsFor(Strike(Box(10, 10, 50, 50)));
        watch.Stop();
        Assert.Single(conflicts);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");

        // Small footprints near a huge one are still judged cell by cell.
        var small = With(Hospital(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200)));
        Assert.Empty(small.FindConflictsFor(Strike(Box(-60, -60, 9.0, 40))));
    }

    [Fact]
    public void a_footprint_fits_in_one_cell_when_its_box_is_no_larger_than_a_cell()
    {
        Assert.True(Grid.FitsInOneCell(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 200)));
        Assert.True(Grid.FitsInOneCell(Shape.Circle(Grid.West(Cell.Row, Cell.Column), SouthWest.Lat, 200))); // on an edge: still small
        Assert.False(Grid.FitsInOneCell(Shape.Circle(SouthWest.Lon, SouthWest.Lat, 6_000)));
        Assert.False(Grid.FitsInOneCell(Box(9, 42, 9.2, 42.05)));
    }
}
