using Parley.Core.Geometry;

namespace Parley.Interop.Tests.Support;

/// <summary>Distances for comparing outlines: geodesic between points; to a polygon's edges on a local plane (small shapes only).</summary>
internal static class Metres
{
    public static double Between(double lon1, double lat1, double lon2, double lat2) => Geodesy.Distance(lon1, lat1, lon2, lat2);

    /// <summary>Distance from a point to the nearest edge of a packed ring (lon, lat pairs), on a plane around the point.</summary>
    public static double ToRing(double lon, double lat, double[] ring)
    {
        double kx = 111_320 * Math.Cos(lat * Math.PI / 180), ky = 110_574;
        double best = double.PositiveInfinity;
        int n = ring.Length / 2;
        for (int i = 0; i < n; i++)
        {
            int j = (i + 1) % n;
            double ax = (ring[2 * i] - lon) * kx, ay = (ring[(2 * i) + 1] - lat) * ky;
            double bx = (ring[2 * j] - lon) * kx, by = (ring[(2 * j) + 1] - lat) * ky;
            double dx = bx - ax, dy = by - ay;
            double t = dx == 0 && dy == 0 ? 0 : Math.Clamp(-((ax * dx) + (ay * dy)) / ((dx * dx) + (dy * dy)), 0, 1);
            double px = ax + (t * dx), py = ay + (t * dy);
            best = Math.Min(best, Math.Sqrt((px * px) + (py * py)));
        }

        return best;
    }

    /// <summary>The larger of the two directed distances between the vertices of one ring and the edges of the other.</summary>
    public static double Hausdorff(double[] a, double[] b)
    {
        double worst = 0;
        for (int i = 0; i + 1 < a.Length; i += 2)
        {
            worst = Math.Max(worst, ToRing(a[i], a[i + 1], b));
        }

        for (int i = 0; i + 1 < b.Length; i += 2)
        {
            worst = Math.Max(worst, ToRing(b[i], b[i + 1], a));
        }

        return worst;
    }
}
