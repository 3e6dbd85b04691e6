using System.Runtime.CompilerServices;

namespace Parley.Core.Geometry;

/// <summary>
/// An area that footprints are tested against for touching, as a suspension or a limit over an area asks at every
/// decision: <see cref="ShapeRelations.WithinDistance"/> with envelope tests first, made once per area.
/// </summary>
/// <remarks>
/// The answer is always the exact predicate's. Quick answers come first: boxes that do not meet (the exact predicate's own
/// first step, with the area's boxes made once); a footprint whose first vertex lies in a cell inside a polygonal area
/// touches it; a footprint whose covering box meets only cells outside it does not (<see cref="AreaGrid"/>, planar, used
/// only away from the antimeridian and the poles). Thread-safe: the grid is made on first use, one copy kept.
/// </remarks>
internal sealed class TouchArea
{
    private static readonly ConditionalWeakTable<Shape, TouchArea> Made = [];

    private readonly GeoBoxPair _boxes;
    private AreaGrid? _grid;
    private bool _gridMade;

    // The area's one covering box, when it has one (most areas): the first test of every touch, inlined.
    private readonly GeoBox _box;
    private readonly bool _oneBox;

    private TouchArea(Shape area)
    {
        Area = area;
        _boxes = area.CoveringBoxes();
        _box = _boxes.First;
        _oneBox = _boxes.Second is null;
    }

    /// <summary>The area.</summary>
    public Shape Area { get; }

    /// <summary>The one <see cref="TouchArea"/> of <paramref name="area"/>, made on first use.</summary>
    public static TouchArea Of(Shape area)
    {
        ArgumentNullException.ThrowIfNull(area);
        return Made.GetValue(area, a => new TouchArea(a));
    }

    /// <summary>Whether the footprint, buffer included, touches the area: <see cref="ShapeRelations.WithinDistance"/>(area, footprint).</summary>
    public bool Touches(Shape footprint) => Touches(footprint, footprint.CoveringBoxes());

    /// <summary>As <see cref="Touches(Shape)"/>, with the footprint's covering boxes made by the caller (once for many areas).</summary>
    public bool Touches(Shape footprint, in GeoBoxPair footprintBoxes)
    {
        if (_oneBox && footprintBoxes.Second is null && !_box.Intersects(footprintBoxes.First))
        {
            return false; // most footprints lie away from most areas
        }

        ArgumentNullException.ThrowIfNull(footprint);
        return Quick(footprint, footprintBoxes) ?? ExactAfterBoxes(footprint);
    }

    /// <summary>The quick answer, or null when only the exact geometry can tell.</summary>
    internal bool? Quick(Shape footprint, in GeoBoxPair footprintBoxes)
    {
        if (!_boxes.Intersects(footprintBoxes))
        {
            return false;
        }

        if (Grid() is not { } grid)
        {
            return null;
        }

        var first = footprint.PathArray[0];
        if (grid.Inside(first[0], first[1]))
        {
            return true;
        }

        if (footprintBoxes.Second is null && grid.Outside(footprintBoxes.First))
        {
            return false;
        }

        return null;
    }

    private bool ExactAfterBoxes(Shape footprint)
    {
        if (ShapeRelations.BaseIntersects(Area, footprint))
        {
            return true;
        }

        double reach = Area.BufferMetres + footprint.BufferMetres;
        return reach > 0 && Proximity.WithinDistance(Area, footprint, reach);
    }

    /// <summary>The area's one covering box, or null when it wraps across the antimeridian: no footprint away from it touches the area.</summary>
    internal GeoBox? Box => _oneBox ? _box : null;

    /// <summary>A rectangle known to lie within the area (null: none): a footprint with a point in it touches the area.</summary>
    internal GeoBox? Inner => Grid()?.Inner;

    private AreaGrid? Grid()
    {
        if (!Volatile.Read(ref _gridMade))
        {
            // Checks may run concurrently: each makes the same grid; one is kept.
            var made = Area.Kind == ShapeKind.Polygonal ? AreaGrid.Of(CoverArea.ToGeometry(Area)) : null;
            Interlocked.CompareExchange(ref _grid, made, null);
            Volatile.Write(ref _gridMade, true);
        }

        return _grid;
    }
}
