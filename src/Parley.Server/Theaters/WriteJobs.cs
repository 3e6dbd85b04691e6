using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Ports;
using Parley.Core.Probing;
using Parley.Server.Writes;

namespace Parley.Server.Theaters;

/// <summary>What a write decided, to commit: the core's decision, the signed request behind it and the answer kept for retries.</summary>
internal sealed record Accepted(Decision Decision, SignedSubmission? Submission = null, KeptAnswer? Answer = null);

/// <summary>A write waiting for a batch: taken once, decided under the agreement's lock, answered when its batch is committed.</summary>
internal abstract class WriteJob
{
    private int _state; // 0 queued, 1 taken by a batch, 2 abandoned by its caller

    /// <summary>The write's wait for a batch in its caller's trace (null when nothing traces): its decision is traced under it.</summary>
    public System.Diagnostics.Activity? Queued { get; set; }

    /// <summary>A key no two writes of one batch may share (the caller's idempotency key), or null.</summary>
    public virtual string? Exclusive => null;

    public bool TryTake() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

    public void Untake() => Volatile.Write(ref _state, 0);

    public bool TryAbandon() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;

    /// <summary>Decides on the slot's current state at <paramref name="now"/>: what to commit, or null when answered without a change.</summary>
    public abstract Task<Accepted?> DecideAsync(AgreementSlot slot, DateTimeOffset now);

    /// <summary>Answers with the result decided (its commit landed, or there was nothing to commit).</summary>
    public abstract void Complete();

    public abstract void Fail(Exception error);
}

internal abstract class WriteJob<T> : WriteJob
{
    private readonly TaskCompletionSource<T> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected T Result { get; set; } = default!;

    public Task<T> Answer => _answer.Task;

    public override void Complete() => _answer.TrySetResult(Result);

    public override void Fail(Exception error) => _answer.TrySetException(error);
}

/// <summary>A write the center makes on its own (expiries, agreement texts, the demo): a decision and a result.</summary>
internal sealed class CenterJob<T>(Func<Theater, DateTimeOffset, (Decision? Decision, T Result)> decide) : WriteJob<T>
{
    public override Task<Accepted?> DecideAsync(AgreementSlot slot, DateTimeOffset now)
    {
        var (decision, result) = decide(slot.Theater, now);
        Result = result;
        return Task.FromResult(decision is null || decision.IsEmpty ? null : new Accepted(decision));
    }
}

/// <summary>
/// A party's write: a retry already answered gets that answer again, a spent nonce is refused, a check or submission
/// is refused while the party's probing budget is spent; otherwise the route decides, the touches of hidden zones its
/// answer carries are recorded with the change, and under an idempotency key the answer is rendered and kept with it.
/// </summary>
internal sealed class PartyJob(WriteCommand command, ISubmissionStore submissions, TimeSpan retention) : WriteJob<WriteResult>
{
    public override string? Exclusive => command.Retry is { } retry ? $"{command.Party}\n{retry.Key}" : null;

    public override async Task<Accepted?> DecideAsync(AgreementSlot slot, DateTimeOffset now)
    {
        var id = slot.Theater.Agreement.Id;
        if (command.Retry is { } retry && await submissions.FindAnswerAsync(id, command.Party, retry.Key, now - retention, CancellationToken.None) is { } kept)
        {
            Result = kept.Fingerprint.AsSpan().SequenceEqual(retry.Fingerprint)
                ? new WriteResult.Replayed(RenderedAnswer.FromRecord(kept.Record))
                : new WriteResult.KeyReused();
            return null;
        }

        if (command.Submission is { } signed && slot.Nonces.Contains(command.Party, signed.Nonce))
        {
            Result = new WriteResult.NonceSpent();
            return null;
        }

        if (command.Probe is not null && slot.Watch.Refusal(command.Party, now, slot.Theater.Agreement.ProbingBudget) is { } wait)
        {
            Result = new WriteResult.BudgetSpent(wait);
            return null;
        }

        var outcome = command.Decide(slot.Theater, now);
        var decision = outcome.Decision;
        if (command.Probe is { } probe && outcome.Conflicts is { } conflicts)
        {
            decision = Probes.Touching(decision ?? Decision.Nothing("check", command.Party), slot.Theater, slot.Watch, command.Party, probe,
                conflicts, Guid.CreateVersion7(now).ToString("N"), now);
        }

        if (decision is null || decision.IsEmpty)
        {
            Result = new WriteResult.Decided(outcome.Answer, null);
            return null;
        }

        if (!decision.IsRecorded || command.Retry is not { } key || outcome.Answer is not Writes.Answer.Content content)
        {
            Result = new WriteResult.Decided(outcome.Answer, null);
            return new Accepted(decision, decision.IsRecorded ? command.Submission : null);
        }

        // What is sent is what was kept: a retry gets these very bytes.
        var rendered = Writes.Answer.Render(content);
        Result = new WriteResult.Decided(outcome.Answer, rendered);
        return new Accepted(decision, command.Submission, new KeptAnswer(command.Party, key.Key, key.Fingerprint, rendered.ToRecord(), now));
    }
}
