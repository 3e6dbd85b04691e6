using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Terms;

namespace Parley.Core.Workflow;

/// <summary>
/// Amendments: a member proposes a change of the agreement version in force; every signatory signs it (the proposer's
/// proposal is its own signature) before the signing deadline, or it lapses, as it does when one refuses; signed, it comes
/// into force at its effective time (or at once) and makes the next version, unless the version it amends was amended
/// first. Coming into force, the amendment marks the pending operations that breach the new terms and lifts the marks of
/// those that comply, and lets go of every other amendment of the old version.
/// </summary>
public static partial class Lifecycle
{
    /// <summary>A member's proposal, read from its text against the version in force.</summary>
    /// <exception cref="InputRejectedException">The proposal does not read or would not make a valid agreement.</exception>
    /// <exception cref="DomainException">The proposer is not a member party.</exception>
    public static (Decision Decision, Amendment Amendment) Propose(Theater theater, PartyId proposer, string proposal, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        var agreement = theater.Agreement;
        if (agreement.FindParty(proposer) is not { Role: PartyRole.Member })
        {
            throw new DomainException(DomainError.Forbidden, "only a member party proposes amendments");
        }

        var read = AmendmentReader.ReadProposal(proposal, agreement, now);
        var pending = new Pending(theater);
        var amendment = new Amendment
        {
            Id = pending.NextAmendmentId(), Proposer = proposer, Changes = read.ChangesJson, Reason = read.Reason,
            BaseVersion = agreement.Version, Proposed = now, SigningDeadline = read.SigningDeadline, Effective = read.Effective,
            Signatories = agreement.Signatories,
            Signatures = agreement.Signatories.Contains(proposer) ? [new AmendmentSignature(proposer, now)] : [],
        };
        pending.Put(amendment);
        Advance(theater, amendment, now, pending);
        return (pending.ToDecision("amendment.propose", proposer, now), pending.Amendment(amendment.Id)!);
    }

    /// <summary>A signatory's signature; the last one brings the amendment into force (at once, or at its effective time).</summary>
    /// <exception cref="DomainException">No such amendment, not a signatory, signed already, not waiting for signatures, or past its deadline.</exception>
    public static (Decision Decision, Amendment Amendment) Sign(Theater theater, string id, PartyId party, DateTimeOffset now)
    {
        var amendment = Signable(theater, id, party, now, "sign");
        var pending = new Pending(theater);
        var signed = amendment with { Signatures = [.. amendment.Signatures, new AmendmentSignature(party, now)], Revision = amendment.Revision + 1 };
        pending.Put(signed);
        Advance(theater, signed, now, pending);
        return (pending.ToDecision("amendment.sign", party, now), pending.Amendment(id)!);
    }

    /// <summary>A signatory's refusal, with a reason: the amendment lapses.</summary>
    /// <exception cref="DomainException">No such amendment, not a signatory, signed already, not waiting for signatures, or past its deadline.</exception>
    public static (Decision Decision, Amendment Amendment) RefuseAmendment(Theater theater, string id, PartyId party, string reason, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 2000)
        {
            throw new InputRejectedException(new InputError(null, "reason", "required: why the amendment is refused (at most 2000 characters)"));
        }

        var amendment = Signable(theater, id, party, now, "refuse");
        var pending = new Pending(theater);
        pending.Put(Lapse(amendment, $"refused by {party}: {reason}", now, refusedBy: party));
        return (pending.ToDecision("amendment.refuse", party, now), pending.Amendment(id)!);
    }

    /// <summary>
    /// What time alone decides: amendments whose signing deadline passed without every signature lapse; signed ones whose
    /// effective time has come come into force. Nothing when nothing is due.
    /// </summary>
    public static Decision AmendmentsDue(Theater theater, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        var pending = new Pending(theater);
        foreach (var id in theater.Amendments.Pending.Select(a => a.Id).ToList())
        {
            var amendment = pending.Amendment(id)!;
            if (amendment.State == AmendmentState.Proposed && amendment.SigningDeadline <= now)
            {
                pending.Put(Lapse(amendment, "the signing deadline passed without every signature", now));
            }
            else if (amendment.State == AmendmentState.Signed && (amendment.Effective ?? now) <= now)
            {
                ComeIntoForce(theater, amendment, now, pending);
            }
        }

        return pending.ToDecision("amendment.due", Decision.Center, now);
    }

    /// <summary>The amendment <paramref name="party"/> may sign or refuse now.</summary>
    private static Amendment Signable(Theater theater, string id, PartyId party, DateTimeOffset now, string action)
    {
        ArgumentNullException.ThrowIfNull(theater);
        var amendment = theater.Amendments.Find(id) ?? throw new DomainException(DomainError.NotFound, $"no amendment '{id}'");
        if (!amendment.Signatories.Contains(party))
        {
            throw new DomainException(DomainError.Forbidden, $"{party} is not a signatory of amendment '{id}': only {string.Join(", ", amendment.Signatories)} sign it");
        }

        if (amendment.State != AmendmentState.Proposed)
        {
            throw new DomainException(DomainError.InvalidTransition, $"amendment '{id}' is {AmendmentStates.Name(amendment.State)}: it takes no more signatures or refusals");
        }

        if (amendment.IsSignedBy(party))
        {
            throw new DomainException(DomainError.InvalidTransition, $"{party} has signed amendment '{id}' already: a signature is not taken back");
        }

        if (amendment.SigningDeadline <= now)
        {
            throw new DomainException(DomainError.InvalidTransition, $"cannot {action} amendment '{id}': its signing deadline has passed");
        }

        return amendment;
    }

    /// <summary>A fully signed amendment comes into force now, or waits for its effective time.</summary>
    private static void Advance(Theater theater, Amendment amendment, DateTimeOffset now, Pending pending)
    {
        if (amendment.State != AmendmentState.Proposed || !amendment.IsFullySigned)
        {
            return;
        }

        if (amendment.Effective is { } effective && effective > now)
        {
            pending.Put(amendment with { State = AmendmentState.Signed, Revision = amendment.Revision + 1 });
            return;
        }

        ComeIntoForce(theater, amendment, now, pending);
    }

    private static Amendment Lapse(Amendment amendment, string reason, DateTimeOffset now, PartyId? refusedBy = null) =>
        amendment with { State = AmendmentState.Lapsed, Closed = now, LapseReason = reason, RefusedBy = refusedBy, Revision = amendment.Revision + 1 };

    /// <summary>
    /// The amendment comes into force, making the next version, unless the version it amends is no longer in force (it
    /// lapses then). Every other pending amendment of that version lapses; requests about terms it removes or replaces are
    /// withdrawn; every pending operation is marked afresh under the new version.
    /// </summary>
    private static void ComeIntoForce(Theater theater, Amendment amendment, DateTimeOffset now, Pending pending)
    {
        var before = pending.Agreement;
        if (amendment.BaseVersion != before.Version)
        {
            pending.Put(Lapse(amendment, $"the agreement it amends changed first: version {before.Version} is in force", now));
            return;
        }

        var after = AmendmentReader.Apply(before, amendment);
        pending.Put(amendment with { State = AmendmentState.InForce, Closed = now, Revision = amendment.Revision + 1 });
        pending.Agreement = after;
        foreach (var other in pending.Amendments.Where(a => a.IsPending && a.Id != amendment.Id).ToList())
        {
            pending.Put(Lapse(other, $"amendment '{amendment.Id}' came into force first and made version {after.Version}: propose it again against that version", now));
        }

        var change = AmendmentReader.ReadChanges(amendment.Changes, before);
        foreach (var term in change.RemoveTerms.Concat(change.ReplaceTerms.Select(t => t.Id)))
        {
            TargetGone(theater, TermChecks.TargetType, term, now, pending);
        }

        MarkAfresh(theater, before, after, now, pending);
    }

    /// <summary>
    /// Marks every pending operation (proposed, accepted, awaiting or concurred) with the terms of <paramref name="after"/> it
    /// breaches without their concurrence; the marks of those that comply go. Within a day, the earliest operations keep
    /// their place under a limit and the latest are marked; active and completed ones count and are never marked.
    /// </summary>
    private static void MarkAfresh(Theater theater, Agreement before, Agreement after, DateTimeOffset now, Pending pending)
    {
        // A concurrence given to a term still speaks for it only if the term reads as it did.
        var unchanged = after.Terms.Where(t => before.FindTerm(t.Id) is { } old && AgreementWriter.TermJson(old) == AgreementWriter.TermJson(t))
            .Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var marked = new Dictionary<OperationId, Operation>();
        Operation Current(Operation stored) =>
            marked.GetValueOrDefault(stored.Id) ?? (pending.Current(stored) is { } o && Markable(o.State) ? o with { InBreach = [] } : pending.Current(stored));

        var candidates = theater.Operations.Select(pending.Current).Where(o => Markable(o.State))
            .OrderByDescending(o => o.Volume.Time.StartTicks).ThenByDescending(o => o.Id.Value, StringComparer.Ordinal).ToList();
        foreach (var operation in candidates)
        {
            var marks = TermChecks.Breaches(theater, after, operation with { InBreach = [] }, Current)
                .Where(b => !(unchanged.Contains(b.Term) && TermChecks.Excused(theater, operation, b.Term)))
                .Select(b => b.Term).ToList();
            marked[operation.Id] = operation with { InBreach = marks };
            if (!marks.SequenceEqual(operation.InBreach, StringComparer.Ordinal))
            {
                pending.Put(operation with { InBreach = marks, Version = operation.Version + 1 });
            }
        }
    }

    private static bool Markable(OperationState state) =>
        state is OperationState.Proposed or OperationState.Accepted or OperationState.AwaitingConcurrence or OperationState.Concurred;
}
