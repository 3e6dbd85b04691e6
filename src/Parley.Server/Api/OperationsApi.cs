using Microsoft.AspNetCore.Mvc;
using Parley.Core;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Server.Security;
using Parley.Server.Theaters;

namespace Parley.Server.Api;

/// <summary>Operations: submitted by their owner, decided at once, answered with the conflicts the owner may see.</summary>
internal static class OperationsApi
{
    public static void Map(RouteGroupBuilder agreements)
    {
        var operations = agreements.MapGroup("/operations").WithTags("Operations").WithDomainErrors();

        operations.MapPost("/", SubmitAsync).RequireRole(Roles.Operator).RequireSignature()
            .WithSummary("Submit an operation (one Feature). The answer carries its state and its conflicts.")
            .Accepts<System.Text.Json.JsonElement>("application/geo+json", "application/json")
            .Produces<OperationResponse>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(409).ProducesProblem(429);

        operations.MapGet("/", ListAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("The operations the caller may see, as a FeatureCollection (state in properties.state).")
            .Produces<FeatureCollectionResponse>();

        operations.MapGet("/{id}", GetAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("One operation with its current conflicts (conflicts only for its owner).")
            .Produces<OperationResponse>().ProducesProblem(404);

        agreements.MapPost("/check", CheckAsync).WithTags("Operations").WithDomainErrors().RequireRole(Roles.Operator)
            .WithSummary("Dry run: the conflicts a proposed operation would have. Stores no operation (a touch of a hidden zone is recorded).")
            .Accepts<System.Text.Json.JsonElement>("application/geo+json", "application/json")
            .Produces<CheckResponse>().ProducesProblem(400).ProducesProblem(429);
    }

    private static async Task<IResult> SubmitAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var proposed = await ReadOneAsync(http, caller, ct);
        var id = new AgreementId(agreement);
        var outcome = await registry.ProbeAsync(id, caller.Party, proposed, theater =>
        {
            if (theater.FindOperation(proposed.Id) is not null)
            {
                throw new DomainException(DomainError.AlreadyExists, $"operation '{proposed.Id}' exists already");
            }

            var decision = Decisions.Submit(theater, proposed);
            var changes = new ChangeSet { Command = "operation.submit", Submitter = caller.Party };
            changes.UpsertOperations.Add(decision.Operation);
            http.Response.Headers.ETag = ApiSupport.ETag(decision.Operation.Version);
            http.Response.Headers.Location = $"{http.Request.PathBase}/v1/agreements/{agreement}/operations/{Uri.EscapeDataString(decision.Operation.Id.Value)}";
            return (changes, ApiSupport.Json(Response(decision.Operation, decision.Conflicts, caller, disclosure), StatusCodes.Status201Created), decision.Conflicts);
        }, Writes.Hooks(http, registry, id), ct);
        return outcome.RetryAfter is { } wait
            ? Problems.ProbingBudgetSpent(http.Response, wait, caller.Agreement.ProbingBudget)
            : outcome.Result!;
    }

    private static async Task<IResult> CheckAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var proposed = await ReadOneAsync(http, caller, ct);
        var outcome = await registry.ProbeAsync(new AgreementId(agreement), caller.Party, proposed, theater =>
        {
            var conflicts = theater.FindConflictsFor(proposed);
            return (new ChangeSet { Command = "check", Submitter = caller.Party }, conflicts, conflicts);
        }, cancellationToken: ct);
        if (outcome.RetryAfter is { } wait)
        {
            return Problems.ProbingBudgetSpent(http.Response, wait, caller.Agreement.ProbingBudget);
        }

        return ApiSupport.Json(new CheckResponse(proposed.Id.Value, Views(outcome.Result!, caller, disclosure)));
    }

    private static async Task<IResult> ListAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var visible = await registry.ReadAsync(new AgreementId(agreement),
            theater => theater.Operations.Where(o => o.IsVisibleTo(caller.Party)).OrderBy(o => o.Id.Value, StringComparer.Ordinal).ToList(), ct);
        return ApiSupport.Json(new FeatureCollectionResponse("FeatureCollection", [.. visible.Select(ApiSupport.Feature)]));
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
                return ((Operation?)null, (IReadOnlyList<Conflict>)[]);
            }

            return (op, op.Owner == caller.Party && Theater.IsLive(op.State) ? theater.FindConflictsFor(op) : []);
        }, ct);

        if (found.Item1 is not { } operation)
        {
            return Problems.NotFound($"no operation '{Problems.Clip(id)}' that you may see");
        }

        http.Response.Headers.ETag = ApiSupport.ETag(operation.Version);
        return ApiSupport.Json(Response(operation, found.Item2, caller, disclosure));
    }

    private static async Task<Operation> ReadOneAsync(HttpContext http, Caller caller, CancellationToken ct)
    {
        using var body = await ApiSupport.ReadJsonAsync(http.Request, ct);
        var operations = FeatureReader.ReadOperations(body.RootElement, caller.Agreement, caller.Party);
        if (operations.Count != 1)
        {
            throw new InputRejectedException(new InputError(null, "type", "submit one operation as a single Feature"));
        }

        ZonesApi.RequireOwner(operations, caller);
        return operations[0];
    }

    private static OperationResponse Response(Operation operation, IReadOnlyList<Conflict> conflicts, Caller caller, Disclosure disclosure) =>
        new(operation.Id.Value, OperationStates.Name(operation.State), operation.Version, ApiSupport.Feature(operation),
            Views(conflicts, caller, disclosure));

    private static ConflictView[] Views(IEnumerable<Conflict> conflicts, Caller caller, Disclosure disclosure) =>
        [.. conflicts.Select(c => disclosure.View(c, caller.Party, caller.Agreement))];
}
