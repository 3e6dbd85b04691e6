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
    private readonly Dictionary<long, int>[] _cells = new Dictionary<long, int>[MaxLevel + 1];
    private readonly int[] _levelCounts = new int[MaxLevel + 1];
    private Entry[] _entries = new Entry[16];
    private int _entryCount;
    private readonly Stack<int> _freeEntries = new();

    // Cell membership lists, as parallel arrays with a free list: compact for millions of entries.
    private int[] _linkEntry = new int[64];
    private int[] _linkNext = new int[64];
    private int _linkCount;
    private int _freeLink = -1;

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
            _cells[i] = new Dictionary<long, int>(CellKeyComparer.Instance);
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
        ForEachCell(boxes, level, cell => Link(level, cell, slot));
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
        ForEachCell(entry.Boxes, level, cell => Unlink(level, cell, slot));

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
        Candidates(query, slot =>
        {
            ref readonly var e = ref _entries[slot];
            if (e.Start < end && start < e.End && e.AltMin <= altMax && altMin <= e.AltMax &&
                (accept is null || accept(e.Item!)) &&
                ShapeRelations.WithinDistance(volume.Footprint, e.Shape, lateralMetres))
            {
                results.Add(e.Item!);
            }
        });
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
                    if (cells.TryGetValue(Key(level, ix, iy), out int head))
                    {
                        VisitCell(head, ix, iy, level, size, q, queryPart, query, onCandidate);
                    }
                }
            }
        }
        else
        {
            foreach (var (key, head) in cells)
            {
                int ix = (int)((key >> 29) & 0x1FFFFFFF), iy = (int)(key & 0x1FFFFFFF);
                if (ix >= qx0 && ix <= qx1 && iy >= qy0 && iy <= qy1)
                {
                    VisitCell(head, ix, iy, level, size, q, queryPart, query, onCandidate);
                }
            }
        }
    }

    private void VisitCell(int head, int ix, int iy, int level, double size, GeoBox q, int queryPart, GeoBoxPair query, Action<int> onCandidate)
    {
        for (int link = head; link >= 0; link = _linkNext[link])
        {
            int slot = _linkEntry[link];
            ref readonly var e = ref _entries[slot];

            // Report once: from the first (query box, entry box) pair that meets, at the first cell they share.
            GeoBox? meeting = null;
            if (queryPart == 0)
            {
                meeting = e.Boxes.First.Intersects(q) ? e.Boxes.First
                    : e.Boxes.Second is { } s && s.Intersects(q) ? s : null;
            }
            else if (!query.First.Intersects(e.Boxes.First) && !(e.Boxes.Second is { } s1 && query.First.Intersects(s1)))
            {
                meeting = e.Boxes.First.Intersects(q) ? e.Boxes.First
                    : e.Boxes.Second is { } s && s.Intersects(q) ? s : null;
            }

            if (meeting is not { } b)
            {
                continue;
            }

            var (bx0, by0, _, _) = CellRange(b, size, level);
            var (qx0, qy0, _, _) = CellRange(q, size, level);
            if (ix == Math.Max(bx0, qx0) && iy == Math.Max(by0, qy0))
            {
                onCandidate(slot);
            }
        }
    }

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

    private static void ForEachCell(GeoBoxPair boxes, int level, Action<long> action)
    {
        double size = CellSize(level);
        var (x0, y0, x1, y1) = CellRange(boxes.First, size, level);
        for (int ix = x0; ix <= x1; ix++)
        {
            for (int iy = y0; iy <= y1; iy++)
            {
                action(Key(level, ix, iy));
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
                    action(Key(level, ix, iy)); // a cell both boxes cover holds one link
                }
            }
        }
    }

    private void Link(int level, long cell, int slot)
    {
        int link;
        if (_freeLink >= 0)
        {
            link = _freeLink;
            _freeLink = _linkNext[link];
        }
        else
        {
            link = _linkCount++;
            if (link >= _linkEntry.Length)
            {
                Array.Resize(ref _linkEntry, _linkEntry.Length * 2);
                Array.Resize(ref _linkNext, _linkNext.Length * 2);
            }
        }

        ref int head = ref CollectionsMarshal.GetValueRefOrAddDefault(_cells[level], cell, out bool exists);
        _linkEntry[link] = slot;
        _linkNext[link] = exists ? head : -1;
        head = link;
    }

    private void Unlink(int level, long cell, int slot)
    {
        var cells = _cells[level];
        if (!cells.TryGetValue(cell, out int head))
        {
            return;
        }

        int previous = -1;
        for (int link = head; link >= 0; previous = link, link = _linkNext[link])
        {
            if (_linkEntry[link] != slot)
            {
                continue;
            }

            int next = _linkNext[link];
            if (previous < 0)
            {
                if (next < 0)
                {
                    cells.Remove(cell);
                }
                else
                {
                    cells[cell] = next;
                }
            }
            else
            {
                _linkNext[previous] = next;
            }

            _linkNext[link] = _freeLink;
            _freeLink = link;
            return;
        }
    }
}
