using Parley.Core.Model;
using Parley.Core.Notifications;

namespace Parley.Core.Ports;

/// <summary>Webhook delivery: each subscription's cursor, and the lease that lets one process deliver.</summary>
/// <remarks>One role of the store (<see cref="IParleyStore"/>); implementations are safe to call from several threads.</remarks>
public interface IWebhookStore
{
    /// <summary>
    /// The sequence number of the last event acknowledged by the subscription's webhook (when it was made: the last event
    /// committed before it), or null when the subscription does not exist.
    /// </summary>
    Task<long?> ReadWebhookCursorAsync(AgreementId agreement, SubscriptionId subscription, CancellationToken cancellationToken = default);

    /// <summary>
    /// Durably records that the subscription's webhook acknowledged every event up to <paramref name="sequence"/>. The
    /// cursor only moves forward; a subscription that no longer exists is left alone.
    /// </summary>
    Task SaveWebhookCursorAsync(AgreementId agreement, SubscriptionId subscription, long sequence, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes or renews the lease <paramref name="name"/> for <paramref name="holder"/> until <paramref name="duration"/>
    /// from now: true when the holder has it (it was free, expired or already its own), false when another holds it.
    /// Lets one of several processes do a job that must run once (webhook delivery).
    /// </summary>
    Task<bool> HoldLeaseAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default);
}
