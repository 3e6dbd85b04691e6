using System.Buffers;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Parley.Core;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Server.Http;

namespace Parley.Server.Api;

/// <summary>One page of a listing: a GeoJSON FeatureCollection and, when more follow, the cursor of the next page.</summary>
public sealed record FeaturePage(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("features")] IReadOnlyList<JsonElement> Features,
    [property: JsonPropertyName("next")] string? Next);

/// <summary>The filters and paging of <c>GET …/zones</c>.</summary>
public sealed record ZoneListQuery
{
    /// <summary>West, south, east, north in degrees (WGS 84).</summary>
    [FromQuery(Name = "bbox"), Description("Only items whose footprint meets this box: west,south,east,north in degrees (west > east crosses the antimeridian).")]
    public string? Bbox { get; init; }

    /// <summary>Start of the time window (RFC 3339).</summary>
    [FromQuery(Name = "start"), Description("Only items active at some instant at or after this time (RFC 3339).")]
    public string? Start { get; init; }

    /// <summary>End of the time window (RFC 3339).</summary>
    [FromQuery(Name = "end"), Description("Only items active at some instant before this time (RFC 3339).")]
    public string? End { get; init; }

    /// <summary>Kinds, comma-separated.</summary>
    [FromQuery(Name = "kind"), Description("Only these kinds, comma-separated.")]
    public string? Kind { get; init; }

    /// <summary>Owners, comma-separated.</summary>
    [FromQuery(Name = "owner"), Description("Only items of these parties, comma-separated.")]
    public string? Owner { get; init; }

    /// <summary>Page size.</summary>
    [FromQuery(Name = "limit"), Description("Items per page: 1 to 10000 (default 1000).")]
    public string? Limit { get; init; }

    /// <summary>The cursor of the page to read.</summary>
    [FromQuery(Name = "cursor"), Description("The `next` of the previous page; items come in id order.")]
    public string? Cursor { get; init; }
}

/// <summary>The filters and paging of <c>GET …/operations</c>.</summary>
public sealed record OperationListQuery
{
    /// <summary>West, south, east, north in degrees (WGS 84).</summary>
    [FromQuery(Name = "bbox"), Description("Only items whose footprint meets this box: west,south,east,north in degrees (west > east crosses the antimeridian).")]
    public string? Bbox { get; init; }

    /// <summary>Start of the time window (RFC 3339).</summary>
    [FromQuery(Name = "start"), Description("Only items active at some instant at or after this time (RFC 3339).")]
    public string? Start { get; init; }

    /// <summary>End of the time window (RFC 3339).</summary>
    [FromQuery(Name = "end"), Description("Only items active at some instant before this time (RFC 3339).")]
    public string? End { get; init; }

    /// <summary>Kinds, comma-separated.</summary>
    [FromQuery(Name = "kind"), Description("Only these kinds, comma-separated.")]
    public string? Kind { get; init; }

    /// <summary>Owners, comma-separated.</summary>
    [FromQuery(Name = "owner"), Description("Only items of these parties, comma-separated.")]
    public string? Owner { get; init; }

    /// <summary>States, comma-separated.</summary>
    [FromQuery(Name = "state"), Description("Only operations in these states, comma-separated (proposed, accepted, awaiting-concurrence, concurred, refused, expired, active, completed, cancelled).")]
    public string? State { get; init; }

    /// <summary>Page size.</summary>
    [FromQuery(Name = "limit"), Description("Items per page: 1 to 10000 (default 1000).")]
    public string? Limit { get; init; }

    /// <summary>The cursor of the page to read.</summary>
    [FromQuery(Name = "cursor"), Description("The `next` of the previous page; items come in id order.")]
    public string? Cursor { get; init; }
}

/// <summary>
/// Filtered, paged listings of zones and operations. A box is answered through the theater's spatio-temporal
/// index; a page keeps only its own items (a bounded heap in id order), so that no answer ever holds more than
/// one page of a large theater.
/// </summary>
internal static class Listing
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;

    private static readonly string[] ZoneKindNames = [.. Enum.GetNames<ZoneKind>().Select(n => n.ToLowerInvariant())];

    private static readonly string[] OperationStateNames =
        [.. Enum.GetValues<OperationState>().Select(OperationStates.Name)];

    /// <summary>The filters of a listing, parsed and checked.</summary>
    public sealed record Filter(GeoBox[]? Boxes, DateTimeOffset? Start, DateTimeOffset? End, HashSet<string>? Kinds,
        HashSet<string>? Owners, HashSet<OperationState>? States, int Limit, string? After);

    public static Filter Parse(ZoneListQuery q)
    {
        var kinds = Names(q.Kind, "kind");
        foreach (var kind in kinds ?? [])
        {
            if (!ZoneKindNames.Contains(kind))
            {
                throw Bad("kind", $"'{Problems.Clip(kind)}' is not a zone kind ({string.Join(", ", ZoneKindNames)})");
            }
        }

        return Common(q.Bbox, q.Start, q.End, kinds, q.Owner, null, q.Limit, q.Cursor);
    }

    public static Filter Parse(OperationListQuery q) =>
        Common(q.Bbox, q.Start, q.End, Names(q.Kind, "kind"), q.Owner, States(q.State), q.Limit, q.Cursor);

    /// <summary>One page of the zones <paramref name="party"/> may see that pass the filter.</summary>
    public static (List<Zone> Page, string? Next) Zones(Theater theater, PartyId party, Filter filter)
    {
        bool Accept(Zone z) => z.IsVisibleTo(party) && Passes(z, filter) &&
            (filter.Kinds is null || filter.Kinds.Contains(ZoneKindNames[(int)z.Kind]));
        IEnumerable<Zone> candidates;
        if (Indexed(filter) is { } volume)
        {
            var found = new List<Zone>();
            theater.ZonesMeeting(volume, z => string.CompareOrdinal(z.Id.Value, filter.After) > 0 && Accept(z), found);
            candidates = found;
        }
        else
        {
            candidates = theater.Zones.Where(z => string.CompareOrdinal(z.Id.Value, filter.After) > 0 && Accept(z) && InBoxes(z, filter));
        }

        return Page(candidates, z => z.Id.Value, filter.Limit);
    }

    /// <summary>One page of the operations <paramref name="party"/> may see that pass the filter.</summary>
    public static (List<Operation> Page, string? Next) Operations(Theater theater, PartyId party, Filter filter)
    {
        bool Accept(Operation o) => o.IsVisibleTo(party) && Passes(o, filter) &&
            (filter.Kinds is null || filter.Kinds.Contains(o.Kind)) && (filter.States is null || filter.States.Contains(o.State));
        IEnumerable<Operation> candidates;
        if (Indexed(filter) is { } volume)
        {
            var found = new List<Operation>();
            theater.OperationsMeeting(volume, o => string.CompareOrdinal(o.Id.Value, filter.After) > 0 && Accept(o), found);
            candidates = found;
        }
        else
        {
            candidates = theater.Operations.Where(o => string.CompareOrdinal(o.Id.Value, filter.After) > 0 && Accept(o) && InBoxes(o, filter));
        }

        return Page(candidates, o => o.Id.Value, filter.Limit);
    }

    /// <summary>The first <paramref name="limit"/> items in id order, kept in a bounded heap, and the cursor after them when more remain.</summary>
    internal static (List<T> Page, string? Next) Page<T>(IEnumerable<T> candidates, Func<T, string> id, int limit)
    {
        // A max-heap of the limit + 1 smallest ids: the extra one tells whether a next page exists.
        var heap = new PriorityQueue<T, string>(limit + 1, Comparer<string>.Create((a, b) => string.CompareOrdinal(b, a)));
        foreach (var item in candidates)
        {
            if (heap.Count <= limit)
            {
                heap.Enqueue(item, id(item));
            }
            else if (string.CompareOrdinal(id(item), id(heap.Peek())) < 0)
            {
                heap.EnqueueDequeue(item, id(item));
            }
        }

        bool more = heap.Count > limit;
        if (more)
        {
            heap.Dequeue();
        }

        var page = new List<T>(heap.Count);
        while (heap.Count > 0)
        {
            page.Add(heap.Dequeue());
        }

        page.Reverse();
        return (page, more ? Cursor(id(page[^1])) : null);
    }

    /// <summary>
    /// The page as the wire answer (a <see cref="FeaturePage"/>), each feature written once as UTF-8 by the feature
    /// writer: a page of thousands of zones is not parsed back into JSON trees to be written again.
    /// </summary>
    public static IResult Answer(IReadOnlyList<byte[]> features, string? next) => new PageResult(features, next);

    private sealed class PageResult(IReadOnlyList<byte[]> features, string? next) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            var body = response.BodyWriter;
            body.Write("{\"type\":\"FeatureCollection\",\"features\":["u8);
            for (int i = 0; i < features.Count; i++)
            {
                if (i > 0)
                {
                    body.Write(","u8);
                }

                body.Write(features[i]);
                if (i % 256 == 255)
                {
                    await body.FlushAsync(httpContext.RequestAborted);
                }
            }

            body.Write("]"u8);
            if (next is not null)
            {
                // A cursor is base64url: nothing in it needs escaping.
                body.Write(Encoding.UTF8.GetBytes($",\"next\":\"{next}\""));
            }

            body.Write("}"u8);
            await body.FlushAsync(httpContext.RequestAborted);
        }
    }

    /// <summary>The cursor that resumes after <paramref name="id"/>: its UTF-8 in base64url.</summary>
    public static string Cursor(string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(id)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static Filter Common(string? bbox, string? start, string? end, HashSet<string>? kinds, string? owner,
        HashSet<OperationState>? states, string? limit, string? cursor)
    {
        var from = Time(start, "start");
        var to = Time(end, "end");
        if (from is { } f && to is { } t && t <= f)
        {
            throw Bad("end", "must be after start");
        }

        int pageSize = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxLimit))
        {
            throw Bad("limit", $"a whole number from 1 to {MaxLimit}");
        }

        return new Filter(Boxes(bbox), from, to, kinds, Names(owner, "owner"), states, pageSize, After(cursor));
    }

    private static GeoBox[]? Boxes(string? bbox)
    {
        if (bbox is null)
        {
            return null;
        }

        var parts = bbox.Split(',');
        var values = new double[4];
        if (parts.Length != 4 || !parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && double.IsFinite(values[i])).All(ok => ok))
        {
            throw Bad("bbox", "four numbers: west,south,east,north in degrees");
        }

        var (west, south, east, north) = (values[0], values[1], values[2], values[3]);
        if (west is < -180 or > 180 || east is < -180 or > 180)
        {
            throw Bad("bbox", "west and east must lie in [-180, 180]");
        }

        if (south is < -90 or > 90 || north is < -90 or > 90 || south > north)
        {
            throw Bad("bbox", "south and north must lie in [-90, 90], south not above north");
        }

        // West beyond east crosses the antimeridian: two boxes.
        return west <= east
            ? [new GeoBox(west, south, east, north)]
            : [new GeoBox(west, south, 180, north), new GeoBox(-180, south, east, north)];
    }

    private static DateTimeOffset? Time(string? text, string name)
    {
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) &&
            text.Contains('T', StringComparison.Ordinal)
            ? time
            : throw Bad(name, "an RFC 3339 time, e.g. 2026-12-01T08:00:00Z");
    }

    private static HashSet<string>? Names(string? list, string name)
    {
        if (list is null)
        {
            return null;
        }

        var names = list.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Length is 0 or > 128))
        {
            throw Bad(name, "a comma-separated list of names, none empty");
        }

        return [.. names];
    }

    private static HashSet<OperationState>? States(string? list)
    {
        var names = Names(list, "state");
        if (names is null)
        {
            return null;
        }

        var states = new HashSet<OperationState>();
        foreach (var name in names)
        {
            if (!OperationStateNames.Contains(name))
            {
                throw Bad("state", $"'{Problems.Clip(name)}' is not an operation state ({string.Join(", ", OperationStateNames)})");
            }

            states.Add(OperationStates.Parse(name));
        }

        return states;
    }

    private static string? After(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        try
        {
            string padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            string id = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(padded));
            return id.Length > 0 && Cursor(id) == cursor ? id : throw new FormatException();
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw Bad("cursor", "not a cursor of this listing: pass the `next` of the previous page");
        }
    }

    private static bool Passes(Declaration d, Filter filter) =>
        (filter.Owners is null || filter.Owners.Contains(d.Owner.Value)) &&
        (filter.Start is not { } start || d.Volume.Time.EndTicks > start.UtcTicks) &&
        (filter.End is not { } end || d.Volume.Time.StartTicks < end.UtcTicks);

    private static bool InBoxes(Declaration d, Filter filter)
    {
        if (filter.Boxes is null)
        {
            return true;
        }

        var covering = d.Volume.Footprint.CoveringBoxes();
        return filter.Boxes.Any(b => b.Intersects(covering.First) || (covering.Second is { } second && b.Intersects(second)));
    }

    /// <summary>
    /// The query volume for the index: the box as a polygon (whose edges are straight in longitude and latitude, as
    /// every polygon's are), every altitude, the time window. Null when the listing scans: no box, a box with no
    /// area, or one that reaches a pole (read by the footprints' bounds).
    /// </summary>
    private static Volume? Indexed(Filter filter)
    {
        if (filter.Boxes is not { } boxes || boxes.Any(b => b.MaxX <= b.MinX || b.MaxY <= b.MinY || b.MinY <= -90 || b.MaxY >= 90))
        {
            return null;
        }

        var polygons = boxes.Select(b => (IReadOnlyList<double[]>)[[b.MinX, b.MinY, b.MaxX, b.MinY, b.MaxX, b.MaxY, b.MinX, b.MaxY, b.MinX, b.MinY]]).ToList();
        var start = filter.Start ?? DateTimeOffset.UnixEpoch.AddYears(-1000);
        var window = new TimeWindow(start, filter.End is { } end && end > start ? end : null);
        return new Volume(Shape.Polygons(polygons), new AltitudeBand(-1e7, 1e7), window);
    }

    private static InputRejectedException Bad(string field, string message) => new(new InputError(null, field, message));
}
