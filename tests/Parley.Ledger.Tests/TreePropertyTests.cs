using System.Text;
using CsCheck;

namespace Parley.Ledger.Tests;

/// <summary>The cached tree against the naive recursive definition of RFC 9162 §2.1.1.</summary>
public sealed class TreePropertyTests
{
    private static byte[] Entry(int i) => Encoding.UTF8.GetBytes($"entry {i}");

    private static byte[] NaiveRoot(IReadOnlyList<byte[]> entries, int start, int end)
    {
        int n = end - start;
        if (n == 0)
        {
            return Merkle.EmptyRoot();
        }

        if (n == 1)
        {
            return Merkle.LeafHash(entries[start]);
        }

        int k = (int)Merkle.SplitPoint(n);
        return Merkle.NodeHash(NaiveRoot(entries, start, start + k), NaiveRoot(entries, start + k, end));
    }

    private static readonly Lazy<(MerkleTree Tree, List<byte[]> Entries)> Big = new(() =>
    {
        var tree = new MerkleTree();
        var entries = new List<byte[]>();
        for (int i = 0; i < 3000; i++)
        {
            entries.Add(Entry(i));
            tree.Append(entries[i]);
        }

        return (tree, entries);
    });

    [Fact]
    public void the_root_of_every_size_up_to_three_thousand_matches_the_recursive_definition()
    {
        var (tree, entries) = Big.Value;
        for (int size = 0; size <= 3000; size++)
        {
            Assert.Equal(NaiveRoot(entries, 0, size), tree.Root(size));
        }
    }

    [Fact]
    public void a_consistency_proof_from_the_empty_tree_is_refused_because_it_proves_nothing()
    {
        var (tree, _) = Big.Value;
        Assert.Empty(tree.ConsistencyProof(0, 10));
        Assert.Throws<ProofException>(() => ProofVerifier.VerifyConsistency(0, 10, Merkle.EmptyRoot(), tree.Root(10), []));
        ProofVerifier.VerifyConsistency(0, 0, Merkle.EmptyRoot(), Merkle.EmptyRoot(), []);
    }

    [Fact]
    public void the_empty_tree_has_the_hash_of_the_empty_string()
    {
        Assert.Equal(Convert.FromHexString("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), new MerkleTree().Root(0));
    }

    [Fact]
    public void every_inclusion_proof_verifies_and_fails_for_another_leaf()
    {
        var (tree, _) = Big.Value;
        Gen.Int[1, 3000].SelectMany(size => Gen.Int[0, size - 1].Select(index => (size, index))).Sample(t =>
        {
            var (size, index) = t;
            var proof = tree.InclusionProof(index, size);
            var root = tree.Root(size);
            ProofVerifier.VerifyInclusion((ulong)index, (ulong)size, tree.LeafHash(index), proof, root);
            if (size > 1)
            {
                int other = (index + 1) % size;
                Assert.Throws<ProofException>(() => ProofVerifier.VerifyInclusion((ulong)index, (ulong)size, tree.LeafHash(other), proof, root));
            }
        }, iter: 3000);
    }

    [Fact]
    public void every_consistency_proof_verifies_and_fails_against_a_different_history()
    {
        var (tree, entries) = Big.Value;
        Gen.Int[1, 3000].SelectMany(size2 => Gen.Int[1, size2].Select(size1 => (size1, size2))).Sample(t =>
        {
            var (size1, size2) = t;
            var proof = tree.ConsistencyProof(size1, size2);
            ProofVerifier.VerifyConsistency((ulong)size1, (ulong)size2, tree.Root(size1), tree.Root(size2), proof);
            if (size1 > 0 && size1 < size2)
            {
                // A forked history: the first tree's last entry rewritten.
                var forked = entries.Take(size1).ToList();
                forked[^1] = Encoding.UTF8.GetBytes("rewritten");
                Assert.Throws<ProofException>(() => ProofVerifier.VerifyConsistency(
                    (ulong)size1, (ulong)size2, NaiveRoot(forked, 0, size1), tree.Root(size2), proof));
            }
        }, iter: 3000);
    }
}
