using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Parley.Core;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Workflow;
using Parley.Server.Http;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Writes;

namespace Parley.Server.Api;

/// <summary>
/// The agreement every party runs under, and its amendments: the version in force and its history for every party; a
/// member's approver proposes, each signatory's approver signs or refuses, each a signed write in the ledger.
/// </summary>
internal static class AgreementApi
{
    public static void Map(RouteGroupBuilder agreements)
    {
        var agreement = agreements.MapGroup("/agreement").WithTags("Agreement").WithDomainErrors();

        agreement.MapGet("/", GetAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("The agreement version in force: parties, rules, separation, deadlines, budgets and terms (ETag: its version).")
            .Produces<JsonElement>();

        agreement.MapGet("/history", HistoryAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("Every version of the agreement and every amendment: who proposed, signed or refused what and when, lapsed and pending ones.")
            .Produces<AgreementHistory>();

        agreement.MapGet("/limits", LimitsAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("The caller's own party under each daily limit that binds it: how many of its operations count against the limit on a UTC day (?day=YYYY-MM-DD, default today).")
            .Produces<LimitsToday>().ProducesProblem(400);

        agreement.MapGet("/amendments/{id}", GetAmendmentAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("One amendment, in any state (ETag: its revision).")
            .Produces<AmendmentView>().ProducesProblem(404);

        agreement.MapPost("/amendments", ProposeAsync).RequireRole(Roles.Approver).RequireSignature()
            .WithSummary("Propose an amendment (a member's approver): {\"reason\",\"signing_deadline\",\"effective\":\"on_signature\"|time, and add_terms, replace_terms, remove_terms, rules, separation, concurrence_deadline_minutes, probing_budget}. A signatory's proposal is its signature.")
            .Accepts<JsonElement>("application/json")
            .Produces<AmendmentView>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);

        agreement.MapPost("/amendments/{id}/signatures", SignAsync).RequireRole(Roles.Approver).RequireSignature()
            .WithSummary("Sign an amendment (a signatory's approver; body {}): the last signature brings it into force, at once or at its effective time.")
            .Accepts<JsonElement>("application/json")
            .Produces<AmendmentView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(412);

        agreement.MapPost("/amendments/{id}/refusals", RefuseAsync).RequireRole(Roles.Approver).RequireSignature()
            .WithSummary("Refuse an amendment (a signatory's approver; body {\"reason\":…}): it lapses.")
            .Accepts<JsonElement>("application/json")
            .Produces<AmendmentView>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(412);
    }

    private static async Task<IResult> GetAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var inForce = await registry.ReadAsync(new AgreementId(agreement), theater => theater.Agreement, ct);
        http.Response.Headers.ETag = ApiSupport.ETag(inForce.Version);
        return ApiSupport.Json(ApiSupport.ToElement(AgreementWriter.ToJson(inForce)));
    }

    private static async Task<IResult> LimitsAsync(string agreement, string? day, HttpContext http, [FromServices] TheaterRegistry registry, [FromServices] TimeProvider time, CancellationToken ct)
    {
        var caller = http.GetCaller();
        DateOnly date = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (day is not null && !DateOnly.TryParseExact(day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out date))
        {
            return Problems.Invalid(new InputRejectedException(new InputError(null, "day", "a UTC date, YYYY-MM-DD")));
        }

        var used = await registry.ReadAsync(new AgreementId(agreement), theater => Parley.Core.Terms.TermChecks.LimitsUsed(theater, caller.Party, date.DayNumber), ct);
        return ApiSupport.Json(new LimitsToday(caller.Party.Value, date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            [.. used.Select(u => new LimitUsedView(u.Term.Id, u.Term.Name, u.Term.MaxPerDay, u.Count))]));
    }

    private static async Task<IResult> HistoryAsync(string agreement, [FromServices] TheaterRegistry registry, CancellationToken ct) =>
        ApiSupport.Json(await registry.ReadAsync(new AgreementId(agreement), History, ct));

    private static async Task<IResult> GetAmendmentAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var found = await registry.ReadAsync(new AgreementId(agreement), theater => theater.Amendments.Find(id), ct);
        if (found is null)
        {
            return Problems.NotFound($"no amendment '{Problems.Clip(id)}'");
        }

        http.Response.Headers.ETag = ApiSupport.ETag(found.Revision);
        return ApiSupport.Json(View(found));
    }

    private static async Task<IResult> ProposeAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        string proposal = await ReadTextAsync(http, ct);
        string amendments = $"{http.Request.PathBase}/v1/agreements/{agreement}/agreement/amendments/";
        return await PartyWrites.RunAsync(http, registry, agreement, (theater, now) =>
        {
            var (decision, amendment) = Lifecycle.Propose(theater, caller.Party, proposal, now);
            return new WriteOutcome(decision, ApiSupport.Answer(View(amendment), StatusCodes.Status201Created, amendment.Revision, amendments + amendment.Id));
        }, ct);
    }

    private static async Task<IResult> SignAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        using (var body = await ApiSupport.ReadJsonAsync(http.Request, ct))
        {
            if (body.RootElement.ValueKind != JsonValueKind.Object || body.RootElement.EnumerateObject().Any())
            {
                throw new InputRejectedException(new InputError(null, "$", "a signature's body is the empty object {}: the signed request is the signature"));
            }
        }

        var ifMatch = IfMatch.Of(http.Request);
        return await PartyWrites.RunAsync(http, registry, agreement, (theater, now) =>
        {
            if (Current(theater, id, ifMatch) is { } refusal)
            {
                return WriteOutcome.Refused(refusal);
            }

            var (decision, amendment) = Lifecycle.Sign(theater, id, caller.Party, now);
            return new WriteOutcome(decision, ApiSupport.Answer(View(amendment), version: amendment.Revision));
        }, ct);
    }

    private static async Task<IResult> RefuseAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry, CancellationToken ct)
    {
        var caller = http.GetCaller();
        string reason;
        using (var body = await ApiSupport.ReadJsonAsync(http.Request, ct))
        {
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.EnumerateObject().Any(p => p.Name != "reason"))
            {
                throw new InputRejectedException(new InputError(null, "$", "a refusal's body is {\"reason\": …} and nothing else"));
            }

            reason = root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "";
        }

        var ifMatch = IfMatch.Of(http.Request);
        return await PartyWrites.RunAsync(http, registry, agreement, (theater, now) =>
        {
            if (Current(theater, id, ifMatch) is { } refusal)
            {
                return WriteOutcome.Refused(refusal);
            }

            var (decision, amendment) = Lifecycle.RefuseAmendment(theater, id, caller.Party, reason, now);
            return new WriteOutcome(decision, ApiSupport.Answer(View(amendment), version: amendment.Revision));
        }, ct);
    }

    /// <summary>A refusal unless the amendment exists and If-Match, when given, names its revision.</summary>
    private static IResult? Current(Theater theater, string id, IfMatch ifMatch) =>
        theater.Amendments.Find(id) is { } amendment ? ifMatch.Check(amendment.Revision) : Problems.NotFound($"no amendment '{Problems.Clip(id)}'");

    /// <summary>The request body as UTF-8 text (as verified by the signature), declared as JSON.</summary>
    private static async Task<string> ReadTextAsync(HttpContext http, CancellationToken ct)
    {
        using var body = await ApiSupport.ReadJsonAsync(http.Request, ct);
        return body.RootElement.GetRawText();
    }

    /// <summary>An amendment as every party of the agreement sees it.</summary>
    public static AmendmentView View(Amendment a) => new(
        a.Id, AmendmentStates.Name(a.State), a.Proposer.Value, a.Reason, a.BaseVersion, a.Version,
        FeatureWriter.Time(a.Proposed), FeatureWriter.Time(a.SigningDeadline), a.Effective is { } e ? FeatureWriter.Time(e) : "on_signature",
        [.. a.Signatories.Select(p => p.Value)],
        [.. a.Signatures.Select(s => new SignatureView(s.Party.Value, FeatureWriter.Time(s.Signed)))],
        [.. a.Signatories.Where(p => !a.IsSignedBy(p)).Select(p => p.Value)],
        a.Closed is { } closed ? FeatureWriter.Time(closed) : null, a.RefusedBy?.Value, a.LapseReason, a.Revision,
        ApiSupport.ToElement(a.Changes));

    /// <summary>Every version: the agreement's text, then each amendment in force in order; and every amendment.</summary>
    private static AgreementHistory History(Theater theater)
    {
        var all = theater.Amendments.All.ToList();
        var inForce = all.Where(a => a.State == AmendmentState.InForce).OrderBy(a => a.Version).ToList();
        int first = inForce.Count > 0 ? inForce[0].BaseVersion : theater.Agreement.Version;
        var versions = new List<VersionView> { new(first, null, null, []) };
        versions.AddRange(inForce.Select(a => new VersionView(a.Version, a.Id, a.Closed is { } c ? FeatureWriter.Time(c) : null,
            [.. a.Signatures.Select(s => new SignatureView(s.Party.Value, FeatureWriter.Time(s.Signed)))])));
        return new AgreementHistory(theater.Agreement.Id.Value, theater.Agreement.Version, versions, [.. all.Select(View)]);
    }
}
