namespace Parley.Ledger;

/// <summary>
/// A tree of a given size seen only through its tlog-tiles hash tiles: its root, inclusion and consistency
/// proofs computed from the tiles a reader supplies, as a client of a tiled log does.
/// </summary>
/// <remarks>
/// Each tile is read at most once. The results are only as good as the tiles: compare <see cref="Root"/> with a
/// signed checkpoint before trusting anything else computed here. Not thread-safe.
/// </remarks>
public sealed class TiledTree
{
    private readonly Func<TileId, byte[]> _readTile;
    private readonly Dictionary<TileId, List<byte[]>> _tiles = [];

    /// <summary>A tree of <paramref name="size"/> leaves whose tiles come from <paramref name="readTile"/>.</summary>
    /// <param name="size">The tree size (as in a checkpoint).</param>
    /// <param name="readTile">Returns the bytes of a hash tile; throw if it is not available.</param>
    public TiledTree(long size, Func<TileId, byte[]> readTile)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentNullException.ThrowIfNull(readTile);
        Size = size;
        _readTile = readTile;
    }

    /// <summary>Number of leaves.</summary>
    public long Size { get; }

    private ProofBuilder Proofs => field ??= new ProofBuilder(CompleteSubtree);

    /// <summary>The root hash of the tree.</summary>
    /// <exception cref="FormatException">A tile has the wrong length.</exception>
    public byte[] Root() => Size == 0 ? Merkle.EmptyRoot() : Proofs.SubtreeHash(0, Size);

    /// <summary>The leaf hash at <paramref name="index"/> (from a level-0 tile).</summary>
    public byte[] LeafHash(long index)
    {
        if (index < 0 || index >= Size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is not below size {Size}");
        }

        return CompleteSubtree(0, index);
    }

    /// <summary>The RFC 9162 inclusion proof of leaf <paramref name="index"/>.</summary>
    public List<byte[]> InclusionProof(long index)
    {
        if (index < 0 || index >= Size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is not below size {Size}");
        }

        return Proofs.Inclusion(index, Size);
    }

    /// <summary>The RFC 9162 consistency proof from the tree of <paramref name="size1"/> leaves to this one.</summary>
    public List<byte[]> ConsistencyProof(long size1)
    {
        if (size1 < 0 || size1 > Size)
        {
            throw new ArgumentOutOfRangeException(nameof(size1), $"size1 {size1} must be between 0 and {Size}");
        }

        return Proofs.Consistency(size1, Size);
    }

    /// <summary>
    /// The complete subtree of <paramref name="height"/> at <paramref name="index"/>: stored in a tile of level
    /// height / 8 when height is a multiple of 8, otherwise hashed up from 2^(height mod 8) hashes of that tile.
    /// </summary>
    private byte[] CompleteSubtree(int height, long index)
    {
        int level = height / Tiles.Height, rise = height % Tiles.Height;
        long first = index << rise;
        int count = 1 << rise;
        var tile = Tiles.TileFor(level, first + count - 1, Size);
        var hashes = Read(tile);
        int offset = (int)(first - (tile.Index * Tiles.Width));
        var layer = hashes.GetRange(offset, count);
        while (layer.Count > 1)
        {
            var next = new List<byte[]>(layer.Count / 2);
            for (int i = 0; i < layer.Count; i += 2)
            {
                next.Add(Merkle.NodeHash(layer[i], layer[i + 1]));
            }

            layer = next;
        }

        return layer[0];
    }

    private List<byte[]> Read(TileId tile)
    {
        if (!_tiles.TryGetValue(tile, out var hashes))
        {
            hashes = Tiles.ReadHashTile(_readTile(tile), tile.Width);
            _tiles[tile] = hashes;
        }

        return hashes;
    }
}
