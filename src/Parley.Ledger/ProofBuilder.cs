namespace Parley.Ledger;

/// <summary>
/// RFC 9162 §2.1.1–2.1.4 over any source of complete-subtree hashes: the tree hash of a range, the inclusion
/// path and the consistency proof. <see cref="MerkleTree"/> feeds it from memory, <see cref="TiledTree"/> from tiles.
/// </summary>
internal sealed class ProofBuilder(Func<int, long, byte[]> completeSubtree)
{
    /// <summary>MTH of leaves [start, end): complete aligned subtrees from the source, the rest split at the largest power of two.</summary>
    public byte[] SubtreeHash(long start, long end)
    {
        long n = end - start;
        if ((n & (n - 1)) == 0 && start % n == 0)
        {
            int height = System.Numerics.BitOperations.Log2((ulong)n);
            return completeSubtree(height, start >> height);
        }

        long k = Merkle.SplitPoint(n);
        return Merkle.NodeHash(SubtreeHash(start, start + k), SubtreeHash(start + k, end));
    }

    /// <summary>PATH(m, D[0:size]).</summary>
    public List<byte[]> Inclusion(long index, long size)
    {
        var proof = new List<byte[]>();
        Path(index, 0, size, proof);
        return proof;
    }

    /// <summary>PROOF(size1, D[0:size2]); empty when size1 is 0 or equal to size2.</summary>
    public List<byte[]> Consistency(long size1, long size2)
    {
        var proof = new List<byte[]>();
        if (size1 > 0 && size1 < size2)
        {
            SubProof(size1, 0, size2, true, proof);
        }

        return proof;
    }

    private void Path(long m, long start, long end, List<byte[]> proof)
    {
        long n = end - start;
        if (n == 1)
        {
            return;
        }

        long k = Merkle.SplitPoint(n);
        if (m < k)
        {
            Path(m, start, start + k, proof);
            proof.Add(SubtreeHash(start + k, end));
        }
        else
        {
            Path(m - k, start + k, end, proof);
            proof.Add(SubtreeHash(start, start + k));
        }
    }

    private void SubProof(long m, long start, long end, bool whole, List<byte[]> proof)
    {
        long n = end - start;
        if (m == n)
        {
            if (!whole)
            {
                proof.Add(SubtreeHash(start, end));
            }

            return;
        }

        long k = Merkle.SplitPoint(n);
        if (m <= k)
        {
            SubProof(m, start, start + k, whole, proof);
            proof.Add(SubtreeHash(start + k, end));
        }
        else
        {
            SubProof(m - k, start + k, end, false, proof);
            proof.Add(SubtreeHash(start, start + k));
        }
    }
}
