using CsCheck;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Incidents;
using Parley.Core.Model;
using Parley.Core.Tests.Support;

namespace Parley.Core.Tests.Incidents;

/// <summary>
/// The correlation against a brute-force model: every zone and operation of a small random theater tested one by one,
/// with the geometry predicates and the disclosure grid themselves (their own property tests check them against
/// independent oracles); the index, the cell-by-cell search and the assembly are what is under test here.
/// </summary>
public class IncidentCorrelationPropertyTests
{
    private static readonly DateTimeOffset Day = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Owners = ["blue", "red", "aid"];

    public static TheoryData<Region> Regions => [Region.Mid, Region.Antimeridian];

    // Open-ended one time in five (a standing zone); else from some hour of three days to some hour after them.
    private static TimeWindow Window(Random r) => r.Next(5) == 0
        ? new TimeWindow(Day.AddHours(r.Next(0, 72)), null)
        : new TimeWindow(Day.AddHours(r.Next(0, 72)), Day.AddHours(73 + r.Next(0, 40)));

    private sealed record Scenario(Theater Theater, IncidentReport Report, List<Zone> Zones, List<Operation> Operations);

    private static Gen<Scenario> Scenarios(Region region) => ShapeGen.FromRandom(r =>
    {
        double resolution = new[] { 2_000.0, 5_000, 10_000 }[r.Next(3)];
        var theater = new Theater(Agreement.Default() with { DisclosureResolutionMetres = resolution, DisclosureTimeResolution = TimeSpan.FromHours(r.Next(2) == 0 ? 6 : 24) });
        var (ax, ay) = ShapeGen.Anchor(r, region);
        double scale = ShapeGen.LogUniform(r, 0.005, 0.3);
        var zones = new List<Zone>();
        var operations = new List<Operation>();
        for (int i = 0; i < 12; i++)
        {
            var shape = ShapeGen.Make(r, region, ax + ShapeGen.Uniform(r, -2, 2) * scale, ay + ShapeGen.Uniform(r, -2, 2) * scale, ShapeGen.LogUniform(r, 0.002, scale));
            var visibility = (Visibility)r.Next(3);
            var zone = new Zone
            {
                Id = new ZoneId($"z{i}"), Owner = new PartyId(Owners[r.Next(3)]), Kind = (ZoneKind)r.Next(3),
                Volume = new Volume(shape, new AltitudeBand(0, 100 + r.Next(5000)), Window(r)),
                Visibility = visibility, SharedWith = visibility == Visibility.Parties ? [new PartyId(Owners[r.Next(3)])] : [],
            };
            zones.Add(zone);
            theater.Upsert(zone);
        }

        for (int i = 0; i < 6; i++)
        {
            var shape = ShapeGen.Make(r, region, ax + ShapeGen.Uniform(r, -2, 2) * scale, ay + ShapeGen.Uniform(r, -2, 2) * scale, ShapeGen.LogUniform(r, 0.002, scale));
            var operation = new Operation
            {
                Id = new OperationId($"op{i}"), Owner = new PartyId(Owners[r.Next(3)]), Kind = "strike",
                Volume = new Volume(shape, new AltitudeBand(r.Next(3000), 5000 + r.Next(3000)), Window(r)),
                State = (OperationState)r.Next(9), Visibility = (Visibility)r.Next(3),
            };
            operations.Add(operation);
            theater.Upsert(operation);
        }

        var area = ShapeGen.Make(r, region, ax, ay, ShapeGen.LogUniform(r, 0.002, scale));
        var start = Day.AddHours(r.Next(0, 90));
        var report = new IncidentReport
        {
            Id = new IncidentId("inc"), Reporter = new PartyId(Owners[r.Next(3)]), Kind = IncidentKind.Strike, Area = area,
            Window = new TimeWindow(start, start.AddMinutes(10 + r.Next(600))),
        };
        return new Scenario(theater, report, zones, operations);
    });

    // Every cell each footprint touches, one by one: the grid's own FirstSharedCell takes a pair as sharing a cell once
    // their covering boxes span too many cells (two parts either side of the antimeridian span the whole world).
    private static GridCell? FirstSharedCell(DisclosureGrid grid, Shape a, Shape b) =>
        grid.Cover(a).Intersect(grid.Cover(b)).Select(c => (GridCell?)c).FirstOrDefault();

    [Theory]
    [MemberData(nameof(Regions))]
    public void the_correlation_is_the_brute_force_one(Region region)
    {
        Scenarios(region).Sample(s =>
        {
            var grid = s.Theater.Grid;
            var slots = DisclosureSlots.Widen(s.Report.Window, s.Theater.Agreement.DisclosureTimeResolution);
            var expected = new SortedDictionary<string, (bool Exact, GeoBox Cell)>(StringComparer.Ordinal);
            foreach (var zone in s.Zones.Where(z => z.Kind == ZoneKind.Protected))
            {
                bool exact = zone.Volume.Time.Overlaps(s.Report.Window) && ShapeRelations.WithinDistance(zone.Volume.Footprint, s.Report.Area);
                var shared = FirstSharedCell(grid, s.Report.Area, zone.Volume.Footprint);
                bool onCells = zone.Visibility != Visibility.Public && slots.Overlaps(zone.Volume.Time) && shared is not null;
                if (exact || onCells)
                {
                    var cell = shared is { } c ? grid.Area(c) : Disclosure.MeetingCell(s.Report.Area, zone.Volume.Footprint, s.Theater.Agreement);
                    expected[zone.Id.Value] = (exact, new GeoBox(cell.West, cell.South, cell.East, cell.North));
                }
            }

            var matches = s.Operations
                .Where(o => o.Volume.Time.Overlaps(s.Report.Window) && ShapeRelations.WithinDistance(o.Volume.Footprint, s.Report.Area))
                .Select(o => o.Id.Value).Order(StringComparer.Ordinal).ToList();

            foreach (var correlator in new[] { new IncidentCorrelator(s.Theater), new IncidentCorrelator(s.Theater, cacheCells: true) })
            {
                var correlation = correlator.Correlate(s.Report);
                Assert.Equal(expected.Keys, correlation.Sites.Select(x => x.Zone.Value));
                Assert.Equal(expected.Values.Select(v => v.Exact), correlation.Sites.Select(x => x.Exact));
                Assert.Equal(expected.Values.Select(v => v.Cell), correlation.Sites.Select(x => x.Cell));
                Assert.Equal(matches, correlation.Declarations.Select(d => d.Operation.Value));
            }
        }, iter: 150, print: s => $"{ShapeGen.Describe(s.Report.Area)} at resolution {s.Theater.Agreement.DisclosureResolutionMetres}");
    }

    [Theory]
    [MemberData(nameof(Regions))]
    public void a_party_learns_of_a_site_hidden_from_it_by_cell_and_slot_alone_never_by_the_exact_area(Region region)
    {
        var disclosure = new Disclosure(new byte[32]);
        Scenarios(region).Sample(s =>
        {
            var correlation = IncidentCorrelator.Correlate(s.Theater, s.Report);
            var incident = new Incident { Report = s.Report, Reported = Day, ReplyDeadline = Day.AddDays(3), Correlation = correlation };
            var slots = DisclosureSlots.Widen(s.Report.Window, s.Theater.Agreement.DisclosureTimeResolution);
            foreach (var viewer in Owners.Select(o => new PartyId(o)))
            {
                var views = IncidentViews.Sites(incident, viewer, disclosure, s.Theater.Agreement);
                var hiddenShown = views.Where(v => v.Handle is not null).ToList();

                // What it is told of zones hidden from it depends on cells and slots only.
                var hidden = s.Zones.Where(z => z.Kind == ZoneKind.Protected && !z.IsVisibleTo(viewer) &&
                    slots.Overlaps(z.Volume.Time) && FirstSharedCell(s.Theater.Grid, s.Report.Area, z.Volume.Footprint) is not null).ToList();
                Assert.Equal(hidden.Select(z => disclosure.Handle(viewer, "zone", z.Id.Value)).Order(StringComparer.Ordinal),
                    hiddenShown.Select(v => v.Handle!).Order(StringComparer.Ordinal));
                Assert.All(hiddenShown, v => Assert.True(v.Zone is null && v.Exact is null && v.Cell is not null));

                // Zones it may see it is told of by id, exactly; its own with whether the exact area touches them.
                var seen = s.Zones.Where(z => z.Kind == ZoneKind.Protected && z.IsVisibleTo(viewer) && z.Owner != viewer &&
                    z.Volume.Time.Overlaps(s.Report.Window) && ShapeRelations.WithinDistance(z.Volume.Footprint, s.Report.Area)).Select(z => z.Id.Value);
                Assert.Equal(seen.Order(StringComparer.Ordinal), views.Where(v => v.Zone is not null && v.Owner != viewer.Value).Select(v => v.Zone!).Order(StringComparer.Ordinal));
                Assert.All(views.Where(v => v.Owner == viewer.Value), v => Assert.NotNull(v.Exact));
            }
        }, iter: 100, print: s => ShapeGen.Describe(s.Report.Area));
    }
}
