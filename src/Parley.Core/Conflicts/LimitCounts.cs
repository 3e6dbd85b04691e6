using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>
/// For each daily limit of one agreement version, owner and UTC day: how many of the theater's operations count against
/// the limit, kept as operations are filed and removed, so that a decision reads its owner's day in one lookup instead of
/// scanning it.
/// </summary>
/// <remarks>
/// <para>
/// An operation counts against a limit when <see cref="CountsUnder"/> says so: its state lets it go ahead or it went
/// (<see cref="IsCounted"/>), the term binds it, it is not marked in breach of the term, and it touches the term's area
/// when the term has one. That is the scan's rule (Terms.TermChecks) for every operation but the one decided, which the
/// reader takes out, with whatever else its decision changes.
/// </para>
/// <para>
/// Made for one agreement version from the theater's operations; the theater drops it when another version comes into
/// force. Not thread-safe for writes: like the theater, one writer per agreement; reads may run concurrently.
/// </para>
/// </remarks>
internal sealed class LimitCounts
{
    private readonly Term[] _limits;
    private readonly TouchArea?[] _areas;

    // The limits (by their place among the agreement's limits) that may bind an operation of a party and kind.
    private readonly Dictionary<(PartyId Party, string Kind), int[]> _bound = [];

    // Per owner and day, a count per limit.
    private readonly Dictionary<(PartyId Owner, long Day), int[]> _counts = [];

    // What each operation was counted in, so that its removal needs no geometry.
    private readonly Dictionary<OperationId, Filed> _filed = [];

    private readonly record struct Filed(PartyId Owner, long Day, int[] Limits);

    /// <summary>Counts <paramref name="operations"/> under the limits of <paramref name="agreement"/>.</summary>
    public LimitCounts(Agreement agreement, IEnumerable<Operation> operations)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        ArgumentNullException.ThrowIfNull(operations);
        Agreement = agreement;
        _limits = [.. agreement.Terms.Where(t => t.Type == TermType.Limit)];
        _areas = [.. _limits.Select(t => t.Area is null ? null : TouchArea.Of(t.Area))];
        for (int k = 0; k < _limits.Length; k++)
        {
            foreach (var party in _limits[k].Parties)
            {
                foreach (var kind in _limits[k].Kinds)
                {
                    var key = (party, kind);
                    _bound[key] = _bound.TryGetValue(key, out var list) ? (list.Contains(k) ? list : [.. list, k]) : [k];
                }
            }
        }

        foreach (var operation in operations)
        {
            File(operation);
        }
    }

    /// <summary>The agreement version whose limits these are.</summary>
    public Agreement Agreement { get; }

    /// <summary>The agreement's limits, in its order: a limit's place here is its number in the counts.</summary>
    public IReadOnlyList<Term> Limits => _limits;

    /// <summary>The counts per limit of the owner's operations starting on the UTC day, or null when none counts.</summary>
    public int[]? On(PartyId owner, long day) => _counts.GetValueOrDefault((owner, day));

    /// <summary>The limits (by number) the operation of this id, as filed, counts against on the owner's day; null: none.</summary>
    public int[]? CountedOn(OperationId id, PartyId owner, long day) =>
        _filed.TryGetValue(id, out var filed) && filed.Day == day && filed.Owner == owner ? filed.Limits : null;

    /// <summary>Whether the operation of this id, as filed, counts against limit number <paramref name="limit"/>.</summary>
    public bool Counted(OperationId id, int limit) => _filed.TryGetValue(id, out var filed) && Array.IndexOf(filed.Limits, limit) >= 0;

    /// <summary>Files an operation, replacing its earlier version.</summary>
    public void File(Operation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        Remove(operation.Id);
        if (!IsCounted(operation.State) || !_bound.TryGetValue((operation.Owner, operation.Kind), out var candidates))
        {
            return;
        }

        List<int>? counted = null;
        GeoBoxPair? boxes = null;
        foreach (int k in candidates)
        {
            if (CountsUnder(_limits[k], _areas[k], operation, ref boxes))
            {
                (counted ??= []).Add(k);
            }
        }

        if (counted is null)
        {
            return;
        }

        var filed = new Filed(operation.Owner, OperationDays.DayOf(operation.Volume.Time), [.. counted]);
        _filed[operation.Id] = filed;
        ref var counts = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts, (filed.Owner, filed.Day), out _);
        counts ??= new int[_limits.Length];
        foreach (int k in filed.Limits)
        {
            counts[k]++;
        }
    }

    /// <summary>Unfiles the operation of this id, if it was counted.</summary>
    public void Remove(OperationId id)
    {
        if (!_filed.Remove(id, out var filed))
        {
            return;
        }

        var counts = _counts[(filed.Owner, filed.Day)];
        bool any = false;
        foreach (int k in filed.Limits)
        {
            counts[k]--;
        }

        foreach (int c in counts)
        {
            any |= c != 0;
        }

        if (!any)
        {
            _counts.Remove((filed.Owner, filed.Day));
        }
    }

    /// <summary>Whether an operation in this state counts against a daily limit: it was allowed to go ahead, or went.</summary>
    public static bool IsCounted(OperationState state) =>
        state is OperationState.Accepted or OperationState.Concurred or OperationState.Active or OperationState.Completed;

    /// <summary>
    /// Whether <paramref name="operation"/> counts against <paramref name="limit"/> (with <paramref name="area"/>, its area's
    /// touch test, or null): counted state, bound, not marked in breach of it, touching its area. Its covering boxes are made
    /// on first need and kept in <paramref name="boxes"/>.
    /// </summary>
    public static bool CountsUnder(Term limit, TouchArea? area, Operation operation, ref GeoBoxPair? boxes)
    {
        ArgumentNullException.ThrowIfNull(limit);
        ArgumentNullException.ThrowIfNull(operation);
        if (!IsCounted(operation.State) || !limit.Binds(operation) || Marked(operation, limit.Id))
        {
            return false;
        }

        if (area is null)
        {
            return true;
        }

        boxes ??= operation.Volume.Footprint.CoveringBoxes();
        return area.Touches(operation.Volume.Footprint, boxes.Value);
    }

    private static bool Marked(Operation operation, string term)
    {
        var marks = operation.InBreach;
        for (int i = 0; i < marks.Count; i++)
        {
            if (string.Equals(marks[i], term, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
