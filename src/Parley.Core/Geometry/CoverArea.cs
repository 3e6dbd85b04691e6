using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;

namespace Parley.Core.Geometry;

/// <summary>
/// A union of areas that footprints must lie within, and the containment predicate: closed (a footprint touching the
/// union's edge from inside is inside), on Parley's geometry semantics (edges straight in lon/lat, geodesic circles and
/// corridors, longitudes ±180 one meridian, every longitude at a pole one point).
/// </summary>
/// <remarks>
/// <para>
/// Polygonal areas are taken as they are; a circle or corridor area by its inscribed polygon (<see cref="Inscribed"/>,
/// at most a metre inside, on the protective side). The union U is made once with overlay NG.
/// </para>
/// <para>
/// A polygonal footprint F is covered when U covers it in the lon/lat plane. A circle or corridor F, the points within w
/// of a base B, is covered exactly when B lies in U and the geodesic distance from B to the boundary of U is at least w.
/// Proof sketch: if some b in B were nearer than w to a boundary point q, points outside U arbitrarily near q would lie
/// within w of b, so in F: F is not covered. Conversely, if a point p of F (d(b, p) ≤ w) lay outside U, the geodesic
/// from b (in U) to p would leave U through a boundary point q ≠ p, with d(b, q) &lt; d(b, p) ≤ w. The distance is the
/// one conflicts use (<see cref="Proximity"/>), and "at least w" is read to the millimetre, the precision of a geodesic.
/// </para>
/// <para>
/// Where U meets the antimeridian from both sides, or surrounds a pole, the lon/lat plane shows edges that are no
/// boundary on the earth (the meridian ±180 where U goes on across it, the line of latitude ±90 where U holds every
/// longitude at the pole): they are left out of the boundary B is measured to, and a point of B on ±180 or at a pole is
/// in U when its other names are.
/// </para>
/// </remarks>
internal sealed class CoverArea
{
    private const double BoundaryToleranceMetres = 1e-3;

    private readonly NetTopologySuite.Geometries.Geometry _union;
    private readonly IPreparedGeometry _prepared;
    private readonly Shape? _boundary;
    private readonly NetTopologySuite.Geometries.Geometry? _seamMirror;
    private readonly bool _northPole;
    private readonly bool _southPole;

    private CoverArea(NetTopologySuite.Geometries.Geometry union)
    {
        var f = GeometryServices.Factory;
        _union = union;
        _prepared = PreparedGeometryFactory.Prepare(union);
        _northPole = !union.IsEmpty && union.Intersects(f.CreateLineString([new(-180, 90), new(180, 90)]));
        _southPole = !union.IsEmpty && union.Intersects(f.CreateLineString([new(-180, -90), new(180, -90)]));

        var boundary = union.Boundary;
        var east = f.CreateLineString([new(180, -90), new(180, 90)]);
        var west = f.CreateLineString([new(-180, -90), new(-180, 90)]);
        var onEast = union.Intersection(east);
        var onWest = union.Intersection(west);

        // Latitudes where U lies on both sides of the antimeridian: there it goes on across, so that is no edge.
        var across = Shift(onWest, 360).Intersection(onEast);
        var seams = new List<NetTopologySuite.Geometries.Geometry>();
        if (!across.IsEmpty)
        {
            seams.Add(across);
            seams.Add(Shift(across, -360));
        }

        foreach (var (pole, y) in new[] { (_northPole, 90.0), (_southPole, -90.0) })
        {
            var line = f.CreateLineString([new(-180, y), new(180, y)]);
            if (pole && union.Covers(line))
            {
                seams.Add(line); // U holds every longitude at the pole: the pole is inside
            }
        }

        if (seams.Count > 0)
        {
            var cut = NetTopologySuite.Operation.Union.UnaryUnionOp.Union(seams);
            boundary = boundary.Difference(cut);
        }

        _boundary = ToLines(boundary);

        // A point of a base on ±180 is in U when its name on the other side is.
        var mirrors = new List<NetTopologySuite.Geometries.Geometry>();
        if (!onWest.IsEmpty)
        {
            mirrors.Add(Shift(onWest, 360));
        }

        if (!onEast.IsEmpty)
        {
            mirrors.Add(Shift(onEast, -360));
        }

        _seamMirror = mirrors.Count == 0 ? null : NetTopologySuite.Operation.Union.UnaryUnionOp.Union(mirrors);
    }

    /// <summary>The union of <paramref name="areas"/>: polygonal shapes as they are, circles and corridors by their inscribed polygons.</summary>
    /// <exception cref="ArgumentException">A curved area that cannot be inscribed (see <see cref="Inscribed.Refusal"/>).</exception>
    public static CoverArea Of(IEnumerable<Shape> areas)
    {
        ArgumentNullException.ThrowIfNull(areas);
        var parts = areas.Select(a => a.Kind == ShapeKind.Polygonal ? ToGeometry(a) : Inscribed.Polygon(a)).ToList();
        var union = parts.Count == 0 ? GeometryServices.Factory.CreatePolygon() : NetTopologySuite.Operation.Union.UnaryUnionOp.Union(parts);
        return new CoverArea(union);
    }

    /// <summary>Whether the footprint, buffer included, lies within the union (closed).</summary>
    public bool Covers(Shape footprint)
    {
        ArgumentNullException.ThrowIfNull(footprint);
        return Covers(footprint, footprint.CoveringBoxes());
    }

    /// <summary>As <see cref="Covers(Shape)"/>, with the footprint's covering boxes made by the caller (once for many unions).</summary>
    public bool Covers(Shape footprint, in GeoBoxPair footprintBoxes)
    {
        ArgumentNullException.ThrowIfNull(footprint);
        return Quick(footprint, footprintBoxes) ?? Exact(footprint);
    }

    /// <summary>
    /// The quick answer from the union's grid (<see cref="AreaGrid"/>), or null when only the exact geometry can tell: a
    /// footprint whose covering box lies in cells inside the union is within it (every point of it is); one whose first
    /// vertex lies in a cell outside the union is not (that point of its base is outside, and no seam or pole names it).
    /// </summary>
    internal bool? Quick(Shape footprint, in GeoBoxPair footprintBoxes)
    {
        if (Grid() is not { } grid)
        {
            return null;
        }

        if (footprintBoxes.Second is null && grid.Inside(footprintBoxes.First))
        {
            return true;
        }

        var first = footprint.PathArray[0];
        return grid.Outside(first[0], first[1]) ? false : null;
    }

    /// <summary>A rectangle known to lie within the union (null: none): a footprint whose covering box lies in it is within.</summary>
    internal GeoBox? Inner => Grid()?.Inner;

    private AreaGrid? Grid()
    {
        if (!Volatile.Read(ref _gridMade))
        {
            // Checks may run concurrently: each makes the same grid; one is kept.
            Interlocked.CompareExchange(ref _grid, AreaGrid.Of(_union), null);
            Volatile.Write(ref _gridMade, true);
        }

        return _grid;
    }

    private AreaGrid? _grid;
    private bool _gridMade;

    /// <summary>The exact containment, as the remarks of the class state it.</summary>
    internal bool Exact(Shape footprint)
    {
        if (_union.IsEmpty)
        {
            return false;
        }

        if (footprint.Kind == ShapeKind.Polygonal)
        {
            return _prepared.Covers(ToGeometry(footprint));
        }

        if (!BaseInside(footprint))
        {
            return false;
        }

        return footprint.BufferMetres <= 0 || _boundary is null ||
            !Proximity.WithinDistance(footprint, _boundary, footprint.BufferMetres - BoundaryToleranceMetres);
    }

    /// <summary>Whether the base point or lines of a circle or corridor lie in U (a point of them on ±180 or a pole by any of its names).</summary>
    private bool BaseInside(Shape footprint)
    {
        if (footprint.Kind == ShapeKind.Point)
        {
            double x = footprint.Paths[0][0], y = footprint.Paths[0][1];
            if ((y == 90 && _northPole) || (y == -90 && _southPole))
            {
                return true;
            }

            var point = GeometryServices.Factory.CreatePoint(new Coordinate(x, y));
            return _prepared.Covers(point) || (_seamMirror is not null && _seamMirror.Covers(point));
        }

        var lines = ToGeometry(footprint);
        if (_prepared.Covers(lines))
        {
            return true;
        }

        // Only pieces on the antimeridian (covered by their other name) or at a covered pole may be left over.
        var rest = lines.Difference(_union);
        if (_seamMirror is not null)
        {
            rest = rest.Difference(_seamMirror);
        }

        return rest.IsEmpty || rest.Coordinates.All(c => (c.Y == 90 && _northPole) || (c.Y == -90 && _southPole));
    }

    private static NetTopologySuite.Geometries.Geometry Shift(NetTopologySuite.Geometries.Geometry g, double dx)
    {
        var copy = g.Copy();
        copy.Apply(new ShiftX(dx));
        copy.GeometryChanged();
        return copy;
    }

    private sealed class ShiftX(double dx) : IEntireCoordinateSequenceFilter
    {
        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq)
        {
            for (int i = 0; i < seq.Count; i++)
            {
                seq.SetX(i, seq.GetX(i) + dx);
            }
        }
    }

    /// <summary>The lines of a (multi)line geometry as a corridor of width 0 (the shape <see cref="Proximity"/> measures), or null when empty.</summary>
    private static Shape? ToLines(NetTopologySuite.Geometries.Geometry boundary)
    {
        var paths = new List<double[]>();
        for (int i = 0; i < boundary.NumGeometries; i++)
        {
            if (boundary.GetGeometryN(i) is LineString { IsEmpty: false } line)
            {
                var packed = new double[line.NumPoints * 2];
                for (int k = 0; k < line.NumPoints; k++)
                {
                    packed[2 * k] = line.GetCoordinateN(k).X;
                    packed[(2 * k) + 1] = line.GetCoordinateN(k).Y;
                }

                paths.Add(packed);
            }
        }

        return paths.Count == 0 ? null : Shape.Corridor(paths, 0);
    }

    /// <summary>A shape's base geometry in NetTopologySuite: polygons, a point, or line strings.</summary>
    public static NetTopologySuite.Geometries.Geometry ToGeometry(Shape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var f = GeometryServices.Factory;
        switch (shape.Kind)
        {
            case ShapeKind.Point:
                return f.CreatePoint(new Coordinate(shape.Paths[0][0], shape.Paths[0][1]));
            case ShapeKind.Line:
                var lines = shape.Paths.Select(p => f.CreateLineString(Coordinates(p))).ToArray();
                return lines.Length == 1 ? lines[0] : f.CreateMultiLineString(lines);
            default:
                var polygons = new Polygon[shape.PolygonStarts.Count];
                for (int p = 0; p < polygons.Length; p++)
                {
                    int start = shape.PolygonStarts[p], end = p + 1 < polygons.Length ? shape.PolygonStarts[p + 1] : shape.Paths.Count;
                    polygons[p] = f.CreatePolygon(f.CreateLinearRing(Coordinates(shape.Paths[start])),
                        [.. Enumerable.Range(start + 1, end - start - 1).Select(r => f.CreateLinearRing(Coordinates(shape.Paths[r])))]);
                }

                return polygons.Length == 1 ? polygons[0] : f.CreateMultiPolygon(polygons);
        }
    }

    private static Coordinate[] Coordinates(double[] packed)
    {
        var coordinates = new Coordinate[packed.Length / 2];
        for (int i = 0; i < coordinates.Length; i++)
        {
            coordinates[i] = new Coordinate(packed[2 * i], packed[(2 * i) + 1]);
        }

        return coordinates;
    }
}
