using Parley.Core.Model;

namespace Parley.Core.Model;

/// <summary>Where a concurrence request is.</summary>
public enum RequestState
{
    /// <summary>Waiting for the affected party's answer.</summary>
    Open,

    /// <summary>The affected party concurred.</summary>
    Concurred,

    /// <summary>The affected party refused (with a reason).</summary>
    Refused,

    /// <summary>The affected party answered with modified volumes, which became a new proposal.</summary>
    CounterProposed,

    /// <summary>The deadline passed unanswered: counted as a refusal, since silence is never consent.</summary>
    Expired,

    /// <summary>No longer asked: the operation changed, ended or was decided by another request, or what it conflicted with is gone.</summary>
    Withdrawn,
}

/// <summary>
/// One conflict of an operation with another party's zone or operation, put to that party: it concurs,
/// refuses with a reason, or counter-proposes, before a deadline.
/// </summary>
public sealed record ConcurrenceRequest
{
    /// <summary>The request id: <c>cr-</c> and a number, unique in the agreement (it names neither party's items).</summary>
    public required string Id { get; init; }

    /// <summary>The operation that asks.</summary>
    public required OperationId Operation { get; init; }

    /// <summary>The version of the operation the request is about; a modification withdraws it.</summary>
    public required long OperationVersion { get; init; }

    /// <summary>The party whose operation asks.</summary>
    public required PartyId Submitter { get; init; }

    /// <summary>The party asked: the owner of what the operation conflicts with.</summary>
    public required PartyId Affected { get; init; }

    /// <summary><c>zone</c> or <c>operation</c>.</summary>
    public required string TargetType { get; init; }

    /// <summary>The id of the affected party's zone or operation (never shown to a submitter that may not see it).</summary>
    public required string TargetId { get; init; }

    /// <summary>When it was opened.</summary>
    public required DateTimeOffset Opened { get; init; }

    /// <summary>When it expires unanswered.</summary>
    public required DateTimeOffset Deadline { get; init; }

    /// <summary>Where it is.</summary>
    public RequestState State { get; init; } = RequestState.Open;

    /// <summary>When it was answered, expired or withdrawn.</summary>
    public DateTimeOffset? Closed { get; init; }

    /// <summary>The refusal's (or counter-proposal's) reason.</summary>
    public string? Reason { get; init; }

    /// <summary>The operation a counter-proposal became.</summary>
    public OperationId? CounterProposal { get; init; }

    /// <summary>Version of the request, raised by every change (the ETag).</summary>
    public long Version { get; init; } = 1;

    /// <summary>Whether the request still waits for an answer.</summary>
    public bool IsOpen => State == RequestState.Open;

    /// <summary>Closes the request in <paramref name="state"/>.</summary>
    public ConcurrenceRequest Close(RequestState state, DateTimeOffset at, string? reason = null, OperationId? counterProposal = null) =>
        this with { State = state, Closed = at, Reason = reason ?? Reason, CounterProposal = counterProposal ?? CounterProposal, Version = Version + 1 };
}

/// <summary>Wire names of request states.</summary>
public static class RequestStates
{
    /// <summary>The wire name of a state.</summary>
    public static string Name(RequestState state) => state switch
    {
        RequestState.Open => "open",
        RequestState.Concurred => "concurred",
        RequestState.Refused => "refused",
        RequestState.CounterProposed => "counter-proposed",
        RequestState.Expired => "expired",
        _ => "withdrawn",
    };

    /// <summary>Parses a wire name.</summary>
    public static RequestState Parse(string name) => name switch
    {
        "open" => RequestState.Open,
        "concurred" => RequestState.Concurred,
        "refused" => RequestState.Refused,
        "counter-proposed" => RequestState.CounterProposed,
        "expired" => RequestState.Expired,
        "withdrawn" => RequestState.Withdrawn,
        _ => throw new FormatException($"unknown request state '{name}'"),
    };
}
