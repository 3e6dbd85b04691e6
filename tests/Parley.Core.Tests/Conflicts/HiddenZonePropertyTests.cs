using CsCheck;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Workflow;
using Parley.Core.Tests.Support;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Conflicts;

/// <summary>
/// The relation on disclosure cells and slots against brute-force models, on random shapes in mid latitudes,
/// across the antimeridian and around both poles.
/// </summary>
public class HiddenZonePropertyTests
{
    public static TheoryData<Region> Regions => [Region.Mid, Region.Antimeridian, Region.NorthPole, Region.SouthPole];

    // Coarser cells near the poles keep the brute force affordable (every cell of the boxes is tested).
    private static double Resolution(Region region, int pick) => region is Region.NorthPole or Region.SouthPole
        ? new[] { 25_000.0, 50_000 }[pick % 2]
        : new[] { 5_000.0, 10_000, 25_000 }[pick % 3];

    private static readonly DateTimeOffset Day = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A window starting at one of the next few hours of a three-day span, one to thirty hours long.</summary>
    private static TimeWindow Window(int startHour, int hours) => new(Day.AddHours(startHour % 72), Day.AddHours((startHour % 72) + 1 + (hours % 30)));

    private static Theater TheaterWith(double resolution, Zone zone)
    {
        var theater = new Theater(Agreement.Default() with { DisclosureResolutionMetres = resolution });
        theater.Upsert(zone);
        return theater;
    }

    private static Zone HiddenZone(Shape shape, TimeWindow time) => new()
    {
        Id = new ZoneId("z"), Owner = new PartyId("red"), Kind = ZoneKind.Protected,
        Volume = new Volume(shape, new AltitudeBand(0, 100), time),
    };

    private static Operation Strike(Shape shape, TimeWindow time, string id = "op") => new()
    {
        Id = new OperationId(id), Owner = new PartyId("blue"), Kind = "strike",
        Volume = new Volume(shape, new AltitudeBand(5000, 6000), time),
    };

    /// <summary>The brute-force cover: every cell of the grid whose rectangle meets a covering box, tested one by one.</summary>
    private static HashSet<GridCell> BruteCover(DisclosureGrid grid, Shape shape)
    {
        var cells = new HashSet<GridCell>();
        var boxes = shape.CoveringBoxes();
        foreach (var box in boxes.Second is { } second ? new[] { boxes.First, second } : [boxes.First])
        {
            for (int row = 0; row < grid.Rows; row++)
            {
                if (grid.North(row) < box.MinY || grid.South(row) > box.MaxY)
                {
                    continue;
                }

                for (int column = 0; column < grid.Columns(row); column++)
                {
                    var cell = new GridCell(row, column);
                    if (grid.East(row, column) >= box.MinX && grid.West(row, column) <= box.MaxX && grid.Touches(shape, cell))
                    {
                        cells.Add(cell);
                    }
                }
            }
        }

        return cells;
    }

    [Theory]
    [MemberData(nameof(Regions))]
    public void the_relation_on_cells_and_slots_contains_every_exact_conflict(Region region)
    {
        var gen = ShapeGen.Pair(region).Select(Gen.Int[0, 5], Gen.Int[0, 100], Gen.Int[0, 100], Gen.Int[0, 100], Gen.Int[0, 100],
            (pair, pick, s1, h1, s2, h2) => (pair.A, pair.B, pick, Window(s1, h1), Window(s2, h2)));
        gen.Sample((zoneShape, opShape, pick, zoneTime, opTime) =>
        {
            var theater = TheaterWith(Resolution(region, pick), HiddenZone(zoneShape, zoneTime) with { Volume = new Volume(zoneShape, new AltitudeBand(0, 10_000), zoneTime) });
            var strike = Strike(opShape, opTime);
            bool exact = theater.FindConflicts(strike).Count > 0;
            var blurred = theater.FindConflictsFor(strike);
            Assert.True(!exact || blurred.Count == 1, "an exact conflict is missing from the relation on cells");
            if (blurred.Count == 1)
            {
                Assert.Equal(exact, blurred[0].Exact);
            }
        }, iter: 60, print: t => $"{ShapeGen.Describe(t.Item1)} / {ShapeGen.Describe(t.Item2)}");
    }

    [Trait("Lane", "Slow")]
    [Theory]
    [MemberData(nameof(Regions))]
    public void the_relation_on_cells_equals_a_shared_cell_of_the_brute_force_covers(Region region)
    {
        var gen = ShapeGen.Pair(region).Select(Gen.Int[0, 5], (pair, pick) => (pair.A, pair.B, pick));
        gen.Sample((zoneShape, opShape, pick) =>
        {
            var grid = new DisclosureGrid(Resolution(region, pick), maxCellsPerPair: int.MaxValue);
            var shared = BruteCover(grid, zoneShape);
            shared.IntersectWith(BruteCover(grid, opShape));
            GridCell? expected = shared.Count == 0 ? null : shared.Min();
            Assert.Equal(expected, grid.FirstSharedCell(opShape, zoneShape));
            Assert.Equal(expected, grid.FirstSharedCell(zoneShape, opShape));

            // Through the theater (same times), unless the pair is past the theater's bound.
            var theater = TheaterWith(grid.ResolutionMetres, HiddenZone(zoneShape, Window(0, 1)));
            var bounded = new DisclosureGrid(grid.ResolutionMetres);
            if (bounded.FirstSharedCell(opShape, zoneShape) == expected)
            {
                Assert.Equal(expected is not null, theater.FindConflictsFor(Strike(opShape, Window(0, 1))).Count == 1);
            }
        }, iter: 40, print: t => $"{ShapeGen.Describe(t.Item1)} / {ShapeGen.Describe(t.Item2)}");
    }

    [Theory]
    [MemberData(nameof(Regions))]
    public void moving_a_hidden_zone_within_the_same_cells_and_slots_changes_no_answer(Region region)
    {
        var gen = ShapeGen.Pair(region).Select(Gen.Int[0, 5], Gen.Double[-1, 1], Gen.Double[-1, 1], Gen.Int, (pair, pick, fx, fy, seed) => (pair.A, pair.B, pick, fx, fy, seed));
        gen.Sample((zoneShape, nearShape, pick, fx, fy, seed) =>
        {
            double resolution = Resolution(region, pick);
            var grid = new DisclosureGrid(resolution);
            var random = new Random(seed);

            // A move of up to a fifth of a cell: often the cover stays the same, and only those moves are judged.
            double step = resolution / DisclosureGrid.MetresPerDegree / 5;
            var moved = Translate(zoneShape, fx * step / Math.Max(0.05, Math.Cos(zoneShape.Bounds.MinY * Math.PI / 180)), fy * step);
            if (moved is null || !grid.Cover(moved).SequenceEqual(grid.Cover(zoneShape)))
            {
                return;
            }

            // Times: the same first and last slot, anywhere within them.
            var zoneTime = new TimeWindow(Day.AddHours(random.Next(0, 24)), Day.AddDays(1).AddHours(random.Next(1, 24)));
            var movedTime = new TimeWindow(Day.AddHours(random.Next(0, 24)), Day.AddDays(1).AddHours(random.Next(1, 24)));
            var one = TheaterWith(resolution, HiddenZone(zoneShape, zoneTime));
            var other = TheaterWith(resolution, HiddenZone(moved, movedTime));
            var disclosure = new Disclosure(new byte[32]);

            var probes = new List<Shape> { nearShape, zoneShape, moved };
            for (int i = 0; i < 12; i++)
            {
                // Small probes scattered over the zone's box and around it.
                var b = zoneShape.Bounds;
                double x = ShapeGen.Wrap(ShapeGen.Uniform(random, b.MinX - (2 * step), b.MaxX + (2 * step)));
                double y = Math.Clamp(ShapeGen.Uniform(random, b.MinY - (2 * step), b.MaxY + (2 * step)), -90, 90);
                probes.Add(Shape.Circle(x, y, ShapeGen.LogUniform(random, 1, resolution / 2)));
            }

            foreach (var probe in probes)
            {
                for (int day = -1; day <= 2; day++)
                {
                    var strike = Strike(probe, new TimeWindow(Day.AddDays(day).AddHours(random.Next(0, 20)), Day.AddDays(day).AddHours(21)));
                    var a = one.FindConflictsFor(strike).Select(c => disclosure.View(c, strike.Owner, one.Agreement)).ToList();
                    var b = other.FindConflictsFor(strike).Select(c => disclosure.View(c, strike.Owner, other.Agreement)).ToList();
                    Assert.Equal(a, b);

                    var accepted = strike with { State = OperationState.Accepted };
                    one.Upsert(accepted);
                    other.Upsert(accepted);
                    Assert.Equal(Lifecycle.DeclareZone(one, one.FindZone(new ZoneId("z"))!, Day).State.Operations.Length,
                        Lifecycle.DeclareZone(other, other.FindZone(new ZoneId("z"))!, Day).State.Operations.Length);
                    one.Remove(accepted.Id);
                    other.Remove(accepted.Id);
                }
            }
        }, iter: 40, print: t => $"{ShapeGen.Describe(t.Item1)} moved by ({t.Item4}, {t.Item5})");
    }

    /// <summary>The shape shifted by (dx, dy) degrees; null when that would leave the valid range or break an antimeridian split.</summary>
    private static Shape? Translate(Shape shape, double dx, double dy)
    {
        bool onAntimeridian = shape.Paths.Any(p => Enumerable.Range(0, p.Length / 2).Any(i => Math.Abs(p[2 * i]) == 180 || Math.Abs(p[(2 * i) + 1]) == 90));
        if (onAntimeridian)
        {
            return null;
        }

        double[] Move(double[] path)
        {
            var moved = (double[])path.Clone();
            for (int i = 0; i < moved.Length; i += 2)
            {
                moved[i] += dx;
                moved[i + 1] += dy;
            }

            return moved;
        }

        var paths = shape.Paths.Select(Move).ToList();
        if (paths.Any(p => Enumerable.Range(0, p.Length / 2).Any(i => Math.Abs(p[2 * i]) > 180 || Math.Abs(p[(2 * i) + 1]) > 90)))
        {
            return null;
        }

        switch (shape.Kind)
        {
            case ShapeKind.Point:
                return Shape.Circle(paths[0][0], paths[0][1], shape.BufferMetres);
            case ShapeKind.Line:
                return Shape.Corridor(paths, shape.BufferMetres);
            default:
                var polygons = new List<IReadOnlyList<double[]>>();
                for (int p = 0; p < shape.PolygonStarts.Count; p++)
                {
                    int start = shape.PolygonStarts[p], end = p + 1 < shape.PolygonStarts.Count ? shape.PolygonStarts[p + 1] : paths.Count;
                    polygons.Add(paths.GetRange(start, end - start));
                }

                return Shape.Polygons(polygons);
        }
    }
}
