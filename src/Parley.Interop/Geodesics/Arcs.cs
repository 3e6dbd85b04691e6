namespace Parley.Interop.Geodesics;

/// <summary>
/// Circles and arcs as geodesic vertices: every vertex lies on the arc (geodesic distance from the centre), and the
/// straight edge between two neighbours (straight in longitude/latitude, as Parley's polygon edges are) departs from the
/// arc by at most <see cref="MaxErrorMetres"/>.
/// </summary>
/// <remarks>
/// The step is chosen so that a chord's sagitta is at most <see cref="SagittaMetres"/> and a chord at most
/// <see cref="MaxChordMetres"/> long; the difference between a chord and the longitude/latitude line over such a
/// short edge is centimetres away from the poles. The rest of the stated bound is margin, checked by property tests.
/// </remarks>
public static class Arcs
{
    /// <summary>The stated bound: no point of a drawn arc or circle is further than this from the true one, in metres.</summary>
    public const double MaxErrorMetres = 10;

    /// <summary>The design sagitta of one chord, in metres.</summary>
    public const double SagittaMetres = 3;

    /// <summary>The longest chord drawn, in metres.</summary>
    public const double MaxChordMetres = 5000;

    private const double RadToDeg = 180 / Math.PI;

    /// <summary>The angle in degrees between two neighbouring vertices on a circle of <paramref name="radiusMetres"/>.</summary>
    public static double StepDegrees(double radiusMetres)
    {
        if (radiusMetres <= SagittaMetres)
        {
            return 22.5;
        }

        double bySagitta = 2 * Math.Acos(1 - (SagittaMetres / radiusMetres)) * RadToDeg;
        double byChord = 2 * Math.Asin(Math.Min(1, MaxChordMetres / (2 * radiusMetres))) * RadToDeg;
        return Math.Min(22.5, Math.Min(bySagitta, byChord));
    }

    /// <summary>
    /// Appends the vertices of an arc around (<paramref name="lon"/>, <paramref name="lat"/>) from bearing
    /// <paramref name="fromBearing"/> to <paramref name="toBearing"/> (degrees clockwise from north), turning clockwise or not,
    /// to <paramref name="packed"/> (lon, lat pairs), both ends included. The radius goes linearly from
    /// <paramref name="fromRadius"/> to <paramref name="toRadius"/> (an over-defined arc whose ends lie at different distances).
    /// </summary>
    public static void Append(List<double> packed, double lon, double lat, double fromRadius, double toRadius,
        double fromBearing, double toBearing, bool clockwise)
    {
        double sweep = clockwise
            ? Ellipsoid.NormalizeBearing(toBearing - fromBearing)
            : Ellipsoid.NormalizeBearing(fromBearing - toBearing);
        double step = StepDegrees(Math.Max(fromRadius, toRadius));
        int n = Math.Max(1, (int)Math.Ceiling(sweep / step));
        for (int i = 0; i <= n; i++)
        {
            double t = (double)i / n;
            double bearing = fromBearing + ((clockwise ? 1 : -1) * sweep * t);
            double radius = fromRadius + ((toRadius - fromRadius) * t);
            var (x, y) = Ellipsoid.Destination(lon, lat, Ellipsoid.NormalizeBearing(bearing), radius);
            packed.Add(x);
            packed.Add(y);
        }
    }

    /// <summary>A closed counter-clockwise ring (RFC 7946) of vertices on the circle, the first at due north.</summary>
    public static double[] Circle(double lon, double lat, double radiusMetres)
    {
        double step = StepDegrees(radiusMetres);
        int n = Math.Max(16, (int)Math.Ceiling(360 / step));
        var packed = new double[(n + 1) * 2];
        for (int i = 0; i < n; i++)
        {
            // Decreasing bearings turn counter-clockwise on a map with east to the right.
            var (x, y) = Ellipsoid.Destination(lon, lat, Ellipsoid.NormalizeBearing(-360.0 * i / n), radiusMetres);
            packed[2 * i] = x;
            packed[(2 * i) + 1] = y;
        }

        packed[2 * n] = packed[0];
        packed[(2 * n) + 1] = packed[1];
        return packed;
    }
}
