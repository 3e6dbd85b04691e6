using System.Runtime.InteropServices;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Index;

/// <summary>
/// A dynamic index of 4D volumes: a coarse filter on a hierarchical lon/lat grid, then an exact
/// refinement by time, altitude and geodesic footprint.
/// </summary>
/// <remarks>
/// Each entry is filed at the grid level whose cells are at least as large as its covering box, so it
/// occupies at most four cells per box (two boxes when it wraps the antimeridian). A query visits, at
/// each level in use, the cells its own covering box touches — or the level's occupied cells, whichever
/// are fewer — and reports each entry once, from the first cell where the two boxes meet.
/// Not thread-safe for writes; concurrent reads are safe when no write runs.
/// </remarks>
/// <typeparam name="T">The indexed item.</typeparam>
public sealed class SpatioTemporalIndex<T>
    where T : class
{
    private const int MaxLevel = 24;

    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Bucket>[] _cells = new Dictionary<long, Bucket>[MaxLevel + 1];
    private readonly int[] _levelCounts = new int[MaxLevel + 1];
    private Entry[] _entries = new Entry[16];
    private int _entryCount;
    private readonly Stack<int> _freeEntries = new();

    /// <summary>
    /// The entries filed in one cell, contiguous: slot and covering box side by side, so that scanning a
    /// crowded cell is a sequential read rather than a cache miss per entry.
    /// </summary>
    private sealed class Bucket
    {
        public int Count;
        public int[] Slots = new int[4];
        public double[] Boxes = new double[16]; // minX, minY, maxX, maxY per entry

        /// <summary>Files an entry; a wrapping entry (two boxes) is stored as ~slot so the scan knows to read it whole.</summary>
        public void Add(int slot, in GeoBox box)
        {
            if (Count == Slots.Length)
            {
                Array.Resize(ref Slots, Count * 2);
                Array.Resize(ref Boxes, Count * 8);
            }

            Slots[Count] = slot;
            Boxes[4 * Count] = box.MinX;
            Boxes[(4 * Count) + 1] = box.MinY;
            Boxes[(4 * Count) + 2] = box.MaxX;
            Boxes[(4 * Count) + 3] = box.MaxY;
            Count++;
        }

        public void Remove(int slot)
        {
            for (int i = 0; i < Count; i++)
            {
                if (Slots[i] == slot || Slots[i] == ~slot)
                {
                    Count--;
                    Slots[i] = Slots[Count];
                    Array.Copy(Boxes, 4 * Count, Boxes, 4 * i, 4);
                    return;
                }
            }
        }
    }

    private struct Entry
    {
        public T? Item;
        public Shape Shape;
        public GeoBoxPair Boxes;
        public long Start;
        public long End;
        public double AltMin;
        public double AltMax;
        public byte Level;
    }

    /// <summary>The default finest grid level: cells of 360/2^13 ≈ 0.044° (about 4.9 km at the equator).</summary>
    public const int DefaultFinestLevel = 13;

    private readonly int _finestLevel;

    /// <summary>Creates an empty index.</summary>
    /// <param name="finestLevel">
    /// The finest grid level entries are filed at (cells of 360/2^level degrees). Smaller entries share
    /// these cells, so a query probes a handful of cells rather than thousands of tiny ones; choose a
    /// finer level only for theaters where many entries crowd one such cell (e.g. city-scale drone traffic).
    /// </param>
    public SpatioTemporalIndex(int finestLevel = DefaultFinestLevel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(finestLevel, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(finestLevel, MaxLevel);
        _finestLevel = finestLevel;
        for (int i = 0; i <= MaxLevel; i++)
        {
            _cells[i] = new Dictionary<long, Bucket>(CellKeyComparer.Instance);
        }
    }

    /// <summary>
    /// Spreads cell keys over the hash space: the default <c>long</c> hash folds the two halves of a key
    /// together, and for a regional theater hundreds of thousands of cells then share a few thousand codes.
    /// </summary>
    private sealed class CellKeyComparer : IEqualityComparer<long>
    {
        public static readonly CellKeyComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long key) => unchecked((int)((ulong)(key * -7046029254386353131L) >> 32));
    }

    /// <summary>Number of entries.</summary>
    public int Count => _slots.Count;

    /// <summary>Every indexed item, in no particular order.</summary>
    public IEnumerable<T> Items
    {
        get
        {
            foreach (var slot in _slots.Values)
            {
                yield return _entries[slot].Item!;
            }
        }
    }

    /// <summary>How entries spread over the grid: for each level in use, its cell size, entries and occupied cells.</summary>
    public IReadOnlyList<(int Level, double CellDegrees, int Entries, int Cells)> LevelStatistics() =>
        [.. Enumerable.Range(0, MaxLevel + 1).Where(l => _levelCounts[l] > 0).Select(l => (l, CellSize(l), _levelCounts[l], _cells[l].Count))];

    /// <summary>The item stored under <paramref name="key"/>, if any.</summary>
    public T? Find(string key) => _slots.TryGetValue(key, out var slot) ? _entries[slot].Item : null;

    /// <summary>Adds or replaces the entry stored under <paramref name="key"/>.</summary>
    public void Upsert(string key, T item, Volume volume)
    {
        Remove(key);
        int slot = _freeEntries.Count > 0 ? _freeEntries.Pop() : _entryCount++;
        if (slot >= _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        var boxes = volume.Footprint.CoveringBoxes();
        int level = Math.Min(_finestLevel, LevelFor(boxes));
        _entries[slot] = new Entry
        {
            Item = item,
            Shape = volume.Footprint,
            Boxes = boxes,
            Start = volume.Time.StartTicks,
            End = volume.Time.EndTicks,
            AltMin = volume.Altitude.MinMetres,
            AltMax = volume.Altitude.MaxMetres,
            Level = (byte)level,
        };
        _slots[key] = slot;
        _levelCounts[level]++;
        int filed = boxes.Second is null ? slot : ~slot;
        ForEachCell(boxes, level, (cell, box) => Link(level, cell, filed, box));
    }

    /// <summary>Removes the entry stored under <paramref name="key"/>; false when there is none.</summary>
    public bool Remove(string key)
    {
        if (!_slots.Remove(key, out int slot))
        {
            return false;
        }

        ref var entry = ref _entries[slot];
        int level = entry.Level;
        ForEachCell(entry.Boxes, level, (cell, _) => Unlink(level, cell, slot));

        _levelCounts[level]--;
        entry = default;
        _freeEntries.Push(slot);
        return true;
    }

    /// <summary>
    /// Adds to <paramref name="results"/> every item whose volume comes within <paramref name="lateralMetres"/>
    /// horizontally and <paramref name="verticalMetres"/> vertically of <paramref name="volume"/> while the
    /// time windows overlap (0, 0: the volumes overlap or touch), and that <paramref name="accept"/> accepts
    /// (checked before the exact geometry, so cheap rules prune first).
    /// </summary>
    public void Query(Volume volume, double lateralMetres, double verticalMetres, Func<T, bool>? accept, List<T> results)
    {
        var query = volume.Footprint.CoveringBoxes(lateralMetres);
        long start = volume.Time.StartTicks, end = volume.Time.EndTicks;
        double altMin = volume.Altitude.MinMetres - verticalMetres, altMax = volume.Altitude.MaxMetres + verticalMetres;

        // A corridor's covering box is mostly empty around a diagonal route: its legs' own boxes prune
        // candidates before any exact geometry.
        var legs = volume.Footprint.Kind == ShapeKind.Line ? LegBoxes(volume.Footprint, lateralMetres) : null;

        // One plane for the whole query, covering every candidate that can be within reach of a small query.
        LocalFrame? around = LocalFrame.TryCreateAround(volume.Footprint, volume.Footprint.BufferMetres + lateralMetres + MaxCandidateBufferMetres, out var frame) ? frame : null;
        Candidates(query, slot =>
        {
            ref readonly var e = ref _entries[slot];
            if (e.Start < end && start < e.End && e.AltMin <= altMax && altMin <= e.AltMax &&
                (legs is null || AnyMeets(legs, e.Boxes)) &&
                (accept is null || accept(e.Item!)) &&
                ShapeRelations.WithinDistanceOfCandidate(volume.Footprint, e.Shape, lateralMetres, around))
            {
                results.Add(e.Item!);
            }
        });
    }

    // Candidates' own buffers (radii, corridors) are usually well under this; larger ones get their own plane.
    private const double MaxCandidateBufferMetres = 5_000;

    private static List<GeoBoxPair> LegBoxes(Shape line, double extraMetres)
    {
        var legs = new List<GeoBoxPair>();
        foreach (var path in line.Paths)
        {
            for (int i = 0; i + 3 < path.Length || (i == 0 && path.Length == 2); i += 2)
            {
                int j = Math.Min(i + 2, path.Length - 2);
                var box = new GeoBox(Math.Min(path[i], path[j]), Math.Min(path[i + 1], path[j + 1]), Math.Max(path[i], path[j]), Math.Max(path[i + 1], path[j + 1]));
                legs.Add(box.Expand(line.BufferMetres + extraMetres));
            }
        }

        return legs;
    }

    private static bool AnyMeets(List<GeoBoxPair> legs, in GeoBoxPair boxes)
    {
        foreach (var leg in legs)
        {
            if (leg.Intersects(boxes))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The coarse filter alone: items whose covering boxes meet <paramref name="query"/>.</summary>
    public List<T> CoarseCandidates(GeoBoxPair query)
    {
        var list = new List<T>();
        Candidates(query, slot => list.Add(_entries[slot].Item!));
        return list;
    }

    private void Candidates(GeoBoxPair query, Action<int> onCandidate)
    {
        for (int level = 0; level <= MaxLevel; level++)
        {
            if (_levelCounts[level] == 0)
            {
                continue;
            }

            VisitLevel(level, query.First, 0, query, onCandidate);
            if (query.Second is { } second)
            {
                VisitLevel(level, second, 1, query, onCandidate);
            }
        }
    }

    private void VisitLevel(int level, GeoBox q, int queryPart, GeoBoxPair query, Action<int> onCandidate)
    {
        double size = CellSize(level);
        var (qx0, qy0, qx1, qy1) = CellRange(q, size, level);
        long cellsInQuery = (long)(qx1 - qx0 + 1) * (qy1 - qy0 + 1);
        var cells = _cells[level];
        if (cellsInQuery <= cells.Count)
        {
            for (int ix = qx0; ix <= qx1; ix++)
            {
                for (int iy = qy0; iy <= qy1; iy++)
                {
                    if (cells.TryGetValue(Key(level, ix, iy), out var bucket))
                    {
                        VisitCell(bucket, ix, iy, level, size, q, qx0, qy0, queryPart, query, onCandidate);
                    }
                }
            }
        }
        else
        {
            foreach (var (key, bucket) in cells)
            {
                int ix = (int)((key >> 29) & 0x1FFFFFFF), iy = (int)(key & 0x1FFFFFFF);
                if (ix >= qx0 && ix <= qx1 && iy >= qy0 && iy <= qy1)
                {
                    VisitCell(bucket, ix, iy, level, size, q, qx0, qy0, queryPart, query, onCandidate);
                }
            }
        }
    }

    private void VisitCell(Bucket bucket, int ix, int iy, int level, double size, GeoBox q, int qx0, int qy0, int queryPart, GeoBoxPair query, Action<int> onCandidate)
    {
        var boxes = bucket.Boxes;
        for (int i = 0; i < bucket.Count; i++)
        {
            int filed = bucket.Slots[i];
            GeoBox b;
            if (filed >= 0)
            {
                double minX = boxes[4 * i], minY = boxes[(4 * i) + 1], maxX = boxes[(4 * i) + 2], maxY = boxes[(4 * i) + 3];
                if (minX > q.MaxX || q.MinX > maxX || minY > q.MaxY || q.MinY > maxY)
                {
                    continue; // a one-box entry whose box misses the query
                }

                b = new GeoBox(minX, minY, maxX, maxY);
                if (queryPart == 1 && query.First.Intersects(b))
                {
                    continue; // reported from the query's first box
                }
            }
            else
            {
                ref readonly var e = ref _entries[~filed];
                var first = e.Boxes.First;
                var second = e.Boxes.Second.GetValueOrDefault();

                // An entry wrapping the antimeridian: report from the first (query box, entry box) pair that meets.
                GeoBox? meeting = null;
                if (queryPart == 0 || (!query.First.Intersects(first) && !query.First.Intersects(second)))
                {
                    meeting = first.Intersects(q) ? first : second.Intersects(q) ? second : null;
                }

                if (meeting is not { } m)
                {
                    continue;
                }

                b = m;
            }

            // Report once: from the first cell the entry's box and the query's box share.
            int bx0 = Floor(b.MinX + 180, size, level), by0 = Floor(b.MinY + 90, size, level);
            if (ix == Math.Max(bx0, qx0) && iy == Math.Max(by0, qy0))
            {
                onCandidate(filed >= 0 ? filed : ~filed);
            }
        }
    }

    private static int Floor(double offset, double size, int level) =>
        (int)Math.Min((1L << level) - 1, Math.Max(0, Math.Floor(offset / size)));

    private static double CellSize(int level) => 360.0 / (1L << level);

    private static int LevelFor(GeoBoxPair boxes)
    {
        double extent = Math.Max(Extent(boxes.First), boxes.Second is { } s ? Extent(s) : 0);
        int level = 0;
        while (level < MaxLevel && CellSize(level + 1) >= extent)
        {
            level++;
        }

        return level;

        static double Extent(GeoBox b) => Math.Max(b.MaxX - b.MinX, b.MaxY - b.MinY);
    }

    private static (int X0, int Y0, int X1, int Y1) CellRange(GeoBox b, double size, int level)
    {
        int max = (int)Math.Min(int.MaxValue, (1L << level) - 1);
        return (Clamp((b.MinX + 180) / size, max), Clamp((b.MinY + 90) / size, max),
                Clamp((b.MaxX + 180) / size, max), Clamp((b.MaxY + 90) / size, max));

        static int Clamp(double v, int max) => (int)Math.Min(max, Math.Max(0, Math.Floor(v)));
    }

    private static long Key(int level, int ix, int iy) => ((long)ix << 29) | (uint)iy;

    private static void ForEachCell(GeoBoxPair boxes, int level, Action<long, GeoBox> action)
    {
        double size = CellSize(level);
        var (x0, y0, x1, y1) = CellRange(boxes.First, size, level);
        for (int ix = x0; ix <= x1; ix++)
        {
            for (int iy = y0; iy <= y1; iy++)
            {
                action(Key(level, ix, iy), boxes.First);
            }
        }

        if (boxes.Second is not { } second)
        {
            return;
        }

        var (sx0, sy0, sx1, sy1) = CellRange(second, size, level);
        for (int ix = sx0; ix <= sx1; ix++)
        {
            for (int iy = sy0; iy <= sy1; iy++)
            {
                if (!(ix >= x0 && ix <= x1 && iy >= y0 && iy <= y1))
                {
                    action(Key(level, ix, iy), second); // a cell both boxes cover holds one link
                }
            }
        }
    }

    private void Link(int level, long cell, int slot, in GeoBox box)
    {
        ref var bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(_cells[level], cell, out _);
        bucket ??= new Bucket();
        bucket.Add(slot, box);
    }

    private void Unlink(int level, long cell, int slot)
    {
        var cells = _cells[level];
        if (cells.TryGetValue(cell, out var bucket))
        {
            bucket.Remove(slot);
            if (bucket.Count == 0)
            {
                cells.Remove(cell);
            }
        }
    }
}
