using System.Text.Json;
using System.Text.Json.Serialization;
using Parley.Core.Incidents;

namespace Parley.Server.Api;

/// <summary>
/// An incident as one caller may see it: the report as its reporter gave it, each suspected party's standing (a violation
/// candidate until it admits it), the notified sites affected and matching declarations under the disclosure policy, the
/// terms breached, and every reply, grade and silence so far; and the radius or half-width the center correlates it with
/// (<c>uncertainty_m</c>: the report's own, or the one its <c>location_precision</c> stands for; absent for a polygon), so
/// that a client draws the area the center used.
/// </summary>
public sealed record IncidentResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("reporter")] string Reporter,
    [property: JsonPropertyName("reported")] string Reported,
    [property: JsonPropertyName("reply_deadline")] string ReplyDeadline,
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("report")] JsonElement Report,
    [property: JsonPropertyName("grade")] string? Grade,
    [property: JsonPropertyName("candidates")] IReadOnlyList<CandidateView> Candidates,
    [property: JsonPropertyName("sites")] IReadOnlyList<SiteView> Sites,
    [property: JsonPropertyName("declarations")] IReadOnlyList<DeclarationView> Declarations,
    [property: JsonPropertyName("terms")] IReadOnlyList<TermView> Terms,
    [property: JsonPropertyName("replies")] IReadOnlyList<ReplyView> Replies,
    [property: JsonPropertyName("grades")] IReadOnlyList<GradeView> Grades,
    [property: JsonPropertyName("silences")] IReadOnlyList<SilenceView> Silences,
    [property: JsonPropertyName("uncertainty_m")] double? UncertaintyMetres);

/// <summary>A term of the agreement the incident would breach.</summary>
public sealed record TermView(
    [property: JsonPropertyName("term")] string Term,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>A suspected party's reply, signed by it.</summary>
public sealed record ReplyView(
    [property: JsonPropertyName("party")] string Party,
    [property: JsonPropertyName("reply")] string Reply,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("operation")] string? Operation,
    [property: JsonPropertyName("at")] string At,
    [property: JsonPropertyName("late")] bool Late);

/// <summary>A grade, with its reason.</summary>
public sealed record GradeView(
    [property: JsonPropertyName("by")] string By,
    [property: JsonPropertyName("grade")] string Grade,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("at")] string At);

/// <summary>A silence: no reply by the deadline. Neither an admission nor a denial.</summary>
public sealed record SilenceView(
    [property: JsonPropertyName("party")] string Party,
    [property: JsonPropertyName("recorded")] string Recorded);

/// <summary>The incidents a caller may see, oldest report first.</summary>
public sealed record IncidentList([property: JsonPropertyName("incidents")] IReadOnlyList<IncidentResponse> Incidents);

/// <summary>A reply to an incident: <c>admit</c>, <c>deny</c> (with a reason), <c>explain</c> (naming one's own operation) or <c>request-information</c>.</summary>
public sealed record ReplyRequest(
    [property: JsonPropertyName("reply")] string Reply,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("operation")] string? Operation);

/// <summary>A grade of an incident: <c>weak</c>, <c>fair</c>, <c>contested</c> or <c>discounted</c>, with a reason.</summary>
public sealed record GradeRequest(
    [property: JsonPropertyName("grade")] string Grade,
    [property: JsonPropertyName("reason")] string Reason);
