namespace Parley.Core.Geometry;

/// <summary>The form of a footprint's base geometry.</summary>
public enum ShapeKind
{
    /// <summary>One or more polygons (GeoJSON Polygon or MultiPolygon), edges straight in lon/lat.</summary>
    Polygonal,

    /// <summary>A point with a geodesic radius (a circle).</summary>
    Point,

    /// <summary>A line string with a geodesic corridor half-width.</summary>
    Line,
}

/// <summary>
/// The horizontal footprint of a volume: a base geometry in WGS84 longitude/latitude plus a geodesic
/// buffer in metres (the radius of a point, the half-width of a corridor, zero for polygons).
/// </summary>
/// <remarks>
/// Immutable and compact: coordinates are packed <c>x0,y0,x1,y1,…</c> in plain arrays so that a
/// million zones fit in memory. Rings are closed (last point equals first). A buffered footprint is the
/// set of points within <see cref="BufferMetres"/> geodesic metres of the base geometry; it is never
/// approximated by a polygon, so circles and corridors are exact across the antimeridian and the poles.
/// </remarks>
[Mutable("Paths hands out the packed coordinate arrays themselves, not copies, so that the geometry code reads them without allocating; nothing writes them after construction")]
public sealed class Shape
{
    // Most footprints are one polygon: they share this array rather than each holding a copy.
    private static readonly int[] OnePolygon = [0];

    private Shape(ShapeKind kind, double[][] paths, int[] polygonStarts, double bufferMetres)
    {
        Kind = kind;
        PathArray = paths;
        StartArray = polygonStarts is [0] ? OnePolygon : polygonStarts;
        BufferMetres = bufferMetres;
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity;
        double maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        foreach (var path in paths)
        {
            for (int i = 0; i < path.Length; i += 2)
            {
                minX = Math.Min(minX, path[i]);
                maxX = Math.Max(maxX, path[i]);
                minY = Math.Min(minY, path[i + 1]);
                maxY = Math.Max(maxY, path[i + 1]);
                if (path[i + 1] == 90)
                {
                    TouchesNorthPole = true;
                }
                else if (path[i + 1] == -90)
                {
                    TouchesSouthPole = true;
                }
            }
        }

        Bounds = new GeoBox(minX, minY, maxX, maxY);
    }

    /// <summary>What the base geometry is.</summary>
    public ShapeKind Kind { get; }

    /// <summary>
    /// Packed coordinate paths. Polygonal: every ring of every polygon, closed. Line: one path per line string.
    /// Point: one path of one coordinate.
    /// </summary>
    public IReadOnlyList<double[]> Paths => PathArray;

    /// <summary>For polygonal shapes, the index in <see cref="Paths"/> of each polygon's shell; holes follow it.</summary>
    public IReadOnlyList<int> PolygonStarts => StartArray;

    /// <summary><see cref="Paths"/> as the array itself, for the predicates' inner loops (no interface calls, no enumerator).</summary>
    internal double[][] PathArray { get; }

    /// <summary><see cref="PolygonStarts"/> as the array itself.</summary>
    internal int[] StartArray { get; }

    /// <summary>Geodesic buffer in metres around the base geometry (0 for polygons).</summary>
    public double BufferMetres { get; }

    /// <summary>Longitude/latitude bounds of the base geometry (without the buffer).</summary>
    public GeoBox Bounds { get; }

    /// <summary>Whether a vertex lies on the north pole, where every longitude is the same point.</summary>
    public bool TouchesNorthPole { get; }

    /// <summary>Whether a vertex lies on the south pole.</summary>
    public bool TouchesSouthPole { get; }

    /// <summary>Number of coordinates, closing points included.</summary>
    public int VertexCount => PathArray.Sum(p => p.Length / 2);

    /// <summary>A polygonal shape. Each polygon is a list of closed rings, the shell first.</summary>
    public static Shape Polygons(IReadOnlyList<IReadOnlyList<double[]>> polygons)
    {
        var paths = new List<double[]>();
        var starts = new int[polygons.Count];
        for (int p = 0; p < polygons.Count; p++)
        {
            starts[p] = paths.Count;
            paths.AddRange(polygons[p]);
        }

        return new Shape(ShapeKind.Polygonal, [.. paths], starts, 0);
    }

    /// <summary>A circle: all points within <paramref name="radiusMetres"/> of a point.</summary>
    public static Shape Circle(double lon, double lat, double radiusMetres) =>
        new(ShapeKind.Point, [[lon, lat]], [], radiusMetres);

    /// <summary>A corridor: all points within <paramref name="halfWidthMetres"/> of a line string.</summary>
    public static Shape Corridor(double[] packedCoordinates, double halfWidthMetres) =>
        new(ShapeKind.Line, [packedCoordinates], [], halfWidthMetres);

    /// <summary>
    /// A corridor around several line strings (a GeoJSON MultiLineString, e.g. a route split at the
    /// antimeridian as RFC 7946 asks).
    /// </summary>
    public static Shape Corridor(IReadOnlyList<double[]> lines, double halfWidthMetres) =>
        new(ShapeKind.Line, [.. lines], [], halfWidthMetres);

    /// <summary>
    /// The boxes (one, or two when it wraps across the antimeridian) that certainly contain every point
    /// within <see cref="BufferMetres"/> plus <paramref name="extraMetres"/> of the base geometry.
    /// </summary>
    public GeoBoxPair CoveringBoxes(double extraMetres = 0) => Bounds.Expand(BufferMetres + extraMetres);
}
