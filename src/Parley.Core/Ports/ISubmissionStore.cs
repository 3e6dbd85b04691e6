using Parley.Core.Model;

namespace Parley.Core.Ports;

/// <summary>A write as its submitter signed it, kept with the accepted record so that the submitter cannot deny it.</summary>
/// <param name="Key">The submission key that verified it (<c>ed25519:</c> base64).</param>
/// <param name="Nonce">The submitter's nonce: used once per party and agreement.</param>
/// <param name="Timestamp">The submitter's timestamp.</param>
/// <param name="Signature">The Ed25519 signature.</param>
/// <param name="Message">The signed bytes (RFC 8785 JSON of the agreement, method, path, body, timestamp and nonce).</param>
[Mutable("carries the signature and the signed message as byte arrays, not copies: the bytes the store writes")]
public sealed record SignedSubmission(string Key, string Nonce, DateTimeOffset Timestamp, byte[] Signature, byte[] Message);

/// <summary>The answer given to a write made under an <c>Idempotency-Key</c>, kept to answer its retries.</summary>
/// <param name="Party">The party whose key it is (keys are per party).</param>
/// <param name="Key">The client's key.</param>
/// <param name="Fingerprint">SHA-256 of the request (method, path, canonical body): a retry must match it.</param>
/// <param name="Record">The answer as the server recorded it: opaque to the store, read back only by the server.</param>
/// <param name="Created">When the write was accepted.</param>
[Mutable("carries the fingerprint and the record as byte arrays, not copies: the bytes the store writes")]
public sealed record KeptAnswer(PartyId Party, string Key, byte[] Fingerprint, byte[] Record, DateTimeOffset Created);

/// <summary>The signed requests accepted: the nonces they spent and the answers kept for retries under an idempotency key.</summary>
/// <remarks>One role of the store (<see cref="IParleyStore"/>); implementations are safe to call from several threads.</remarks>
public interface ISubmissionStore
{
    /// <summary>The nonces spent by accepted writes signed at or after <paramref name="since"/> (the ones a replay could still reuse).</summary>
    Task<IReadOnlyList<(PartyId Party, string Nonce, DateTimeOffset Signed)>> LoadNoncesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>The answer kept for <paramref name="party"/>'s idempotency key, or null when none (or only an older one than <paramref name="notBefore"/>).</summary>
    Task<KeptAnswer?> FindAnswerAsync(AgreementId agreement, PartyId party, string key, DateTimeOffset notBefore, CancellationToken cancellationToken = default);
}
