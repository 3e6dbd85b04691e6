using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Terms;

namespace Parley.Core.Workflow;

/// <summary>How an affected party answers a concurrence request.</summary>
public enum AnswerKind
{
    /// <summary>It agrees to the operation.</summary>
    Concur,

    /// <summary>It refuses, with a reason.</summary>
    Refuse,

    /// <summary>It proposes modified volumes, which become a new proposal, checked again.</summary>
    CounterPropose,
}

/// <summary>An operation as decided, with the conflicts found, the requests opened for it and the breaches of terms put to the other parties.</summary>
public sealed record OperationVerdict(Operation Operation, IReadOnlyList<Conflict> Conflicts, IReadOnlyList<ConcurrenceRequest> Requests)
{
    /// <summary>The breaches of terms that ask for concurrence (a refused one refuses the write instead).</summary>
    public IReadOnlyList<TermBreach> Breaches { get; init; } = [];
}

/// <summary>
/// The operation lifecycle: proposed → accepted (no conflict) or awaiting-concurrence (conflicts) → concurred |
/// refused | expired → active → completed | cancelled. Every change goes through here, only along allowed
/// transitions; each returns the <see cref="Decision"/> to commit. Pure: the time is passed in.
/// </summary>
/// <remarks>
/// The invariant it keeps (see <see cref="Invariants"/>): an operation that is accepted, concurred or active has,
/// for each conflict of its current version with another party's zone or live operation, a concurred request —
/// it was decided with no conflict at all, or every affected party concurred. Anything that could break that
/// (a new or changed zone, a modification) opens requests again; silence is never consent.
/// </remarks>
public static partial class Lifecycle
{
    /// <summary>Decides a newly submitted operation.</summary>
    /// <exception cref="DomainException">An operation with this id exists already.</exception>
    public static (Decision Decision, OperationVerdict Verdict) Submit(Theater theater, Operation proposed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(proposed);
        if (theater.FindOperation(proposed.Id) is not null)
        {
            throw new DomainException(DomainError.AlreadyExists, $"operation '{proposed.Id}' exists already");
        }

        var pending = new Pending(theater);
        var verdict = Decide(theater, proposed with { Version = 1 }, now, pending, concurredBy: null);
        return (pending.ToDecision("operation.submit", proposed.Owner, now), verdict);
    }

    /// <summary>Replaces an operation's volumes (by its owner): the new version is checked from scratch and earlier requests are withdrawn.</summary>
    public static (Decision Decision, OperationVerdict Verdict) Modify(Theater theater, Operation current, Operation replacement, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(replacement);
        Require(current, "modify", OperationState.Accepted, OperationState.AwaitingConcurrence, OperationState.Concurred, OperationState.Refused, OperationState.Expired);
        var pending = new Pending(theater);
        WithdrawOpen(current, now, pending);
        var verdict = Decide(theater, replacement with { Id = current.Id, Owner = current.Owner, Version = current.Version + 1 }, now, pending, concurredBy: null);
        return (pending.ToDecision("operation.modify", current.Owner, now), verdict);
    }

    /// <summary>Withdraws an operation (by its owner), from any state but completed or cancelled.</summary>
    public static Decision Cancel(Theater theater, Operation current, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        Require(current, "cancel", OperationState.Proposed, OperationState.Accepted, OperationState.AwaitingConcurrence, OperationState.Concurred,
            OperationState.Refused, OperationState.Expired, OperationState.Active);
        return End(theater, current, OperationState.Cancelled, now, "operation.cancel");
    }

    /// <summary>Starts an accepted or concurred operation (by its owner), unless it breaches a term in force without the concurrence it asks for.</summary>
    public static Decision Activate(Theater theater, Operation current, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        Require(current, "activate", OperationState.Accepted, OperationState.Concurred);
        var breaches = TermChecks.Unexcused(theater, current);
        if (current.InBreach.Count > 0 || breaches.Count > 0)
        {
            var named = current.InBreach.Concat(breaches.Select(b => b.Term)).Distinct().Select(t => $"'{t}'");
            throw new DomainException(DomainError.InvalidTransition,
                $"cannot activate operation '{current.Id}': it breaches the term {string.Join(", ", named)} in force" +
                (breaches.Count > 0 ? $" ({breaches[0].Reason})" : "") + "; modify it to comply or cancel it");
        }

        var pending = new Pending(theater);
        pending.Put(current with { State = OperationState.Active, Version = current.Version + 1 });
        return pending.ToDecision("operation.activate", current.Owner, now);
    }

    /// <summary>Ends an active operation (by its owner).</summary>
    public static Decision Complete(Theater theater, Operation current, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        Require(current, "complete", OperationState.Active);
        return End(theater, current, OperationState.Completed, now, "operation.complete");
    }

    /// <summary>
    /// The affected party's answer to an open request. Concur: the operation is concurred once every request of
    /// its version is. Refuse (a reason is required): the operation is refused. Counter-propose: the operation is
    /// refused and <paramref name="counter"/> becomes a new operation of the submitter (<c>{request}-counter</c>),
    /// checked again, which the counter-proposing party has concurred with already.
    /// </summary>
    /// <exception cref="DomainException">The request is not the party's, is closed, or a refusal has no reason.</exception>
    public static (Decision Decision, OperationVerdict? CounterProposal) Answer(
        Theater theater, ConcurrenceRequest request, PartyId party, AnswerKind kind, string? reason, Operation? counter, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Affected != party)
        {
            throw new DomainException(DomainError.Forbidden, "only the party asked may answer a concurrence request");
        }

        if (!request.IsOpen)
        {
            throw new DomainException(DomainError.InvalidTransition, $"the request is {RequestStates.Name(request.State)}, not open: it takes no answer");
        }

        if (kind != AnswerKind.Concur && string.IsNullOrWhiteSpace(reason))
        {
            throw new InputRejectedException(new InputError(null, "reason", "required to refuse or counter-propose"));
        }

        var operation = theater.FindOperation(request.Operation)
            ?? throw new DomainException(DomainError.NotFound, "the operation of the request is gone");
        if (operation.State != OperationState.AwaitingConcurrence)
        {
            throw new DomainException(DomainError.InvalidTransition, $"operation '{operation.Id}' is {OperationStates.Name(operation.State)}: it awaits no answer");
        }

        var pending = new Pending(theater);
        OperationVerdict? counterVerdict = null;
        switch (kind)
        {
            case AnswerKind.Concur:
                pending.Put(request.Close(RequestState.Concurred, now));
                Settle(operation, pending);
                break;
            case AnswerKind.Refuse:
                pending.Put(request.Close(RequestState.Refused, now, reason));
                Decline(operation, OperationState.Refused, now, pending);
                break;
            default:
                ArgumentNullException.ThrowIfNull(counter);
                var id = CounterProposalId(theater, request);
                pending.Put(request.Close(RequestState.CounterProposed, now, reason, id));
                Decline(operation, OperationState.Refused, now, pending);
                var proposal = counter with
                {
                    Id = id, Owner = operation.Owner, Kind = operation.Kind, Name = operation.Name,
                    Visibility = operation.Visibility, SharedWith = operation.SharedWith, Version = 1,
                };
                counterVerdict = Decide(theater, proposal, now, pending, concurredBy: party);
                break;
        }

        return (pending.ToDecision(kind switch
        {
            AnswerKind.Concur => "concurrence.concur",
            AnswerKind.Refuse => "concurrence.refuse",
            _ => "concurrence.counter-propose",
        }, party, now), counterVerdict);
    }

    /// <summary>Expires every open request whose deadline has passed, and the operations they belonged to.</summary>
    public static Decision ExpireDue(Theater theater, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        var pending = new Pending(theater);
        foreach (var due in theater.Requests.DueAt(now))
        {
            var request = pending.Request(due.Id)!;
            if (!request.IsOpen)
            {
                continue; // closed by an earlier expiry in this pass
            }

            pending.Put(request.Close(RequestState.Expired, now, "no answer before the deadline"));
            if (pending.Operation(request.Operation) is { } operation)
            {
                Decline(operation, OperationState.Expired, now, pending);
            }
        }

        return pending.ToDecision("concurrence.expire", Decision.Center, now);
    }

    /// <summary>Declares a zone (new, or replacing the owner's zone of that id), reopening the operations it now conflicts with.</summary>
    public static Decision DeclareZone(Theater theater, Zone zone, DateTimeOffset now, string command = "zone.declare")
    {
        ArgumentNullException.ThrowIfNull(zone);
        var pending = new Pending(theater);
        pending.Put(zone);
        Reopen(theater, zone, now, pending);
        return pending.ToDecision(command, zone.Owner, now);
    }

    /// <summary>
    /// Declares new zones of one party together, reopening the pending operations of other parties that each now
    /// conflicts with (their owners wait again for the zone's owner).
    /// </summary>
    /// <exception cref="DomainException">A zone of one of these ids exists already (PUT replaces a zone).</exception>
    public static Decision DeclareZones(Theater theater, PartyId owner, IReadOnlyList<Zone> zones, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(zones);
        var pending = new Pending(theater);
        foreach (var zone in zones)
        {
            if (theater.FindZone(zone.Id) is not null)
            {
                throw new DomainException(DomainError.AlreadyExists, $"zone '{zone.Id}' exists already: use PUT to replace it");
            }

            pending.Put(zone);
            Reopen(theater, zone, now, pending);
        }

        return pending.ToDecision("zone.declare", owner, now);
    }

    /// <summary>Withdraws a zone; requests about it are withdrawn and the operations waiting on them settled.</summary>
    public static Decision WithdrawZone(Theater theater, Zone zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var pending = new Pending(theater);
        pending.Withdraw(zone.Id);
        TargetGone(theater, "zone", zone.Id.Value, now, pending);
        return pending.ToDecision("zone.withdraw", zone.Owner, now);
    }

    /// <summary>
    /// Puts back into concurrence the pending operations that a new or changed zone now conflicts with (accepted,
    /// awaiting or concurred; an active one is under way and keeps its state), asking the zone's owner again.
    /// </summary>
    private static void Reopen(Theater theater, Zone zone, DateTimeOffset now, Pending pending)
    {
        foreach (var affected in theater.OperationsConcernedBy(zone))
        {
            var operation = pending.Operation(affected.Id)!;
            if (operation.State is not (OperationState.Accepted or OperationState.AwaitingConcurrence or OperationState.Concurred))
            {
                continue;
            }

            // An earlier request about this zone (an older version of it) no longer speaks for the new one.
            foreach (var earlier in pending.RequestsOf(operation).Where(r => r.TargetType == "zone" && r.TargetId == zone.Id.Value && r.State is RequestState.Open or RequestState.Concurred))
            {
                pending.Put(earlier.Close(RequestState.Withdrawn, now, "the zone changed"));
            }

            // One change raises an operation's version once, however many of its zones reopen it.
            var reopened = operation with { State = OperationState.AwaitingConcurrence, Version = operation.Version + (pending.Changes(operation.Id) ? 0 : 1) };
            pending.Put(NewRequest(theater, reopened, Conflict.WithZone(reopened, zone), pending.NextRequestId(), now));
            pending.Put(reopened);
        }
    }

    /// <summary>Withdraws the requests about a zone or operation that is gone, and settles the operations that were waiting on them.</summary>
    private static void TargetGone(Theater theater, string targetType, string targetId, DateTimeOffset now, Pending pending)
    {
        foreach (var request in theater.Requests.All.Where(r => r.IsOpen && r.TargetType == targetType && r.TargetId == targetId).ToList())
        {
            pending.Put(pending.Request(request.Id)!.Close(RequestState.Withdrawn, now, $"the {targetType} is gone"));
            if (pending.Operation(request.Operation) is { } operation)
            {
                Settle(operation, pending);
            }
        }
    }

    private static OperationVerdict Decide(Theater theater, Operation candidate, DateTimeOffset now, Pending pending, PartyId? concurredBy)
    {
        candidate = candidate with { InBreach = [] };
        var conflicts = theater.FindConflictsFor(candidate with { State = OperationState.Proposed });
        var breaches = TermDecisions.Check(theater, candidate with { State = OperationState.Proposed });
        var requests = new List<ConcurrenceRequest>();
        foreach (var conflict in conflicts)
        {
            var request = NewRequest(theater, candidate, conflict, pending.NextRequestId(), now);
            if (concurredBy is { } party && request.Affected == party)
            {
                request = request.Close(RequestState.Concurred, now, "counter-proposed by this party");
            }

            requests.Add(request);
            pending.Put(request);
        }

        foreach (var breach in breaches)
        {
            foreach (var party in TermDecisions.OthersThan(theater.Agreement, candidate.Owner))
            {
                var request = TermDecisions.Request(theater, candidate, breach, party, pending.NextRequestId(), now);
                if (concurredBy == party)
                {
                    request = request.Close(RequestState.Concurred, now, "counter-proposed by this party");
                }

                requests.Add(request);
                pending.Put(request);
            }
        }

        var state = requests.Count == 0 ? OperationState.Accepted
            : requests.All(r => r.State == RequestState.Concurred) ? OperationState.Concurred
            : OperationState.AwaitingConcurrence;
        var decided = candidate with { State = state };
        pending.Put(decided);
        return new OperationVerdict(decided, conflicts, requests) { Breaches = breaches };
    }

    private static ConcurrenceRequest NewRequest(Theater theater, Operation operation, Conflict conflict, string id, DateTimeOffset now) => new()
    {
        Id = id,
        Operation = operation.Id,
        OperationVersion = operation.Version,
        Submitter = operation.Owner,
        Affected = conflict.AffectedParty,
        TargetType = conflict.Zone is not null ? "zone" : "operation",
        TargetId = conflict.TargetId,
        Opened = now,
        Deadline = now + theater.Agreement.ConcurrenceDeadline,
    };

    /// <summary>An awaiting operation whose open requests are all answered or withdrawn becomes concurred (or accepted, when none is left).</summary>
    private static void Settle(Operation operation, Pending pending)
    {
        if (operation.State != OperationState.AwaitingConcurrence)
        {
            return;
        }

        // The requests that speak for the operation's current volumes: a modification withdrew the others.
        var requests = pending.RequestsOf(operation).Where(r => r.State is RequestState.Open or RequestState.Concurred).ToList();
        if (requests.Any(r => r.IsOpen))
        {
            return;
        }

        var state = requests.Count == 0 ? OperationState.Accepted : OperationState.Concurred;
        pending.Put(TermDecisions.Settled(pending.Theater, operation with { State = state, Version = operation.Version + 1 }, requests, pending.Changed));
    }

    /// <summary>The operation is refused or expired: its other open requests are withdrawn.</summary>
    private static void Decline(Operation operation, OperationState state, DateTimeOffset now, Pending pending)
    {
        if (operation.State != OperationState.AwaitingConcurrence)
        {
            return;
        }

        WithdrawOpen(operation, now, pending);
        pending.Put(operation with { State = state, Version = operation.Version + 1 });
    }

    private static Decision End(Theater theater, Operation current, OperationState state, DateTimeOffset now, string command)
    {
        var pending = new Pending(theater);
        WithdrawOpen(current, now, pending);
        pending.Put(current with { State = state, Version = current.Version + 1, InBreach = [] });

        // Operations that were waiting on this one's owner no longer need to.
        TargetGone(theater, "operation", current.Id.Value, now, pending);
        return pending.ToDecision(command, current.Owner, now);
    }

    /// <summary>Withdraws the requests that speak for the operation's current volumes (open or concurred): it changed or ended.</summary>
    private static void WithdrawOpen(Operation operation, DateTimeOffset now, Pending pending)
    {
        foreach (var request in pending.RequestsOf(operation).Where(r => r.State is RequestState.Open or RequestState.Concurred).ToList())
        {
            pending.Put(request.Close(RequestState.Withdrawn, now, "the operation changed"));
        }
    }

    private static void Require(Operation current, string action, params OperationState[] allowed)
    {
        if (!allowed.Contains(current.State))
        {
            throw new DomainException(DomainError.InvalidTransition,
                $"cannot {action} operation '{current.Id}': it is {OperationStates.Name(current.State)} " +
                $"(allowed from {string.Join(", ", allowed.Select(OperationStates.Name))})");
        }
    }

    /// <summary>
    /// The id of a counter-proposal: named after the request, not the operation, whose id the counter-proposing party
    /// may not know (<c>cr-7-counter</c>).
    /// </summary>
    private static OperationId CounterProposalId(Theater theater, ConcurrenceRequest request)
    {
        for (int n = 1; ; n++)
        {
            var id = new OperationId(n == 1 ? $"{request.Id}-counter" : $"{request.Id}-counter{n}");
            if (theater.FindOperation(id) is null)
            {
                return id;
            }
        }
    }

    /// <summary>The zones, operations and requests a decision changes, latest first, read through to the theater.</summary>
    private sealed class Pending(Theater theater)
    {
        public Theater Theater => theater;

        private readonly List<Zone> _zones = [];
        private readonly List<ZoneId> _withdrawn = [];
        private readonly Dictionary<OperationId, Operation> _operations = [];
        private readonly Dictionary<string, ConcurrenceRequest> _requests = new(StringComparer.Ordinal);
        private readonly List<OperationId> _operationOrder = [];
        private readonly List<string> _requestOrder = [];
        private readonly Dictionary<string, Amendment> _amendments = new(StringComparer.Ordinal);
        private readonly List<string> _amendmentOrder = [];

        /// <summary>The agreement version in force as this decision leaves it (an amendment may bring the next one).</summary>
        public Agreements.Agreement Agreement { get; set; } = theater.Agreement;

        public Amendment? Amendment(string id) => _amendments.GetValueOrDefault(id) ?? theater.Amendments.Find(id);

        /// <summary>Every amendment as this decision leaves it so far, oldest first.</summary>
        public IEnumerable<Amendment> Amendments =>
            theater.Amendments.All.Select(a => _amendments.GetValueOrDefault(a.Id) ?? a)
                .Concat(_amendmentOrder.Where(id => theater.Amendments.Find(id) is null).Select(id => _amendments[id]));

        /// <summary>The next amendment id of the agreement, <c>am-1</c>, <c>am-2</c>, …: amendments are never deleted.</summary>
        public string NextAmendmentId() => $"am-{theater.Amendments.Count + _amendmentOrder.Count(id => theater.Amendments.Find(id) is null) + 1}";

        public void Put(Amendment amendment)
        {
            if (_amendments.TryAdd(amendment.Id, amendment))
            {
                _amendmentOrder.Add(amendment.Id);
            }
            else
            {
                _amendments[amendment.Id] = amendment;
            }
        }

        public Operation? Operation(OperationId id) => _operations.GetValueOrDefault(id) ?? theater.FindOperation(id);

        public bool Changes(OperationId id) => _operations.ContainsKey(id);

        /// <summary>An operation of the theater as this decision leaves it so far.</summary>
        public Operation Current(Operation stored) => _operations.GetValueOrDefault(stored.Id) ?? stored;

        /// <summary>The operations this decision changes so far, read live: what the terms read in place of the theater's.</summary>
        public ChangedOperations Changed => _changed ??= ChangedOperations.Of(_operations);

        private ChangedOperations? _changed;

        public ConcurrenceRequest? Request(string id) => _requests.GetValueOrDefault(id) ?? theater.Requests.Find(id);

        public IEnumerable<ConcurrenceRequest> RequestsOf(Operation operation) =>
            theater.Requests.Of(operation.Id).Select(r => _requests.GetValueOrDefault(r.Id) ?? r)
                .Concat(_requests.Values.Where(r => r.Operation == operation.Id && theater.Requests.Find(r.Id) is null));

        /// <summary>
        /// The next request id of the agreement, <c>cr-1</c>, <c>cr-2</c>, …: requests are never deleted, so the count
        /// only grows. Opaque on purpose: an id built from the operation's would show it to the party asked.
        /// </summary>
        public string NextRequestId() =>
            $"cr-{theater.Requests.Count + _requests.Keys.Count(id => theater.Requests.Find(id) is null) + 1}";

        public void Put(Zone zone) => _zones.Add(zone);

        public void Withdraw(ZoneId zone) => _withdrawn.Add(zone);

        public void Put(Operation operation)
        {
            if (_operations.TryAdd(operation.Id, operation))
            {
                _operationOrder.Add(operation.Id);
            }
            else
            {
                _operations[operation.Id] = operation;
            }
        }

        public void Put(ConcurrenceRequest request)
        {
            if (_requests.TryAdd(request.Id, request))
            {
                _requestOrder.Add(request.Id);
            }
            else
            {
                _requests[request.Id] = request;
            }
        }

        public Decision ToDecision(string command, PartyId submitter, DateTimeOffset now)
        {
            // A change of an owner's day may give a limit room again: the marks it lifts go with it. (An amendment coming
            // into force marks every operation afresh itself.)
            if (_operations.Count > 0 && ReferenceEquals(Agreement, theater.Agreement) && CompiledTerms.Of(theater.Agreement).HasLimits)
            {
                var changed = new (Operation?, Operation)[_operationOrder.Count];
                for (int i = 0; i < changed.Length; i++)
                {
                    changed[i] = (theater.FindOperation(_operationOrder[i]), _operations[_operationOrder[i]]);
                }

                foreach (var released in TermDecisions.Released(theater, changed, Changed))
                {
                    Put(released);
                }
            }

            return Decision.Of(theater, command, submitter, new StateChange(
                zones: _zones, withdrawnZones: _withdrawn,
                operations: _operationOrder.Select(id => _operations[id]),
                requests: _requestOrder.Select(id => _requests[id]),
                amendments: _amendmentOrder.Select(id => _amendments[id])), now);
        }
    }
}
