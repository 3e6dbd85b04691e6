namespace Parley.Ledger;

/// <summary>
/// An append-only RFC 9162 Merkle tree that keeps the hash of every complete subtree, so that any
/// root, inclusion proof or consistency proof for any size up to <see cref="Size"/> costs O(log n) hashes.
/// </summary>
/// <remarks>Not thread-safe for appends; concurrent reads are safe when no append runs.</remarks>
public sealed class MerkleTree
{
    // _levels[k] holds, packed, the hashes of the complete subtrees of 2^k leaves, left to right.
    private readonly List<byte[]> _levels = [];
    private readonly List<long> _counts = [];

    /// <summary>Number of leaves.</summary>
    public long Size { get; private set; }

    private ProofBuilder Proofs => field ??= new ProofBuilder((level, index) => Get(level, index).ToArray());

    /// <summary>Appends an entry (its leaf hash is computed here) and returns its index.</summary>
    public long Append(ReadOnlySpan<byte> entry) => AppendLeafHash(Merkle.LeafHash(entry));

    /// <summary>Appends a precomputed leaf hash and returns its index.</summary>
    public long AppendLeafHash(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != Merkle.HashSize)
        {
            throw new ArgumentException("a leaf hash is 32 bytes", nameof(leafHash));
        }

        long index = Size;
        Put(0, leafHash);
        Size++;
        int level = 0;
        Span<byte> node = stackalloc byte[Merkle.HashSize];
        while (_counts[level] % 2 == 0)
        {
            long right = _counts[level] - 1;
            Merkle.NodeHash(Get(level, right - 1), Get(level, right), node);
            Put(level + 1, node);
            level++;
        }

        return index;
    }

    /// <summary>The root hash of the tree of the first <paramref name="size"/> leaves.</summary>
    public byte[] Root(long size)
    {
        RequireSize(size);
        return size == 0 ? Merkle.EmptyRoot() : Proofs.SubtreeHash(0, size);
    }

    /// <summary>The leaf hash at <paramref name="index"/>.</summary>
    public byte[] LeafHash(long index)
    {
        if (index < 0 || index >= Size)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        return Get(0, index).ToArray();
    }

    /// <summary>The RFC 9162 inclusion proof (audit path) of leaf <paramref name="index"/> in the tree of <paramref name="size"/>.</summary>
    public List<byte[]> InclusionProof(long index, long size)
    {
        RequireSize(size);
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is not below size {size}");
        }

        return Proofs.Inclusion(index, size);
    }

    /// <summary>The RFC 9162 consistency proof between the trees of <paramref name="size1"/> and <paramref name="size2"/>.</summary>
    public List<byte[]> ConsistencyProof(long size1, long size2)
    {
        RequireSize(size2);
        if (size1 < 0 || size1 > size2)
        {
            throw new ArgumentOutOfRangeException(nameof(size1), $"size1 {size1} must be between 0 and size2 {size2}");
        }

        return Proofs.Consistency(size1, size2);
    }

    /// <summary>The hash of the complete subtree at <paramref name="level"/> and <paramref name="index"/> (for tiles).</summary>
    public ReadOnlySpan<byte> CompleteSubtree(int level, long index)
    {
        if (level < 0 || level >= _levels.Count || index < 0 || index >= _counts[level])
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"no complete subtree {index} at level {level}");
        }

        return Get(level, index);
    }

    /// <summary>Number of complete subtrees at a level.</summary>
    public long CompleteSubtreeCount(int level) => level < _counts.Count ? _counts[level] : 0;

    private void RequireSize(long size)
    {
        if (size < 0 || size > Size)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"size {size} is beyond the tree size {Size}");
        }
    }

    private ReadOnlySpan<byte> Get(int level, long index) =>
        _levels[level].AsSpan(checked((int)(index * Merkle.HashSize)), Merkle.HashSize);

    private void Put(int level, ReadOnlySpan<byte> hash)
    {
        if (level == _levels.Count)
        {
            _levels.Add(new byte[Merkle.HashSize * 16]);
            _counts.Add(0);
        }

        long count = _counts[level];
        long needed = (count + 1) * Merkle.HashSize;
        if (needed > _levels[level].Length)
        {
            var grown = new byte[Math.Min(Array.MaxLength, Math.Max(needed, (long)_levels[level].Length * 2))];
            _levels[level].CopyTo(grown, 0);
            _levels[level] = grown;
        }

        hash.CopyTo(_levels[level].AsSpan(checked((int)(count * Merkle.HashSize))));
        _counts[level] = count + 1;
    }
}
