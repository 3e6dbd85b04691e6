using Microsoft.AspNetCore.Mvc;
using Parley.Core;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Terms;
using Parley.Core.Workflow;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Writes;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>Operations: submitted by their owner, decided at once, answered with the conflicts the owner may see.</summary>
internal static class OperationsApi
{
    public static void Map(RouteGroupBuilder agreements)
    {
        var operations = agreements.MapGroup("/operations").WithTags("Operations").WithDomainErrors();

        operations.MapPost("/", SubmitAsync).RequireRole(Roles.Operator).RequireSignature()
            .WithSummary("Submit an operation (one Feature). The answer carries its state, its conflicts and the breaches of terms put to the other parties; a breach a term refuses is a 409 term-breach problem.")
            .Accepts<System.Text.Json.JsonElement>("application/geo+json", "application/json")
            .Produces<OperationResponse>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(409).ProducesProblem(429);

        operations.MapPut("/{id}", ModifyAsync).RequireRole(Roles.Operator).RequireSignature()
            .WithSummary("Modify an operation (owner; If-Match): its new volumes are checked from scratch and earlier requests withdrawn.")
            .Accepts<System.Text.Json.JsonElement>("application/geo+json", "application/json")
            .Produces<OperationResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(428).ProducesProblem(429);

        foreach (var (action, summary) in new[]
        {
            ("cancel", "Cancel an operation (owner; If-Match), from any state but completed or cancelled."),
            ("activate", "Start an accepted or concurred operation (owner; If-Match)."),
            ("complete", "End an active operation (owner; If-Match)."),
        })
        {
            operations.MapPost($"/{{id}}/{action}", (string agreement, string id, HttpContext http, TheaterRegistry registry, Disclosure disclosure, CancellationToken ct) =>
                    TransitionAsync(agreement, id, action, http, registry, disclosure, ct))
                .RequireRole(Roles.Operator).RequireSignature().WithSummary(summary)
                .Produces<OperationResponse>().ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(428);
        }

        operations.MapGet("/", ListAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("The operations the caller may see (state in properties.state), filtered and in id order, one page at a time (`next` names the following page).")
            .Produces<FeaturePage>().ProducesProblem(400);

        operations.MapGet("/{id}", GetAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("One operation with its current conflicts (conflicts only for its owner).")
            .Produces<OperationResponse>().ProducesProblem(404);

        agreements.MapPost("/check", CheckAsync).WithTags("Operations").WithDomainErrors().RequireRole(Roles.Operator)
            .WithSummary("Dry run: the conflicts and breaches of terms a proposed operation would have. Stores no operation (a touch of a hidden zone is recorded).")
            .Accepts<System.Text.Json.JsonElement>("application/geo+json", "application/json")
            .Produces<CheckResponse>().ProducesProblem(400).ProducesProblem(429);
    }

    private static async Task<IResult> SubmitAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var proposed = await ReadOneAsync(http, caller, ct);
        string operations = $"{http.Request.PathBase}/v1/agreements/{agreement}/operations/";
        return await PartyWrites.ProbeAsync(http, registry, agreement, proposed, (theater, now) =>
        {
            var (decision, verdict) = Lifecycle.Submit(theater, proposed, now);
            return new WriteOutcome(decision, ApiSupport.Answer(
                Response(verdict.Operation, verdict.Conflicts, verdict.Requests, theater, caller, disclosure, verdict.Breaches), StatusCodes.Status201Created,
                verdict.Operation.Version, operations + Uri.EscapeDataString(verdict.Operation.Id.Value)), verdict.Conflicts);
        }, retries: true, ct);
    }

    private static async Task<IResult> ModifyAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var replacement = await ReadOneAsync(http, caller, ct);
        if (replacement.Id.Value != id)
        {
            throw new InputRejectedException(new InputError(replacement.Id.Value, "id", "the body must be one Feature whose id is the operation id of the URL"));
        }

        var ifMatch = IfMatch.Of(http.Request);
        return await PartyWrites.ProbeAsync(http, registry, agreement, replacement, (theater, now) =>
        {
            if (Owned(theater, id, caller, ifMatch) is { } refusal)
            {
                return WriteOutcome.Refused(refusal);
            }

            var (decision, verdict) = Lifecycle.Modify(theater, theater.FindOperation(new OperationId(id))!, replacement, now);
            return new WriteOutcome(decision, ApiSupport.Answer(
                Response(verdict.Operation, verdict.Conflicts, verdict.Requests, theater, caller, disclosure, verdict.Breaches), version: verdict.Operation.Version), verdict.Conflicts);
        }, retries: true, ct);
    }

    private static Task<IResult> TransitionAsync(string agreement, string id, string action, HttpContext http, TheaterRegistry registry,
        Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var ifMatch = IfMatch.Of(http.Request);
        return PartyWrites.RunAsync(http, registry, agreement, (theater, now) =>
        {
            if (Owned(theater, id, caller, ifMatch) is { } refusal)
            {
                return WriteOutcome.Refused(refusal);
            }

            var current = theater.FindOperation(new OperationId(id))!;
            var decision = action switch
            {
                "cancel" => Lifecycle.Cancel(theater, current, now),
                "activate" => Lifecycle.Activate(theater, current, now),
                _ => Lifecycle.Complete(theater, current, now),
            };
            var operation = decision.State.Operations.First(o => o.Id == current.Id);
            return new WriteOutcome(decision, ApiSupport.Answer(Response(operation, [], [], theater, caller, disclosure), version: operation.Version));
        }, ct);
    }

    /// <summary>A refusal unless the caller owns the visible operation <paramref name="id"/> and names its version in If-Match.</summary>
    private static IResult? Owned(Theater theater, string id, Caller caller, IfMatch ifMatch)
    {
        var current = theater.FindOperation(new OperationId(id));
        if (current is null || !current.IsVisibleTo(caller.Party))
        {
            return Problems.NotFound($"no operation '{Problems.Clip(id)}' that you may see");
        }

        if (current.Owner != caller.Party)
        {
            return Problems.Forbidden("only the owner may change an operation");
        }

        return ifMatch.Require(current.Version);
    }

    private static async Task<IResult> CheckAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var proposed = await ReadOneAsync(http, caller, ct);
        return await PartyWrites.ProbeAsync(http, registry, agreement, proposed, (theater, _) =>
        {
            var conflicts = theater.FindConflictsFor(proposed);
            var breaches = TermChecks.Breaches(theater, proposed with { State = OperationState.Proposed });
            return new WriteOutcome(null, ApiSupport.Answer(new CheckResponse(proposed.Id.Value,
                [.. Views(conflicts, caller, disclosure), .. breaches.Select(b => TermViews.View(proposed, b, theater.Agreement))])), conflicts);
        }, retries: false, ct);
    }

    private static async Task<IResult> ListAsync(string agreement, [AsParameters] OperationListQuery query, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var filter = Listing.Parse(query);
        var (page, next) = await registry.ReadAsync(new AgreementId(agreement), theater => Listing.Operations(theater, caller.Party, filter), ct);
        return Listing.Answer([.. page.Select(FeatureWriter.ToUtf8)], next);
    }

    private static async Task<IResult> GetAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var found = await registry.ReadAsync(new AgreementId(agreement), theater =>
        {
            var op = theater.FindOperation(new OperationId(id));
            if (op is null || !op.IsVisibleTo(caller.Party))
            {
                return ((Operation?)null, (OperationResponse?)null);
            }

            bool live = op.Owner == caller.Party && Theater.IsLive(op.State);
            var conflicts = live ? theater.FindConflictsFor(op) : [];
            var breaches = live ? TermChecks.Breaches(theater, op) : [];
            var requests = theater.Requests.Of(op.Id).Where(r => r.Submitter == caller.Party || r.Affected == caller.Party).ToList();
            return (op, Response(op, conflicts, requests, theater, caller, disclosure, breaches));
        }, ct);

        if (found.Item1 is not { } operation)
        {
            return Problems.NotFound($"no operation '{Problems.Clip(id)}' that you may see");
        }

        http.Response.Headers.ETag = ApiSupport.ETag(operation.Version);
        return ApiSupport.Json(found.Item2!);
    }

    private static async Task<Operation> ReadOneAsync(HttpContext http, Caller caller, CancellationToken ct)
    {
        var operations = await ApiSupport.ReadOperationsAsync(http.Request, caller, ct);
        if (operations.Count != 1)
        {
            throw new InputRejectedException(new InputError(null, "type", "submit one operation as a single Feature"));
        }

        ZonesApi.RequireOwner(operations, caller);
        return operations[0];
    }

    private static OperationResponse Response(Operation operation, IReadOnlyList<Conflict> conflicts, IEnumerable<ConcurrenceRequest> requests,
        Theater theater, Caller caller, Disclosure disclosure, IReadOnlyList<TermBreach>? breaches = null) =>
        new(operation.Id.Value, OperationStates.Name(operation.State), operation.Version, ApiSupport.Feature(operation),
            [.. Views(conflicts, caller, disclosure), .. (breaches ?? []).Select(b => TermViews.View(operation, b, theater.Agreement))],
            [.. requests.Select(r => ConcurrenceApi.View(r, theater, caller.Party, disclosure))]);

    private static ConflictView[] Views(IEnumerable<Conflict> conflicts, Caller caller, Disclosure disclosure) =>
        [.. conflicts.Select(c => disclosure.View(c, caller.Party, caller.Agreement))];
}
