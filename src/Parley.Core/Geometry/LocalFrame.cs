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

    private readonly double _lon0, _lat0, _kx, _ky, _shiftB;

    private LocalFrame(double lon0, double lat0, double kx, double ky, double shiftB, double low, double high)
    {
        _lon0 = lon0;
        _lat0 = lat0;
        _kx = kx;
        _ky = ky;
        _shiftB = shiftB;
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
        frame = default;
        var ba = a.Bounds;
        var bb = b.Bounds;

        // Bring b next to a across the antimeridian if that is where it lies.
        double shift = 0;
        double centreA = (ba.MinX + ba.MaxX) / 2, centreB = (bb.MinX + bb.MaxX) / 2;
        if (centreB - centreA > 180)
        {
            shift = -360;
        }
        else if (centreA - centreB > 180)
        {
            shift = 360;
        }

        double minX = Math.Min(ba.MinX, bb.MinX + shift), maxX = Math.Max(ba.MaxX, bb.MaxX + shift);
        double minY = Math.Min(ba.MinY, bb.MinY), maxY = Math.Max(ba.MaxY, bb.MaxY);
        if (maxX - minX > MaxSpanDegrees || maxY - minY > MaxSpanDegrees ||
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
        double low = 1, high = 1;
        double south = Math.Max(-89.9, minY - margin), north = Math.Min(89.9, maxY + margin);

        // Both scales are monotonic in |latitude|: the band's ends (and the equator, if inside) bound them.
        foreach (double lat in new[] { south, lat0, north, south < 0 && north > 0 ? 0 : lat0 })
        {
            var (m, n) = Radii(lat);
            double rx = n * Math.Cos(lat * DegToRad) * DegToRad / kx;
            double ry = m * DegToRad / ky;
            low = Math.Min(low, Math.Min(rx, ry));
            high = Math.Max(high, Math.Max(rx, ry));
        }

        // Second-order terms (the plane is not the surface) over at most ~150 km: well under 1e-3.
        frame = new LocalFrame(minX, lat0, kx, ky, shift, low * (1 - 1e-3), high * (1 + 1e-3));
        return true;
    }

    /// <summary>
    /// Least distance in plane metres between the base geometries' edges and vertices; it may stop early
    /// with any distance at or below <paramref name="enough"/>, when only "at most this far?" matters.
    /// </summary>
    public double MinDistance(Shape a, Shape b, double enough = -1)
    {
        double best = double.PositiveInfinity;
        for (int i = 0; i < a.Paths.Count; i++)
        {
            for (int j = 0; j < b.Paths.Count; j++)
            {
                best = Math.Min(best, PathDistance(a.Paths[i], 0, b.Paths[j], _shiftB, enough));
                if (best <= enough)
                {
                    return best;
                }
            }
        }

        return best;
    }

    private double X(double lon, double shift) => (lon + shift - _lon0) * _kx;

    private double Y(double lat) => (lat - _lat0) * _ky;

    private double PathDistance(double[] p, double shiftP, double[] q, double shiftQ, double enough)
    {
        int np = p.Length / 2, nq = q.Length / 2;
        double best = double.PositiveInfinity;
        for (int i = 0; i < Math.Max(1, np - 1); i++)
        {
            int i2 = Math.Min(i + 1, np - 1);
            double ax = X(p[2 * i], shiftP), ay = Y(p[(2 * i) + 1]);
            double bx = X(p[2 * i2], shiftP), by = Y(p[(2 * i2) + 1]);
            for (int j = 0; j < Math.Max(1, nq - 1); j++)
            {
                int j2 = Math.Min(j + 1, nq - 1);
                double cx = X(q[2 * j], shiftQ), cy = Y(q[(2 * j) + 1]);
                double dx = X(q[2 * j2], shiftQ), dy = Y(q[(2 * j2) + 1]);
                double d = Math.Min(
                    Math.Min(PointSegment(ax, ay, cx, cy, dx, dy), PointSegment(bx, by, cx, cy, dx, dy)),
                    Math.Min(PointSegment(cx, cy, ax, ay, bx, by), PointSegment(dx, dy, ax, ay, bx, by)));
                best = Math.Min(best, d);
                if (best <= enough)
                {
                    return best;
                }
            }
        }

        return best;
    }

    private static double PointSegment(double px, double py, double ax, double ay, double bx, double by)
    {
        double vx = bx - ax, vy = by - ay;
        double length2 = (vx * vx) + (vy * vy);
        double t = length2 == 0 ? 0 : Math.Clamp((((px - ax) * vx) + ((py - ay) * vy)) / length2, 0, 1);
        double ex = ax + (t * vx) - px, ey = ay + (t * vy) - py;
        return Math.Sqrt((ex * ex) + (ey * ey));
    }

    private static (double M, double N) Radii(double lat)
    {
        double s = Math.Sin(lat * DegToRad);
        double w = 1 - (E2 * s * s);
        double n = Geodesy.SemiMajorAxis / Math.Sqrt(w);
        return (n * (1 - E2) / w, n);
    }
}
