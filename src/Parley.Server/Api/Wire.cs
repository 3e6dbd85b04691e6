using System.Text.Json;
using System.Text.Json.Serialization;
using Parley.Core.Conflicts;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>A GeoJSON FeatureCollection of zones or operations.</summary>
public sealed record FeatureCollectionResponse(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("features")] IReadOnlyList<JsonElement> Features);

/// <summary>The answer to an operation submission or a read: its state and the conflicts the caller may see.</summary>
public sealed record OperationResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("operation")] JsonElement Operation,
    [property: JsonPropertyName("conflicts")] IReadOnlyList<ConflictView> Conflicts,
    [property: JsonPropertyName("requests")] IReadOnlyList<RequestView>? Requests = null,
    [property: JsonPropertyName("counter_proposal")] OperationResponse? CounterProposal = null);

/// <summary>
/// A concurrence request as one of its two parties may see it: the party asked sees what it is asked about (its own
/// zone or operation and the asking operation); the submitter sees the target only if it may see it, else a handle.
/// </summary>
public sealed record RequestView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("operation")] string? Operation,
    [property: JsonPropertyName("operation_handle")] string? OperationHandle,
    [property: JsonPropertyName("area")] CoarseCell? Area,
    [property: JsonPropertyName("operation_version")] long OperationVersion,
    [property: JsonPropertyName("submitter")] string Submitter,
    [property: JsonPropertyName("affected")] string Affected,
    [property: JsonPropertyName("target_type")] string TargetType,
    [property: JsonPropertyName("target_id")] string? TargetId,
    [property: JsonPropertyName("target_handle")] string? TargetHandle,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("opened")] string Opened,
    [property: JsonPropertyName("deadline")] string Deadline,
    [property: JsonPropertyName("closed")] string? Closed,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("counter_proposal")] string? CounterProposal,
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("operation_feature")] JsonElement? OperationFeature);

/// <summary>
/// The receipt of an answer: the request as answered; the asking operation's state only when the answering party may
/// see that operation; and the counter-proposal the answer made, if any (its volumes are the answering party's own).
/// </summary>
public sealed record AnswerReceipt(
    [property: JsonPropertyName("request")] RequestView Request,
    [property: JsonPropertyName("operation_state")] string? OperationState,
    [property: JsonPropertyName("counter_proposal")] CounterProposalView? CounterProposal);

/// <summary>A counter-proposal as the party that made it sees it: its id, state and the volumes it proposed.</summary>
public sealed record CounterProposalView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("owner")] string Owner);

/// <summary>The concurrence requests a party is part of.</summary>
public sealed record RequestList([property: JsonPropertyName("requests")] IReadOnlyList<RequestView> Requests);

/// <summary>A dry-run answer: the conflicts a proposed operation would have. Nothing is stored.</summary>
public sealed record CheckResponse(
    [property: JsonPropertyName("operation")] string Operation,
    [property: JsonPropertyName("conflicts")] IReadOnlyList<ConflictView> Conflicts);

/// <summary>Zones accepted by one request.</summary>
public sealed record ZonesAccepted(
    [property: JsonPropertyName("accepted")] IReadOnlyList<JsonElement> Accepted,
    [property: JsonPropertyName("reopened_operations")] IReadOnlyList<string> ReopenedOperations);

/// <summary>Service health.</summary>
public sealed record HealthResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("agreements")] IReadOnlyList<string> Agreements);

/// <summary>An RFC 9162 inclusion proof, audit path in order, hashes in base64.</summary>
public sealed record InclusionProofResponse(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("hashes")] IReadOnlyList<string> Hashes);

/// <summary>An RFC 9162 consistency proof, hashes in base64.</summary>
public sealed record ConsistencyProofResponse(
    [property: JsonPropertyName("from")] long From,
    [property: JsonPropertyName("to")] long To,
    [property: JsonPropertyName("hashes")] IReadOnlyList<string> Hashes);

/// <summary>One opening of a ledger entry's item: the salted content whose SHA-256 is the item's commitment.</summary>
public sealed record OpeningView(
    [property: JsonPropertyName("item")] int Item,
    [property: JsonPropertyName("opening")] JsonElement Opening);

/// <summary>The openings of one entry that the caller may see.</summary>
public sealed record OpeningsResponse(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("openings")] IReadOnlyList<OpeningView> Openings);

/// <summary>The openings the caller may see of a run of entries, entry by entry.</summary>
public sealed record OpeningsPage(
    [property: JsonPropertyName("from")] long From,
    [property: JsonPropertyName("entries")] IReadOnlyList<OpeningsResponse> Entries);

/// <summary>How often one requester touched one of the caller's zones.</summary>
public sealed record ProbingZoneCount(
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("count")] long Count);

/// <summary>One requesting party's touches of the caller's hidden zones: counts over the last hour, the last day and all time, first and last.</summary>
public sealed record ProbingRequester(
    [property: JsonPropertyName("party")] string Party,
    [property: JsonPropertyName("last_hour")] long LastHour,
    [property: JsonPropertyName("last_day")] long LastDay,
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("first")] string First,
    [property: JsonPropertyName("last")] string Last,
    [property: JsonPropertyName("zones")] IReadOnlyList<ProbingZoneCount> Zones);

/// <summary>
/// Who touched the caller's zones while they were hidden from it: a touch is a check or submission whose
/// answer carried a conflict with one of them. Nothing about the requesters' operations beyond that.
/// </summary>
public sealed record ProbingReport(
    [property: JsonPropertyName("party")] string Party,
    [property: JsonPropertyName("as_of")] string AsOf,
    [property: JsonPropertyName("requesters")] IReadOnlyList<ProbingRequester> Requesters);

/// <summary>
/// A subscription as its party asks for it: an area (GeoJSON Polygon or MultiPolygon), a time window, kinds (empty:
/// every kind) and an optional webhook (https://, or http:// to a loopback host).
/// </summary>
public sealed record SubscriptionRequest(
    [property: JsonPropertyName("area")] JsonElement Area,
    [property: JsonPropertyName("start")] string Start,
    [property: JsonPropertyName("end")] string? End,
    [property: JsonPropertyName("kinds")] IReadOnlyList<string>? Kinds,
    [property: JsonPropertyName("webhook")] string? Webhook);

/// <summary>A subscription, as shown to the party that made it (and to no other).</summary>
public sealed record SubscriptionView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("area")] JsonElement Area,
    [property: JsonPropertyName("start")] string Start,
    [property: JsonPropertyName("end")] string? End,
    [property: JsonPropertyName("kinds")] IReadOnlyList<string> Kinds,
    [property: JsonPropertyName("webhook")] string? Webhook,
    [property: JsonPropertyName("created")] string Created);

/// <summary>The caller's subscriptions, oldest first.</summary>
public sealed record SubscriptionList(
    [property: JsonPropertyName("subscriptions")] IReadOnlyList<SubscriptionView> Subscriptions);

/// <summary>A signatory's signature of an amendment.</summary>
public sealed record SignatureView(
    [property: JsonPropertyName("party")] string Party,
    [property: JsonPropertyName("signed")] string Signed);

/// <summary>
/// An amendment as every party of the agreement sees it: what it changes (in the form a proposal takes), who proposed it
/// and why, whose signatures it needs, has and misses, and where it is (<c>proposed</c>, <c>signed</c>, <c>in-force</c>,
/// <c>lapsed</c>).
/// </summary>
public sealed record AmendmentView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("proposer")] string Proposer,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("base_version")] int BaseVersion,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("proposed")] string Proposed,
    [property: JsonPropertyName("signing_deadline")] string SigningDeadline,
    [property: JsonPropertyName("effective")] string Effective,
    [property: JsonPropertyName("signatories")] IReadOnlyList<string> Signatories,
    [property: JsonPropertyName("signatures")] IReadOnlyList<SignatureView> Signatures,
    [property: JsonPropertyName("missing")] IReadOnlyList<string> Missing,
    [property: JsonPropertyName("closed")] string? Closed,
    [property: JsonPropertyName("refused_by")] string? RefusedBy,
    [property: JsonPropertyName("lapse_reason")] string? LapseReason,
    [property: JsonPropertyName("revision")] long Revision,
    [property: JsonPropertyName("changes")] JsonElement Changes);

/// <summary>One version of the agreement: its text (no amendment), or what an amendment in force made, since when and by whose signatures.</summary>
public sealed record VersionView(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("amendment")] string? Amendment,
    [property: JsonPropertyName("in_force")] string? InForce,
    [property: JsonPropertyName("signatures")] IReadOnlyList<SignatureView> Signatures);

/// <summary>The agreement's history: the version in force, every version, and every amendment in any state.</summary>
public sealed record AgreementHistory(
    [property: JsonPropertyName("agreement")] string Agreement,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("versions")] IReadOnlyList<VersionView> Versions,
    [property: JsonPropertyName("amendments")] IReadOnlyList<AmendmentView> Amendments);

/// <summary>One daily limit binding the caller's party, and how many of its operations count against it today.</summary>
public sealed record LimitUsedView(
    [property: JsonPropertyName("term")] string Term,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("max_per_day")] int MaxPerDay,
    [property: JsonPropertyName("count")] int Count);

/// <summary>The caller's own standing under the agreement's daily limits on one UTC day.</summary>
public sealed record LimitsToday(
    [property: JsonPropertyName("party")] string Party,
    [property: JsonPropertyName("day")] string Day,
    [property: JsonPropertyName("limits")] IReadOnlyList<LimitUsedView> Limits);

/// <summary>Source-generated JSON for every wire type.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FeatureCollectionResponse))]
[JsonSerializable(typeof(FeaturePage))]
[JsonSerializable(typeof(OperationResponse))]
[JsonSerializable(typeof(List<OperationResponse>))]
[JsonSerializable(typeof(CheckResponse))]
[JsonSerializable(typeof(ZonesAccepted))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(FieldError[]))]
[JsonSerializable(typeof(BreachView[]))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(InclusionProofResponse))]
[JsonSerializable(typeof(OpeningsResponse))]
[JsonSerializable(typeof(OpeningsPage))]
[JsonSerializable(typeof(ConsistencyProofResponse))]
[JsonSerializable(typeof(ProbingReport))]
[JsonSerializable(typeof(RequestView))]
[JsonSerializable(typeof(RequestList))]
[JsonSerializable(typeof(AnswerReceipt))]
[JsonSerializable(typeof(SubscriptionRequest))]
[JsonSerializable(typeof(SubscriptionView))]
[JsonSerializable(typeof(SubscriptionList))]
[JsonSerializable(typeof(AmendmentView))]
[JsonSerializable(typeof(AgreementHistory))]
[JsonSerializable(typeof(LimitsToday))]
[JsonSerializable(typeof(IncidentResponse))]
[JsonSerializable(typeof(IncidentList))]
[JsonSerializable(typeof(ReplyRequest))]
[JsonSerializable(typeof(GradeRequest))]
public sealed partial class WireJson : JsonSerializerContext;
