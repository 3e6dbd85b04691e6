using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Core.Probing;

/// <summary>
/// What a check or submission records of its touches of hidden zones: one touch per zone hidden from the requester that
/// its answer carried a conflict with, and the mapping alerts they raise for the zones' owners. Pure.
/// </summary>
public static class Probes
{
    /// <summary>
    /// <paramref name="decision"/> with the touches of the request <paramref name="request"/> by
    /// <paramref name="requester"/>, whose answer carries <paramref name="conflicts"/>, and the alerts they raise
    /// (read against <paramref name="watch"/>, which this does not change); the decision itself when none is hidden.
    /// </summary>
    public static Decision Touching(Decision decision, Theater theater, ProbingWatch watch, PartyId requester, Operation probe,
        IReadOnlyList<Conflict> conflicts, string request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(watch);
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(conflicts);
        var hidden = conflicts.Select(c => c.Zone).OfType<Zone>().Where(z => !z.IsVisibleTo(requester)).DistinctBy(z => z.Id).ToList();
        if (hidden.Count == 0)
        {
            return decision;
        }

        bool small = theater.Grid.FitsInOneCell(probe.Volume.Footprint);
        string fingerprint = ProbingWatch.Fingerprint(probe.Volume);
        ImmutableArray<ProbeTouch> touches = [.. hidden.Select(z => new ProbeTouch(request, now, requester, z.Id, z.Owner, small, fingerprint))];
        var alerts = watch.Suspicions(touches, now);
        return decision.WithTouches(touches, [.. alerts], alerts.Select(a => new EventAppend(a.ZoneOwner, ProbingAlert.EventType, Payload(a), now)));
    }

    /// <summary>The payload of a <c>probing.suspected</c> event: only what the zone's owner may know.</summary>
    public static string Payload(ProbingAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return new JsonObject
        {
            ["requester"] = alert.Requester.Value,
            ["zone"] = alert.Zone.Value,
            ["count"] = alert.Count,
            ["from"] = FeatureWriter.Time(alert.From),
            ["to"] = FeatureWriter.Time(alert.To),
            ["window_minutes"] = (int)ProbingWatch.Hour.TotalMinutes,
        }.ToJsonString();
    }

    /// <summary>An alert read back from its stored event (to remember it across a restart), or null when the event is none.</summary>
    public static ProbingAlert? ReadAlert(StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Type != ProbingAlert.EventType)
        {
            return null;
        }

        try
        {
            var o = JsonNode.Parse(stored.Payload)!.AsObject();
            return new ProbingAlert(new PartyId((string)o["requester"]!), new ZoneId((string)o["zone"]!), stored.Recipient,
                (int)o["count"]!, DateTimeOffset.Parse((string)o["from"]!, CultureInfo.InvariantCulture), stored.Created);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            return null; // not an alert this version wrote: nothing to remember
        }
    }
}
