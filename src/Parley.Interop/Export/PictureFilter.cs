using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Interop.Export;

/// <summary>
/// Which items of a picture to export: an area (a box that the footprint's covering box meets), a time window the item's
/// window overlaps, kinds, owners and operation states (each empty: any), and which layers.
/// </summary>
public sealed record PictureFilter
{
    /// <summary>Everything.</summary>
    public static PictureFilter All { get; } = new();

    /// <summary>West, south, east, north in degrees; null: anywhere.</summary>
    public GeoBox? Area { get; init; }

    /// <summary>Start of the window of interest (included); null: from the beginning.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>End of the window of interest (excluded); null: open-ended.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Zone kinds and operation kinds; empty: any.</summary>
    public IReadOnlySet<string> Kinds { get; init; } = new HashSet<string>();

    /// <summary>Owners; empty: any.</summary>
    public IReadOnlySet<string> Owners { get; init; } = new HashSet<string>();

    /// <summary>Operation states (wire names); empty: any.</summary>
    public IReadOnlySet<string> States { get; init; } = new HashSet<string>();

    /// <summary>Whether zones are exported.</summary>
    public bool Zones { get; init; } = true;

    /// <summary>Whether operations are exported.</summary>
    public bool Operations { get; init; } = true;

    /// <summary>Whether the disclosed cells of conflicts with hidden items are exported.</summary>
    public bool Conflicts { get; init; } = true;

    /// <summary>Whether a zone passes.</summary>
    public bool Matches(Zone zone) =>
        Zones && Common(zone, ZoneKinds.Name(zone.Kind)) && States.Count == 0;

    /// <summary>Whether an operation passes.</summary>
    public bool Matches(Operation operation) =>
        Operations && Common(operation, operation.Kind) && (States.Count == 0 || States.Contains(OperationStates.Name(operation.State)));

    private bool Common(Declaration d, string kind)
    {
        if (Kinds.Count > 0 && !Kinds.Contains(kind))
        {
            return false;
        }

        if (Owners.Count > 0 && !Owners.Contains(d.Owner.Value))
        {
            return false;
        }

        var time = d.Volume.Time;
        if ((From is { } from && time.EndTicks <= from.UtcTicks) || (Until is { } until && time.StartTicks >= until.UtcTicks))
        {
            return false;
        }

        if (Area is { } area)
        {
            var boxes = d.Volume.Footprint.CoveringBoxes();
            return boxes.First.Intersects(area) || (boxes.Second is { } second && second.Intersects(area));
        }

        return true;
    }
}
