using Parley.Tests.Shared;

namespace Parley.Ledger.Tests;

/// <summary>The ledger's public types are immutable by the rule of <see cref="Mutability"/>, except those named here with the reason.</summary>
public sealed class MutabilityTests
{
    private static readonly Type[] LedgerTypes = [.. Mutability.CheckedTypes(typeof(MerkleTree).Assembly)];

    // Parley.Ledger references nothing of Parley's, so its mutable types are named here rather than marked.
    private static readonly Dictionary<Type, string> Mutable = new()
    {
        [typeof(MerkleTree)] = "an append-only tree that grows in place as entries are appended",
        [typeof(TiledTree)] = "keeps the tiles it has read, so that each is read once",
        [typeof(NoteSigner)] = "holds a private key, released when it is disposed",
        [typeof(Checkpoint)] = "carries its root hash as a byte array, not a copy",
        [typeof(NoteSignature)] = "carries the signature as a byte array, not a copy",
        [typeof(VerifierKey)] = "carries the public key as a byte array, not a copy",
    };

    private static string? ReasonOf(Type type) => Mutable.GetValueOrDefault(type);

    [Fact]
    public void every_public_type_of_the_ledger_is_immutable_or_named_mutable_with_its_reason()
    {
        var unnamed = LedgerTypes
            .Where(t => !Mutable.ContainsKey(t))
            .Select(t => (Type: t, Problems: Mutability.Problems(t, ReasonOf)))
            .Where(t => t.Problems.Count > 0)
            .Select(t => $"{t.Type.FullName}: {string.Join("; ", t.Problems)}")
            .ToList();
        Assert.True(unnamed.Count == 0, "mutable but not named in MutabilityTests:\n" + string.Join("\n", unnamed));
    }

    [Fact]
    public void a_type_named_mutable_is_a_public_type_of_the_ledger_and_is_mutable()
    {
        Assert.All(Mutable, m => Assert.Contains(m.Key, LedgerTypes));
        Assert.All(Mutable, m => Assert.True(Mutability.Problems(m.Key, ReasonOf).Count > 0, $"{m.Key.FullName} is named mutable but is immutable: remove it"));
    }
}
