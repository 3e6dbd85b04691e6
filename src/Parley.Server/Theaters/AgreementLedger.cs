using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger;

namespace Parley.Server.Theaters;

/// <summary>
/// One agreement's verifiable log: the Merkle tree over its entries, the center's checkpoint signer and the
/// latest signed checkpoint.
/// </summary>
/// <remarks>Not thread-safe: the registry calls it under the agreement's lock.</remarks>
public sealed class AgreementLedger
{
    private AgreementLedger(string origin, NoteSigner signer, MerkleTree tree, IReadOnlyList<(long Size, string SignedNote)> checkpoints)
    {
        Origin = origin;
        Signer = signer;
        Tree = tree;
        Checkpoints = [.. checkpoints];
    }

    /// <summary>The log's origin and key name: <c>&lt;center name&gt;/&lt;agreement id&gt;</c>.</summary>
    public string Origin { get; }

    /// <summary>The center's Ed25519 checkpoint signer.</summary>
    public NoteSigner Signer { get; }

    /// <summary>The tree over every committed entry.</summary>
    public MerkleTree Tree { get; }

    /// <summary>Every signed checkpoint, oldest first.</summary>
    public List<(long Size, string SignedNote)> Checkpoints { get; }

    /// <summary>The latest signed checkpoint, if any.</summary>
    public (long Size, string SignedNote)? Latest => Checkpoints.Count == 0 ? null : Checkpoints[^1];

    /// <summary>
    /// Rebuilds the tree from the stored entries (hashing each again) and checks it against every stored
    /// checkpoint, so that a changed, removed, reordered or truncated entry stops the server with its name.
    /// </summary>
    /// <exception cref="InvalidDataException">The stored log does not match what the center signed.</exception>
    public static async Task<AgreementLedger> LoadAsync(ILedgerStore store, AgreementId agreement, string centerName, byte[] seed, CancellationToken cancellationToken)
    {
        string origin = $"{centerName}/{agreement}";
        var signer = new NoteSigner(origin, seed);
        var tree = new MerkleTree();
        await foreach (var record in store.ReadLedgerAsync(agreement, 0, cancellationToken))
        {
            if (record.Index != tree.Size)
            {
                throw new InvalidDataException($"ledger of '{agreement}': entry {tree.Size} is missing (the next stored entry is {record.Index})");
            }

            tree.Append(record.Entry);
        }

        var checkpoints = await store.LoadCheckpointsAsync(agreement, cancellationToken);
        long lastGood = 0;
        foreach (var (size, note) in checkpoints)
        {
            var parsed = SignedNote.Parse(note);
            var checkpoint = Checkpoint.Parse(parsed.Text);
            if (!parsed.Signatures.Any(s => signer.Verifier.Verifies(parsed.Text, s)))
            {
                throw new InvalidDataException($"ledger of '{agreement}': the checkpoint of size {size} is not signed by this center's key");
            }

            if (size > tree.Size)
            {
                throw new InvalidDataException($"ledger of '{agreement}' is truncated: it holds {tree.Size} entries but the center signed a checkpoint of {size}");
            }

            if (!checkpoint.RootHash.AsSpan().SequenceEqual(tree.Root(size)))
            {
                throw new InvalidDataException(
                    $"ledger of '{agreement}' was altered: an entry at index {lastGood} to {size - 1} was changed, removed or reordered " +
                    $"(the checkpoint of size {size} no longer matches; the one of size {lastGood} does)");
            }

            lastGood = size;
        }

        return new AgreementLedger(origin, signer, tree, checkpoints);
    }

    /// <summary>
    /// Signs a checkpoint of the current tree if it grew since the last one; null when up to date. The caller
    /// stores it, then calls <see cref="Published"/>: until then it is neither served nor considered signed.
    /// </summary>
    public (long Size, string SignedNote)? SignIfBehind()
    {
        if (Latest is { } latest && latest.Size == Tree.Size)
        {
            return null;
        }

        string text = new Checkpoint(Origin, Tree.Size, Tree.Root(Tree.Size), []).ToText();
        return (Tree.Size, new SignedNote(text, [Signer.Sign(text)]).ToString());
    }

    /// <summary>Records a checkpoint once it is stored.</summary>
    public void Published((long Size, string SignedNote) checkpoint) => Checkpoints.Add(checkpoint);
}
