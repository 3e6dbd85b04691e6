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
/// <param name="Type"><c>zone</c> or <c>operation</c>.</param>
/// <param name="Owner">The party that owns what was conflicted with.</param>
/// <param name="Kind">The zone kind or operation kind conflicted with.</param>
/// <param name="Id">The zone or operation id; null when redacted.</param>
/// <param name="Handle">An opaque handle, stable for this requester and unlinkable across requesters; set when redacted.</param>
/// <param name="Area">The coarse cell containing the conflict; set when redacted.</param>
/// <param name="Name">The zone or operation name, when visible.</param>
public sealed record ConflictView(
    string Operation, string Type, string Owner, string Kind, string? Id, string? Handle, CoarseCell? Area, string? Name)
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
            return new ConflictView(conflict.Operation.Id.Value, type, target.Owner.Value, kind, conflict.TargetId, null, null, target.Name);
        }

        var (lon, lat) = Witness(conflict.Operation.Volume.Footprint, target.Volume.Footprint);
        return new ConflictView(conflict.Operation.Id.Value, type, target.Owner.Value, kind, null,
            Handle(requester, type, conflict.TargetId), Cell(lon, lat, agreement.DisclosureResolutionMetres), null);
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
        const double MetresPerDegree = 111_320;
        double dLat = resolutionMetres / MetresPerDegree;
        int rows = (int)Math.Ceiling(180 / dLat);
        dLat = 180.0 / rows;
        int row = Math.Min(rows - 1, (int)Math.Floor((lat + 90) / dLat));
        double south = -90 + (row * dLat), north = south + dLat;
        double middle = Math.Min(89.9, Math.Abs((south + north) / 2));
        double dLon = resolutionMetres / (MetresPerDegree * Math.Cos(middle * Math.PI / 180));
        int columns = Math.Max(1, (int)Math.Floor(360 / Math.Min(360, dLon)));
        dLon = 360.0 / columns;
        int column = Math.Min(columns - 1, (int)Math.Floor((lon + 180) / dLon));
        double west = -180 + (column * dLon);
        return new CoarseCell(Math.Round(west, 6), Math.Round(south, 6), Math.Round(west + dLon, 6), Math.Round(north, 6), resolutionMetres);
    }

    /// <summary>A point where the two footprints meet (or come closest): a vertex of one lying in the other, else the operation's first vertex.</summary>
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
