using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>The incidents of one agreement, by id, with the deadlines of the replies still awaited.</summary>
/// <remarks>Not thread-safe for writes: like the theater it belongs to, one writer per agreement.</remarks>
[Mutable("the theater's incidents, changed in place by each committed write")]
public sealed class IncidentBook
{
    private readonly Dictionary<IncidentId, Incident> _byId = [];
    private readonly SortedSet<(DateTimeOffset Deadline, string Id)> _awaiting = [];

    /// <summary>Every incident, in no particular order.</summary>
    public IEnumerable<Incident> All => _byId.Values;

    /// <summary>Number of incidents.</summary>
    public int Count => _byId.Count;

    /// <summary>The incident with this id, if any.</summary>
    public Incident? Find(IncidentId id) => _byId.GetValueOrDefault(id);

    /// <summary>The incidents whose reply deadline is at or before <paramref name="now"/> and that still await a suspected party, earliest first.</summary>
    public IReadOnlyList<Incident> DueAt(DateTimeOffset now) =>
        [.. _awaiting.TakeWhile(e => e.Deadline <= now).Select(e => _byId[new IncidentId(e.Id)])];

    /// <summary>The earliest deadline of an incident that still awaits a reply, if any.</summary>
    public DateTimeOffset? NextDeadline => _awaiting.Count == 0 ? null : _awaiting.Min.Deadline;

    /// <summary>Adds or replaces an incident.</summary>
    public void Upsert(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (_byId.TryGetValue(incident.Id, out var previous))
        {
            _awaiting.Remove((previous.ReplyDeadline, previous.Id.Value));
        }

        _byId[incident.Id] = incident;
        if (incident.Awaiting.Any())
        {
            _awaiting.Add((incident.ReplyDeadline, incident.Id.Value));
        }
    }
}
