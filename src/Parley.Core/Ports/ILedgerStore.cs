using Parley.Core.Model;

namespace Parley.Core.Ports;

/// <summary>One leaf of an agreement's ledger, as committed with the state change it records.</summary>
/// <param name="Index">Its position in the log (0-based); the store refuses anything but the next one.</param>
/// <param name="Entry">The exact bytes hashed for the leaf (RFC 8785 canonical JSON).</param>
/// <param name="Openings">The salted plaintexts behind the entry's commitments, kept by the center only.</param>
[Mutable("carries the entry and its openings as byte arrays, not copies: the bytes the store writes")]
public sealed record LedgerAppend(long Index, byte[] Entry, IReadOnlyList<byte[]> Openings);

/// <summary>A stored ledger entry with its openings.</summary>
[Mutable("carries the entry and its openings as byte arrays, not copies: the bytes the store read")]
public sealed record LedgerRecord(long Index, byte[] Entry, IReadOnlyList<byte[]> Openings);

/// <summary>Each agreement's ledger: entries with their openings, the center's signed checkpoints and the witnesses' cosignatures.</summary>
/// <remarks>One role of the store (<see cref="IParleyStore"/>); implementations are safe to call from several threads.</remarks>
public interface ILedgerStore
{
    /// <summary>Every ledger entry from <paramref name="fromIndex"/> on, in order, with openings.</summary>
    IAsyncEnumerable<LedgerRecord> ReadLedgerAsync(AgreementId agreement, long fromIndex = 0, CancellationToken cancellationToken = default);

    /// <summary>The bytes of one ledger entry, or null past the end.</summary>
    Task<byte[]?> ReadLedgerEntryAsync(AgreementId agreement, long index, CancellationToken cancellationToken = default);

    /// <summary>Stores a signed checkpoint (a signed note) for a tree size.</summary>
    Task SaveCheckpointAsync(AgreementId agreement, long size, string signedNote, CancellationToken cancellationToken = default);

    /// <summary>Every stored checkpoint, by size, oldest first.</summary>
    Task<IReadOnlyList<(long Size, string SignedNote)>> LoadCheckpointsAsync(AgreementId agreement, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets a witness's cosignature line on the checkpoint of <paramref name="size"/>: one per signer (key name
    /// and key ID), a newer one replacing the older, so a checkpoint never carries more lines than witnesses.
    /// </summary>
    Task SetCosignatureAsync(AgreementId agreement, long size, string signer, string signatureLine, CancellationToken cancellationToken = default);

    /// <summary>The cosignature lines of the checkpoint of <paramref name="size"/>.</summary>
    Task<IReadOnlyList<string>> LoadCosignaturesAsync(AgreementId agreement, long size, CancellationToken cancellationToken = default);
}
