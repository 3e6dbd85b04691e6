using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Parley.Core;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Incidents;
using Parley.Core.Model;
using Parley.Core.Workflow;
using Parley.Server.Http;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Writes;

namespace Parley.Server.Api;

/// <summary>
/// Incidents: reported by members and monitors, correlated with notified sites, declarations and terms, answered by the
/// parties they name (a violation candidate until its party admits it; silence stays silence), graded by the monitors and
/// the administrator. Every report, reply and grade is a signed write and a ledger entry.
/// </summary>
internal static class IncidentsApi
{
    private static readonly AltitudeBand AnyAltitude = new(double.NegativeInfinity, double.PositiveInfinity);

    public static void Map(RouteGroupBuilder agreements)
    {
        var incidents = agreements.MapGroup("/incidents").WithTags("Incidents").WithDomainErrors();

        incidents.MapPost("/", ReportAsync).RequireRole(Roles.Operator, Roles.Monitor).RequireSignature()
            .WithSummary("Report an incident (one Feature: kind, the place with its uncertainty, the time, suspected parties, sources). " +
                         "Answered with the incident as the reporter may see it; a site hidden from the reporter counts against its probing budget.")
            .Accepts<JsonElement>("application/geo+json", "application/json")
            .Produces<IncidentResponse>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(409).ProducesProblem(429);

        incidents.MapGet("/", ListAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("The incidents the caller may see, oldest report first (suspected=PARTY, reporter=PARTY, awaiting=true for those awaiting the caller's reply).")
            .Produces<IncidentList>().ProducesProblem(400);

        incidents.MapGet("/{id}", GetAsync).RequireRole(Roles.All.ToArray())
            .WithSummary("One incident with its correlation, replies, grades and silences, as the caller may see it.")
            .Produces<IncidentResponse>().ProducesProblem(404);

        incidents.MapPost("/{id}/replies", ReplyAsync).RequireRole(Roles.Operator, Roles.Approver).RequireSignature()
            .WithSummary("A suspected party's reply: {\"reply\":\"admit\"|\"deny\"|\"explain\"|\"request-information\",\"reason\":…,\"operation\":…}. " +
                         "A denial needs a reason, an explanation the party's own operation.")
            .Accepts<ReplyRequest>("application/json")
            .Produces<IncidentResponse>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(412);

        incidents.MapPost("/{id}/grades", GradeAsync).RequireRole(Roles.Monitor, Roles.Admin).RequireSignature()
            .WithSummary("A monitor's or the administrator's grade: {\"grade\":\"weak\"|\"fair\"|\"contested\"|\"discounted\",\"reason\":…}. " +
                         "Confirmed is no grade: only the suspected party's own admission confirms.")
            .Accepts<GradeRequest>("application/json")
            .Produces<IncidentResponse>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(412);
    }

    /// <summary>The viewer an incident is shown to: the center's view for the administrator, the party's own otherwise.</summary>
    public static PartyId? Viewer(Caller caller) => caller.Role == Roles.Admin ? null : caller.Party;

    /// <summary>Whether the caller may see the incident at all.</summary>
    public static bool MaySee(Incident incident, Caller caller) => caller.Role == Roles.Admin || incident.IsVisibleTo(caller.Party);

    /// <summary>The incident as <paramref name="caller"/> may see it.</summary>
    public static IncidentResponse View(Incident incident, Caller caller, Disclosure disclosure)
    {
        var viewer = Viewer(caller);
        var report = incident.Report;
        return new IncidentResponse(
            report.Id.Value, IncidentNames.Name(report.Kind), report.Reporter.Value, FeatureWriter.Time(incident.Reported),
            FeatureWriter.Time(incident.ReplyDeadline), incident.Version, ApiSupport.ToElement(IncidentWriter.ReportJson(report)),
            incident.Grade is { } grade ? IncidentNames.Name(grade) : null,
            IncidentViews.Candidates(incident),
            IncidentViews.Sites(incident, viewer, disclosure, caller.Agreement),
            IncidentViews.Declarations(incident, viewer, disclosure, caller.Agreement),
            [.. incident.Correlation.Terms.Select(t => new TermView(t.Term, t.Reason))],
            [.. incident.Replies.Select(r => new ReplyView(r.Party.Value, IncidentNames.Name(r.Kind), r.Reason, r.Operation?.Value,
                FeatureWriter.Time(r.At), r.At >= incident.ReplyDeadline))],
            [.. incident.Grades.Select(g => new GradeView(g.By.Value, IncidentNames.Name(g.Grade), g.Reason, FeatureWriter.Time(g.At)))],
            [.. incident.Silences.Select(s => new SilenceView(s.Party.Value, FeatureWriter.Time(s.Recorded)))],
            report.Area.Kind == ShapeKind.Polygonal ? null : report.Area.BufferMetres);
    }

    private static async Task<IResult> ReportAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        IncidentReport report;
        using (var body = await ApiSupport.ReadJsonAsync(http.Request, ct))
        {
            report = IncidentReader.Read(body.RootElement, caller.Agreement, caller.Party);
        }

        // The report's area and window, asked about like a check: what it is told of sites hidden from the reporter counts
        // against the reporter's probing budget and shows in their owners' probing reports.
        var probe = new Operation
        {
            Id = new OperationId("incident " + report.Id.Value), Owner = caller.Party, Kind = "incident",
            Volume = new Volume(report.Area, AnyAltitude, report.Window),
        };
        string location = $"{http.Request.PathBase}/v1/agreements/{agreement}/incidents/{Uri.EscapeDataString(report.Id.Value)}";
        return await PartyWrites.ProbeAsync(http, registry, agreement, probe, (theater, now) =>
        {
            var (decision, incident) = IncidentLifecycle.Report(theater, report, now);
            var touched = IncidentViews.HiddenFrom(incident.Correlation, caller.Party)
                .Select(theater.FindZone).OfType<Zone>().Select(zone => Conflict.WithZone(probe, zone)).ToList();
            return new WriteOutcome(decision, ApiSupport.Answer(View(incident, caller, disclosure), StatusCodes.Status201Created, incident.Version, location), touched);
        }, retries: true, ct);
    }

    private static async Task<IResult> ListAsync(string agreement, HttpContext http, [FromServices] TheaterRegistry registry, [FromServices] Disclosure disclosure,
        [FromQuery] string? suspected, [FromQuery] string? reporter, [FromQuery] string? awaiting, CancellationToken ct)
    {
        var caller = http.GetCaller();
        bool? onlyAwaiting = awaiting switch
        {
            null => null,
            "true" => true,
            "false" => false,
            _ => throw new InputRejectedException(new InputError(null, "awaiting", "true or false")),
        };
        var incidents = await registry.ReadAsync(new AgreementId(agreement), theater => theater.Incidents.All
            .Where(i => MaySee(i, caller))
            .Where(i => suspected is null || i.Suspects(new PartyId(suspected)))
            .Where(i => reporter is null || i.Report.Reporter.Value == reporter)
            .Where(i => onlyAwaiting is null || i.Awaiting.Contains(caller.Party) == onlyAwaiting)
            .OrderBy(i => i.Reported).ThenBy(i => i.Id.Value, StringComparer.Ordinal)
            .Select(i => View(i, caller, disclosure)).ToList(), ct);
        return ApiSupport.Json(new IncidentList(incidents));
    }

    private static async Task<IResult> GetAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var found = await registry.ReadAsync(new AgreementId(agreement), theater =>
            theater.Incidents.Find(new IncidentId(id)) is { } incident && MaySee(incident, caller) ? View(incident, caller, disclosure) : null, ct);
        if (found is null)
        {
            return NotFound(id);
        }

        http.Response.Headers.ETag = ApiSupport.ETag(found.Version);
        return ApiSupport.Json(found);
    }

    private static async Task<IResult> ReplyAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var (kind, reason, operation) = await ReadReplyAsync(http, ct);
        var ifMatch = IfMatch.Of(http.Request);
        return await PartyWrites.RunAsync(http, registry, agreement, (theater, now) =>
        {
            if (Current(theater, id, caller, ifMatch) is (null, var refusal))
            {
                return WriteOutcome.Refused(refusal!);
            }

            var (decision, replied) = IncidentLifecycle.Reply(theater, theater.Incidents.Find(new IncidentId(id))!, caller.Party, kind, reason, operation, now);
            return new WriteOutcome(decision, ApiSupport.Answer(View(replied, caller, disclosure), StatusCodes.Status201Created, replied.Version));
        }, ct);
    }

    private static async Task<IResult> GradeAsync(string agreement, string id, HttpContext http, [FromServices] TheaterRegistry registry,
        [FromServices] Disclosure disclosure, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var (grade, reason) = await ReadGradeAsync(http, ct);
        var ifMatch = IfMatch.Of(http.Request);
        return await PartyWrites.RunAsync(http, registry, agreement, (theater, now) =>
        {
            if (Current(theater, id, caller, ifMatch) is (null, var refusal))
            {
                return WriteOutcome.Refused(refusal!);
            }

            var (decision, graded) = IncidentLifecycle.Grade(theater, theater.Incidents.Find(new IncidentId(id))!, caller.Party, grade, reason, now);
            return new WriteOutcome(decision, ApiSupport.Answer(View(graded, caller, disclosure), StatusCodes.Status201Created, graded.Version));
        }, ct);
    }

    /// <summary>The incident the caller may see, or the refusal: 404 when it may not, 412 when If-Match names another version.</summary>
    private static (Incident? Incident, IResult? Refusal) Current(Theater theater, string id, Caller caller, IfMatch ifMatch)
    {
        var incident = theater.Incidents.Find(new IncidentId(id));
        if (incident is null || !MaySee(incident, caller))
        {
            return (null, NotFound(id));
        }

        return ifMatch.Check(incident.Version) is { } stale ? (null, stale) : (incident, null);
    }

    private static IResult NotFound(string id) => Problems.NotFound($"no incident '{Problems.Clip(id)}' that you may see");

    private static async Task<(ReplyKind Kind, string? Reason, OperationId? Operation)> ReadReplyAsync(HttpContext http, CancellationToken ct)
    {
        using var body = await ApiSupport.ReadJsonAsync(http.Request, ct);
        var root = Object(body.RootElement, "{\"reply\":\"admit\"|\"deny\"|\"explain\"|\"request-information\",\"reason\":…,\"operation\":…}");
        Known(root, ["reply", "reason", "operation"]);
        string? text = root.TryGetProperty("reply", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (!IncidentNames.TryParse(text, out ReplyKind kind))
        {
            throw new InputRejectedException(new InputError(null, "reply", $"required: one of {string.Join(", ", IncidentNames.Replies)}"));
        }

        string? operation = OptionalText(root, "operation", 128);
        return (kind, OptionalText(root, "reason", 2000), operation is null ? null : new OperationId(operation));
    }

    private static async Task<(IncidentGrade Grade, string? Reason)> ReadGradeAsync(HttpContext http, CancellationToken ct)
    {
        using var body = await ApiSupport.ReadJsonAsync(http.Request, ct);
        var root = Object(body.RootElement, "{\"grade\":\"weak\"|\"fair\"|\"contested\"|\"discounted\",\"reason\":…}");
        Known(root, ["grade", "reason"]);
        string? text = root.TryGetProperty("grade", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
        if (text == "confirmed")
        {
            throw new InputRejectedException(new InputError(null, "grade",
                "confirmed is not a grade: an incident is confirmed only by the suspected party's own admission (weak, fair, contested, discounted)"));
        }

        if (!IncidentNames.TryParse(text, out IncidentGrade grade))
        {
            throw new InputRejectedException(new InputError(null, "grade", $"required: one of {string.Join(", ", IncidentNames.Grades)}"));
        }

        return (grade, OptionalText(root, "reason", 2000));
    }

    private static JsonElement Object(JsonElement root, string shape) =>
        root.ValueKind == JsonValueKind.Object ? root : throw new InputRejectedException(new InputError(null, "$", "an object: " + shape));

    private static void Known(JsonElement root, string[] fields)
    {
        foreach (var property in root.EnumerateObject().Where(p => !fields.Contains(p.Name)))
        {
            throw new InputRejectedException(new InputError(null, Problems.Clip(property.Name), $"unknown field ({string.Join(", ", fields)})"));
        }
    }

    private static string? OptionalText(JsonElement root, string field, int max)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString()!.Length > max)
        {
            throw new InputRejectedException(new InputError(null, field, $"must be a string of at most {max:N0} characters"));
        }

        return value.GetString();
    }
}
