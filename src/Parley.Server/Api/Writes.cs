using System.Security.Cryptography;
using Parley.Core;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Server.Security;
using Parley.Server.Theaters;

namespace Parley.Server.Api;

/// <summary>
/// How every write route runs: under its agreement's lock, an answer already given to the same idempotency key is
/// given again; a spent nonce is refused; an accepted change is committed with its signed submission (the nonce
/// spent) and, under a key, with the exact answer, so a client that timed out can retry safely.
/// </summary>
internal static class Writes
{
    /// <summary>The request header naming a write for retries.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>How long an answer is kept for retries.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    public static Task<IResult> RunAsync(HttpContext http, TheaterRegistry registry, string agreement,
        Func<Theater, (ChangeSet Changes, IResult Result)> decide, CancellationToken cancellationToken)
    {
        var id = new AgreementId(agreement);
        return registry.WriteAsync(id, decide, Hooks(http, registry, id), cancellationToken);
    }

    /// <summary>The steps a write runs under its agreement's lock: answered retries, spent nonces, and what is kept with the change.</summary>
    public static WriteHooks<IResult> Hooks(HttpContext http, TheaterRegistry registry, AgreementId id)
    {
        var caller = http.GetCaller();
        var submission = http.GetSubmission();
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        var retry = RetryKey(http, caller);
        return new WriteHooks<IResult>(
            Answered: async ct =>
            {
                if (retry is { } r && await registry.Store.FindAnswerAsync(id, caller.Party, r.Key, time.GetUtcNow() - Retention, ct) is { } answer)
                {
                    return answer.Fingerprint.AsSpan().SequenceEqual(r.Fingerprint) ? new StoredResult(answer, Replayed: true) : Problems.IdempotencyMismatch();
                }

                if (submission is not null && registry.IsNonceSpent(id, caller.Party, submission.Nonce))
                {
                    return Problems.Replayed();
                }

                return null;
            },
            Accepting: async (changes, result, ct) =>
            {
                changes.Submission = submission;
                var answer = await RenderAsync(http, caller.Party, retry, result, time.GetUtcNow());
                if (retry is not null)
                {
                    changes.Answer = answer;
                }

                // What is sent is what was kept: a retry gets these very bytes.
                return new StoredResult(answer, Replayed: false);
            },
            Exclusive: retry is null ? null : $"{caller.Party}\n{retry.Key}");
    }

    private sealed record Retry(string Key, byte[] Fingerprint);

    private static Retry? RetryKey(HttpContext http, Caller caller)
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
        return new Retry(key, SHA256.HashData(request));
    }

    private static async Task<IdempotentAnswer> RenderAsync(HttpContext http, PartyId party, Retry? retry, IResult result, DateTimeOffset now)
    {
        var context = new DefaultHttpContext { RequestServices = http.RequestServices };
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        await result.ExecuteAsync(context);
        string? etag = http.Response.Headers.ETag.Count > 0 ? http.Response.Headers.ETag.ToString() : null;
        string? location = http.Response.Headers.Location.Count > 0 ? http.Response.Headers.Location.ToString() : null;
        return new IdempotentAnswer(party, retry?.Key ?? "", retry?.Fingerprint ?? [], context.Response.StatusCode, context.Response.ContentType,
            buffer.ToArray(), etag ?? Header(context, "ETag"), location ?? Header(context, "Location"), now);
    }

    private static string? Header(HttpContext context, string name) =>
        context.Response.Headers.TryGetValue(name, out var value) && value.Count > 0 ? value.ToString() : null;

    /// <summary>An answer as kept: status, headers and the exact body bytes.</summary>
    private sealed record StoredResult(IdempotentAnswer Answer, bool Replayed) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = Answer.Status;
            if (Answer.ContentType is not null)
            {
                response.ContentType = Answer.ContentType;
            }

            if (Answer.ETag is not null)
            {
                response.Headers.ETag = Answer.ETag;
            }

            if (Answer.Location is not null)
            {
                response.Headers.Location = Answer.Location;
            }

            if (Replayed)
            {
                response.Headers["Idempotent-Replayed"] = "true";
            }

            if (Answer.Body.Length > 0)
            {
                response.ContentLength = Answer.Body.Length;
                await response.Body.WriteAsync(Answer.Body, httpContext.RequestAborted);
            }
        }
    }
}
