using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Model;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Conflicts;

/// <summary>The default agreement's conflict rules, applied by <see cref="Theater"/>.</summary>
public class TheaterTests
{
    private static readonly Shape Site = Box(10, 10, 10.1, 10.1);

    private static Theater WithZones(params Zone[] zones)
    {
        var theater = new Theater(Agreement.Default());
        foreach (var zone in zones)
        {
            theater.Upsert(zone);
        }

        return theater;
    }

    private static Theater EveryZoneKindOf(string owner) => WithZones(
        Zone("protected", owner, ZoneKind.Protected, Volume(Site)),
        Zone("restricted", owner, ZoneKind.Restricted, Volume(Site)),
        Zone("designated", owner, ZoneKind.Designated, Volume(Site)));

    private static List<string> ZoneConflicts(Theater theater, Operation op) =>
        [.. theater.FindConflicts(op).Where(c => c.Zone is not null).Select(c => c.TargetId).Order()];

    [Theory]
    [InlineData("strike", new[] { "protected", "restricted" })]
    [InlineData("flight", new[] { "restricted" })]
    [InlineData("ground-movement", new[] { "protected", "restricted" })]
    [InlineData("humanitarian-movement", new string[0])]
    public void each_operation_kind_conflicts_with_the_zone_kinds_of_another_party_that_the_default_agreement_names(string kind, string[] expected)
    {
        var theater = EveryZoneKindOf("red");
        Assert.Equal(expected, ZoneConflicts(theater, Operation("op", "blue", kind, Volume(Box(10.05, 10.05, 10.2, 10.2)))));
    }

    [Theory]
    [InlineData("strike")]
    [InlineData("flight")]
    [InlineData("ground-movement")]
    public void a_party_never_conflicts_with_its_own_zones(string kind)
    {
        Assert.Empty(EveryZoneKindOf("blue").FindConflicts(Operation("op", "blue", kind, Volume(Site))));
    }

    [Theory]
    [InlineData(0, 13)]
    [InlineData(9_260, 11)]
    [InlineData(1_000, 13)]
    [InlineData(50_000, 8)]
    [InlineData(40_000_000, 0)]
    public void the_operation_index_files_in_cells_twice_the_lateral_separation_across(double metres, int level)
    {
        // The finest level whose cells span twice the separation, and no finer than the index's default.
        Assert.Equal(level, Theater.OperationsFinestLevel(metres));
        double cellDegrees = 360.0 / (1L << level);
        double across = 2 * metres / Geodesy.MinMetresPerDegreeLatitude;
        Assert.True(level == 0 || cellDegrees >= across);
        Assert.True(level == 13 || 360.0 / (1L << (level + 1)) < across);
    }

    [Fact]
    public void designated_zones_never_conflict()
    {
        var theater = WithZones(Zone("designated", "red", ZoneKind.Designated, Volume(Site)));
        foreach (var kind in Agreement.StandardOperationKinds)
        {
            Assert.Empty(theater.FindConflicts(Operation("op", "blue", kind, Volume(Site))));
        }
    }

    [Fact]
    public void a_strike_touching_a_protected_zone_conflicts_and_one_apart_does_not()
    {
        var theater = WithZones(Zone("hospital", "red", ZoneKind.Protected, Volume(Site)));
        Assert.Single(theater.FindConflicts(Operation("touching", "blue", "strike", Volume(Box(10.1, 10, 10.2, 10.1)))));
        Assert.Empty(theater.FindConflicts(Operation("apart", "blue", "strike", Volume(Box(10.1001, 10, 10.2, 10.1)))));
    }

    [Fact]
    public void back_to_back_windows_do_not_conflict_but_overlapping_ones_do()
    {
        var theater = WithZones(Zone("hospital", "red", ZoneKind.Protected, Volume(Site, start: T0, end: T0.AddHours(2))));
        Assert.Empty(theater.FindConflicts(Operation("after", "blue", "strike", Volume(Site, start: T0.AddHours(2), end: T0.AddHours(3)))));
        Assert.Empty(theater.FindConflicts(Operation("before", "blue", "strike", Volume(Site, start: T0.AddHours(-1), end: T0))));
        Assert.Single(theater.FindConflicts(Operation("overlap", "blue", "strike", Volume(Site, start: T0.AddHours(1.99), end: T0.AddHours(3)))));
    }

    [Fact]
    public void open_ended_windows_conflict_with_everything_after_their_start()
    {
        var theater = WithZones(Zone("hospital", "red", ZoneKind.Protected, Volume(Site, start: T0, openEnded: true)));
        Assert.Single(theater.FindConflicts(Operation("later", "blue", "strike", Volume(Site, start: T0.AddYears(3), end: T0.AddYears(3).AddHours(1)))));
        Assert.Empty(theater.FindConflicts(Operation("earlier", "blue", "strike", Volume(Site, start: T0.AddHours(-1), end: T0))));
        Assert.Single(theater.FindConflicts(Operation("open", "blue", "strike", Volume(Site, start: T0.AddHours(-1), openEnded: true))));
    }

    [Fact]
    public void touching_altitude_bands_conflict()
    {
        var theater = WithZones(Zone("airspace", "red", ZoneKind.Restricted, Volume(Site, altMin: 0, altMax: 3000)));
        Assert.Single(theater.FindConflicts(Operation("at-ceiling", "blue", "flight", Volume(Site, altMin: 3000, altMax: 5000))));
        Assert.Empty(theater.FindConflicts(Operation("above", "blue", "flight", Volume(Site, altMin: 3000.5, altMax: 5000))));
    }

    private static Theater WithOperation(Operation op)
    {
        var theater = new Theater(Agreement.Default());
        theater.Upsert(op);
        return theater;
    }

    [Theory]
    [InlineData("flight", "flight", 0, true)]
    [InlineData("strike", "flight", 0, true)]
    [InlineData("strike", "strike", 0, true)]
    [InlineData("flight", "ground-movement", 0, false)]
    [InlineData("humanitarian-movement", "flight", 0, false)]
    [InlineData("flight", "flight", -0.5, true)]
    [InlineData("flight", "flight", 0.5, false)]
    public void airborne_operations_of_different_parties_conflict_within_9260_m_laterally(string kind, string otherKind, double extraMetres, bool expected)
    {
        // Two circles of 1 m radius on the equator whose centres are 9262 m apart are 9260 m apart.
        double dLon = (9262 + extraMetres) / 111319.490793;
        var theater = WithOperation(Operation("other", "red", otherKind, Volume(Shape.Circle(dLon, 0, 1), altMin: 1000, altMax: 2000)));
        var conflicts = theater.FindConflicts(Operation("mine", "blue", kind, Volume(Shape.Circle(0, 0, 1), altMin: 1000, altMax: 2000)));
        Assert.Equal(expected, conflicts.Any(c => c.OtherOperation?.Id.Value == "other"));
    }

    [Theory]
    [InlineData(2300, true)]
    [InlineData(2300.5, false)]
    [InlineData(700, true)]
    [InlineData(699.5, false)]
    public void airborne_operations_conflict_only_within_300_m_vertically(double otherAltMin, bool expected)
    {
        // The other band is 500 m thick; it starts above or ends below the band 1000–2000 m.
        double min = otherAltMin >= 2000 ? otherAltMin : otherAltMin - 500, max = min + 500;
        var theater = WithOperation(Operation("other", "red", "flight", Volume(Box(0, 0, 0.01, 0.01), altMin: min, altMax: max)));
        var conflicts = theater.FindConflicts(Operation("mine", "blue", "flight", Volume(Box(0, 0, 0.01, 0.01), altMin: 1000, altMax: 2000)));
        Assert.Equal(expected, conflicts.Count == 1);
    }

    [Fact]
    public void airborne_operations_that_do_not_overlap_in_time_do_not_conflict()
    {
        var theater = WithOperation(Operation("other", "red", "flight", Volume(Site, start: T0, end: T0.AddHours(1))));
        Assert.Empty(theater.FindConflicts(Operation("mine", "blue", "flight", Volume(Site, start: T0.AddHours(1), end: T0.AddHours(2)))));
    }

    [Fact]
    public void operations_of_the_same_party_never_conflict()
    {
        var theater = WithOperation(Operation("other", "blue", "strike", Volume(Site)));
        Assert.Empty(theater.FindConflicts(Operation("mine", "blue", "flight", Volume(Site))));
    }

    [Fact]
    public void an_operation_does_not_conflict_with_itself_or_with_finished_operations()
    {
        var theater = new Theater(Agreement.Default());
        theater.Upsert(Operation("done", "red", "flight", Volume(Site), OperationState.Completed));
        theater.Upsert(Operation("refused", "red", "flight", Volume(Site), OperationState.Refused));
        var mine = Operation("mine", "blue", "flight", Volume(Site));
        theater.Upsert(mine);
        Assert.Empty(theater.FindConflicts(mine));
    }

    [Fact]
    public void separation_reaches_across_the_antimeridian_and_over_the_pole()
    {
        var theater = new Theater(Agreement.Default());
        theater.Upsert(Operation("east", "red", "flight", Volume(Shape.Circle(179.99, 0, 1))));
        theater.Upsert(Operation("polar", "red", "flight", Volume(Shape.Circle(180, 89.97, 1))));
        // 0.02° of equator is 2226 m; from (0, 89.97) over the pole to (180, 89.97) is about 6.7 km.
        Assert.Equal(["east"], theater.FindConflicts(Operation("west", "blue", "flight", Volume(Shape.Circle(-179.99, 0, 1)))).Select(c => c.TargetId));
        Assert.Equal(["polar"], theater.FindConflicts(Operation("north", "blue", "strike", Volume(Shape.Circle(0, 89.97, 1)))).Select(c => c.TargetId));
    }

    [Fact]
    public void a_new_zone_finds_the_live_operations_it_affects()
    {
        var theater = new Theater(Agreement.Default());
        theater.Upsert(Operation("strike", "blue", "strike", Volume(Site)));
        theater.Upsert(Operation("aid", "blue", "humanitarian-movement", Volume(Site)));
        theater.Upsert(Operation("own", "red", "strike", Volume(Site)));
        Assert.Equal(["strike"], theater.OperationsAffectedBy(Zone("hospital", "red", ZoneKind.Protected, Volume(Site))).Select(o => o.Id.Value));
    }

    [Fact]
    public void a_zone_conflict_names_the_owner_to_ask()
    {
        var theater = WithZones(Zone("hospital", "red", ZoneKind.Protected, Volume(Site)));
        var conflict = Assert.Single(theater.FindConflicts(Operation("op", "blue", "strike", Volume(Site))));
        Assert.Equal(new PartyId("red"), conflict.AffectedParty);
        Assert.Equal("hospital", conflict.TargetId);
    }
}
