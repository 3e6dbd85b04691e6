using System.Numerics;

namespace Parley.Core.Index;

/// <summary>
/// The occupied cells of one grid level, as bits: a clear bit says for certain that a cell holds nothing, so a query
/// over a sparse level (a few thousand operations in a time slice) skips most of its cells without the dictionary's
/// two dependent reads. A set bit may be another cell's (one in 16 to 32) or a cell emptied since: the dictionary
/// then answers.
/// </summary>
[Mutable("set as cells are filed in the index that owns it, read by its queries")]
internal sealed class CellFilter
{
    private const int BitsPerCell = 32; // when rebuilt: one false "may hold" in about 32 on an empty cell
    private const int FewestBitsPerCell = 16; // below this, rebuilt larger

    private ulong[] _words = new ulong[1];
    private int _shift = 64 - 6;
    private long _bits = 64;
    private long _set; // cells noted since the last rebuild, emptied ones too: churn fills the bits as growth does

    /// <summary>False when no entry is filed in the cell <paramref name="key"/>.</summary>
    public bool MayHold(long key)
    {
        ulong bit = Hash(key) >> _shift;
        return (_words[bit >> 6] & (1UL << (int)bit)) != 0;
    }

    /// <summary>Notes a cell just made in <paramref name="cells"/> (which holds it already).</summary>
    public void Added<TCell>(long key, Dictionary<long, TCell> cells)
    {
        if (++_set * FewestBitsPerCell > _bits)
        {
            Rebuild(cells);
            return;
        }

        Set(key);
    }

    /// <summary>Notes every cell of <paramref name="cells"/> afresh (cells removed since are forgotten).</summary>
    public void Rebuild<TCell>(Dictionary<long, TCell> cells)
    {
        long bits = Math.Max(64, (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, cells.Count) * BitsPerCell));
        _words = new ulong[bits / 64];
        _bits = bits;
        _shift = 64 - BitOperations.Log2((ulong)bits);
        _set = cells.Count;
        foreach (long key in cells.Keys)
        {
            Set(key);
        }
    }

    private void Set(long key)
    {
        ulong bit = Hash(key) >> _shift;
        _words[bit >> 6] |= 1UL << (int)bit;
    }

    // A multiplier other than the dictionary's, so that keys crowding one bucket do not also crowd one bit.
    private static ulong Hash(long key) => unchecked((ulong)key * 0xD6E8FEB86659FD93UL);
}
