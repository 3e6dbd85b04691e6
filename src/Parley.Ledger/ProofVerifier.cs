using System.Security.Cryptography;

namespace Parley.Ledger;

/// <summary>Why a proof was refused.</summary>
public sealed class ProofException(string message) : Exception(message);

/// <summary>
/// Verification of RFC 9162 inclusion and consistency proofs by the bit-shift algorithms of
/// §2.1.3.2 and §2.1.4.2, with every edge case refused explicitly.
/// </summary>
public static class ProofVerifier
{
    /// <summary>Throws <see cref="ProofException"/> unless <paramref name="proof"/> shows that leaf <paramref name="index"/> is in the tree.</summary>
    public static void VerifyInclusion(ulong index, ulong size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index >= size)
        {
            throw new ProofException($"index {index} is beyond the tree size {size}");
        }

        if (leafHash.Length != Merkle.HashSize || root.Length != Merkle.HashSize || proof.Any(p => p.Length != Merkle.HashSize))
        {
            throw new ProofException("a hash is not 32 bytes");
        }

        ulong fn = index, sn = size - 1;
        byte[] r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                throw new ProofException("the proof is longer than the path to the root");
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = Merkle.NodeHash(p, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                r = Merkle.NodeHash(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        if (sn != 0)
        {
            throw new ProofException("the proof is shorter than the path to the root");
        }

        if (!CryptographicOperations.FixedTimeEquals(r, root))
        {
            throw new ProofException("the proof does not lead to the root");
        }
    }

    /// <summary>Throws <see cref="ProofException"/> unless <paramref name="proof"/> shows the tree of <paramref name="size1"/> is a prefix of the one of <paramref name="size2"/>.</summary>
    public static void VerifyConsistency(ulong size1, ulong size2, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2, IReadOnlyList<byte[]> proof)
    {
        if (size2 < size1)
        {
            throw new ProofException($"size2 ({size2}) is smaller than size1 ({size1})");
        }

        if (size1 == size2)
        {
            if (proof.Count > 0)
            {
                throw new ProofException("equal sizes need an empty proof");
            }

            if (!root1.SequenceEqual(root2))
            {
                throw new ProofException("equal sizes with different roots");
            }

            if (size1 == 0 && !root1.SequenceEqual(Merkle.EmptyRoot()))
            {
                throw new ProofException("the empty tree's root is the hash of the empty string");
            }

            return;
        }

        if (size1 == 0)
        {
            // RFC 9162 defines no proof from the empty tree: it would prove nothing.
            throw new ProofException("no consistency proof exists from the empty tree");
        }

        if (root1.Length != Merkle.HashSize || root2.Length != Merkle.HashSize || proof.Any(p => p.Length != Merkle.HashSize))
        {
            throw new ProofException("a hash is not 32 bytes");
        }

        if (proof.Count == 0)
        {
            throw new ProofException("empty proof");
        }

        var path = new List<byte[]>(proof.Count + 1);
        if ((size1 & (size1 - 1)) == 0)
        {
            path.Add(root1.ToArray());
        }

        path.AddRange(proof);
        ulong fn = size1 - 1, sn = size2 - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        byte[] fr = path[0], sr = path[0];
        for (int i = 1; i < path.Count; i++)
        {
            var c = path[i];
            if (sn == 0)
            {
                throw new ProofException("the proof is longer than needed");
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = Merkle.NodeHash(c, fr);
                sr = Merkle.NodeHash(c, sr);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                sr = Merkle.NodeHash(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        if (sn != 0)
        {
            throw new ProofException("the proof is shorter than needed");
        }

        if (!CryptographicOperations.FixedTimeEquals(fr, root1))
        {
            throw new ProofException("the proof does not lead to the first root");
        }

        if (!CryptographicOperations.FixedTimeEquals(sr, root2))
        {
            throw new ProofException("the proof does not lead to the second root");
        }
    }
}
