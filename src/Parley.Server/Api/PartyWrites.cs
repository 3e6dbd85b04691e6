using System.Security.Cryptography;
using Parley.Core;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Writes;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>
/// How every write route runs: its request is read into a <see cref="WriteCommand"/> before the agreement's lock (who
/// asks, the signed request, the idempotency key); the route's decision runs under the lock on the current state and
/// returns a <see cref="WriteOutcome"/>; the <see cref="WriteResult"/> becomes the HTTP answer after the lock.
/// </summary>
internal static class PartyWrites
{
    /// <summary>The request header naming a write for retries.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Runs a party's write: decided on the current state, committed, answered.</summary>
    public static async Task<IResult> RunAsync(HttpContext http, TheaterRegistry registry, string agreement,
        Func<Theater, DateTimeOffset, WriteOutcome> decide, CancellationToken cancellationToken)
    {
        var command = Command(http, probe: null, decide);
        return ToResult(http, await registry.WriteAsync(new AgreementId(agreement), command, cancellationToken));
    }

    /// <summary>Runs a check or submission of <paramref name="probe"/> under the party's probing budget.</summary>
    /// <param name="http">The request.</param>
    /// <param name="registry">The agreements served.</param>
    /// <param name="agreement">The agreement's id.</param>
    /// <param name="probe">The operation checked or submitted.</param>
    /// <param name="decide">The decision; its outcome names the conflicts its answer carries.</param>
    /// <param name="retries">Whether the route keeps answers for retries (a check changes nothing and keeps none).</param>
    /// <param name="cancellationToken">Cancels the wait for a batch (not a write a batch has taken).</param>
    public static async Task<IResult> ProbeAsync(HttpContext http, TheaterRegistry registry, string agreement, Operation probe,
        Func<Theater, DateTimeOffset, WriteOutcome> decide, bool retries, CancellationToken cancellationToken)
    {
        var command = Command(http, probe, decide, retries);
        return ToResult(http, await registry.ProbeAsync(new AgreementId(agreement), command, cancellationToken));
    }

    /// <summary>The write as read from its request; nothing in it reaches back to <paramref name="http"/>.</summary>
    private static WriteCommand Command(HttpContext http, Operation? probe, Func<Theater, DateTimeOffset, WriteOutcome> decide, bool retries = true)
    {
        var caller = http.GetCaller();
        return new WriteCommand(caller.Party, http.GetSubmission(), retries ? RetryKey(http, caller) : null, probe, decide);
    }

    /// <summary>The HTTP answer to a write's result, written whatever the request's time limit does since.</summary>
    private static IResult ToResult(HttpContext http, WriteResult result)
    {
        RequestLimits.EndTimeLimit(http);
        return result switch
        {
            WriteResult.Replayed replayed => replayed.Answer.ToResult(replayed: true),
            WriteResult.KeyReused => Problems.IdempotencyMismatch(),
            WriteResult.NonceSpent => Problems.Replayed(),
            WriteResult.BudgetSpent spent => BudgetSpent(http, spent),
            WriteResult.Decided { Answer: Answer.Refusal refusal } => refusal.Problem,
            WriteResult.Decided { Rendered: { } rendered } => rendered.ToResult(replayed: false),
            WriteResult.Decided { Answer: Answer.Content content } => Answer.Render(content).ToResult(replayed: false),
            _ => throw new InvalidOperationException($"unexpected write result {result.GetType().Name}"),
        };
    }

    private static IResult BudgetSpent(HttpContext http, WriteResult.BudgetSpent spent)
    {
        Telemetry.ParleyTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "probing-budget"));
        return Problems.ProbingBudgetSpent(http.Response, spent.Wait, http.GetCaller().Agreement.ProbingBudget);
    }

    private static RetryKey? RetryKey(HttpContext http, Caller caller)
    {
        string key = http.Request.Headers[IdempotencyKeyHeader].ToString();
        if (key.Length == 0)
        {
            return null;
        }

        if (key.Length > 255 || key.Any(c => c is < '!' or > '~'))
        {
            throw new InputRejectedException(new InputError(null, IdempotencyKeyHeader, "1 to 255 visible ASCII characters"));
        }

        // The request as signed, less its timestamp and nonce: a retry signs anew but asks the same thing.
        byte[] body = http.GetVerifiedBody() ?? [];
        byte[] request = SignedRequests.Message(caller.Agreement.Id.Value, http.Request.Method, (http.Request.PathBase + http.Request.Path).Value ?? "/", "", "", body);
        return new RetryKey(key, SHA256.HashData(request));
    }
}

/// <summary>A request's <c>If-Match</c>, read before the agreement's lock and checked against the version found under it.</summary>
/// <param name="Value">The header as sent, or empty when absent.</param>
internal sealed record IfMatch(string Value)
{
    /// <summary>The If-Match of <paramref name="request"/>.</summary>
    public static IfMatch Of(HttpRequest request) => new(request.Headers.IfMatch.ToString());

    /// <summary>
    /// Null when it names <paramref name="currentVersion"/> (or <c>*</c>); 428 when there is none (an update must say
    /// which version it changes), 412 when it names another.
    /// </summary>
    public IResult? Require(long currentVersion) =>
        Value.Length == 0
            ? Problems.PreconditionRequired($"If-Match: send the ETag of the version you change (now {Answer.ETag(currentVersion)})")
            : Check(currentVersion);

    /// <summary>Null when it is absent or names <paramref name="currentVersion"/>; otherwise a 412 problem.</summary>
    public IResult? Check(long currentVersion)
    {
        if (Value.Length == 0 || Value == "*")
        {
            return null;
        }

        return Value.Split(',').Select(t => t.Trim()).Contains(Answer.ETag(currentVersion))
            ? null
            : Problems.PreconditionFailed($"the current version is {Answer.ETag(currentVersion)}");
    }
}
