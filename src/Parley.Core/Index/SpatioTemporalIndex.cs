using System.Buffers;
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
/// A cell holds, side by side, what the cheap tests read (covering box, time window, altitude band, group,
/// the item and its footprint), so that a query touches an entry's own objects only for the exact geometry;
/// it allocates nothing but what it adds to the caller's list.
/// Not thread-safe for writes; concurrent reads are safe when no write runs.
/// </remarks>
/// <typeparam name="T">The indexed item.</typeparam>
[Mutable("an index changes in place as items are added and removed, so that a million entries are not copied for each change")]
public sealed class SpatioTemporalIndex<T>
    where T : class
{
    /// <summary>The group of entries filed without one; a query that skips it skips nothing else.</summary>
    public const int NoGroup = -1;

    private const int MaxLevel = 24;

    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Cell>[] _cells = new Dictionary<long, Cell>[MaxLevel + 1];
    private readonly CellFilter[] _filters = new CellFilter[MaxLevel + 1];
    private readonly int[] _levelCounts = new int[MaxLevel + 1];
    private Entry[] _entries = new Entry[16];
    private int _entryCount;
    private readonly Stack<int> _freeEntries = new();

    /// <summary>
    /// The entries filed in one cell, contiguous: a crowded cell is scanned as one sequential read, and an entry
    /// whose box meets the query's has what the next tests need on the same cache lines.
    /// </summary>
    private struct Cell
    {
        public int Count;
        public Link[] Links;

        /// <summary>Files an entry.</summary>
        public void Add(in Link link)
        {
            if (Links is null)
            {
                Links = new Link[2];
            }
            else if (Count == Links.Length)
            {
                Array.Resize(ref Links, Count * 2);
            }

            Links[Count++] = link;
        }

        public void Remove(int slot)
        {
            for (int i = 0; i < Count; i++)
            {
                if (Links[i].Filed == slot || Links[i].Filed == ~slot)
                {
                    Count--;
                    Links[i] = Links[Count];
                    Links[Count] = default; // let the item go
                    return;
                }
            }
        }
    }

    /// <summary>An entry as one cell holds it: all that a query tests before the exact geometry, and the item it reports.</summary>
    private struct Link
    {
        public T Item;
        public Shape Shape;
        public double MinX; // the box filed in this cell (the whole world for an entry that wraps the antimeridian)
        public double MinY;
        public double MaxX;
        public double MaxY;
        public long Start;
        public long End;
        public double AltMin;
        public double AltMax;
        public int Filed; // the entry's slot, or ~slot when it wraps the antimeridian (two boxes: the scan reads both)
        public int Group;
    }

    private struct Entry
    {
        public T? Item;
        public Shape Shape;
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
            _cells[i] = new Dictionary<long, Cell>(CellKeyComparer.Instance);
            _filters[i] = new CellFilter();
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

    /// <summary>Adds or replaces the entry stored under <paramref name="key"/>, in no group.</summary>
    public void Upsert(string key, T item, Volume volume) => Upsert(key, item, volume, NoGroup);

    /// <summary>
    /// Adds or replaces the entry stored under <paramref name="key"/>, in <paramref name="group"/> (0 or more, or
    /// <see cref="NoGroup"/>): a query may skip one group before any other test (the theater files zones under
    /// their owner, so that a party's own zones are never candidates of its operations).
    /// </summary>
    public void Upsert(string key, T item, Volume volume, int group)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentOutOfRangeException.ThrowIfLessThan(group, NoGroup);
        Remove(key);
        int slot = _freeEntries.Count > 0 ? _freeEntries.Pop() : _entryCount++;
        if (slot >= _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        var boxes = volume.Footprint.CoveringBoxes();
        int level = Math.Min(_finestLevel, LevelFor(boxes));
        _entries[slot] = new Entry { Item = item, Shape = volume.Footprint, Level = (byte)level };
        _slots[key] = slot;
        _levelCounts[level]++;
        var link = LinkFor(item, volume, slot, group, boxes.Second is not null);
        var cells = _cells[level];
        var cursor = new CellCursor(boxes, level);
        while (cursor.Next(out long cell, out var box))
        {
            File(ref link, boxes, box);
            CollectionsMarshal.GetValueRefOrAddDefault(cells, cell, out bool exists).Add(link);
            if (!exists)
            {
                _filters[level].Added(cell, cells);
            }
        }
    }

    /// <summary>An entry's link, but for the box filed in a cell.</summary>
    private static Link LinkFor(T item, Volume volume, int slot, int group, bool wraps) => new()
    {
        Start = volume.Time.StartTicks,
        End = volume.Time.EndTicks,
        AltMin = volume.Altitude.MinMetres,
        AltMax = volume.Altitude.MaxMetres,
        Item = item,
        Shape = volume.Footprint,
        Filed = wraps ? ~slot : slot,
        Group = group,
    };

    /// <summary>Sets the box a link files in a cell whose cursor gave <paramref name="box"/>.</summary>
    private static void File(ref Link link, in GeoBoxPair boxes, in GeoBox box)
    {
        // A wrapping entry has one link where both its boxes fall in a cell: the cell files it under the
        // whole world, so that the scan never passes over it and reads its own two boxes instead.
        var filed = boxes.Second is null ? box : GeoBox.World;
        link.MinX = filed.MinX;
        link.MinY = filed.MinY;
        link.MaxX = filed.MaxX;
        link.MaxY = filed.MaxY;
    }

    /// <summary>
    /// Files many entries at once: the entries that <see cref="Upsert(string, T, Volume, int)"/> of each in turn would
    /// file (a later entry under a key replaces an earlier one), filed faster in an empty index: every entry's cells
    /// are found first, sorted by cell, and each cell's array is then made once, at its final size. Queries then
    /// answer with the same entries, not always in the same order. In an index that holds entries already, each is
    /// upserted in turn.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // run once, on a million entries
    public void Load(IReadOnlyList<IndexEntry<T>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (_slots.Count > 0 || _entryCount > 0)
        {
            foreach (var e in entries)
            {
                Upsert(e.Key, e.Item, e.Volume, e.Group);
            }

            return;
        }

        if (entries is not (List<IndexEntry<T>> or IndexEntry<T>[]))
        {
            entries = entries.ToArray();
        }

        var input = AsSpan(entries);
        int n = input.Length;
        foreach (ref readonly var e in input)
        {
            ArgumentNullException.ThrowIfNull(e.Item);
            ArgumentNullException.ThrowIfNull(e.Volume);
            ArgumentOutOfRangeException.ThrowIfLessThan(e.Group, NoGroup);
        }

        // Slots in order of first use of each key; the last entry under a key is the one filed.
        _slots.EnsureCapacity(n);
        var slotOf = new int[n];
        var lastOf = new int[n];
        for (int i = 0; i < n; i++)
        {
            ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_slots, input[i].Key, out bool exists);
            if (exists)
            {
                slotOf[lastOf[slot]] = -1;
            }
            else
            {
                slot = _entryCount++;
            }

            lastOf[slot] = i;
            slotOf[i] = slot;
        }

        _entries = new Entry[Math.Max(16, _entryCount)];

        // Every entry's cells, found in input order, in parallel over shares of the input (each entry's objects read
        // once), with the level above each cell's key. The links themselves are made once, in their cells' arrays:
        // a list of links as long as the cells would be a second copy of the index, allocated only to be copied.
        int shares = n < 4096 ? 1 : Environment.ProcessorCount;
        var made = new (List<long> Cells, int[] Levels)[shares];
        Parallel.For(0, shares, share =>
        {
            var (from, to) = Share(n, share, shares);
            var cells = new List<long>((to - from) * 3 / 2);
            var levels = new int[MaxLevel + 1];
            var input = AsSpan(entries);
            for (int i = from; i < to; i++)
            {
                if (slotOf[i] < 0)
                {
                    continue;
                }

                ref readonly var e = ref input[i];
                var boxes = e.Volume.Footprint.CoveringBoxes();
                int level = Math.Min(_finestLevel, LevelFor(boxes));
                _entries[slotOf[i]] = new Entry { Item = e.Item, Shape = e.Volume.Footprint, Level = (byte)level };
                levels[level]++;
                var cursor = new CellCursor(boxes, level);
                while (cursor.Next(out long cell, out _))
                {
                    cells.Add(((long)level << LevelShift) | cell);
                }
            }

            made[share] = (cells, levels);
        });

        // Sorted by cell, counting: each link's cell gets a number in order of first use and each cell its count;
        // then each cell's array is made once, at its final size, and the links are placed in input order.
        var number = new Dictionary<long, int>(CellKeyComparer.Instance);
        var counts = new List<int>();
        var keys = new List<long>();
        var numberOf = new int[made.Sum(m => m.Cells.Count)];
        var placeOf = new int[numberOf.Length]; // each link's place in its cell's array: links in input order
        int at = 0;
        foreach (var (cells, levels) in made)
        {
            for (int level = 0; level <= MaxLevel; level++)
            {
                _levelCounts[level] += levels[level];
            }

            foreach (long key in cells)
            {
                ref int c = ref CollectionsMarshal.GetValueRefOrAddDefault(number, key, out bool exists);
                if (!exists)
                {
                    c = counts.Count;
                    counts.Add(0);
                    keys.Add(key);
                }

                placeOf[at] = counts[c]++;
                numberOf[at++] = c;
            }
        }

        var cellLinks = new Link[counts.Count][];
        for (int c = 0; c < cellLinks.Length; c++)
        {
            cellLinks[c] = new Link[counts[c]];
        }

        // The links placed by the same shares of the input, each where the counting put it.
        var firstLink = new int[shares];
        for (int share = 1; share < shares; share++)
        {
            firstLink[share] = firstLink[share - 1] + made[share - 1].Cells.Count;
        }

        Parallel.For(0, shares, share =>
        {
            var (from, to) = Share(n, share, shares);
            var input = AsSpan(entries);
            int at = firstLink[share];
            for (int i = from; i < to; i++)
            {
                if (slotOf[i] < 0)
                {
                    continue;
                }

                ref readonly var e = ref input[i];
                var boxes = e.Volume.Footprint.CoveringBoxes();
                var link = LinkFor(e.Item, e.Volume, slotOf[i], e.Group, boxes.Second is not null);
                File(ref link, boxes, boxes.First); // an entry that wraps files the world, whichever box meets the cell
                var cursor = new CellCursor(boxes, _entries[slotOf[i]].Level);
                while (cursor.Next(out _, out _))
                {
                    cellLinks[numberOf[at]][placeOf[at]] = link;
                    at++;
                }
            }
        });

        for (int c = 0; c < cellLinks.Length; c++)
        {
            _cells[(int)(keys[c] >> LevelShift)][keys[c] & CellMask] = new Cell { Count = cellLinks[c].Length, Links = cellLinks[c] };
        }

        for (int level = 0; level <= MaxLevel; level++)
        {
            if (_cells[level].Count > 0)
            {
                _filters[level].Rebuild(_cells[level]);
            }
        }
    }

    /// <summary>A batch as <see cref="Load"/> takes it (a list or an array), read in place.</summary>
    private static Span<IndexEntry<T>> AsSpan(IReadOnlyList<IndexEntry<T>> entries) =>
        entries is List<IndexEntry<T>> list ? CollectionsMarshal.AsSpan(list) : (IndexEntry<T>[])entries;

    /// <summary>The entries of one of <paramref name="shares"/> equal shares of <paramref name="n"/>, in order.</summary>
    private static (int From, int To) Share(int n, int share, int shares) =>
        ((int)((long)n * share / shares), (int)((long)n * (share + 1) / shares));

    // A sort key is the level above a cell's key (level ≤ 24: 5 bits; cell: 58 bits).
    private const int LevelShift = 58;
    private const long CellMask = (1L << LevelShift) - 1;


    /// <summary>Removes the entry stored under <paramref name="key"/>; false when there is none.</summary>
    public bool Remove(string key)
    {
        if (!_slots.Remove(key, out int slot))
        {
            return false;
        }

        ref var entry = ref _entries[slot];
        int level = entry.Level;
        var cells = _cells[level];
        var cursor = new CellCursor(entry.Shape.CoveringBoxes(), level); // the boxes it was filed under
        while (cursor.Next(out long key2, out _))
        {
            ref var cell = ref CollectionsMarshal.GetValueRefOrNullRef(cells, key2);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref cell))
            {
                cell.Remove(slot);
                if (cell.Count == 0)
                {
                    cells.Remove(key2);
                }
            }
        }

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
    public void Query(Volume volume, double lateralMetres, double verticalMetres, Func<T, bool>? accept, List<T> results) =>
        Query(volume, lateralMetres, verticalMetres, NoGroup, accept, results);

    /// <summary>
    /// As <see cref="Query(Volume, double, double, Func{T, bool}?, List{T})"/>, leaving out the entries of
    /// <paramref name="skipGroup"/> (<see cref="NoGroup"/>: none) before any other test.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Query(Volume volume, double lateralMetres, double verticalMetres, int skipGroup, Func<T, bool>? accept, List<T> results)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(results);
        var footprint = volume.Footprint;
        var query = footprint.CoveringBoxes(lateralMetres);

        // A corridor's covering box is mostly empty around a diagonal route: its legs' own boxes prune
        // candidates before any exact geometry.
        int legCount = 0;
        GeoBoxPair[]? legs = footprint.Kind == ShapeKind.Line ? LegBoxes(footprint, lateralMetres, out legCount) : null;
        var visitor = new QueryVisitor
        {
            Start = volume.Time.StartTicks,
            End = volume.Time.EndTicks,
            AltMin = volume.Altitude.MinMetres - verticalMetres,
            AltMax = volume.Altitude.MaxMetres + verticalMetres,
            SkipGroup = skipGroup,
            Legs = legs,
            LegCount = legCount,
            Accept = accept,
            Footprint = footprint,
            LateralMetres = lateralMetres,
            SureMetres = footprint.Kind == ShapeKind.Polygonal ? -1 : footprint.BufferMetres + lateralMetres,
        };
        try
        {
            Candidates(query, ref visitor);
            if (visitor.Count == 0)
            {
                return;
            }

            var found = visitor.Found.AsSpan(0, visitor.Count);

            Warm(found);

            // Written through a span: a store into a list of a shared generic type checks the item's type, a
            // read of each item's object (a cache miss each) that nothing here needs.
            int start = results.Count, added = 0;
            CollectionsMarshal.SetCount(results, start + found.Length);
            try
            {
                var room = CollectionsMarshal.AsSpan(results)[start..];
                foreach (ref readonly var candidate in found)
                {
                    if (candidate.Sure || ShapeRelations.WithinDistanceOfCandidate(footprint, candidate.Shape, lateralMetres, visitor.Around))
                    {
                        room[added++] = candidate.Item;
                    }
                }
            }
            finally
            {
                CollectionsMarshal.SetCount(results, start + added);
            }
        }
        finally
        {
            if (visitor.Found is { } rented)
            {
                rented.AsSpan(0, visitor.Count).Clear(); // the pool must not keep items alive
                ArrayPool<Candidate>.Shared.Return(rented);
            }

            if (legs is not null)
            {
                ArrayPool<GeoBoxPair>.Shared.Return(legs);
            }
        }
    }

    /// <summary>A candidate that passed every test but the exact geometry.</summary>
    private struct Candidate
    {
        public T Item;
        public Shape Shape;
        public double[] Path;
        public double Last;
        public bool Sure; // its whole covering box is within reach: it conflicts, whatever its exact shape
    }

    /// <summary>
    /// Reads each candidate's footprint and coordinates before any is tested. Footprint, path array and
    /// coordinates are three dependent reads, most of them cache misses in a large index; done for one
    /// candidate after another, every miss waits for the one before. Done a level at a time over all
    /// candidates, the reads of one level are independent, so the processor overlaps their misses.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Warm(Span<Candidate> found)
    {
        foreach (ref var c in found)
        {
            if (!c.Sure)
            {
                c.Path = c.Shape.PathArray[0]; // the footprint, then its array of paths
            }
        }

        foreach (ref var c in found)
        {
            if (!c.Sure)
            {
                c.Last = c.Path[^1]; // the coordinates' first and last lines
            }
        }
    }

    // Candidates' own buffers (radii, corridors) are usually well under this; larger ones get their own plane.
    private const double MaxCandidateBufferMetres = 5_000;

    /// <summary>What a query does with each candidate whose covering box meets its own, reported once.</summary>
    private interface ICandidateVisitor
    {
        void Visit(ref readonly Link link, in GeoBoxPair boxes);
    }

    /// <summary>The tests before the exact geometry; the candidates that pass are kept for it.</summary>
    private struct QueryVisitor : ICandidateVisitor
    {
        public long Start;
        public long End;
        public double AltMin;
        public double AltMax;
        public int SkipGroup;
        public GeoBoxPair[]? Legs;
        public int LegCount;
        public Func<T, bool>? Accept;
        public Candidate[]? Found; // rented at the first candidate
        public int Count;
        public LocalFrame? Around; // made at the first candidate
        public bool AroundMade;
        public Shape Footprint;
        public double LateralMetres;
        public double SureMetres; // for a circle or corridor: its buffer plus the query's reach; -1 for polygons

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public void Visit(ref readonly Link link, in GeoBoxPair boxes)
        {
            if (link.Group == SkipGroup && SkipGroup != NoGroup)
            {
                return;
            }

            if (link.Start < End && Start < link.End && link.AltMin <= AltMax && AltMin <= link.AltMax &&
                (Legs is null || AnyMeets(Legs, LegCount, boxes)) &&
                (Accept is null || Accept(link.Item)))
            {
                if (Found is null)
                {
                    Found = ArrayPool<Candidate>.Shared.Rent(64);
                }
                else if (Count == Found.Length)
                {
                    var larger = ArrayPool<Candidate>.Shared.Rent(Count * 2);
                    Found.AsSpan().CopyTo(larger);
                    Found.AsSpan().Clear();
                    ArrayPool<Candidate>.Shared.Return(Found);
                    Found = larger;
                }

                if (!AroundMade)
                {
                    // One plane for the whole query, covering every candidate that can be within reach of a small query.
                    Around = LocalFrame.TryCreateAround(Footprint, Footprint.BufferMetres + LateralMetres + MaxCandidateBufferMetres, out var frame) ? frame : null;
                    AroundMade = true;
                }

                // A candidate whose whole covering box lies within reach of the query's point or of one of its
                // segments conflicts without a look at its own shape: that box holds all of its footprint.
                bool sure = SureMetres >= 0 && link.Filed >= 0 && Around is { } around &&
                    around.Covers(new GeoBox(link.MinX, link.MinY, link.MaxX, link.MaxY)) &&
                    around.BoxWithin(new GeoBox(link.MinX, link.MinY, link.MaxX, link.MaxY), Footprint, SureMetres);
                Found[Count++] = new Candidate { Item = link.Item, Shape = link.Shape, Sure = sure };
            }
        }
    }

    private readonly struct ListVisitor(List<T> results) : ICandidateVisitor
    {
        public void Visit(ref readonly Link link, in GeoBoxPair boxes) => results.Add(link.Item);
    }

    /// <summary>The boxes of a corridor's legs (pairs of segments), grown by its half-width and the query's reach; a pooled array.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static GeoBoxPair[] LegBoxes(Shape line, double extraMetres, out int count)
    {
        count = 0;
        foreach (var path in line.PathArray)
        {
            for (int i = 0; i + 3 < path.Length || (i == 0 && path.Length == 2); i += 2)
            {
                count++;
            }
        }

        var legs = ArrayPool<GeoBoxPair>.Shared.Rent(count);
        int k = 0;
        foreach (var path in line.PathArray)
        {
            for (int i = 0; i + 3 < path.Length || (i == 0 && path.Length == 2); i += 2)
            {
                int j = Math.Min(i + 2, path.Length - 2);
                var box = new GeoBox(Math.Min(path[i], path[j]), Math.Min(path[i + 1], path[j + 1]), Math.Max(path[i], path[j]), Math.Max(path[i + 1], path[j + 1]));
                legs[k++] = box.Expand(line.BufferMetres + extraMetres);
            }
        }

        return legs;
    }

    private static bool AnyMeets(GeoBoxPair[] legs, int count, in GeoBoxPair boxes)
    {
        for (int i = 0; i < count; i++)
        {
            if (legs[i].Intersects(boxes))
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
        var visitor = new ListVisitor(list);
        Candidates(query, ref visitor);
        return list;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Candidates<TVisitor>(GeoBoxPair query, ref TVisitor visitor)
        where TVisitor : struct, ICandidateVisitor
    {
        for (int level = 0; level <= MaxLevel; level++)
        {
            if (_levelCounts[level] == 0)
            {
                continue;
            }

            VisitLevel(level, query.First, 0, query, ref visitor);
            if (query.Second is { } second)
            {
                VisitLevel(level, second, 1, query, ref visitor);
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void VisitLevel<TVisitor>(int level, GeoBox q, int queryPart, in GeoBoxPair query, ref TVisitor visitor)
        where TVisitor : struct, ICandidateVisitor
    {
        double size = CellSize(level);
        var (qx0, qy0, qx1, qy1) = CellRange(q, size, level);
        long cellsInQuery = (long)(qx1 - qx0 + 1) * (qy1 - qy0 + 1);
        var cells = _cells[level];
        var filter = _filters[level];
        if (cellsInQuery <= cells.Count)
        {
            // The cells in batches: looked up, then read through, then scanned. Each step's reads are independent
            // of one another, so their cache misses overlap rather than wait for one cell after another.
            CellRef[]? batch = null; // rented at the first cell found
            int count = 0, used = 0;
            try
            {
                for (int ix = qx0; ix <= qx1; ix++)
                {
                    for (int iy = qy0; iy <= qy1; iy++)
                    {
                        long key = Key(ix, iy);
                        if (filter.MayHold(key) && cells.TryGetValue(key, out var cell))
                        {
                            batch ??= ArrayPool<CellRef>.Shared.Rent(CellBatch);
                            batch[count++] = new CellRef { Cell = cell, Ix = ix, Iy = iy };
                            used = Math.Max(used, count);
                            if (count == CellBatch)
                            {
                                VisitBatch(batch.AsSpan(0, count), level, size, q, qx0, qy0, queryPart, query, ref visitor);
                                count = 0;
                            }
                        }
                    }
                }

                if (count > 0)
                {
                    VisitBatch(batch.AsSpan(0, count), level, size, q, qx0, qy0, queryPart, query, ref visitor);
                }
            }
            finally
            {
                if (batch is not null)
                {
                    batch.AsSpan(0, used).Clear(); // the pool must not keep the cells' arrays alive
                    ArrayPool<CellRef>.Shared.Return(batch);
                }
            }
        }
        else
        {
            foreach (var (key, cell) in cells)
            {
                int ix = (int)((key >> 29) & 0x1FFFFFFF), iy = (int)(key & 0x1FFFFFFF);
                if (ix >= qx0 && ix <= qx1 && iy >= qy0 && iy <= qy1)
                {
                    VisitCell(cell, ix, iy, level, size, q, qx0, qy0, queryPart, query, ref visitor);
                }
            }
        }
    }

    private const int CellBatch = 32;

    /// <summary>A cell found for a query, with its position; <see cref="Touched"/> keeps the warming reads from being optimised away.</summary>
    private struct CellRef
    {
        public Cell Cell;
        public int Ix;
        public int Iy;
        public double Touched;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void VisitBatch<TVisitor>(Span<CellRef> batch, int level, double size, GeoBox q, int qx0, int qy0, int queryPart, in GeoBoxPair query, ref TVisitor visitor)
        where TVisitor : struct, ICandidateVisitor
    {
        foreach (ref var c in batch)
        {
            var links = c.Cell.Links;
            double touched = 0;
            for (int i = 0; i < c.Cell.Count; i++)
            {
                touched += links[i].MinX; // one read a link: every cache line of the cell
            }

            c.Touched = touched;
        }

        foreach (ref readonly var c in batch)
        {
            VisitCell(c.Cell, c.Ix, c.Iy, level, size, q, qx0, qy0, queryPart, query, ref visitor);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void VisitCell<TVisitor>(in Cell cell, int ix, int iy, int level, double size, GeoBox q, int qx0, int qy0, int queryPart, in GeoBoxPair query, ref TVisitor visitor)
        where TVisitor : struct, ICandidateVisitor
    {
        var links = cell.Links;
        for (int i = 0; i < cell.Count; i++)
        {
            ref readonly var link = ref links[i];
            double minX = link.MinX, minY = link.MinY, maxX = link.MaxX, maxY = link.MaxY;
            if (minX > q.MaxX || q.MinX > maxX || minY > q.MaxY || q.MinY > maxY)
            {
                continue; // the entry's box misses the query's
            }

            GeoBox b;
            GeoBoxPair entryBoxes;
            if (link.Filed >= 0)
            {
                b = new GeoBox(minX, minY, maxX, maxY);
                if (queryPart == 1 && query.First.Intersects(b))
                {
                    continue; // reported from the query's first box
                }

                entryBoxes = new GeoBoxPair(b, null);
            }
            else
            {
                // An entry wrapping the antimeridian (rare): report from the first (query box, entry box) pair that meets.
                entryBoxes = link.Shape.CoveringBoxes();
                var first = entryBoxes.First;
                var second = entryBoxes.Second.GetValueOrDefault();
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
                visitor.Visit(in link, entryBoxes);
            }
        }
    }

    private static int Floor(double offset, double size, int level) =>
        (int)Math.Min((1L << level) - 1, Math.Max(0, Math.Floor(offset / size)));

    private static double CellSize(int level) => 360.0 / (1L << level);

    private static int LevelFor(GeoBoxPair boxes) =>
        LevelCovering(Math.Max(Extent(boxes.First), boxes.Second is { } s ? Extent(s) : 0));

    private static double Extent(GeoBox b) => Math.Max(b.MaxX - b.MinX, b.MaxY - b.MinY);

    /// <summary>The finest grid level whose cells are at least <paramref name="degrees"/> across (24 for anything under its cells).</summary>
    public static int LevelCovering(double degrees)
    {
        int level = 0;
        while (level < MaxLevel && CellSize(level + 1) >= degrees)
        {
            level++;
        }

        return level;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (int X0, int Y0, int X1, int Y1) CellRange(GeoBox b, double size, int level)
    {
        int max = (int)Math.Min(int.MaxValue, (1L << level) - 1);
        return (Clamp((b.MinX + 180) / size, max), Clamp((b.MinY + 90) / size, max),
                Clamp((b.MaxX + 180) / size, max), Clamp((b.MaxY + 90) / size, max));

        static int Clamp(double v, int max) => (int)Math.Min(max, Math.Max(0, Math.Floor(v)));
    }

    private static long Key(int ix, int iy) => ((long)ix << 29) | (uint)iy;

    /// <summary>
    /// The cells an entry with these boxes is filed in at a level, each with the box filed there: the first
    /// box's cells, then those of the second box that the first does not cover (a cell both cover holds one link).
    /// </summary>
    private struct CellCursor
    {
        private readonly GeoBoxPair _boxes;
        private readonly (int X0, int Y0, int X1, int Y1) _first;
        private readonly (int X0, int Y0, int X1, int Y1) _second;
        private int _part; // 0: the first box, 1: the second, 2: done
        private int _ix;
        private int _iy;

        public CellCursor(GeoBoxPair boxes, int level)
        {
            double size = CellSize(level);
            _boxes = boxes;
            _first = CellRange(boxes.First, size, level);
            _second = boxes.Second is { } second ? CellRange(second, size, level) : default;
            _ix = _first.X0;
            _iy = _first.Y0 - 1;
        }

        public bool Next(out long cell, out GeoBox box)
        {
            while (_part < 2)
            {
                var range = _part == 0 ? _first : _second;
                if (++_iy > range.Y1)
                {
                    _iy = range.Y0;
                    ++_ix;
                }

                if (_ix > range.X1)
                {
                    _part = _part == 0 && _boxes.Second is not null ? 1 : 2;
                    _ix = _second.X0;
                    _iy = _second.Y0 - 1;
                    continue;
                }

                if (_part == 1 && _ix >= _first.X0 && _ix <= _first.X1 && _iy >= _first.Y0 && _iy <= _first.Y1)
                {
                    continue;
                }

                cell = Key(_ix, _iy);
                box = _part == 0 ? _boxes.First : _boxes.Second.GetValueOrDefault();
                return true;
            }

            cell = 0;
            box = default;
            return false;
        }
    }
}

/// <summary>One entry to file with <see cref="SpatioTemporalIndex{T}.Load"/>: what <see cref="SpatioTemporalIndex{T}.Upsert(string, T, Volume, int)"/> takes.</summary>
/// <typeparam name="T">The indexed item.</typeparam>
/// <param name="Key">The entry's key.</param>
/// <param name="Item">The item a query reports.</param>
/// <param name="Volume">Where and when.</param>
/// <param name="Group">Its group (0 or more, or <see cref="SpatioTemporalIndex{T}.NoGroup"/>).</param>
public readonly record struct IndexEntry<T>(string Key, T Item, Volume Volume, int Group)
    where T : class;
