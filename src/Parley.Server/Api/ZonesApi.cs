using Microsoft.AspNetCore.Mvc;
using Parley.Core;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Writes;
using Parley.Server.Configuration;
using Parley.Server.Http;

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
            .Produces<ZonesAccepted>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(409).ProducesProblem(429);

        zones.MapGet("/", ListAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("The zones the caller may see, filtered and in id order, one page at a time (a FeatureCollection; `next` names the following page).")
            .Produces<FeaturePage>().ProducesProblem(400);

        zones.MapGet("/{id}", GetAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("One zone, if the caller may see it.")
            .Produces<System.Text.Json.JsonElement>().ProducesProblem(404);

        zones.MapPut("/{id}", ReplaceAsync).RequireRole(Roles.Operator).RequireSignature()
            .WithSummary("Replace a zone (owner only; If-Match with the ETag guards against lost updates).")
            .Accepts<System.Text.Json.JsonElement>("application/geo+json", "application/json")
            .Produces<System.Text.Json.JsonElement>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(412).ProducesProblem(428).ProducesProblem(429);

        zones.MapDelete("/{id}", DeleteAsync).RequireRole(Roles.Operator).RequireSignature()
            .WithSummary("Withdraw a zone (owner only).")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404).ProducesProblem(412).ProducesProblem(428);
    }

    private static async Task<IResult> DeclareAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] ParleyServerOptions options, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var declared = await ApiSupport.ReadZonesAsync(http.Request, caller, options.MaxFeaturesPerRequest, ct);
        RequireOwnership(declared, caller);

        // Pending operations of other parties that the zones now touch wait again for their owner; they belong to
        // other parties, so their ids are not the declarer's to learn.
        return await PartyWrites.RunAsync(http, registry, agreement, (theater, now) => new WriteOutcome(
            Lifecycle.DeclareZones(theater, caller.Party, declared, now),
            ApiSupport.Answer(new ZonesAccepted([.. declared.Select(ApiSupport.Feature)], []), StatusCodes.Status201Created)), ct);
    }

    private static async Task<IResult> ListAsync(string agreement, [AsParameters] ZoneListQuery query, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var filter = Listing.Parse(query);
        var (page, next) = await registry.ReadAsync(new AgreementId(agreement), theater => Listing.Zones(theater, caller.Party, filter), ct);
        return Listing.Answer([.. page.Select(FeatureWriter.ToUtf8)], next);
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

    private static async Task<IResult> ReplaceAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var replacement = await ApiSupport.ReadZonesAsync(http.Request, caller, int.MaxValue, ct, single: true);
        if (replacement.Count != 1 || replacement[0].Id.Value != id)
        {
            throw new InputRejectedException(new InputError(replacement.Count == 1 ? replacement[0].Id.Value : null, "id",
                "the body must be one Feature whose id is the zone id of the URL"));
        }

        RequireOwnership(replacement, caller);
        var ifMatch = IfMatch.Of(http.Request);
        return await PartyWrites.RunAsync(http, registry, agreement, (theater, now) =>
        {
            if (Owned(theater, id, caller, ifMatch, "change") is { } refusal)
            {
                return WriteOutcome.Refused(refusal);
            }

            var zone = replacement[0] with { Version = theater.FindZone(new ZoneId(id))!.Version + 1 };
            return new WriteOutcome(Lifecycle.DeclareZone(theater, zone, now, "zone.replace"), ApiSupport.Answer(ApiSupport.Feature(zone), version: zone.Version));
        }, ct);
    }

    private static async Task<IResult> DeleteAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var ifMatch = IfMatch.Of(http.Request);
        return await PartyWrites.RunAsync(http, registry, agreement, (theater, now) =>
        {
            if (Owned(theater, id, caller, ifMatch, "withdraw") is { } refusal)
            {
                return WriteOutcome.Refused(refusal);
            }

            // Requests about the zone are withdrawn and the operations that waited on them settled.
            return new WriteOutcome(Lifecycle.WithdrawZone(theater, theater.FindZone(new ZoneId(id))!, now), Answer.Empty());
        }, ct);
    }

    /// <summary>A refusal unless the caller owns the visible zone <paramref name="id"/> and names its version in If-Match.</summary>
    private static IResult? Owned(Theater theater, string id, Caller caller, IfMatch ifMatch, string action)
    {
        var current = theater.FindZone(new ZoneId(id));
        if (current is null || !current.IsVisibleTo(caller.Party))
        {
            return Problems.NotFound($"no zone '{Problems.Clip(id)}' that you may see");
        }

        if (current.Owner != caller.Party)
        {
            return Problems.Forbidden($"only the owner may {action} a zone");
        }

        return ifMatch.Require(current.Version);
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
