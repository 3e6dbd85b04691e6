using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Tests.Support;

/// <summary>A query of an index: a volume and how far around it.</summary>
public sealed record IndexProbe(Volume Volume, double LateralMetres, double VerticalMetres);

/// <summary>The brute-force model the index property tests compare against: the exact predicate, entry by entry.</summary>
public static class IndexOracle
{
    /// <summary>Whether an entry's volume is within the probe's reach while their windows overlap.</summary>
    public static bool Matches(Volume entry, IndexProbe probe) =>
        entry.Time.Overlaps(probe.Volume.Time) &&
        entry.Altitude.GapTo(probe.Volume.Altitude) <= probe.VerticalMetres &&
        ShapeRelations.WithinDistance(probe.Volume.Footprint, entry.Footprint, probe.LateralMetres);
}

/// <summary>An entry of the index property tests: its key and the version its last upsert gave it.</summary>
public sealed record IndexItem(string Key, int Version);

/// <summary>One random step of an index property test: an upsert (action 0) or a removal (action 1) of key <c>k{Key}</c>.</summary>
public sealed record IndexStep(int Action, int Key, Volume Volume);

/// <summary>
/// Replays steps on two indexes: one takes every step as it comes; the other loads the first
/// <paramref name="loadAt"/> upserts at once, then takes the rest as they come.
/// </summary>
/// <typeparam name="TIndex">The index type.</typeparam>
public sealed class BulkReplay<TIndex>(int loadAt, TIndex oneByOne, TIndex bulk, Action<TIndex, string, IndexItem, Volume, int> upsert,
    Func<TIndex, string, bool> remove, Action<TIndex, IReadOnlyList<Parley.Core.Index.IndexEntry<IndexItem>>> load)
{
    private readonly List<Parley.Core.Index.IndexEntry<IndexItem>> _batch = [];
    private bool _loaded;

    /// <summary>The entries loaded at once.</summary>
    public IReadOnlyList<Parley.Core.Index.IndexEntry<IndexItem>> Batch => _batch;

    /// <summary>Replays the steps on both indexes and returns the model they must both match.</summary>
    public IndexModel Run(IEnumerable<IndexStep> steps)
    {
        var model = IndexModel.Replay(steps, Upsert, Remove);
        EnsureLoaded();
        return model;
    }

    private void EnsureLoaded()
    {
        if (!_loaded)
        {
            load(bulk, _batch);
            _loaded = true;
        }
    }

    private void Upsert(string key, IndexItem item, Volume volume, int group)
    {
        upsert(oneByOne, key, item, volume, group);
        if (!_loaded && _batch.Count < loadAt)
        {
            _batch.Add(new(key, item, volume, group));
            return;
        }

        EnsureLoaded();
        upsert(bulk, key, item, volume, group);
    }

    private bool Remove(string key)
    {
        EnsureLoaded();
        bool removed = remove(oneByOne, key);
        Assert.Equal(removed, remove(bulk, key));
        return removed;
    }
}

/// <summary>The brute-force model of an index: the entries it must hold after the same steps, and what a query must return.</summary>
public sealed class IndexModel
{
    private readonly Dictionary<string, (IndexItem Item, Volume Volume, int Group)> _entries = [];

    /// <summary>The entries held, with their volumes and groups.</summary>
    public IReadOnlyCollection<(IndexItem Item, Volume Volume, int Group)> Entries => _entries.Values;

    /// <summary>
    /// Replays <paramref name="steps"/> on an index (through <paramref name="upsert"/> and <paramref name="remove"/>) and
    /// on the model. Every upsert gives a new version and a group of <c>NoGroup</c>, 0, 1 or 2 from key and version, so
    /// updates move entries between groups; a removal must find in the index what it finds in the model.
    /// </summary>
    public static IndexModel Replay(IEnumerable<IndexStep> steps, Action<string, IndexItem, Volume, int> upsert, Func<string, bool> remove)
    {
        var model = new IndexModel();
        int version = 0;
        foreach (var step in steps)
        {
            string key = $"k{step.Key}";
            if (step.Action == 1)
            {
                Assert.Equal(model._entries.Remove(key), remove(key));
                continue;
            }

            var item = new IndexItem(key, ++version);
            int group = ((step.Key + version) % 4) - 1;
            upsert(key, item, step.Volume, group);
            model._entries[key] = (item, step.Volume, group);
        }

        return model;
    }

    /// <summary>What a query must return, by key: the entries within the probe's reach, less the skipped group's and those <paramref name="accept"/> refuses.</summary>
    public List<IndexItem> Expected(IndexProbe probe, int skipGroup = Parley.Core.Index.SpatioTemporalIndex<IndexItem>.NoGroup, Func<IndexItem, bool>? accept = null) =>
        [.. _entries.Values
            .Where(v => (skipGroup == Parley.Core.Index.SpatioTemporalIndex<IndexItem>.NoGroup || v.Group != skipGroup) &&
                (accept is null || accept(v.Item)) && IndexOracle.Matches(v.Volume, probe))
            .Select(v => v.Item).OrderBy(i => i.Key)];

    /// <summary>Asserts that an index holds exactly the model's entries, each found under its key.</summary>
    public void AssertHeldBy(int count, IEnumerable<IndexItem> items, Func<string, IndexItem?> find)
    {
        Assert.Equal(_entries.Count, count);
        Assert.Equal(_entries.Values.Select(v => v.Item).OrderBy(i => i.Key), items.OrderBy(i => i.Key));
        foreach (var (key, value) in _entries)
        {
            Assert.Same(value.Item, find(key));
        }
    }
}
