using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>The concurrence requests of one agreement, by id, by operation and by affected party.</summary>
/// <remarks>Not thread-safe for writes: like the theater it belongs to, one writer per agreement.</remarks>
[Mutable("the theater's concurrence requests, changed in place by each committed write")]
public sealed class ConcurrenceBook
{
    private readonly Dictionary<string, ConcurrenceRequest> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<OperationId, List<string>> _byOperation = [];
    private readonly SortedSet<(DateTimeOffset Deadline, string Id)> _open = [];

    /// <summary>Every request.</summary>
    public IEnumerable<ConcurrenceRequest> All => _byId.Values;

    /// <summary>Number of requests.</summary>
    public int Count => _byId.Count;

    /// <summary>The request with this id, if any.</summary>
    public ConcurrenceRequest? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>The requests of an operation (every version), oldest first.</summary>
    public IReadOnlyList<ConcurrenceRequest> Of(OperationId operation) =>
        _byOperation.TryGetValue(operation, out var ids) ? [.. ids.Select(id => _byId[id])] : [];

    /// <summary>The open requests whose deadline is at or before <paramref name="now"/>, earliest first.</summary>
    public IReadOnlyList<ConcurrenceRequest> DueAt(DateTimeOffset now) =>
        [.. _open.TakeWhile(e => e.Deadline <= now).Select(e => _byId[e.Id])];

    /// <summary>The earliest deadline of an open request, if any.</summary>
    public DateTimeOffset? NextDeadline => _open.Count == 0 ? null : _open.Min.Deadline;

    /// <summary>Adds or replaces a request.</summary>
    public void Upsert(ConcurrenceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_byId.TryGetValue(request.Id, out var previous))
        {
            _open.Remove((previous.Deadline, previous.Id));
        }
        else
        {
            if (!_byOperation.TryGetValue(request.Operation, out var ids))
            {
                _byOperation[request.Operation] = ids = [];
            }

            ids.Add(request.Id);
        }

        _byId[request.Id] = request;
        if (request.IsOpen)
        {
            _open.Add((request.Deadline, request.Id));
        }
    }
}
