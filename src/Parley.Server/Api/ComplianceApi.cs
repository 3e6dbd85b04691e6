using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Parley.Core;
using Parley.Core.Model;
using Parley.Ledger.Entries.Compliance;
using Parley.Server.Compliance;
using Parley.Server.Security;

namespace Parley.Server.Api;

/// <summary>
/// Compliance figures: per party and period, each with its denominator and pending count, computed from the ledger as the
/// caller may open it — the same document a party recomputes with <c>parley report compliance --ledger</c>.
/// </summary>
internal static class ComplianceApi
{
    public static void Map(RouteGroupBuilder agreements)
    {
        agreements.MapGet("/compliance", ReportAsync).WithTags("Compliance").WithDomainErrors().RequireRole(Roles.All.ToArray())
            .WithSummary("Compliance figures per party and period (period=day|week, from and to: dates or RFC 3339 times, whole periods), " +
                         "computed from the ledger items the caller may open (every one for the administrator); see docs/compliance.md.")
            .Produces<JsonElement>(contentType: "application/json").ProducesProblem(400);
    }

    private static async Task<IResult> ReportAsync(string agreement, HttpContext http, [FromServices] ComplianceBooks books,
        [FromQuery] string? period, [FromQuery] string? from, [FromQuery] string? to, CancellationToken ct)
    {
        var caller = http.GetCaller();
        if (!ComplianceReport.TryParsePeriod(period ?? "day", out var length))
        {
            throw new InputRejectedException(new InputError(null, "period", "day or week"));
        }

        DateTimeOffset? start = Bound(from, "from"), end = Bound(to, "to");
        var admits = caller.Role == Roles.Admin ? ComplianceReport.Everything : ComplianceReport.OpenableBy(caller.Party);
        var document = await books.ReportAsync(new AgreementId(agreement), length, start, end, admits, ct);
        return Results.Bytes(document, "application/json; charset=utf-8");
    }

    private static DateTimeOffset? Bound(string? text, string field) =>
        text is null ? null
        : ComplianceReport.TryParseBound(text, out var bound) ? bound
        : throw new InputRejectedException(new InputError(null, field, "a date such as 2026-12-07 or an RFC 3339 time with a zone offset"));
}
