using System.Security.Cryptography;
using System.Text;
using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>A coarse square-ish cell of the disclosure grid, in lon/lat.</summary>
public sealed record CoarseCell(double West, double South, double East, double North, double ResolutionMetres);

/// <summary>What a requester is told about one conflict.</summary>
/// <param name="Operation">The requester's operation.</param>
/// <param name="Type"><c>zone</c>, <c>operation</c> or <c>term</c>.</param>
/// <param name="Owner">The party that owns what was conflicted with (none for a term: it is the agreement's).</param>
/// <param name="Kind">The zone kind or operation kind conflicted with, or the term's type.</param>
/// <param name="Id">The zone, operation or term id; null when redacted.</param>
/// <param name="Handle">An opaque handle, stable for this requester and unlinkable across requesters; set when redacted.</param>
/// <param name="Area">The coarse cell containing the conflict; set when redacted.</param>
/// <param name="Name">The zone or operation name, when visible.</param>
/// <param name="Exact">
/// For the owner of the zone only: whether the exact volumes overlap (a conflict with a zone its requester
/// may not see is decided on disclosure cells and slots, so it may be reported without an exact overlap).
/// </param>
/// <param name="Term">For a breach of a term (type <c>term</c>): the term's id; terms are visible to every party.</param>
/// <param name="Reason">For a breach of a term: why, in a plain sentence.</param>
/// <param name="OnBreach">For a breach of a term: what the term says a breach gets, <c>refuse</c> or <c>concurrence</c>.</param>
public sealed record ConflictView(
    string Operation, string Type, string? Owner, string Kind, string? Id, string? Handle, CoarseCell? Area, string? Name, bool? Exact = null,
    string? Term = null, string? Reason = null, string? OnBreach = null)
{
    /// <summary>Whether details were withheld.</summary>
    public bool Redacted => Id is null;
}

/// <summary>
/// Parley's disclosure policy: a requester sees a zone or operation in full only if it may see it
/// (owner, shared with it, or public); otherwise it learns the owner, the kind, an opaque handle and the
/// coarse cell of the conflict at the agreement's disclosure resolution — never geometry, name,
/// altitude or exact time.
/// </summary>
/// <remarks>
/// The cell reported for a hidden zone is the southernmost, then westernmost, cell of the disclosure grid that
/// both footprints touch: a function of the two covers alone, never a vertex of the zone.
/// </remarks>
[Mutable("keeps the center secret array it is given, not a copy, to derive handles from")]
public sealed class Disclosure(byte[] centerSecret)
{
    private readonly byte[] _secret = centerSecret;

    /// <summary>The view of <paramref name="conflict"/> that <paramref name="requester"/> may have.</summary>
    public ConflictView View(Conflict conflict, PartyId requester, Agreement agreement)
    {
        Declaration target = (Declaration?)conflict.Zone ?? conflict.OtherOperation!;
        string type = conflict.Zone is not null ? "zone" : "operation";
        string kind = conflict.Zone is { } z ? ZoneKinds.Name(z.Kind) : conflict.OtherOperation!.Kind;
        if (target.IsVisibleTo(requester))
        {
            bool? exact = conflict.Zone is not null && target.Owner == requester ? conflict.Exact : null;
            return new ConflictView(conflict.Operation.Id.Value, type, target.Owner.Value, kind, conflict.TargetId, null, null, target.Name, exact);
        }

        var grid = new DisclosureGrid(agreement.DisclosureResolutionMetres);
        CoarseCell area;
        if (conflict.Zone is not null && grid.FirstSharedCell(conflict.Operation.Volume.Footprint, target.Volume.Footprint) is { } shared)
        {
            area = grid.Area(shared);
        }
        else
        {
            var (lon, lat) = Witness(conflict.Operation.Volume.Footprint, target.Volume.Footprint);
            area = grid.Area(grid.CellAt(lon, lat));
        }

        return new ConflictView(conflict.Operation.Id.Value, type, target.Owner.Value, kind, null,
            Handle(requester, type, conflict.TargetId), area, null);
    }

    /// <summary>The disclosure cell of a point where two footprints meet (or come closest).</summary>
    public static CoarseCell MeetingCell(Shape a, Shape b, Agreement agreement)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        var (lon, lat) = Witness(a, b);
        return Cell(lon, lat, agreement.DisclosureResolutionMetres);
    }

    /// <summary>An opaque handle for a zone or operation, stable per requester, unlinkable across requesters.</summary>
    public string Handle(PartyId requester, string type, string targetId)
    {
        var mac = HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes($"{requester.Value}\n{type}\n{targetId}"));
        return "h-" + Convert.ToHexStringLower(mac, 0, 12);
    }

    /// <summary>The disclosure cell containing a point: rows of <paramref name="resolutionMetres"/> of latitude, columns of as many metres at the row's middle.</summary>
    public static CoarseCell Cell(double lon, double lat, double resolutionMetres)
    {
        var grid = new DisclosureGrid(resolutionMetres);
        return grid.Area(grid.CellAt(lon, lat));
    }

    /// <summary>
    /// For a separation conflict: a point where the two footprints meet, a vertex of one lying in the other,
    /// else the operation's first vertex (operations within the separation minima need not overlap).
    /// </summary>
    private static (double Lon, double Lat) Witness(Shape operation, Shape target)
    {
        foreach (var (x, y) in Vertices(operation))
        {
            if (ShapeRelations.WithinDistance(Shape.Circle(x, y, 0), target))
            {
                return (x, y);
            }
        }

        foreach (var (x, y) in Vertices(target))
        {
            if (ShapeRelations.WithinDistance(Shape.Circle(x, y, 0), operation))
            {
                return (x, y);
            }
        }

        return (operation.Paths[0][0], operation.Paths[0][1]);
    }

    private static IEnumerable<(double, double)> Vertices(Shape shape)
    {
        foreach (var path in shape.Paths)
        {
            for (int i = 0; i + 1 < path.Length; i += 2)
            {
                yield return (path[i], path[i + 1]);
            }
        }
    }
}
