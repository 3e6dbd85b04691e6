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
        if (!_byDay.TryGetValue(key, out var ids))
        {
            _byDay[key] = ids = [];
        }

        ids.Add(operation.Id);
    }

    /// <summary>Unfiles an operation.</summary>
    public void Remove(Operation operation)
    {
        var key = (operation.Owner, DayOf(operation.Volume.Time));
        if (_byDay.TryGetValue(key, out var ids) && ids.Remove(operation.Id) && ids.Count == 0)
        {
            _byDay.Remove(key);
        }
    }

    /// <summary>The ids of the owner's operations (in any state) whose windows start on <paramref name="day"/>.</summary>
    public IReadOnlyCollection<OperationId> On(PartyId owner, long day) =>
        _byDay.TryGetValue((owner, day), out var ids) ? ids : [];
}
