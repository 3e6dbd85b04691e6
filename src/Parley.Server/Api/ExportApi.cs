using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Parley.Core;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Interop.Export;
using Parley.Server.Security;
using Parley.Server.Theaters;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>
/// The caller's picture in the formats operators' tools read: KML for Google Earth, GeoJSON that Parley re-imports. Only
/// what the caller may see; its conflicts with hidden items as their disclosed cells.
/// </summary>
internal static class ExportApi
{
    public static void Map(RouteGroupBuilder agreements)
    {
        var export = agreements.MapGroup("").WithTags("Export").WithDomainErrors();
        export.MapGet("/export.kml", (string agreement, HttpContext http, TheaterRegistry registry, Disclosure disclosure, TimeProvider time,
                [FromQuery] string? bbox, [FromQuery] string? start, [FromQuery] string? end, [FromQuery] string? kind, [FromQuery] string? owner,
                [FromQuery] string? state, [FromQuery] string? include, CancellationToken ct) =>
                ExportAsync(agreement, http, registry, disclosure, time, Filter(bbox, start, end, kind, owner, state, include), KmlWriter.ToBytes, KmlWriter.MediaType, "kml", ct))
            .RequireRole(Roles.All.ToArray())
            .WithSummary("The zones and operations the caller may see, and its conflicts with hidden items as disclosed cells, as OGC KML 2.2.")
            .Produces(StatusCodes.Status200OK, contentType: KmlWriter.MediaType).ProducesProblem(400);
        export.MapGet("/export.geojson", (string agreement, HttpContext http, TheaterRegistry registry, Disclosure disclosure, TimeProvider time,
                [FromQuery] string? bbox, [FromQuery] string? start, [FromQuery] string? end, [FromQuery] string? kind, [FromQuery] string? owner,
                [FromQuery] string? state, [FromQuery] string? include, CancellationToken ct) =>
                ExportAsync(agreement, http, registry, disclosure, time, Filter(bbox, start, end, kind, owner, state, include), GeoJsonExport.ToBytes, GeoJsonExport.MediaType, "geojson", ct))
            .RequireRole(Roles.All.ToArray())
            .WithSummary("The same picture as one GeoJSON FeatureCollection that Parley re-imports unchanged (conflict cells in 'conflict_cells').")
            .Produces(StatusCodes.Status200OK, contentType: GeoJsonExport.MediaType).ProducesProblem(400);
    }

    private static async Task<IResult> ExportAsync(string agreement, HttpContext http, TheaterRegistry registry, Disclosure disclosure, TimeProvider time,
        PictureFilter filter, Func<Picture, byte[]> write, string mediaType, string extension, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var now = time.GetUtcNow();
        var picture = await registry.ReadAsync(new AgreementId(agreement), theater => PictureReads.Take(theater, caller.Party, disclosure, filter, now), ct);
        return TypedResults.File(write(picture), mediaType, $"{agreement}-{caller.Party}.{extension}");
    }

    /// <summary>The filter the query asks for; a bad value is refused naming the parameter.</summary>
    internal static PictureFilter Filter(string? bbox, string? start, string? end, string? kind, string? owner, string? state, string? include)
    {
        var filter = PictureFilter.All;
        if (bbox is not null)
        {
            var parts = bbox.Split(',');
            var numbers = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : double.NaN).ToArray();
            if (numbers.Length != 4 || numbers.Any(double.IsNaN) || numbers[0] is < -180 or > 180 || numbers[2] is < -180 or > 180 ||
                numbers[1] is < -90 or > 90 || numbers[3] is < -90 or > 90 || numbers[0] > numbers[2] || numbers[1] > numbers[3])
            {
                throw Refused("bbox", "must be west,south,east,north in degrees (west ≤ east, south ≤ north)");
            }

            filter = filter with { Area = new GeoBox(numbers[0], numbers[1], numbers[2], numbers[3]) };
        }

        filter = filter with { From = Time(start, "start"), Until = Time(end, "end") };
        if (filter.From is { } f && filter.Until is { } u && u <= f)
        {
            throw Refused("end", "must be after start");
        }

        filter = filter with { Kinds = List(kind), Owners = List(owner), States = List(state) };
        foreach (var s in filter.States)
        {
            try
            {
                OperationStates.Parse(s);
            }
            catch (ArgumentException)
            {
                throw Refused("state", $"unknown operation state '{Problems.Clip(s)}' (proposed, accepted, awaiting-concurrence, concurred, refused, expired, active, completed, cancelled)");
            }
        }

        if (!string.IsNullOrWhiteSpace(include))
        {
            var layers = List(include);
            if (layers.Count == 0 || layers.Any(l => l is not ("zones" or "operations" or "conflicts")))
            {
                throw Refused("include", "must list zones, operations and/or conflicts, comma-separated");
            }

            filter = filter with { Zones = layers.Contains("zones"), Operations = layers.Contains("operations"), Conflicts = layers.Contains("conflicts") };
        }

        return filter;
    }

    private static DateTimeOffset? Time(string? text, string field)
    {
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) &&
            (text.EndsWith('Z') || text.Length > 6 && text[^6] is '+' or '-')
            ? t.ToUniversalTime()
            : throw Refused(field, "must be an RFC 3339 time with a zone offset, such as 2026-05-01T06:00:00Z");
    }

    private static HashSet<string> List(string? text) =>
        text is null ? [] : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static InputRejectedException Refused(string field, string message) => new(new InputError(null, field, message));
}
