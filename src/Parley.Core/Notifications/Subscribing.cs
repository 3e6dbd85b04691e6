using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Model;

namespace Parley.Core.Notifications;

/// <summary>A party's subscriptions made and deleted, as decisions (the ledger records them; their content stays the party's).</summary>
public static class Subscribing
{
    /// <summary>Makes <paramref name="subscription"/>.</summary>
    public static Decision Subscribe(Theater theater, Subscription subscription, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(subscription);
        return Decision.Of(theater, "subscription.create", subscription.Party, new StateChange(subscriptions: [subscription]), now);
    }

    /// <summary>Deletes <paramref name="subscription"/> (its webhook stops).</summary>
    public static Decision Unsubscribe(Theater theater, Subscription subscription, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(subscription);
        return Decision.Of(theater, "subscription.delete", subscription.Party, new StateChange(deletedSubscriptions: [subscription.Id]), now);
    }
}
