using System.Text.Json.Serialization;
using Parley.Core;

namespace Parley.Server.Http;

/// <summary>RFC 9457 problem documents for every refusal, naming the field when there is one.</summary>
internal static class Problems
{
    public const string TypeBase = "https://parley.invalid/problems/";

    public static IResult Invalid(InputRejectedException e) => TypedResults.Problem(
        title: "The input was refused",
        detail: e.Errors[0].ToString(),
        statusCode: StatusCodes.Status400BadRequest,
        type: TypeBase + "invalid-input",
        extensions: new Dictionary<string, object?>
        {
            ["errors"] = e.Errors.Take(100).Select(x => new FieldError(x.FeatureId, x.Field, x.Message)).ToArray(),
        });

    public static IResult Domain(DomainException e) => e.Kind switch
    {
        DomainError.NotFound => NotFound(e.Message),
        DomainError.Forbidden => Forbidden(e.Message),
        DomainError.AlreadyExists => Problem(StatusCodes.Status409Conflict, "already-exists", "The entity exists already", e.Message),
        _ => Problem(StatusCodes.Status409Conflict, "invalid-transition", "The change is not allowed in the current state", e.Message),
    };

    /// <summary>
    /// A submission, modification or counter-proposal that breaches a term refusing its breaches: 409, every breach in
    /// <c>breaches</c> as <c>{"term","reason"}</c>. Nothing was stored.
    /// </summary>
    public static IResult TermBreach(Parley.Core.Terms.TermBreachException e) => TypedResults.Problem(
        title: "The operation breaches a term of the agreement",
        detail: e.Message,
        statusCode: StatusCodes.Status409Conflict,
        type: TypeBase + "term-breach",
        extensions: new Dictionary<string, object?>
        {
            ["breaches"] = e.Breaches.Select(b => new BreachView(b.Term, b.Reason)).ToArray(),
        });

    /// <summary>A request body that arrived more slowly than the server's minimum rate, after its grace period: 408, nothing changed.</summary>
    public static IResult BodyTooSlow(Parley.Server.Configuration.ParleyServerOptions options) => Problem(StatusCodes.Status408RequestTimeout, "body-too-slow",
        "The body arrived too slowly",
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"the request body arrived more slowly than {options.MinRequestBodyBytesPerSecond:0} bytes a second after its first {options.MinRequestBodyGracePeriod.TotalSeconds:0.#} s; nothing was changed"));

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "not-found", "Not found", detail);

    public static IResult Forbidden(string detail) => Problem(StatusCodes.Status403Forbidden, "forbidden", "Forbidden", detail);

    /// <summary>A write whose signature is missing or does not verify (the field is the header at fault).</summary>
    public static IResult Unsigned(string header, string detail) => TypedResults.Problem(
        title: "The request is not signed by the party",
        detail: $"{header}: {detail}",
        statusCode: StatusCodes.Status401Unauthorized,
        type: TypeBase + "signature-invalid",
        extensions: new Dictionary<string, object?> { ["errors"] = new[] { new FieldError(null, header, detail) } });

    /// <summary>A signed write whose nonce an accepted write has already spent.</summary>
    public static IResult Replayed() => Problem(StatusCodes.Status409Conflict, "replayed",
        "The request was already accepted once", "Parley-Nonce: this nonce was spent by an accepted write; sign each request anew");

    /// <summary>An idempotency key reused for a different request.</summary>
    public static IResult IdempotencyMismatch() => TypedResults.Problem(
        title: "The idempotency key was used for another request",
        detail: "Idempotency-Key: a retry must repeat the method, path and body of the request that first used the key",
        statusCode: StatusCodes.Status422UnprocessableEntity,
        type: TypeBase + "idempotency-key-reused",
        extensions: new Dictionary<string, object?> { ["errors"] = new[] { new FieldError(null, "Idempotency-Key", "used for another request") } });

    public static IResult PreconditionRequired(string detail) => TypedResults.Problem(
        title: "An update must name the version it changes",
        detail: detail,
        statusCode: StatusCodes.Status428PreconditionRequired,
        type: TypeBase + "if-match-required",
        extensions: new Dictionary<string, object?> { ["errors"] = new[] { new FieldError(null, "If-Match", "required: the ETag of the current version") } });

    public static IResult PreconditionFailed(string detail) =>
        Problem(StatusCodes.Status412PreconditionFailed, "stale-version", "The version given in If-Match is not the current one", detail);

    /// <summary>
    /// 429 with <c>Retry-After</c> (whole seconds, rounded up): the caller's budget of checks and submissions that
    /// touch other parties' hidden zones is spent. Says nothing about where any zone is.
    /// </summary>
    public static IResult ProbingBudgetSpent(HttpResponse response, TimeSpan wait, Parley.Core.Agreements.ProbingBudget budget)
    {
        long seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
        response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status429TooManyRequests, "probing-budget", "The probing budget is spent",
            $"checks and submissions whose answers touch other parties' hidden zones are limited to {budget.PerHour} per hour and {budget.PerDay} per day; retry after {seconds} s");
    }

    /// <summary>Clips caller-supplied text before it is echoed in a message.</summary>
    public static string Clip(string s) => s.Length <= 64 ? s : s[..64] + "…";

    public static IResult Problem(int status, string type, string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: status, type: TypeBase + type);
}

/// <summary>One breach of a term in a <c>term-breach</c> problem document.</summary>
public sealed record BreachView(
    [property: JsonPropertyName("term")] string Term,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>One field error in a problem document.</summary>
public sealed record FieldError(
    [property: JsonPropertyName("feature")] string? Feature,
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("message")] string Message);
