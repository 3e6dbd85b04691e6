using Parley.Core.Model;

namespace Parley.Core.Index;

/// <summary>
/// A <see cref="SpatioTemporalIndex{T}"/> split by time: an entry no longer than a slice is filed in the slice its
/// window starts in, a longer (or open-ended) one in an index of its own. A query reads that index and only the
/// slices whose entries can overlap its window.
/// </summary>
/// <remarks>
/// The grid finds what is near in space, and a crowded place keeps everything ever filed there: many short
/// operations over one place (traffic) would make every query there scan them all. Sliced, a query there reads
/// what starts within a slice of its own window, however many operations came before or are planned after.
/// Each entry sits in exactly one index, so nothing is reported twice. Not thread-safe for writes.
/// </remarks>
/// <typeparam name="T">The indexed item.</typeparam>
[Mutable("an index changes in place as items are added and removed, so that a million entries are not copied for each change")]
public sealed class TimeSlicedIndex<T>
    where T : class
{
    // The slice number of entries filed in the index of long windows.
    private const long Long = long.MinValue;

    private readonly long _slice;
    private readonly int _finestLevel;
    private readonly SpatioTemporalIndex<T> _long;
    private readonly Dictionary<long, SpatioTemporalIndex<T>> _slices = [];
    private readonly Dictionary<string, long> _sliceOf = new(StringComparer.Ordinal);

    /// <summary>Creates an empty index.</summary>
    /// <param name="slice">The length of a slice: entries up to this long are filed by their start.</param>
    /// <param name="finestLevel">The finest grid level of each index (see <see cref="SpatioTemporalIndex{T}(int)"/>).</param>
    public TimeSlicedIndex(TimeSpan slice, int finestLevel = SpatioTemporalIndex<T>.DefaultFinestLevel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(slice, TimeSpan.Zero);
        _slice = slice.Ticks;
        _finestLevel = finestLevel;
        _long = new SpatioTemporalIndex<T>(finestLevel);
    }

    /// <summary>Number of entries.</summary>
    public int Count => _sliceOf.Count;

    /// <summary>Every indexed item, in no particular order.</summary>
    public IEnumerable<T> Items => _long.Items.Concat(_slices.Values.SelectMany(s => s.Items));

    /// <summary>The item stored under <paramref name="key"/>, if any.</summary>
    public T? Find(string key) => _sliceOf.TryGetValue(key, out long slice) ? IndexOf(slice).Find(key) : null;

    /// <summary>Adds or replaces the entry stored under <paramref name="key"/>, in <paramref name="group"/> (see <see cref="SpatioTemporalIndex{T}.Upsert(string, T, Volume, int)"/>).</summary>
    public void Upsert(string key, T item, Volume volume, int group = SpatioTemporalIndex<T>.NoGroup)
    {
        ArgumentNullException.ThrowIfNull(volume);
        Remove(key);
        long start = volume.Time.StartTicks, end = volume.Time.EndTicks;
        long slice = end - start <= _slice ? start / _slice : Long; // ticks are never negative, and the difference never overflows
        SpatioTemporalIndex<T> index;
        if (slice == Long)
        {
            index = _long;
        }
        else if (!_slices.TryGetValue(slice, out index!))
        {
            index = new SpatioTemporalIndex<T>(_finestLevel);
            _slices[slice] = index;
        }

        index.Upsert(key, item, volume, group);
        _sliceOf[key] = slice;
    }

    /// <summary>Removes the entry stored under <paramref name="key"/>; false when there is none.</summary>
    public bool Remove(string key)
    {
        if (!_sliceOf.Remove(key, out long slice))
        {
            return false;
        }

        var index = IndexOf(slice);
        index.Remove(key);
        if (slice != Long && index.Count == 0)
        {
            _slices.Remove(slice);
        }

        return true;
    }

    /// <summary>As <see cref="SpatioTemporalIndex{T}.Query(Volume, double, double, int, Func{T, bool}?, List{T})"/>.</summary>
    public void Query(Volume volume, double lateralMetres, double verticalMetres, int skipGroup, Func<T, bool>? accept, List<T> results)
    {
        ArgumentNullException.ThrowIfNull(volume);
        _long.Query(volume, lateralMetres, verticalMetres, skipGroup, accept, results);
        if (_slices.Count == 0)
        {
            return;
        }

        // An entry of slice k starts in [k·s, (k+1)·s) and ends at most s later, so it can overlap [start, end)
        // only when k·s < end and start < (k+2)·s.
        long first = (volume.Time.StartTicks / _slice) - 1, last = (volume.Time.EndTicks - 1) / _slice;
        if (last - first < _slices.Count)
        {
            for (long k = first; k <= last; k++)
            {
                if (_slices.TryGetValue(k, out var index))
                {
                    index.Query(volume, lateralMetres, verticalMetres, skipGroup, accept, results);
                }
            }
        }
        else
        {
            foreach (var (k, index) in _slices)
            {
                if (k >= first && k <= last)
                {
                    index.Query(volume, lateralMetres, verticalMetres, skipGroup, accept, results);
                }
            }
        }
    }

    /// <summary>As <see cref="Query(Volume, double, double, int, Func{T, bool}?, List{T})"/>, skipping no group.</summary>
    public void Query(Volume volume, double lateralMetres, double verticalMetres, Func<T, bool>? accept, List<T> results) =>
        Query(volume, lateralMetres, verticalMetres, SpatioTemporalIndex<T>.NoGroup, accept, results);

    private SpatioTemporalIndex<T> IndexOf(long slice) => slice == Long ? _long : _slices[slice];
}
