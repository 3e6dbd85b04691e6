using CsCheck;
using Parley.Core.Geometry;
using Parley.Core.Index;
using Parley.Core.Model;
using Parley.Core.Tests.Support;

namespace Parley.Core.Tests.Index;

/// <summary>
/// <see cref="TimeSlicedIndex{T}"/> after random inserts, moves between slices, group changes and deletes against a
/// brute-force scan with the same exact predicate: windows shorter and longer than a slice, exactly a slice long,
/// crossing slice boundaries, starting on them, open-ended; probes as short as a minute and as long as forever.
/// </summary>
public class TimeSlicedIndexPropertyTests
{
    private static readonly TimeSpan Slice = TimeSpan.FromHours(2);

    private sealed record Case(List<IndexStep> Steps, List<IndexProbe> Probes);

    private static TimeWindow RandomWindow(Random r)
    {
        // Starts on whole minutes within two days, so windows often start or end exactly on a slice boundary.
        var start = Fixtures.T0.AddMinutes(r.Next(0, 48 * 60 / 30) * 30 + (r.Next(3) == 0 ? r.Next(0, 30) : 0));
        return r.Next(10) switch
        {
            0 => new TimeWindow(start, null),
            1 => new TimeWindow(start, start + Slice),
            2 => new TimeWindow(start, start + Slice + TimeSpan.FromTicks(1)),
            3 => new TimeWindow(start, start.AddMinutes(1)),
            4 or 5 => new TimeWindow(start, start.AddHours(r.Next(3, 30))),
            _ => new TimeWindow(start, start.AddMinutes(r.Next(1, 120))),
        };
    }

    private static Volume RandomVolume(Random r)
    {
        // One place for most, so that time alone tells entries apart; a few elsewhere.
        bool crowded = r.Next(4) != 0;
        double x = crowded ? ShapeGen.Uniform(r, 10, 10.05) : ShapeGen.Uniform(r, 10, 12);
        double y = crowded ? ShapeGen.Uniform(r, 40, 40.05) : ShapeGen.Uniform(r, 40, 42);
        var shape = ShapeGen.Make(r, Region.Mid, x, y, ShapeGen.LogUniform(r, 0.01, 0.3));
        double altMin = Math.Round(ShapeGen.Uniform(r, 0, 3000) / 100) * 100;
        return new Volume(shape, new AltitudeBand(altMin, altMin + 500), RandomWindow(r));
    }

    private static readonly Gen<Case> Cases = ShapeGen.FromRandom(r =>
    {
        int keys = r.Next(5, 60);
        var steps = Enumerable.Range(0, r.Next(10, 120))
            .Select(_ => new IndexStep(r.Next(5) == 0 ? 1 : 0, r.Next(keys), RandomVolume(r)))
            .ToList();
        var probes = Enumerable.Range(0, 12)
            .Select(_ => new IndexProbe(RandomVolume(r), r.Next(3) == 0 ? 0 : ShapeGen.LogUniform(r, 1, 50_000), r.Next(3) == 0 ? 0 : ShapeGen.Uniform(r, 0, 500)))
            .ToList();
        return new Case(steps, probes);
    });

    [Fact]
    public void query_returns_exactly_what_a_brute_force_scan_returns_leaving_out_the_skipped_group()
    {
        Cases.Select(Gen.Int[-1, 2]).Sample((c, skip) =>
        {
            // Updates move entries between slices and groups.
            var index = new TimeSlicedIndex<IndexItem>(Slice);
            var model = IndexModel.Replay(c.Steps, index.Upsert, index.Remove);
            model.AssertHeldBy(index.Count, index.Items, index.Find);
            foreach (var probe in c.Probes)
            {
                var actual = new List<IndexItem>();
                index.Query(probe.Volume, probe.LateralMetres, probe.VerticalMetres, skip, null, actual);
                Assert.Equal(actual.Count, actual.Distinct().Count());
                Assert.Equal(model.Expected(probe, skip), actual.OrderBy(i => i.Key).ToList());

                var accepted = new List<IndexItem>();
                index.Query(probe.Volume, probe.LateralMetres, probe.VerticalMetres, i => i.Version % 2 == 0, accepted);
                Assert.Equal(model.Expected(probe, accept: i => i.Version % 2 == 0), accepted.OrderBy(i => i.Key));
            }
        }, iter: 200);
    }

    [Fact]
    public void many_slices_and_a_probe_spanning_all_of_them_find_the_same_as_a_scan()
    {
        // More slices than a probe's window spans and fewer: both ways of choosing the slices to read.
        var index = new TimeSlicedIndex<IndexItem>(TimeSpan.FromMinutes(10));
        var model = new List<(IndexItem Item, Volume Volume)>();
        var square = Fixtures.Box(10, 40, 10.01, 40.01);
        for (int i = 0; i < 500; i++)
        {
            var start = Fixtures.T0.AddMinutes(7 * i);
            var volume = new Volume(square, new AltitudeBand(0, 100), new TimeWindow(start, start.AddMinutes(i % 3 == 0 ? 10 : 4)));
            var item = new IndexItem($"k{i}", i);
            index.Upsert(item.Key, item, volume);
            model.Add((item, volume));
        }

        foreach (var window in (TimeWindow[])[
            new(Fixtures.T0.AddMinutes(700), Fixtures.T0.AddMinutes(703)),
            new(Fixtures.T0.AddMinutes(10), Fixtures.T0.AddMinutes(20)),
            new(Fixtures.T0.AddDays(-1), null),
            new(Fixtures.T0.AddMinutes(3000), Fixtures.T0.AddMinutes(9000))])
        {
            var probe = new IndexProbe(new Volume(square, new AltitudeBand(0, 100), window), 0, 0);
            var actual = new List<IndexItem>();
            index.Query(probe.Volume, 0, 0, null, actual);
            Assert.Equal(model.Where(m => IndexOracle.Matches(m.Volume, probe)).Select(m => m.Item).OrderBy(i => i.Version), actual.OrderBy(i => i.Version));
        }

        foreach (var (item, _) in model)
        {
            Assert.True(index.Remove(item.Key));
        }

        Assert.Equal(0, index.Count);
        Assert.Empty(index.Items);
    }

    [Fact]
    public void loading_entries_at_once_files_what_upserting_them_in_turn_files()
    {
        // Repeated keys in the batch move entries between slices and groups; more steps follow the load.
        Cases.Select(Gen.Int[0, 100], Gen.Int[-1, 2]).Sample((c, share, skip) =>
        {
            int loadAt = c.Steps.Count * share / 100;
            var steps = c.Steps.Select((s, i) => i < loadAt ? s with { Action = 0 } : s).ToList();
            var oneByOne = new TimeSlicedIndex<IndexItem>(Slice);
            var bulk = new TimeSlicedIndex<IndexItem>(Slice);
            var model = new BulkReplay<TimeSlicedIndex<IndexItem>>(loadAt, oneByOne, bulk,
                (index, key, item, volume, group) => index.Upsert(key, item, volume, group), (index, key) => index.Remove(key), (index, batch) => index.Load(batch))
                .Run(steps);

            model.AssertHeldBy(bulk.Count, bulk.Items, bulk.Find);
            foreach (var probe in c.Probes)
            {
                var loaded = new List<IndexItem>();
                bulk.Query(probe.Volume, probe.LateralMetres, probe.VerticalMetres, skip, null, loaded);
                var built = new List<IndexItem>();
                oneByOne.Query(probe.Volume, probe.LateralMetres, probe.VerticalMetres, skip, null, built);
                Assert.Equal(loaded.Count, loaded.Distinct().Count());
                Assert.Equal(model.Expected(probe, skip), loaded.OrderBy(i => i.Key).ToList());
                Assert.Equal(model.Expected(probe, skip), built.OrderBy(i => i.Key).ToList());
            }
        }, iter: 150);
    }
}
