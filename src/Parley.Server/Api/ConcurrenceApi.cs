using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Parley.Core;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Workflow;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Writes;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>
/// Concurrence: the requests an operation's conflicts open to the parties they touch, and their answers —
/// concur, refuse (with a reason) or counter-propose — before a deadline, past which a request expires as refused.
/// </summary>
internal static class ConcurrenceApi
{
    public static void Map(RouteGroupBuilder agreements)
    {
        var requests = agreements.MapGroup("/requests").WithTags("Concurrence").WithDomainErrors();

        requests.MapGet("/", ListAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("The concurrence requests the caller's party is asked or asks (state=open|…, role=affected|submitter to filter).")
            .Produces<RequestList>().ProducesProblem(400);

        requests.MapGet("/{id}", GetAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("One concurrence request of the caller's party.")
            .Produces<RequestView>().ProducesProblem(404);

        requests.MapPost("/{id}/answer", AnswerAsync).RequireRole(Roles.Approver).RequireSignature()
            .WithSummary("Answer a request put to the caller's party: {\"answer\":\"concur\"|\"refuse\"|\"counter-propose\",\"reason\":…,\"counter\":Feature}. Needs If-Match.")
            .Accepts<JsonElement>("application/json")
            .Produces<AnswerReceipt>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(428);
    }

    /// <summary>How <paramref name="caller"/> sees a request it is part of.</summary>
    public static RequestView View(ConcurrenceRequest request, Theater theater, PartyId caller, Disclosure disclosure)
    {
        bool affected = request.Affected == caller;
        bool term = request.TargetType == Parley.Core.Terms.TermChecks.TargetType;
        Declaration? target = term ? null : request.TargetType == "zone"
            ? theater.FindZone(new ZoneId(request.TargetId))
            : theater.FindOperation(new OperationId(request.TargetId));
        bool seesTarget = affected || term || (target?.IsVisibleTo(caller) ?? false);
        var operation = theater.FindOperation(request.Operation);

        // The party asked sees the asking operation as the disclosure policy allows it: in full when the submitter
        // shares it, else its owner, kind (in the target), a handle and the cell where they meet.
        bool seesOperation = operation is not null && operation.IsVisibleTo(caller);
        // A term is every party's: for a breach, the cell is where the operation lies.
        var area = !seesOperation && operation is not null && (target is not null || term)
            ? Disclosure.MeetingCell(operation.Volume.Footprint, target?.Volume.Footprint ?? operation.Volume.Footprint, theater.Agreement)
            : null;
        return new RequestView(
            request.Id, seesOperation ? request.Operation.Value : null,
            seesOperation ? null : disclosure.Handle(caller, "operation", request.Operation.Value), area,
            request.OperationVersion, request.Submitter.Value, request.Affected.Value, request.TargetType,
            seesTarget ? request.TargetId : null,
            seesTarget ? null : disclosure.Handle(caller, request.TargetType, request.TargetId),
            RequestStates.Name(request.State), FeatureWriter.Time(request.Opened), FeatureWriter.Time(request.Deadline),
            request.Closed is { } closed ? FeatureWriter.Time(closed) : null, request.Reason, request.CounterProposal?.Value, request.Version,
            seesOperation ? ApiSupport.Feature(operation!) : null);
    }

    private static async Task<IResult> ListAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, [FromQuery] string? state, [FromQuery] string? role, CancellationToken ct)
    {
        var caller = http.GetCaller();
        RequestState? wanted = null;
        if (state is not null)
        {
            try
            {
                wanted = RequestStates.Parse(state);
            }
            catch (FormatException)
            {
                throw new InputRejectedException(new InputError(null, "state", "one of open, concurred, refused, counter-proposed, expired, withdrawn"));
            }
        }

        if (role is not (null or "affected" or "submitter"))
        {
            throw new InputRejectedException(new InputError(null, "role", "affected or submitter"));
        }

        var views = await registry.ReadAsync(new AgreementId(agreement), theater => theater.Requests.All
            .Where(r => role switch
            {
                "affected" => r.Affected == caller.Party,
                "submitter" => r.Submitter == caller.Party,
                _ => r.Affected == caller.Party || r.Submitter == caller.Party,
            })
            .Where(r => wanted is null || r.State == wanted)
            .OrderBy(r => r.Opened).ThenBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => View(r, theater, caller.Party, disclosure)).ToList(), ct);
        return ApiSupport.Json(new RequestList(views));
    }

    private static async Task<IResult> GetAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var found = await registry.ReadAsync(new AgreementId(agreement), theater =>
            theater.Requests.Find(id) is { } r && (r.Affected == caller.Party || r.Submitter == caller.Party) ? View(r, theater, caller.Party, disclosure) : null, ct);
        if (found is null)
        {
            return Problems.NotFound($"no request '{Problems.Clip(id)}' of yours");
        }

        http.Response.Headers.ETag = ApiSupport.ETag(found.Version);
        return ApiSupport.Json(found);
    }

    private static async Task<IResult> AnswerAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var (kind, reason, counterFeature) = await ReadAnswerAsync(http, ct);
        Operation? counter = null;
        if (counterFeature is { } feature)
        {
            var read = FeatureReader.ReadOperations(feature, caller.Agreement, caller.Party);
            counter = read.Count == 1 ? read[0] : throw new InputRejectedException(new InputError(null, "counter", "one Feature: the volumes proposed instead"));
        }

        var ifMatch = IfMatch.Of(http.Request);
        return await PartyWrites.RunAsync(http, registry, agreement, (theater, now) =>
        {
            var request = theater.Requests.Find(id);
            if (request is null || (request.Affected != caller.Party && request.Submitter != caller.Party))
            {
                return WriteOutcome.Refused(Problems.NotFound($"no request '{Problems.Clip(id)}' of yours"));
            }

            if (ifMatch.Require(request.Version) is { } precondition)
            {
                return WriteOutcome.Refused(precondition);
            }

            var (decision, counterProposal) = Lifecycle.Answer(theater, request, caller.Party, kind, reason, counter, now);
            var operation = decision.State.Operations.FirstOrDefault(o => o.Id == request.Operation) ?? theater.FindOperation(request.Operation)!;
            var answered = decision.State.Requests.First(r => r.Id == request.Id);

            // The receipt says no more of the asking operation than the party asked may see.
            var receipt = new AnswerReceipt(
                View(answered, theater, caller.Party, disclosure),
                operation.IsVisibleTo(caller.Party) ? OperationStates.Name(operation.State) : null,
                counterProposal is null ? null : new CounterProposalView(counterProposal.Operation.Id.Value,
                    OperationStates.Name(counterProposal.Operation.State), counterProposal.Operation.Owner.Value));
            return new WriteOutcome(decision, ApiSupport.Answer(receipt, version: answered.Version));
        }, ct);
    }

    private static async Task<(AnswerKind Kind, string? Reason, JsonElement? Counter)> ReadAnswerAsync(HttpContext http, CancellationToken ct)
    {
        using var body = await ApiSupport.ReadJsonAsync(http.Request, ct);
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InputRejectedException(new InputError(null, "$", "an object: {\"answer\":…,\"reason\":…}"));
        }

        string? answer = root.TryGetProperty("answer", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        var kind = answer switch
        {
            "concur" => AnswerKind.Concur,
            "refuse" => AnswerKind.Refuse,
            "counter-propose" => AnswerKind.CounterPropose,
            _ => throw new InputRejectedException(new InputError(null, "answer", "required: concur, refuse or counter-propose")),
        };
        string? reason = null;
        if (root.TryGetProperty("reason", out var r) && r.ValueKind != JsonValueKind.Null)
        {
            reason = r.ValueKind == JsonValueKind.String ? r.GetString() : throw new InputRejectedException(new InputError(null, "reason", "must be a string"));
            if (reason!.Length > 2000)
            {
                throw new InputRejectedException(new InputError(null, "reason", "at most 2,000 characters"));
            }
        }

        JsonElement? counter = null;
        if (kind == AnswerKind.CounterPropose)
        {
            counter = root.TryGetProperty("counter", out var c) && c.ValueKind == JsonValueKind.Object
                ? c.Clone()
                : throw new InputRejectedException(new InputError(null, "counter", "required to counter-propose: a Feature with the volumes proposed instead"));
        }

        return (kind, reason, counter);
    }
}
