namespace Parley.Core.Geometry;

/// <summary>
/// A local plane for two nearby shapes: x and y in metres, linear in longitude and latitude with the
/// ellipsoid's scales at the middle latitude. Shape edges (straight in lon/lat) stay straight here, and
/// over a small band of latitude the true geodesic distance lies between <see cref="LowFactor"/> and
/// <see cref="HighFactor"/> times the plane's distance, so most proximity questions are settled here
/// exactly, without one geodesic computation.
/// </summary>
internal readonly struct LocalFrame
{
    private const double MaxSpanDegrees = 1.0;
    private const double MaxAbsLatitude = 80.0;
    private const double E2 = Geodesy.Flattening * (2 - Geodesy.Flattening);
    private const double DegToRad = Math.PI / 180;

    private readonly double _lon0, _lat0, _kx, _ky;
    private readonly GeoBox _region;

    private LocalFrame(GeoBox region, double kx, double ky, double low, double high)
    {
        _region = region;
        _lon0 = region.MinX;
        _lat0 = (region.MinY + region.MaxY) / 2;
        _kx = kx;
        _ky = ky;
        LowFactor = low;
        HighFactor = high;
    }

    /// <summary>True distance ≥ plane distance × this.</summary>
    public double LowFactor { get; }

    /// <summary>True distance ≤ plane distance × this.</summary>
    public double HighFactor { get; }

    /// <summary>A frame for shapes a and b, when both fit in a small band away from the poles.</summary>
    public static bool TryCreate(Shape a, Shape b, out LocalFrame frame)
    {
        var ba = a.Bounds;
        var bb = b.Bounds;
        double shift = ShiftTowards(ba, bb);
        var region = new GeoBox(Math.Min(ba.MinX, bb.MinX + shift), Math.Min(ba.MinY, bb.MinY), Math.Max(ba.MaxX, bb.MaxX + shift), Math.Max(ba.MaxY, bb.MaxY));
        return TryCreate(region, out frame);
    }

    /// <summary>
    /// A frame around <paramref name="a"/> and everything within <paramref name="reachMetres"/> of it, made once
    /// for a query and reused for each candidate that lies inside it (see <see cref="Covers(Shape)"/>).
    /// </summary>
    public static bool TryCreateAround(Shape a, double reachMetres, out LocalFrame frame)
    {
        var box = a.Bounds;
        double dLat = Geodesy.LatitudeSpanCovering(reachMetres);
        double dLon = Geodesy.LongitudeSpanCovering(reachMetres, Math.Max(Math.Abs(box.MinY), Math.Abs(box.MaxY)) + dLat);
        return TryCreate(new GeoBox(box.MinX - dLon, box.MinY - dLat, box.MaxX + dLon, box.MaxY + dLat), out frame);
    }

    /// <summary>Whether a shape's bounds (moved across the antimeridian if that brings it nearer) lie inside this frame's region.</summary>
    public bool Covers(Shape b) => Covers(b.Bounds);

    /// <summary>Whether a box (moved across the antimeridian if that brings it nearer) lies inside this frame's region.</summary>
    public bool Covers(in GeoBox bb)
    {
        double shift = ShiftTowards(_region, bb);
        return bb.MinX + shift >= _region.MinX && bb.MaxX + shift <= _region.MaxX && bb.MinY >= _region.MinY && bb.MaxY <= _region.MaxY;
    }

    /// <summary>
    /// Whether every point of <paramref name="box"/> is certainly within <paramref name="metres"/> geodesic metres of
    /// the base geometry of <paramref name="shape"/> (a point or the lines of a corridor), both inside this frame: on the
    /// plane, the distance to one segment is convex, so over a box it is greatest at a corner; a corner within
    /// <paramref name="metres"/> / <see cref="HighFactor"/> of one segment on the plane is within
    /// <paramref name="metres"/> on the ellipsoid.
    /// </summary>
    public bool BoxWithin(in GeoBox box, Shape shape, double metres)
    {
        double near = metres / HighFactor;
        double shiftBox = ShiftTowards(_region, box), shiftShape = ShiftTowards(_region, shape.Bounds);
        double x0 = X(box.MinX, shiftBox), y0 = Y(box.MinY), x1 = X(box.MaxX, shiftBox), y1 = Y(box.MaxY);
        foreach (var path in shape.PathArray)
        {
            int n = path.Length / 2;
            for (int i = 0; i < Math.Max(1, n - 1); i++)
            {
                int i2 = Math.Min(i + 1, n - 1);
                double ax = X(path[2 * i], shiftShape), ay = Y(path[(2 * i) + 1]);
                double bx = X(path[2 * i2], shiftShape), by = Y(path[(2 * i2) + 1]);
                if (PointSegment(x0, y0, ax, ay, bx, by) <= near && PointSegment(x1, y0, ax, ay, bx, by) <= near &&
                    PointSegment(x0, y1, ax, ay, bx, by) <= near && PointSegment(x1, y1, ax, ay, bx, by) <= near)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static double ShiftTowards(GeoBox a, GeoBox b)
    {
        double centreA = (a.MinX + a.MaxX) / 2, centreB = (b.MinX + b.MaxX) / 2;
        return centreB - centreA > 180 ? -360 : centreA - centreB > 180 ? 360 : 0;
    }

    private static bool TryCreate(GeoBox region, out LocalFrame frame)
    {
        frame = default;
        double minY = region.MinY, maxY = region.MaxY;
        if (region.MaxX - region.MinX > MaxSpanDegrees || maxY - minY > MaxSpanDegrees ||
            Math.Max(Math.Abs(minY), Math.Abs(maxY)) > MaxAbsLatitude)
        {
            return false;
        }

        double lat0 = (minY + maxY) / 2;
        var (m0, n0) = Radii(lat0);
        double kx = n0 * Math.Cos(lat0 * DegToRad) * DegToRad;
        double ky = m0 * DegToRad;

        // How far the metric drifts over the band (a margin of the band's own size covers geodesics that bulge).
        double margin = (maxY - minY) + 0.01;
        double south = Math.Max(-89.9, minY - margin), north = Math.Min(89.9, maxY + margin);

        // Both scales are monotonic in |latitude|: the band's ends (and the equator, if inside) bound them.
        double low = 1, high = 1;
        Bound(south, kx, ky, ref low, ref high);
        Bound(north, kx, ky, ref low, ref high);
        if (south < 0 && north > 0)
        {
            Bound(0, kx, ky, ref low, ref high);
        }

        // Second-order terms (the plane is not the surface) over at most ~150 km: well under 1e-3.
        frame = new LocalFrame(region, kx, ky, low * (1 - 1e-3), high * (1 + 1e-3));
        return true;
    }

    private static void Bound(double lat, double kx, double ky, ref double low, ref double high)
    {
        var (m, n) = Radii(lat);
        double rx = n * Math.Cos(lat * DegToRad) * DegToRad / kx;
        double ry = m * DegToRad / ky;
        low = Math.Min(low, Math.Min(rx, ry));
        high = Math.Max(high, Math.Max(rx, ry));
    }

    /// <summary>
    /// Least distance in plane metres between the base geometries' edges and vertices; it may stop early
    /// with any distance at or below <paramref name="enough"/>, when only "at most this far?" matters.
    /// </summary>
    public double MinDistance(Shape a, Shape b, double enough = -1)
    {
        double best = double.PositiveInfinity;
        var pathsA = a.PathArray;
        var pathsB = b.PathArray;
        double shiftA = ShiftTowards(_region, a.Bounds), shiftB = ShiftTowards(_region, b.Bounds);
        for (int i = 0; i < pathsA.Length; i++)
        {
            for (int j = 0; j < pathsB.Length; j++)
            {
                best = Math.Min(best, PathDistance(pathsA[i], shiftA, pathsB[j], shiftB, enough));
                if (best <= enough)
                {
                    return best;
                }
            }
        }

        return best;
    }

    /// <summary>How far a shape's longitudes are moved (0 or ±360) to lie on this frame's side of the antimeridian.</summary>
    public double ShiftOf(Shape shape) => ShiftTowards(_region, shape.Bounds);

    /// <summary>Plane distance in metres from point p to segment a–b (longitudes moved by the given shifts).</summary>
    public double PointSegmentDistance(double px, double py, double shiftP, double ax, double ay, double bx, double by, double shiftAb) =>
        PointSegment(X(px, shiftP), Y(py), X(ax, shiftAb), Y(ay), X(bx, shiftAb), Y(by));

    /// <summary>
    /// Plane distance in metres between segments a–b and c–d (longitudes moved by the given shifts): the least of
    /// their four vertex-to-segment distances.
    /// </summary>
    public double SegmentDistance(double ax, double ay, double bx, double by, double shiftAb, double cx, double cy, double dx, double dy, double shiftCd) =>
        Math.Sqrt(SegmentSegment2(X(ax, shiftAb), Y(ay), X(bx, shiftAb), Y(by), X(cx, shiftCd), Y(cy), X(dx, shiftCd), Y(dy)));

    /// <summary>
    /// An upper bound in metres on the length of the segment a–b (straight in lon/lat) on the ellipsoid: its plane
    /// length times <see cref="HighFactor"/>, with a margin for rounding.
    /// </summary>
    public double PieceLengthBound(double ax, double ay, double bx, double by, double shift)
    {
        double vx = X(bx, shift) - X(ax, shift), vy = Y(by) - Y(ay);
        return (Math.Sqrt((vx * vx) + (vy * vy)) * HighFactor * (1 + 1e-9)) + 1e-6;
    }

    private double X(double lon, double shift) => (lon + shift - _lon0) * _kx;

    private double Y(double lat) => (lat - _lat0) * _ky;

    private double PathDistance(double[] p, double shiftP, double[] q, double shiftQ, double enough)
    {
        int np = p.Length / 2, nq = q.Length / 2;

        // q's vertices on the plane once, rather than once for every edge of p.
        double[]? rented = null;
        Span<double> qs = nq <= 128 ? stackalloc double[2 * nq] : (rented = System.Buffers.ArrayPool<double>.Shared.Rent(2 * nq)).AsSpan(0, 2 * nq);
        for (int j = 0; j < nq; j++)
        {
            qs[2 * j] = X(q[2 * j], shiftQ);
            qs[(2 * j) + 1] = Y(q[(2 * j) + 1]);
        }

        // Squared distances, one root at the end; a pair of edges whose boxes are already farther apart than the
        // best so far cannot improve it.
        double best2 = double.PositiveInfinity;
        double enough2 = enough >= 0 ? enough * enough : -1;
        for (int i = 0; i < Math.Max(1, np - 1); i++)
        {
            int i2 = Math.Min(i + 1, np - 1);
            double ax = X(p[2 * i], shiftP), ay = Y(p[(2 * i) + 1]);
            double bx = X(p[2 * i2], shiftP), by = Y(p[(2 * i2) + 1]);
            double minX = Math.Min(ax, bx), maxX = Math.Max(ax, bx), minY = Math.Min(ay, by), maxY = Math.Max(ay, by);
            for (int j = 0; j < Math.Max(1, nq - 1); j++)
            {
                int j2 = Math.Min(j + 1, nq - 1);
                double cx = qs[2 * j], cy = qs[(2 * j) + 1];
                double dx = qs[2 * j2], dy = qs[(2 * j2) + 1];
                double gapX = Math.Max(0, Math.Max(Math.Min(cx, dx) - maxX, minX - Math.Max(cx, dx)));
                double gapY = Math.Max(0, Math.Max(Math.Min(cy, dy) - maxY, minY - Math.Max(cy, dy)));
                if ((gapX * gapX) + (gapY * gapY) > best2)
                {
                    continue;
                }

                best2 = Math.Min(best2, SegmentSegment2(ax, ay, bx, by, cx, cy, dx, dy));
                if (best2 <= enough2)
                {
                    i = np; // done: near enough
                    break;
                }
            }
        }

        if (rented is not null)
        {
            System.Buffers.ArrayPool<double>.Shared.Return(rented);
        }

        return Math.Sqrt(best2);
    }

    // Squared plane distance between segments a–b and c–d (projected): the least of the four vertex-to-segment ones.
    private static double SegmentSegment2(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy) =>
        Math.Min(
            Math.Min(PointSegment2(ax, ay, cx, cy, dx, dy), PointSegment2(bx, by, cx, cy, dx, dy)),
            Math.Min(PointSegment2(cx, cy, ax, ay, bx, by), PointSegment2(dx, dy, ax, ay, bx, by)));

    private static double PointSegment(double px, double py, double ax, double ay, double bx, double by) =>
        Math.Sqrt(PointSegment2(px, py, ax, ay, bx, by));

    private static double PointSegment2(double px, double py, double ax, double ay, double bx, double by)
    {
        double vx = bx - ax, vy = by - ay;
        double length2 = (vx * vx) + (vy * vy);
        double t = length2 == 0 ? 0 : Math.Clamp((((px - ax) * vx) + ((py - ay) * vy)) / length2, 0, 1);
        double ex = ax + (t * vx) - px, ey = ay + (t * vy) - py;
        return (ex * ex) + (ey * ey);
    }

    private static (double M, double N) Radii(double lat)
    {
        double s = Math.Sin(lat * DegToRad);
        double w = 1 - (E2 * s * s);
        double n = Geodesy.SemiMajorAxis / Math.Sqrt(w);
        return (n * (1 - E2) / w, n);
    }
}
