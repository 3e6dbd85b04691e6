using CsCheck;
using Parley.Core.Geometry;
using Parley.Core.Index;
using Parley.Core.Model;
using Parley.Core.Tests.Support;

namespace Parley.Core.Tests.Index;

/// <summary>
/// <see cref="SpatioTemporalIndex{T}"/> after random inserts, updates and deletes (antimeridian and polar
/// shapes, open-ended windows) against a brute-force scan with the same exact predicate.
/// </summary>
public class SpatioTemporalIndexPropertyTests
{
    private sealed record Case(List<IndexStep> Steps, List<IndexProbe> Probes);

    /// <summary>A volume in one of a few clusters, so that keys meet each other: mid latitudes, the antimeridian, both poles.</summary>
    private static Volume RandomVolume(Random r)
    {
        var region = (Region)r.Next(4);
        var (x, y) = region switch
        {
            Region.Antimeridian => (ShapeGen.Uniform(r, 179.5, 180.5), ShapeGen.Uniform(r, -0.5, 0.5)),
            Region.NorthPole => (ShapeGen.Uniform(r, -180, 180), ShapeGen.Uniform(r, 88.5, 89.95)),
            Region.SouthPole => (ShapeGen.Uniform(r, -180, 180), ShapeGen.Uniform(r, -89.95, -88.5)),
            _ => (ShapeGen.Uniform(r, 10, 11), ShapeGen.Uniform(r, 40, 41)),
        };
        var shape = ShapeGen.Make(r, region, x, y, ShapeGen.LogUniform(r, 0.01, 1));
        double altMin = Math.Round(ShapeGen.Uniform(r, -100, 3000) / 100) * 100; // multiples of 100: touching bands are common
        double altMax = altMin + (Math.Round(ShapeGen.Uniform(r, 0, 2000) / 100) * 100);
        if (r.Next(8) == 0)
        {
            (altMin, altMax) = (double.NegativeInfinity, double.PositiveInfinity);
        }

        var start = Fixtures.T0.AddHours(r.Next(0, 8));
        DateTimeOffset? end = r.Next(5) == 0 ? null : start.AddHours(r.Next(1, 6)); // whole hours: back-to-back windows are common
        return new Volume(shape, new AltitudeBand(altMin, altMax), new TimeWindow(start, end));
    }

    private static readonly Gen<Case> Cases = ShapeGen.FromRandom(r =>
    {
        int keys = r.Next(5, 40);
        var steps = Enumerable.Range(0, r.Next(10, 80))
            .Select(_ => new IndexStep(r.Next(4) == 0 ? 1 : 0, r.Next(keys), RandomVolume(r)))
            .ToList();
        var probes = Enumerable.Range(0, 12)
            .Select(_ => new IndexProbe(
                RandomVolume(r),
                r.Next(3) == 0 ? 0 : ShapeGen.LogUniform(r, 1, 200_000),
                r.Next(3) == 0 ? 0 : ShapeGen.Uniform(r, 0, 500)))
            .ToList();
        return new Case(steps, probes);
    });

    [Theory]
    [InlineData(SpatioTemporalIndex<IndexItem>.DefaultFinestLevel)]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(24)]
    public void query_returns_exactly_what_a_brute_force_scan_returns(int finestLevel)
    {
        Cases.Sample(c =>
        {
            var index = new SpatioTemporalIndex<IndexItem>(finestLevel);
            var model = IndexModel.Replay(c.Steps, (key, item, volume, _) => index.Upsert(key, item, volume), index.Remove);
            model.AssertHeldBy(index.Count, index.Items, index.Find);
            foreach (var probe in c.Probes)
            {
                var expected = model.Expected(probe);
                var actual = new List<IndexItem>();
                index.Query(probe.Volume, probe.LateralMetres, probe.VerticalMetres, null, actual);
                Assert.Equal(expected, actual.OrderBy(i => i.Key).ToList());

                var coarse = index.CoarseCandidates(probe.Volume.Footprint.CoveringBoxes(probe.LateralMetres));
                Assert.Equal(coarse.Count, coarse.Distinct().Count());
                Assert.Subset(coarse.ToHashSet(), expected.ToHashSet());
            }
        }, iter: 150);
    }

    [Fact]
    public void query_applies_the_accept_filter_before_reporting()
    {
        Cases.Sample(c =>
        {
            var index = new SpatioTemporalIndex<IndexItem>();
            var model = IndexModel.Replay(c.Steps, (key, item, volume, _) => index.Upsert(key, item, volume), index.Remove);
            foreach (var probe in c.Probes)
            {
                var actual = new List<IndexItem>();
                index.Query(probe.Volume, probe.LateralMetres, probe.VerticalMetres, i => i.Version % 2 == 0, actual);
                Assert.Equal(model.Expected(probe, accept: i => i.Version % 2 == 0), actual.OrderBy(i => i.Key));
            }
        }, iter: 40);
    }

    [Fact]
    public void query_leaves_out_exactly_the_skipped_group()
    {
        Cases.Select(Gen.Int[-1, 2]).Sample((c, skip) =>
        {
            // Groups by key, changed by updates (an entry moves to its new group), with removals between.
            var index = new SpatioTemporalIndex<IndexItem>();
            var model = IndexModel.Replay(c.Steps, index.Upsert, index.Remove);
            foreach (var probe in c.Probes)
            {
                var actual = new List<IndexItem>();
                index.Query(probe.Volume, probe.LateralMetres, probe.VerticalMetres, skip, null, actual);
                Assert.Equal(model.Expected(probe, skip), actual.OrderBy(i => i.Key).ToList());
            }
        }, iter: 60);
    }

    [Theory]
    [InlineData(SpatioTemporalIndex<IndexItem>.DefaultFinestLevel)]
    [InlineData(0)]
    [InlineData(24)]
    public void loading_entries_at_once_files_what_upserting_them_in_turn_files(int finestLevel)
    {
        // The loaded batch repeats keys (a later entry replaces an earlier one, perhaps in another group); then more
        // upserts and removals reach both indexes, so the loaded cells must take changes as built ones do.
        Cases.Select(Gen.Int[0, 100], Gen.Int[-1, 2]).Sample((c, share, skip) =>
        {
            var steps = c.Steps.Select((s, i) => i < c.Steps.Count * share / 100 ? s with { Action = 0 } : s).ToList();
            var oneByOne = new SpatioTemporalIndex<IndexItem>(finestLevel);
            var bulk = new SpatioTemporalIndex<IndexItem>(finestLevel);
            var replay = new BulkReplay<SpatioTemporalIndex<IndexItem>>(c.Steps.Count * share / 100, oneByOne, bulk,
                (index, key, item, volume, group) => index.Upsert(key, item, volume, group), (index, key) => index.Remove(key), (index, batch) => index.Load(batch));
            var model = replay.Run(steps);

            model.AssertHeldBy(bulk.Count, bulk.Items, bulk.Find);
            model.AssertHeldBy(oneByOne.Count, oneByOne.Items, oneByOne.Find);
            foreach (var probe in c.Probes)
            {
                var expected = model.Expected(probe, skip);
                var loaded = new List<IndexItem>();
                bulk.Query(probe.Volume, probe.LateralMetres, probe.VerticalMetres, skip, null, loaded);
                var built = new List<IndexItem>();
                oneByOne.Query(probe.Volume, probe.LateralMetres, probe.VerticalMetres, skip, null, built);
                Assert.Equal(expected, loaded.OrderBy(i => i.Key).ToList());
                Assert.Equal(expected, built.OrderBy(i => i.Key).ToList());
                Assert.Equal(
                    oneByOne.CoarseCandidates(probe.Volume.Footprint.CoveringBoxes(probe.LateralMetres)).OrderBy(i => i.Key),
                    bulk.CoarseCandidates(probe.Volume.Footprint.CoveringBoxes(probe.LateralMetres)).OrderBy(i => i.Key));
            }

            Assert.Equal(oneByOne.LevelStatistics(), bulk.LevelStatistics());
        }, iter: 150);
    }

    /// <summary>Batches large enough that their cells are found and their links placed by several cores at once.</summary>
    private static readonly Gen<Case> LargeBatches = ShapeGen.FromRandom(r =>
    {
        int keys = r.Next(4_000, 6_000);
        var steps = Enumerable.Range(0, r.Next(5_000, 7_000))
            .Select(_ => new IndexStep(0, r.Next(keys), RandomVolume(r)))
            .ToList();
        var probes = Enumerable.Range(0, 8)
            .Select(_ => new IndexProbe(RandomVolume(r), r.Next(3) == 0 ? 0 : ShapeGen.LogUniform(r, 1, 200_000), 0))
            .ToList();
        return new Case(steps, probes);
    });

    [Fact]
    public void loading_a_batch_shared_between_cores_files_what_upserting_it_in_turn_files()
    {
        LargeBatches.Sample(c =>
        {
            var oneByOne = new SpatioTemporalIndex<IndexItem>();
            var bulk = new SpatioTemporalIndex<IndexItem>();
            var replay = new BulkReplay<SpatioTemporalIndex<IndexItem>>(c.Steps.Count, oneByOne, bulk,
                (index, key, item, volume, group) => index.Upsert(key, item, volume, group), (index, key) => index.Remove(key), (index, batch) => index.Load(batch));
            var model = replay.Run(c.Steps);
            Assert.True(replay.Batch.Count >= 4096, "a batch too small to be shared");

            model.AssertHeldBy(bulk.Count, bulk.Items, bulk.Find);
            foreach (var probe in c.Probes)
            {
                var loaded = new List<IndexItem>();
                bulk.Query(probe.Volume, probe.LateralMetres, probe.VerticalMetres, null, loaded);
                Assert.Equal(model.Expected(probe), loaded.OrderBy(i => i.Key).ToList());
                Assert.Equal(
                    oneByOne.CoarseCandidates(probe.Volume.Footprint.CoveringBoxes(probe.LateralMetres)).OrderBy(i => i.Key),
                    bulk.CoarseCandidates(probe.Volume.Footprint.CoveringBoxes(probe.LateralMetres)).OrderBy(i => i.Key));
            }

            Assert.Equal(oneByOne.LevelStatistics(), bulk.LevelStatistics());
        }, iter: 6, threads: 1);
    }

    [Fact]
    public void removing_every_entry_leaves_an_empty_index()
    {
        Cases.Sample(c =>
        {
            var index = new SpatioTemporalIndex<IndexItem>();
            foreach (var step in c.Steps)
            {
                index.Upsert($"k{step.Key}", new IndexItem($"k{step.Key}", 0), step.Volume);
            }

            foreach (var key in index.Items.Select(i => i.Key).ToList())
            {
                Assert.True(index.Remove(key));
                Assert.False(index.Remove(key));
            }

            Assert.Equal(0, index.Count);
            Assert.Empty(index.CoarseCandidates(new GeoBoxPair(GeoBox.World, null)));
        }, iter: 40);
    }
}
