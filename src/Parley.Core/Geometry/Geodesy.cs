namespace Parley.Core.Geometry;

/// <summary>Distances on the WGS84 ellipsoid, in metres.</summary>
/// <remarks>
/// <see cref="Distance"/> solves the inverse geodesic problem (Vincenty, iterated to 1e-12 rad, about
/// 0.1 mm); it falls back to the sphere only for nearly antipodal points, where it does not converge and
/// where every threshold Parley tests is far away anyway. <see cref="SphericalDistance"/> is the cheap
/// bound used to decide clear cases: it is within <see cref="SphericalRelativeError"/> of the ellipsoid.
/// </remarks>
public static class Geodesy
{
    /// <summary>WGS84 semi-major axis in metres.</summary>
    public const double SemiMajorAxis = 6378137.0;

    /// <summary>WGS84 flattening.</summary>
    public const double Flattening = 1 / 298.257223563;

    /// <summary>WGS84 semi-minor axis in metres.</summary>
    public const double SemiMinorAxis = SemiMajorAxis * (1 - Flattening);

    /// <summary>Mean earth radius (IUGG R1) used by the spherical approximation.</summary>
    public const double MeanRadius = 6371008.8;

    /// <summary>Largest relative difference between the spherical and the ellipsoidal distance, with margin.</summary>
    public const double SphericalRelativeError = 0.0075;

    /// <summary>Shortest metres per degree of latitude anywhere on WGS84 (at the equator), with margin.</summary>
    public const double MinMetresPerDegreeLatitude = 110_500;

    private const double DegToRad = Math.PI / 180;

    /// <summary>Great-circle distance on the mean sphere (haversine), in metres.</summary>
    public static double SphericalDistance(double lon1, double lat1, double lon2, double lat2)
    {
        double p1 = lat1 * DegToRad, p2 = lat2 * DegToRad;
        double dp = p2 - p1, dl = (lon2 - lon1) * DegToRad;
        double s1 = Math.Sin(dp / 2), s2 = Math.Sin(dl / 2);
        double h = (s1 * s1) + (Math.Cos(p1) * Math.Cos(p2) * s2 * s2);
        return 2 * MeanRadius * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    /// <summary>Geodesic distance on the WGS84 ellipsoid, in metres.</summary>
    public static double Distance(double lon1, double lat1, double lon2, double lat2)
    {
        const double a = SemiMajorAxis, b = SemiMinorAxis, f = Flattening;
        double dLon = NormalizeLongitudeDifference(lon2 - lon1) * DegToRad;
        if (lat1 == lat2 && dLon == 0)
        {
            return 0;
        }

        double u1 = Math.Atan((1 - f) * Math.Tan(lat1 * DegToRad));
        double u2 = Math.Atan((1 - f) * Math.Tan(lat2 * DegToRad));
        double sinU1 = Math.Sin(u1), cosU1 = Math.Cos(u1), sinU2 = Math.Sin(u2), cosU2 = Math.Cos(u2);

        double lambda = dLon, lambdaPrev;
        double sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM;
        int iterations = 0;
        do
        {
            double sinLambda = Math.Sin(lambda), cosLambda = Math.Cos(lambda);
            double t1 = cosU2 * sinLambda;
            double t2 = (cosU1 * sinU2) - (sinU1 * cosU2 * cosLambda);
            sinSigma = Math.Sqrt((t1 * t1) + (t2 * t2));
            if (sinSigma == 0)
            {
                return 0; // coincident points (this includes two longitudes at one pole)
            }

            cosSigma = (sinU1 * sinU2) + (cosU1 * cosU2 * cosLambda);
            sigma = Math.Atan2(sinSigma, cosSigma);
            double sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
            cos2Alpha = 1 - (sinAlpha * sinAlpha);
            cos2SigmaM = cos2Alpha != 0 ? cosSigma - (2 * sinU1 * sinU2 / cos2Alpha) : 0; // equatorial line
            double c = f / 16 * cos2Alpha * (4 + (f * (4 - (3 * cos2Alpha))));
            lambdaPrev = lambda;
            lambda = dLon + ((1 - c) * f * sinAlpha *
                (sigma + (c * sinSigma * (cos2SigmaM + (c * cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM)))))));
            if (Math.Abs(lambda) > Math.PI + 1e-9 || ++iterations > 200)
            {
                return SphericalDistance(lon1, lat1, lon2, lat2); // nearly antipodal: no convergence
            }
        }
        while (Math.Abs(lambda - lambdaPrev) > 1e-12);

        double uSq = cos2Alpha * ((a * a) - (b * b)) / (b * b);
        double bigA = 1 + (uSq / 16384 * (4096 + (uSq * (-768 + (uSq * (320 - (175 * uSq)))))));
        double bigB = uSq / 1024 * (256 + (uSq * (-128 + (uSq * (74 - (47 * uSq))))));
        double deltaSigma = bigB * sinSigma * (cos2SigmaM + (bigB / 4 * ((cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM))) -
            (bigB / 6 * cos2SigmaM * (-3 + (4 * sinSigma * sinSigma)) * (-3 + (4 * cos2SigmaM * cos2SigmaM))))));
        return b * bigA * (sigma - deltaSigma);
    }

    /// <summary>Maps a longitude difference into [-180, 180].</summary>
    public static double NormalizeLongitudeDifference(double d)
    {
        if (d > 180)
        {
            d -= 360;
        }
        else if (d < -180)
        {
            d += 360;
        }

        return d;
    }

    /// <summary>
    /// Degrees of longitude that certainly cover <paramref name="metres"/> east or west of any point whose
    /// latitude magnitude is at most <paramref name="maxAbsLatitude"/>; 360 when that reaches a pole.
    /// </summary>
    public static double LongitudeSpanCovering(double metres, double maxAbsLatitude)
    {
        if (metres <= 0)
        {
            return 0;
        }

        double cos = Math.Cos(Math.Min(90, maxAbsLatitude) * DegToRad);
        // Parallel circle radius on the ellipsoid is at least a*cos(lat)*(1-f); the margin covers geodesic vs parallel.
        double metresPerDegree = SemiMajorAxis * (1 - Flattening) * cos * DegToRad * 0.99;
        if (metresPerDegree <= 1e-6)
        {
            return 360;
        }

        double span = metres / metresPerDegree;
        return span >= 180 ? 360 : span;
    }

    /// <summary>Degrees of latitude that certainly cover <paramref name="metres"/> north or south.</summary>
    public static double LatitudeSpanCovering(double metres) => metres <= 0 ? 0 : metres / MinMetresPerDegreeLatitude;
}
