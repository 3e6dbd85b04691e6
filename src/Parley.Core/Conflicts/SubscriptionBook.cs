using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>The subscriptions of one agreement, by id.</summary>
/// <remarks>
/// Matching scans them all: an agreement holds hundreds, not millions, and each test is a box check before any
/// geometry. Not thread-safe for writes: like the theater it belongs to, one writer per agreement.
/// </remarks>
[Mutable("the theater's subscriptions, changed in place by each committed write")]
public sealed class SubscriptionBook
{
    private readonly Dictionary<SubscriptionId, Subscription> _byId = [];

    /// <summary>Every subscription, in no particular order.</summary>
    public IEnumerable<Subscription> All => _byId.Values;

    /// <summary>Number of subscriptions.</summary>
    public int Count => _byId.Count;

    /// <summary>The subscription with this id, if any.</summary>
    public Subscription? Find(SubscriptionId id) => _byId.GetValueOrDefault(id);

    /// <summary>The subscriptions of <paramref name="party"/>, oldest first.</summary>
    public IReadOnlyList<Subscription> Of(PartyId party) =>
        [.. _byId.Values.Where(s => s.Party == party).OrderBy(s => s.Created).ThenBy(s => s.Id.Value, StringComparer.Ordinal)];

    /// <summary>Adds or replaces a subscription.</summary>
    public void Upsert(Subscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        _byId[subscription.Id] = subscription;
    }

    /// <summary>Removes a subscription; false when absent.</summary>
    public bool Remove(SubscriptionId id) => _byId.Remove(id);
}
