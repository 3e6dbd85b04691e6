using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;

namespace Parley.Core.Geometry;

/// <summary>
/// A coarse grid over a polygonal area's bounds in the lon/lat plane, each cell known to lie inside the area (closed),
/// outside it (sharing no point with it) or across its edge: the quick answers the area predicates try before the exact
/// geometry. Made once per area; every answer is certain, and "don't know" is always allowed.
/// </summary>
/// <remarks>
/// <para>
/// A cell is the closed rectangle between its edges, computed the same way for the classification and for a query, so
/// that neighbouring cells share their edges exactly. Classification is planar, by NetTopologySuite's prepared
/// predicates on the area as given (edges straight in lon/lat): the grid knows nothing of the antimeridian or the poles,
/// so it answers only for points and boxes strictly inside (-180, 180) × (-90, 90), where the plane is the earth.
/// </para>
/// <para>Queries read summed-area tables of the inside and outside cells: a box costs the same whatever its size.</para>
/// </remarks>
internal sealed class AreaGrid
{
    /// <summary>The cells a side, at most.</summary>
    public const int Side = 16;

    private readonly double _minX, _minY, _maxX, _maxY, _dx, _dy;
    private readonly int _columns, _rows;

    // Summed-area tables, (columns + 1) × (rows + 1): the number of inside (outside) cells below and left of a corner.
    private readonly int[] _inside, _outside;

    private AreaGrid(NetTopologySuite.Geometries.Geometry area, Envelope bounds, int columns, int rows)
    {
        _minX = bounds.MinX;
        _minY = bounds.MinY;
        _maxX = bounds.MaxX;
        _maxY = bounds.MaxY;
        _columns = columns;
        _rows = rows;
        _dx = (_maxX - _minX) / columns;
        _dy = (_maxY - _minY) / rows;
        _inside = new int[(columns + 1) * (rows + 1)];
        _outside = new int[(columns + 1) * (rows + 1)];
        var prepared = PreparedGeometryFactory.Prepare(area);
        var f = GeometryServices.Factory;
        for (int j = 0; j < rows; j++)
        {
            for (int i = 0; i < columns; i++)
            {
                double x0 = EdgeX(i), x1 = EdgeX(i + 1), y0 = EdgeY(j), y1 = EdgeY(j + 1);
                var cell = f.CreatePolygon([new(x0, y0), new(x1, y0), new(x1, y1), new(x0, y1), new(x0, y0)]);
                int inside = prepared.Covers(cell) ? 1 : 0;
                int outside = inside == 0 && !prepared.Intersects(cell) ? 1 : 0;
                int at = Corner(i + 1, j + 1);
                _inside[at] = inside + _inside[Corner(i, j + 1)] + _inside[Corner(i + 1, j)] - _inside[Corner(i, j)];
                _outside[at] = outside + _outside[Corner(i, j + 1)] + _outside[Corner(i + 1, j)] - _outside[Corner(i, j)];
            }
        }

        _inner = LargestInsideRectangle();
    }

    // The largest rectangle of inside cells (null: none): most boxes asked about fall in it, decided in four comparisons.
    private readonly GeoBox? _inner;

    private GeoBox? LargestInsideRectangle()
    {
        GeoBox? best = null;
        double bestArea = 0;
        for (int j0 = 0; j0 < _rows; j0++)
        {
            for (int i0 = 0; i0 < _columns; i0++)
            {
                for (int j1 = j0; j1 < _rows; j1++)
                {
                    for (int i1 = i0; i1 < _columns; i1++)
                    {
                        if (Sum(_inside, i0, i1, j0, j1) != (i1 - i0 + 1) * (j1 - j0 + 1))
                        {
                            break; // wider is no better for this height
                        }

                        double area = (i1 - i0 + 1) * (j1 - j0 + 1) * 1.0;
                        if (area > bestArea)
                        {
                            bestArea = area;
                            best = new GeoBox(EdgeX(i0), EdgeY(j0), EdgeX(i1 + 1), EdgeY(j1 + 1));
                        }
                    }
                }
            }
        }

        return best;
    }

    /// <summary>The grid of a polygonal area, or null when it has none to give (empty, or without width or height).</summary>
    public static AreaGrid? Of(NetTopologySuite.Geometries.Geometry area)
    {
        ArgumentNullException.ThrowIfNull(area);
        if (area.IsEmpty || area.Dimension != Dimension.Surface)
        {
            return null;
        }

        var bounds = area.EnvelopeInternal;
        if (!(bounds.Width > 0 && bounds.Height > 0))
        {
            return null;
        }

        // Cells about square in degrees: a long thin area gets fewer cells across.
        double aspect = bounds.Width / bounds.Height;
        int columns = Math.Clamp((int)Math.Round(Side * Math.Sqrt(Math.Clamp(aspect, 1.0 / Side / Side, Side * Side))), 1, Side);
        int rows = Math.Clamp((int)Math.Round(Side / Math.Sqrt(Math.Clamp(aspect, 1.0 / Side / Side, Side * Side))), 1, Side);
        return new AreaGrid(area, bounds, columns, rows);
    }

    /// <summary>The largest rectangle of cells inside the area (closed, within the area), or null when no cell is inside.</summary>
    public GeoBox? Inner => _inner;

    /// <summary>Whether every point of the closed box lies in a cell inside the area: then the box lies within the area.</summary>
    public bool Inside(in GeoBox box)
    {
        if (!InOpenWorld(box) || box.MinX < _minX || box.MaxX > _maxX || box.MinY < _minY || box.MaxY > _maxY)
        {
            return false;
        }

        // The union of the cells of the inner rectangle is that rectangle, edges included.
        if (_inner is { } inner && inner.MinX <= box.MinX && box.MaxX <= inner.MaxX && inner.MinY <= box.MinY && box.MaxY <= inner.MaxY)
        {
            return true;
        }

        var (i0, i1) = SpanX(box.MinX, box.MaxX);
        var (j0, j1) = SpanY(box.MinY, box.MaxY);
        return Sum(_inside, i0, i1, j0, j1) == (i1 - i0 + 1) * (j1 - j0 + 1);
    }

    /// <summary>Whether the closed box shares no point with the area: every cell it meets lies outside, and the rest of it beyond the area's bounds.</summary>
    public bool Outside(in GeoBox box)
    {
        if (!InOpenWorld(box))
        {
            return false;
        }

        double x0 = Math.Max(box.MinX, _minX), x1 = Math.Min(box.MaxX, _maxX), y0 = Math.Max(box.MinY, _minY), y1 = Math.Min(box.MaxY, _maxY);
        if (x0 > x1 || y0 > y1)
        {
            return true; // the box lies beyond the bounds
        }

        var (i0, i1) = SpanX(x0, x1);
        var (j0, j1) = SpanY(y0, y1);
        return Sum(_outside, i0, i1, j0, j1) == (i1 - i0 + 1) * (j1 - j0 + 1);
    }

    /// <summary>Whether the point lies in a cell inside the area.</summary>
    public bool Inside(double x, double y) => Inside(new GeoBox(x, y, x, y));

    /// <summary>Whether the point lies outside the area, by its cell or beyond the bounds.</summary>
    public bool Outside(double x, double y) => Outside(new GeoBox(x, y, x, y));

    /// <summary>Whether the box lies strictly inside (-180, 180) × (-90, 90), where the plane is the earth and the grid answers.</summary>
    public static bool InOpenWorld(in GeoBox box) =>
        box.MinX > -180 && box.MaxX < 180 && box.MinY > -90 && box.MaxY < 90;

    private double EdgeX(int i) => i == _columns ? _maxX : _minX + (i * _dx);

    private double EdgeY(int j) => j == _rows ? _maxY : _minY + (j * _dy);

    private int Corner(int i, int j) => (j * (_columns + 1)) + i;

    private (int First, int Last) SpanX(double lo, double hi)
    {
        var (first, last) = Guess(lo, hi, _minX, _dx, _columns);
        while (first > 0 && EdgeX(first) > lo)
        {
            first--;
        }

        while (last < _columns - 1 && EdgeX(last + 1) < hi)
        {
            last++;
        }

        return (first, last);
    }

    private (int First, int Last) SpanY(double lo, double hi)
    {
        var (first, last) = Guess(lo, hi, _minY, _dy, _rows);
        while (first > 0 && EdgeY(first) > lo)
        {
            first--;
        }

        while (last < _rows - 1 && EdgeY(last + 1) < hi)
        {
            last++;
        }

        return (first, last);
    }

    /// <summary>The cells of [lo, hi] by arithmetic; the callers then check them against the very edges of the cells (rounding).</summary>
    private static (int First, int Last) Guess(double lo, double hi, double min, double step, int count) =>
        (Math.Min(CellOf(lo, min, step, count), count - 1), Math.Min(CellOf(hi, min, step, count), count - 1));

    // Clamped to [0, count] first, so the conversion cannot overflow: unchecked, it is one instruction (and a NaN, which
    // no validated coordinate is, would land in cell 0).
    private static int CellOf(double value, double min, double step, int count) => Math.Max(0, unchecked((int)Math.Clamp((value - min) / step, 0, count)));

    private int Sum(int[] table, int i0, int i1, int j0, int j1) =>
        table[Corner(i1 + 1, j1 + 1)] - table[Corner(i0, j1 + 1)] - table[Corner(i1 + 1, j0)] + table[Corner(i0, j0)];
}
