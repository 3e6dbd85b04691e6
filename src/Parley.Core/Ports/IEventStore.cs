using Parley.Core.Model;

namespace Parley.Core.Ports;

/// <summary>A stored event with its sequence number (1, 2, … per agreement, in commit order).</summary>
public sealed record StoredEvent(long Sequence, PartyId Recipient, string Type, string Payload, DateTimeOffset Created);

/// <summary>The events outbox: each party's events in commit order.</summary>
/// <remarks>One role of the store (<see cref="IParleyStore"/>); implementations are safe to call from several threads.</remarks>
public interface IEventStore
{
    /// <summary>
    /// Up to <paramref name="limit"/> events after sequence number <paramref name="afterSequence"/>, in order: those
    /// of <paramref name="recipient"/>, or every party's when null (for the center itself).
    /// </summary>
    Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(AgreementId agreement, PartyId? recipient, long afterSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every event of type <paramref name="type"/> created at or after <paramref name="since"/>, oldest first: a
    /// recent window read through an index, whatever the outbox holds before it (start-up's alerts of the last hour).
    /// </summary>
    Task<IReadOnlyList<StoredEvent>> ReadEventsSinceAsync(AgreementId agreement, string type, DateTimeOffset since, CancellationToken cancellationToken = default);
}
