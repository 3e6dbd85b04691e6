namespace Parley.Core.Model;

/// <summary>
/// One touch: a check or submission (<paramref name="Request"/>) whose answer carried a conflict with a zone
/// hidden from the requester. One per (request, hidden zone).
/// </summary>
/// <param name="Request">Identifies the request; the touches of one request share it.</param>
/// <param name="Time">When the request was answered.</param>
/// <param name="Requester">The party that asked.</param>
/// <param name="Zone">The hidden zone its answer conflicted with.</param>
/// <param name="ZoneOwner">The zone's owner.</param>
/// <param name="Small">Whether the operation's footprint fits in one disclosure cell.</param>
/// <param name="Probe">A fingerprint of the operation's footprint and time window (kept by the center, never shown).</param>
public sealed record ProbeTouch(string Request, DateTimeOffset Time, PartyId Requester, ZoneId Zone, PartyId ZoneOwner, bool Small, string Probe);

/// <summary>A pattern that looks like mapping: many distinct small operations of one requester around one zone within an hour.</summary>
/// <param name="Requester">The party that probed.</param>
/// <param name="Zone">The zone probed around.</param>
/// <param name="ZoneOwner">The zone's owner, who is told.</param>
/// <param name="Count">Distinct small operations that touched the zone within the window.</param>
/// <param name="From">The first of those touches.</param>
/// <param name="To">The last of those touches (when the alert was raised).</param>
public sealed record ProbingAlert(PartyId Requester, ZoneId Zone, PartyId ZoneOwner, int Count, DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>The event type an alert is delivered as.</summary>
    public const string EventType = "probing.suspected";
}
