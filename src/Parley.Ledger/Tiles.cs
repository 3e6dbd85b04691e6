using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Parley.Ledger;

/// <summary>
/// One resource of the C2SP tlog-tiles layout: a hash tile <c>tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]</c> or an entry
/// bundle <c>tile/entries/&lt;N&gt;[.p/&lt;W&gt;]</c>.
/// </summary>
/// <param name="Level">The tile level (0 to 63), or <see cref="EntriesLevel"/> for an entry bundle.</param>
/// <param name="Index">The tile's index within its level.</param>
/// <param name="Width">How many hashes (or entries) it holds: 256 when full, 1 to 255 when partial.</param>
public readonly record struct TileId(int Level, long Index, int Width)
{
    /// <summary>The level value that marks an entry bundle.</summary>
    public const int EntriesLevel = -1;

    /// <summary>Whether this is an entry bundle rather than a hash tile.</summary>
    public bool IsEntryBundle => Level == EntriesLevel;

    /// <summary>Whether the tile is full (256 wide), hence immutable.</summary>
    public bool IsFull => Width == Tiles.Width;

    /// <summary>The resource path relative to the log prefix, e.g. <c>tile/0/x001/234.p/5</c>.</summary>
    public string Path => Tiles.Path(this);

    /// <inheritdoc/>
    public override string ToString() => Path;
}

/// <summary>
/// The C2SP tlog-tiles layout (c2sp.org/tlog-tiles): tiles of height 8 over an RFC 6962 tree, their paths,
/// their contents and entry bundles of big-endian uint16 length-prefixed entries.
/// </summary>
/// <remarks>
/// The hash at position <c>i</c> of tile <c>n</c> at level <c>l</c> is MTH(D[(n·256+i)·256^l : (n·256+i+1)·256^l]):
/// the complete subtree of height 8·l at index n·256+i. The partial tile at level <c>l</c> of a tree of size
/// <c>s</c> has <c>floor(s / 256^l) mod 256</c> hashes, and none is defined when that is zero.
/// </remarks>
public static class Tiles
{
    /// <summary>Tile height: each tile is a subtree of 8 levels.</summary>
    public const int Height = 8;

    /// <summary>Hashes (or entries) in a full tile: 2^8.</summary>
    public const int Width = 1 << Height;

    /// <summary>The highest tile level a path may name.</summary>
    public const int MaxLevel = 63;

    /// <summary>The longest entry an entry bundle can hold: its length is a big-endian uint16.</summary>
    public const int MaxEntryLength = ushort.MaxValue;

    /// <summary>The path of a tile or entry bundle relative to the log prefix.</summary>
    public static string Path(TileId tile)
    {
        if (tile.Level is < TileId.EntriesLevel or > MaxLevel)
        {
            throw new ArgumentOutOfRangeException(nameof(tile), $"level {tile.Level} is not between 0 and {MaxLevel}");
        }

        if (tile.Index < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tile), $"index {tile.Index} is negative");
        }

        if (tile.Width is < 1 or > Width)
        {
            throw new ArgumentOutOfRangeException(nameof(tile), $"width {tile.Width} is not between 1 and {Width}");
        }

        var sb = new StringBuilder("tile/");
        sb.Append(tile.IsEntryBundle ? "entries" : tile.Level.ToString(CultureInfo.InvariantCulture));
        sb.Append('/').Append(EncodeIndex(tile.Index));
        if (!tile.IsFull)
        {
            sb.Append(".p/").Append(tile.Width.ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>A tile index as zero-padded 3-digit path elements, all but the last prefixed by <c>x</c>: 1234067 → <c>x001/x234/067</c>.</summary>
    public static string EncodeIndex(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        string text = (index % 1000).ToString("D3", CultureInfo.InvariantCulture);
        for (index /= 1000; index > 0; index /= 1000)
        {
            text = "x" + (index % 1000).ToString("D3", CultureInfo.InvariantCulture) + "/" + text;
        }

        return text;
    }

    /// <summary>Parses a path such as <c>tile/1/x001/234</c> or <c>tile/entries/000.p/7</c>.</summary>
    /// <exception cref="FormatException">The path is not a tile path in the specification's one encoding.</exception>
    public static TileId ParsePath(string path) =>
        TryParsePath(path, out var tile) ? tile : throw new FormatException($"'{path}' is not a tlog-tiles path");

    /// <summary>Parses a tile path; false unless it is exactly as <see cref="Path"/> writes it.</summary>
    public static bool TryParsePath(string path, out TileId tile)
    {
        tile = default;
        ArgumentNullException.ThrowIfNull(path);
        var parts = path.Split('/');
        if (parts.Length < 3 || parts[0] != "tile")
        {
            return false;
        }

        int level;
        if (parts[1] == "entries")
        {
            level = TileId.EntriesLevel;
        }
        else if (!TryDecimal(parts[1], MaxLevel, out level))
        {
            return false;
        }

        int width = Width;
        int last = parts.Length - 1;
        if (parts.Length >= 4 && parts[^2].EndsWith(".p", StringComparison.Ordinal))
        {
            if (!TryDecimal(parts[^1], Width - 1, out width) || width == 0)
            {
                return false;
            }

            parts[^2] = parts[^2][..^2];
            last = parts.Length - 2;
        }

        long index = 0;
        for (int i = 2; i <= last; i++)
        {
            string element = parts[i];
            bool isLast = i == last;
            if (!isLast)
            {
                if (!element.StartsWith('x'))
                {
                    return false;
                }

                element = element[1..];
            }

            if (element.Length != 3 || !element.All(char.IsAsciiDigit))
            {
                return false;
            }

            if (i == 2 && !isLast && element == "000")
            {
                return false; // one encoding per index: no leading zero groups
            }

            if (index > (long.MaxValue - 999) / 1000)
            {
                return false;
            }

            index = (index * 1000) + int.Parse(element, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        tile = new TileId(level, index, width);
        return true;
    }

    /// <summary>
    /// The number of hashes a tree of <paramref name="treeSize"/> leaves has at tile level <paramref name="level"/>:
    /// floor(size / 256^level).
    /// </summary>
    public static long HashesAtLevel(long treeSize, int level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        return level * Height >= 63 ? 0 : treeSize >> (level * Height);
    }

    /// <summary>
    /// The tile of a tree of <paramref name="treeSize"/> that holds hash <paramref name="hashIndex"/> of
    /// <paramref name="level"/>: the full tile if the tree completes it, the partial one otherwise.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The tree has no such hash.</exception>
    public static TileId TileFor(int level, long hashIndex, long treeSize)
    {
        long count = HashesAtLevel(treeSize, level);
        if (hashIndex < 0 || hashIndex >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(hashIndex), $"a tree of {treeSize} has {count} hashes at tile level {level}");
        }

        long n = hashIndex / Width;
        int width = (n + 1) * Width <= count ? Width : (int)(count % Width);
        return new TileId(level, n, width);
    }

    /// <summary>Every hash tile of a tree of <paramref name="treeSize"/>: each level's full tiles, then its partial one if any.</summary>
    public static IEnumerable<TileId> HashTilesFor(long treeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        for (int level = 0; HashesAtLevel(treeSize, level) > 0; level++)
        {
            foreach (var tile in TilesOf(level, HashesAtLevel(treeSize, level)))
            {
                yield return tile;
            }
        }
    }

    /// <summary>Every entry bundle of a tree of <paramref name="treeSize"/>: the full ones, then the partial one if any.</summary>
    public static IEnumerable<TileId> EntryBundlesFor(long treeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        return TilesOf(TileId.EntriesLevel, treeSize);
    }

    /// <summary>The index of the first leaf an entry bundle (or level-0 tile) holds.</summary>
    public static long FirstEntry(TileId tile) => tile.Index * Width;

    /// <summary>Whether <paramref name="tree"/> holds every hash of <paramref name="tile"/>.</summary>
    public static bool Covers(MerkleTree tree, TileId tile)
    {
        ArgumentNullException.ThrowIfNull(tree);
        if (tile.IsEntryBundle || tile.Level * Height >= 63)
        {
            return false;
        }

        long available = tree.CompleteSubtreeCount(tile.Level * Height);
        return tile.Index <= (long.MaxValue - Width) / Width && (tile.Index * Width) + tile.Width <= available;
    }

    /// <summary>The bytes of a hash tile: <c>Width</c> concatenated 32-byte hashes taken from <paramref name="tree"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The tree does not (yet) hold that tile.</exception>
    public static byte[] HashTile(MerkleTree tree, TileId tile)
    {
        ArgumentNullException.ThrowIfNull(tree);
        if (tile.IsEntryBundle)
        {
            throw new ArgumentException("an entry bundle is not a hash tile", nameof(tile));
        }

        if (!Covers(tree, tile))
        {
            throw new ArgumentOutOfRangeException(nameof(tile), $"a tree of {tree.Size} leaves does not hold {tile.Path}");
        }

        var bytes = new byte[tile.Width * Merkle.HashSize];
        int height = tile.Level * Height;
        long first = tile.Index * Width;
        for (int i = 0; i < tile.Width; i++)
        {
            tree.CompleteSubtree(height, first + i).CopyTo(bytes.AsSpan(i * Merkle.HashSize));
        }

        return bytes;
    }

    /// <summary>Splits a hash tile into its hashes, refusing a length other than <paramref name="width"/> × 32.</summary>
    /// <exception cref="FormatException">The tile is not <paramref name="width"/> hashes long.</exception>
    public static List<byte[]> ReadHashTile(ReadOnlySpan<byte> data, int width)
    {
        if (data.Length != width * Merkle.HashSize)
        {
            throw new FormatException($"a tile of width {width} is {width * Merkle.HashSize} bytes, not {data.Length}");
        }

        var hashes = new List<byte[]>(width);
        for (int i = 0; i < width; i++)
        {
            hashes.Add(data.Slice(i * Merkle.HashSize, Merkle.HashSize).ToArray());
        }

        return hashes;
    }

    /// <summary>An entry bundle: each entry as a big-endian uint16 length followed by its bytes.</summary>
    /// <exception cref="ArgumentException">An entry is longer than 65,535 bytes, or there are more than 256 entries.</exception>
    public static byte[] EntryBundle(IReadOnlyList<byte[]> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count is 0 or > Width)
        {
            throw new ArgumentException($"a bundle holds 1 to {Width} entries, not {entries.Count}", nameof(entries));
        }

        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[2];
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i].Length > MaxEntryLength)
            {
                throw new ArgumentException(
                    $"entry {i} of the bundle is {entries[i].Length} bytes: an entry bundle holds entries of at most {MaxEntryLength} bytes", nameof(entries));
            }

            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)entries[i].Length);
            buffer.Write(length);
            buffer.Write(entries[i]);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads an entry bundle of exactly <paramref name="width"/> entries.</summary>
    /// <exception cref="EntryBundleException">The bundle is truncated, holds a different number of entries, or has trailing bytes; names the entry.</exception>
    public static List<byte[]> ReadEntryBundle(ReadOnlySpan<byte> data, int width)
    {
        var entries = new List<byte[]>(width);
        int offset = 0;
        while (offset < data.Length)
        {
            if (entries.Count == width)
            {
                throw new EntryBundleException(entries.Count, $"{data.Length - offset} bytes follow the last of its {width} entries");
            }

            if (data.Length - offset < 2)
            {
                throw new EntryBundleException(entries.Count, "its length prefix is cut short");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            offset += 2;
            if (data.Length - offset < length)
            {
                throw new EntryBundleException(entries.Count, $"it claims {length} bytes but only {data.Length - offset} remain");
            }

            entries.Add(data.Slice(offset, length).ToArray());
            offset += length;
        }

        if (entries.Count != width)
        {
            throw new EntryBundleException(entries.Count, $"the bundle ends after {entries.Count} of its {width} entries");
        }

        return entries;
    }

    private static IEnumerable<TileId> TilesOf(int level, long count)
    {
        long full = count / Width;
        for (long n = 0; n < full; n++)
        {
            yield return new TileId(level, n, Width);
        }

        if (count % Width != 0)
        {
            yield return new TileId(level, full, (int)(count % Width));
        }
    }

    private static bool TryDecimal(string text, int max, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 3 || !text.All(char.IsAsciiDigit) || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return value <= max;
    }
}

/// <summary>An entry bundle that does not read; <see cref="Position"/> is the entry (within the bundle) where it fails.</summary>
public sealed class EntryBundleException(int position, string reason)
    : FormatException($"entry {position} of the bundle does not read: {reason}")
{
    /// <summary>The position within the bundle (0 to 255) of the entry that does not read.</summary>
    public int Position { get; } = position;

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; } = reason;
}
