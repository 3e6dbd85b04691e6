using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Conflicts;

/// <summary>A cell of the disclosure grid by row (from the south) and column (from longitude −180).</summary>
/// <param name="Row">The row, 0 at the south pole.</param>
/// <param name="Column">The column within the row, 0 at longitude −180.</param>
public readonly record struct GridCell(int Row, int Column) : IComparable<GridCell>
{
    /// <summary>South to north, then west to east.</summary>
    public int CompareTo(GridCell other) => Row != other.Row ? Row.CompareTo(other.Row) : Column.CompareTo(other.Column);

    /// <summary>Orders south to north, then west to east.</summary>
    public static bool operator <(GridCell left, GridCell right) => left.CompareTo(right) < 0;

    /// <summary>Orders south to north, then west to east.</summary>
    public static bool operator >(GridCell left, GridCell right) => left.CompareTo(right) > 0;

    /// <summary>Orders south to north, then west to east.</summary>
    public static bool operator <=(GridCell left, GridCell right) => left.CompareTo(right) <= 0;

    /// <summary>Orders south to north, then west to east.</summary>
    public static bool operator >=(GridCell left, GridCell right) => left.CompareTo(right) >= 0;
}

/// <summary>
/// The disclosure grid of one resolution: rows of equal height in latitude (the resolution in metres), each
/// cut into equal columns about as wide, in metres at the row's middle latitude, as the row is high. Cells
/// have straight longitude/latitude edges, never cross the antimeridian, and are closed: a footprint on the
/// edge between two cells touches both. Rows near the poles have few columns (one at the pole itself).
/// </summary>
/// <remarks>
/// <para>
/// A footprint's <em>cover</em> is the set of cells it touches (the exact footprint against the exact cell
/// rectangle, by <see cref="ShapeRelations"/>). What a party learns of a zone it may not see is a function of
/// the zone's cover only, so no sequence of questions locates the zone better than a cell.
/// </para>
/// <para>
/// Work is bounded: comparing two footprints enumerates only the cells that both covering boxes reach, and
/// stops at <see cref="MaxCellsPerPair"/>; past that the two are taken to share a cell (the conservative
/// answer: the owner is asked, never skipped). At the default of 4,096 this concerns only pairs that both
/// span more than about 640 km at a 10 km resolution. Immutable and thread-safe.
/// </para>
/// </remarks>
public sealed class DisclosureGrid
{
    /// <summary>Metres per degree of latitude used to size rows and columns (the grid's own convention).</summary>
    public const double MetresPerDegree = 111_320;

    /// <summary>The default bound on cells compared for one pair of footprints.</summary>
    public const int DefaultMaxCellsPerPair = 4096;

    // A region's rectangle is grown by this much so that rounding never drops a candidate (it only adds some).
    private const double RegionPaddingDegrees = 1e-7;

    private readonly double _rowHeight;

    /// <summary>Creates the grid of <paramref name="resolutionMetres"/>.</summary>
    /// <param name="resolutionMetres">Height of a row and approximate width of a cell, in metres.</param>
    /// <param name="maxCellsPerPair">Most cells compared for one pair of footprints before answering conservatively.</param>
    public DisclosureGrid(double resolutionMetres, int maxCellsPerPair = DefaultMaxCellsPerPair)
    {
        if (!double.IsFinite(resolutionMetres) || resolutionMetres <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(resolutionMetres), "The resolution must be a positive number of metres.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxCellsPerPair, 1);
        ResolutionMetres = resolutionMetres;
        MaxCellsPerPair = maxCellsPerPair;
        Rows = (int)Math.Min(int.MaxValue / 2, Math.Ceiling(180 / (resolutionMetres / MetresPerDegree)));
        _rowHeight = 180.0 / Rows;
    }

    /// <summary>The resolution in metres.</summary>
    public double ResolutionMetres { get; }

    /// <summary>Most cells compared for one pair of footprints before answering conservatively.</summary>
    public int MaxCellsPerPair { get; }

    /// <summary>Number of rows from pole to pole.</summary>
    public int Rows { get; }

    /// <summary>Southern edge of a row.</summary>
    public double South(int row) => row <= 0 ? -90 : -90 + (row * _rowHeight);

    /// <summary>Northern edge of a row (the southern edge of the next one, exactly).</summary>
    public double North(int row) => row >= Rows - 1 ? 90 : -90 + ((row + 1) * _rowHeight);

    /// <summary>Number of columns in a row.</summary>
    public int Columns(int row)
    {
        double middle = Math.Min(89.9, Math.Abs((South(row) + North(row)) / 2));
        double width = ResolutionMetres / (MetresPerDegree * Math.Cos(middle * Math.PI / 180));
        return (int)Math.Max(1, Math.Floor(360 / Math.Min(360, width)));
    }

    /// <summary>Western edge of a cell.</summary>
    public double West(int row, int column) => WestOf(column, Columns(row));

    /// <summary>Eastern edge of a cell (the western edge of the next one, exactly).</summary>
    public double East(int row, int column) => EastOf(column, Columns(row));

    private static double WestOf(int column, int columns) => column <= 0 ? -180 : -180 + (column * (360.0 / columns));

    private static double EastOf(int column, int columns) => column >= columns - 1 ? 180 : -180 + ((column + 1) * (360.0 / columns));

    /// <summary>The cell a point lies in (on an edge, the one to its north or east).</summary>
    public GridCell CellAt(double lon, double lat)
    {
        int row = Clamp((int)Math.Floor(Math.Clamp(lat + 90, 0, 180) / _rowHeight), Rows - 1);
        int columns = Columns(row);
        int column = Clamp((int)Math.Floor(Math.Clamp(lon + 180, 0, 360) / (360.0 / columns)), columns - 1);
        return new GridCell(row, column);
    }

    /// <summary>The rectangle of a cell, as the redacted area of a conflict.</summary>
    public CoarseCell Area(GridCell cell)
    {
        int columns = Columns(cell.Row);
        return new CoarseCell(
            Math.Round(WestOf(cell.Column, columns), 6), Math.Round(South(cell.Row), 6),
            Math.Round(EastOf(cell.Column, columns), 6), Math.Round(North(cell.Row), 6), ResolutionMetres);
    }

    /// <summary>The rectangle of a cell as a polygonal footprint.</summary>
    public Shape CellShape(GridCell cell)
    {
        int columns = Columns(cell.Row);
        return Rectangle(WestOf(cell.Column, columns), South(cell.Row), EastOf(cell.Column, columns), North(cell.Row));
    }

    /// <summary>Whether a footprint touches a cell (closed: an edge or a corner is enough).</summary>
    public bool Touches(Shape footprint, GridCell cell) => ShapeRelations.WithinDistance(footprint, CellShape(cell));

    /// <summary>
    /// Whether some cell is touched by both footprints. Exact up to <see cref="MaxCellsPerPair"/> cells
    /// reached by both covering boxes; true (conservatively) past it.
    /// </summary>
    public bool ShareCell(Shape a, Shape b) => FirstSharedCell(a, b) is not null;

    /// <summary>
    /// The southernmost, then westernmost, cell that both footprints touch; null when there is none. Past
    /// <see cref="MaxCellsPerPair"/> candidate cells, the first candidate (conservatively taken as shared).
    /// </summary>
    /// <remarks>A function of the two covers alone: the same answer for any two footprints with the same covers.</remarks>
    public GridCell? FirstSharedCell(Shape a, Shape b)
    {
        var candidates = new List<GridCell>();
        bool complete = Candidates(a, b, candidates);
        candidates.Sort();
        if (!complete)
        {
            return candidates.Count > 0 ? candidates[0] : CellAt(a.Bounds.MinX, a.Bounds.MinY);
        }

        GridCell? previous = null;
        foreach (var cell in candidates)
        {
            if (cell == previous)
            {
                continue;
            }

            previous = cell;
            if (Touches(a, cell) && Touches(b, cell))
            {
                return cell;
            }
        }

        return null;
    }

    /// <summary>Every cell a footprint touches, south to north then west to east (for tests and small footprints).</summary>
    public List<GridCell> Cover(Shape footprint)
    {
        var cells = new HashSet<GridCell>();
        foreach (var box in Boxes(footprint.CoveringBoxes()))
        {
            var (r0, r1) = RowRange(box.MinY, box.MaxY);
            for (int row = r0; row <= r1; row++)
            {
                var (c0, c1) = ColumnRange(row, box.MinX, box.MaxX);
                for (int column = c0; column <= c1; column++)
                {
                    var cell = new GridCell(row, column);
                    if (!cells.Contains(cell) && Touches(footprint, cell))
                    {
                        cells.Add(cell);
                    }
                }
            }
        }

        return [.. cells.Order()];
    }

    /// <summary>
    /// Rectangles (one per covering box of the footprint) that hold every cell the footprint can touch: any
    /// footprint sharing a cell with it touches one of them. For the index to find candidates.
    /// </summary>
    public List<Shape> Region(Shape footprint)
    {
        var region = new List<Shape>(2);
        foreach (var box in Boxes(footprint.CoveringBoxes()))
        {
            var (r0, r1) = RowRange(box.MinY, box.MaxY);
            double west = 180, east = -180;
            for (int row = r0; row <= r1; row++)
            {
                int columns = Columns(row);
                var (c0, c1) = ColumnRange(row, box.MinX, box.MaxX);
                west = Math.Min(west, WestOf(c0, columns));
                east = Math.Max(east, EastOf(c1, columns));
            }

            region.Add(Rectangle(
                Math.Max(-180, west - RegionPaddingDegrees), Math.Max(-90, South(r0) - RegionPaddingDegrees),
                Math.Min(180, east + RegionPaddingDegrees), Math.Min(90, North(r1) + RegionPaddingDegrees)));
        }

        return region;
    }

    /// <summary>Whether a footprint is no larger than one cell: its covering box is at most a cell high and a cell wide at its latitude.</summary>
    public bool FitsInOneCell(Shape footprint)
    {
        var boxes = footprint.CoveringBoxes();
        double width = boxes.First.MaxX - boxes.First.MinX + (boxes.Second is { } s ? s.MaxX - s.MinX : 0);
        double height = boxes.First.MaxY - boxes.First.MinY;
        var row = CellAt(boxes.First.MinX, (boxes.First.MinY + boxes.First.MaxY) / 2).Row;
        return height <= _rowHeight && width <= 360.0 / Columns(row);
    }

    /// <summary>Collects the cells both covering boxes reach (unsorted, maybe repeated); false when the bound was hit.</summary>
    private bool Candidates(Shape a, Shape b, List<GridCell> cells)
    {
        long visited = 0;
        foreach (var boxA in Boxes(a.CoveringBoxes()))
        {
            foreach (var boxB in Boxes(b.CoveringBoxes()))
            {
                var (ra0, ra1) = RowRange(boxA.MinY, boxA.MaxY);
                var (rb0, rb1) = RowRange(boxB.MinY, boxB.MaxY);
                for (int row = Math.Max(ra0, rb0); row <= Math.Min(ra1, rb1); row++)
                {
                    if (++visited > MaxCellsPerPair)
                    {
                        return false;
                    }

                    var (ca0, ca1) = ColumnRange(row, boxA.MinX, boxA.MaxX);
                    var (cb0, cb1) = ColumnRange(row, boxB.MinX, boxB.MaxX);
                    for (int column = Math.Max(ca0, cb0); column <= Math.Min(ca1, cb1); column++)
                    {
                        if (cells.Count >= MaxCellsPerPair)
                        {
                            return false;
                        }

                        cells.Add(new GridCell(row, column));
                    }
                }
            }
        }

        return true;
    }

    /// <summary>The rows whose closed latitude range meets [minY, maxY].</summary>
    private (int First, int Last) RowRange(double minY, double maxY)
    {
        int first = Clamp((int)Math.Floor(Math.Clamp(minY + 90, 0, 180) / _rowHeight), Rows - 1);
        while (first > 0 && North(first - 1) >= minY)
        {
            first--;
        }

        while (first < Rows - 1 && North(first) < minY)
        {
            first++;
        }

        int last = Clamp((int)Math.Floor(Math.Clamp(maxY + 90, 0, 180) / _rowHeight), Rows - 1);
        while (last < Rows - 1 && South(last + 1) <= maxY)
        {
            last++;
        }

        while (last > 0 && South(last) > maxY)
        {
            last--;
        }

        return (first, Math.Max(first, last));
    }

    /// <summary>The columns of a row whose closed longitude range meets [minX, maxX].</summary>
    private (int First, int Last) ColumnRange(int row, double minX, double maxX)
    {
        int columns = Columns(row);
        double width = 360.0 / columns;
        int first = Clamp((int)Math.Floor(Math.Clamp(minX + 180, 0, 360) / width), columns - 1);
        while (first > 0 && EastOf(first - 1, columns) >= minX)
        {
            first--;
        }

        while (first < columns - 1 && EastOf(first, columns) < minX)
        {
            first++;
        }

        int last = Clamp((int)Math.Floor(Math.Clamp(maxX + 180, 0, 360) / width), columns - 1);
        while (last < columns - 1 && WestOf(last + 1, columns) <= maxX)
        {
            last++;
        }

        while (last > 0 && WestOf(last, columns) > maxX)
        {
            last--;
        }

        return (first, Math.Max(first, last));
    }

    private static IEnumerable<GeoBox> Boxes(GeoBoxPair pair)
    {
        yield return pair.First;
        if (pair.Second is { } second)
        {
            yield return second;
        }
    }

    private static int Clamp(int value, int max) => Math.Max(0, Math.Min(max, value));

    private static Shape Rectangle(double west, double south, double east, double north) =>
        Shape.Polygons([[new[] { west, south, east, south, east, north, west, north, west, south }]]);
}

/// <summary>The disclosure time slots: whole multiples of the agreement's time resolution since the Unix epoch.</summary>
public static class DisclosureSlots
{
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>
    /// The window grown to the edges of the slots it touches (half-open, so an end on a slot edge adds no
    /// slot); an open end stays open. Any window shares a slot with <paramref name="window"/> exactly when it
    /// overlaps the result.
    /// </summary>
    public static TimeWindow Widen(TimeWindow window, TimeSpan slot)
    {
        long size = slot.Ticks;
        if (size <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), "A slot must be longer than zero.");
        }

        long start = Math.Max(0, EpochTicks + (FloorDiv(window.StartTicks - EpochTicks, size) * size));
        DateTimeOffset? end = null;
        if (window.End is not null)
        {
            long fromEpoch = window.EndTicks - EpochTicks;
            long edge = EpochTicks + (FloorDiv(fromEpoch, size) * size);
            if (edge < window.EndTicks)
            {
                edge = edge <= DateTimeOffset.MaxValue.UtcTicks - size ? edge + size : long.MaxValue;
            }

            end = edge <= DateTimeOffset.MaxValue.UtcTicks ? new DateTimeOffset(edge, TimeSpan.Zero) : null;
        }

        return new TimeWindow(new DateTimeOffset(start, TimeSpan.Zero), end);
    }

    /// <summary>Whether the two half-open windows touch a common slot.</summary>
    public static bool ShareSlot(TimeWindow a, TimeWindow b, TimeSpan slot) => Widen(a, slot).Overlaps(b);

    private static long FloorDiv(long value, long divisor)
    {
        long quotient = value / divisor;
        return value % divisor < 0 ? quotient - 1 : quotient;
    }
}
