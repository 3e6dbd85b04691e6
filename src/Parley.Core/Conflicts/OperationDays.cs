using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>
/// The operations of each owner by the UTC day their windows start on: what a daily limit counts. Kept by the theater
/// from the first time a limit asks, so that agreements without limits pay nothing for it.
/// </summary>
/// <remarks>Not thread-safe for writes: like the theater it belongs to, one writer per agreement.</remarks>
internal sealed class OperationDays
{
    private readonly Dictionary<(PartyId Owner, long Day), HashSet<OperationId>> _byDay = [];

    // Those marked in breach of a term: the only ones whose marks a change of their day may lift.
    private readonly Dictionary<(PartyId Owner, long Day), HashSet<OperationId>> _marked = [];

    /// <summary>The UTC day a window starts on, counted from 0001-01-01.</summary>
    public static long DayOf(TimeWindow window) => window.StartTicks / TimeSpan.TicksPerDay;

    /// <summary>Files <paramref name="operation"/> (replacing <paramref name="previous"/>, its earlier version, if any).</summary>
    public void Move(Operation? previous, Operation operation)
    {
        if (previous is not null)
        {
            Remove(previous);
        }

        var key = (operation.Owner, DayOf(operation.Volume.Time));
        Add(_byDay, key, operation.Id);
        if (operation.InBreach.Count > 0)
        {
            Add(_marked, key, operation.Id);
        }
    }

    private static void Add(Dictionary<(PartyId Owner, long Day), HashSet<OperationId>> map, (PartyId Owner, long Day) key, OperationId id)
    {
        if (!map.TryGetValue(key, out var ids))
        {
            map[key] = ids = [];
        }

        ids.Add(id);
    }

    private static void Remove(Dictionary<(PartyId Owner, long Day), HashSet<OperationId>> map, (PartyId Owner, long Day) key, OperationId id)
    {
        if (map.TryGetValue(key, out var ids) && ids.Remove(id) && ids.Count == 0)
        {
            map.Remove(key);
        }
    }

    /// <summary>Unfiles an operation.</summary>
    public void Remove(Operation operation)
    {
        var key = (operation.Owner, DayOf(operation.Volume.Time));
        Remove(_byDay, key, operation.Id);
        Remove(_marked, key, operation.Id);
    }

    /// <summary>The ids of the owner's operations (in any state) whose windows start on <paramref name="day"/>.</summary>
    public IReadOnlyCollection<OperationId> On(PartyId owner, long day) =>
        _byDay.TryGetValue((owner, day), out var ids) ? ids : [];

    /// <summary>The ids of those among them marked in breach of a term (<see cref="Operation.InBreach"/> not empty).</summary>
    public IReadOnlyCollection<OperationId> MarkedOn(PartyId owner, long day) =>
        _marked.TryGetValue((owner, day), out var ids) ? ids : [];
}
