using Microsoft.AspNetCore.Mvc;
using Parley.Core;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Server.Security;
using Parley.Server.Theaters;

namespace Parley.Server.Api;

/// <summary>Zones: declared by their owner, seen in full only by those the owner allows.</summary>
internal static class ZonesApi
{
    public static void Map(RouteGroupBuilder agreements)
    {
        var zones = agreements.MapGroup("/zones").WithTags("Zones").WithDomainErrors();

        zones.MapPost("/", DeclareAsync).RequireRole(Roles.Operator).RequireSignature()
            .WithSummary("Declare one zone (Feature) or several (FeatureCollection).")
            .Accepts<System.Text.Json.JsonElement>("application/geo+json", "application/json")
            .Produces<ZonesAccepted>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(409);

        zones.MapGet("/", ListAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("The zones the caller may see, as a FeatureCollection.")
            .Produces<FeatureCollectionResponse>();

        zones.MapGet("/{id}", GetAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("One zone, if the caller may see it.")
            .Produces<System.Text.Json.JsonElement>(contentType: "application/geo+json").ProducesProblem(404);

        zones.MapPut("/{id}", ReplaceAsync).RequireRole(Roles.Operator).RequireSignature()
            .WithSummary("Replace a zone (owner only; If-Match with the ETag guards against lost updates).")
            .Accepts<System.Text.Json.JsonElement>("application/geo+json", "application/json")
            .Produces<System.Text.Json.JsonElement>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(412).ProducesProblem(428);

        zones.MapDelete("/{id}", DeleteAsync).RequireRole(Roles.Operator).RequireSignature()
            .WithSummary("Withdraw a zone (owner only).")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404).ProducesProblem(412).ProducesProblem(428);
    }

    private static async Task<IResult> DeclareAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] ParleyServerOptions options, [FromServices] TimeProvider time, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var declared = await ApiSupport.ReadZonesAsync(http.Request, caller, options.MaxFeaturesPerRequest, ct);
        RequireOwnership(declared, caller);
        return await Writes.RunAsync(http, registry, agreement, theater =>
        {
            var changes = new ChangeSet { Command = "zone.declare", Submitter = caller.Party };
            var now = time.GetUtcNow();
            foreach (var zone in declared)
            {
                if (theater.FindZone(zone.Id) is not null)
                {
                    throw new DomainException(DomainError.AlreadyExists, $"zone '{zone.Id}' exists already: use PUT to replace it");
                }

                // Pending operations of other parties that the zone now touches wait again for its owner.
                changes.UpsertZones.Add(zone);
                Lifecycle.Reopen(theater, zone, now, changes);
            }

            // Reopened operations belong to other parties: their ids are not the declarer's to learn.
            return (changes, ApiSupport.Json(new ZonesAccepted([.. declared.Select(ApiSupport.Feature)], []), StatusCodes.Status201Created));
        }, ct);
    }

    private static async Task<IResult> ListAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var visible = await registry.ReadAsync(new AgreementId(agreement),
            theater => theater.Zones.Where(z => z.IsVisibleTo(caller.Party)).OrderBy(z => z.Id.Value, StringComparer.Ordinal).ToList(), ct);
        return ApiSupport.Json(new FeatureCollectionResponse("FeatureCollection", [.. visible.Select(ApiSupport.Feature)]));
    }

    private static async Task<IResult> GetAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var zone = await registry.ReadAsync(new AgreementId(agreement), theater => theater.FindZone(new ZoneId(id)), ct);
        if (zone is null || !zone.IsVisibleTo(caller.Party))
        {
            return Problems.NotFound($"no zone '{Problems.Clip(id)}' that you may see");
        }

        http.Response.Headers.ETag = ApiSupport.ETag(zone.Version);
        return ApiSupport.Json(ApiSupport.Feature(zone));
    }

    private static async Task<IResult> ReplaceAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] TimeProvider time, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var replacement = await ApiSupport.ReadZonesAsync(http.Request, caller, int.MaxValue, ct);
        if (replacement.Count != 1 || replacement[0].Id.Value != id)
        {
            throw new InputRejectedException(new InputError(replacement.Count == 1 ? replacement[0].Id.Value : null, "id",
                "the body must be one Feature whose id is the zone id of the URL"));
        }

        RequireOwnership(replacement, caller);
        return await Writes.RunAsync(http, registry, agreement, theater =>
        {
            var current = theater.FindZone(new ZoneId(id));
            if (current is null || !current.IsVisibleTo(caller.Party))
            {
                return (new ChangeSet(), Problems.NotFound($"no zone '{Problems.Clip(id)}' that you may see"));
            }

            if (current.Owner != caller.Party)
            {
                return (new ChangeSet(), Problems.Forbidden("only the owner may change a zone"));
            }

            if (ApiSupport.RequireIfMatch(http.Request, current.Version) is { } stale)
            {
                return (new ChangeSet(), stale);
            }

            var zone = replacement[0] with { Version = current.Version + 1 };
            var changes = Lifecycle.DeclareZone(theater, zone, time.GetUtcNow(), "zone.replace");
            http.Response.Headers.ETag = ApiSupport.ETag(zone.Version);
            return (changes, ApiSupport.Json(ApiSupport.Feature(zone)));
        }, ct);
    }

    private static async Task<IResult> DeleteAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] TimeProvider time, CancellationToken ct)
    {
        var caller = http.GetCaller();
        return await Writes.RunAsync(http, registry, agreement, theater =>
        {
            var current = theater.FindZone(new ZoneId(id));
            if (current is null || !current.IsVisibleTo(caller.Party))
            {
                return (new ChangeSet(), Problems.NotFound($"no zone '{Problems.Clip(id)}' that you may see"));
            }

            if (current.Owner != caller.Party)
            {
                return (new ChangeSet(), Problems.Forbidden("only the owner may withdraw a zone"));
            }

            if (ApiSupport.RequireIfMatch(http.Request, current.Version) is { } stale)
            {
                return (new ChangeSet(), stale);
            }

            // Requests about the zone are withdrawn and the operations that waited on them settled.
            var changes = Lifecycle.WithdrawZone(theater, current, time.GetUtcNow());
            return (changes, Results.NoContent());
        }, ct);
    }

    private static void RequireOwnership<T>(IEnumerable<T> declared, Caller caller)
        where T : Declaration
    {
        foreach (var d in declared)
        {
            if (d.Owner != caller.Party)
            {
                string id = d is Zone z ? z.Id.Value : ((Operation)(Declaration)d).Id.Value;
                throw new DomainException(DomainError.Forbidden, $"feature '{Problems.Clip(id)}': properties.owner: a party declares only for itself");
            }
        }
    }

    internal static void RequireOwner<T>(IEnumerable<T> declared, Caller caller)
        where T : Declaration => RequireOwnership(declared, caller);
}
