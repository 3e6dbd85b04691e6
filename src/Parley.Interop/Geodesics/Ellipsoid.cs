using Parley.Core.Geometry;

namespace Parley.Interop.Geodesics;

/// <summary>The direct and inverse geodesic problems on WGS84 (Vincenty), for drawing circles, arcs and corridors.</summary>
/// <remarks>
/// Iterated to 1e-12 rad (well under a millimetre). The inverse falls back to the sphere for nearly antipodal points,
/// where Vincenty does not converge; no arc or circle Parley draws comes near that.
/// </remarks>
public static class Ellipsoid
{
    private const double A = Parley.Core.Geometry.Geodesy.SemiMajorAxis;
    private const double F = Parley.Core.Geometry.Geodesy.Flattening;
    private const double B = Parley.Core.Geometry.Geodesy.SemiMinorAxis;
    private const double DegToRad = Math.PI / 180;

    /// <summary>The point <paramref name="metres"/> from (<paramref name="lon"/>, <paramref name="lat"/>) along the initial bearing <paramref name="bearingDegrees"/> (clockwise from north).</summary>
    public static (double Lon, double Lat) Destination(double lon, double lat, double bearingDegrees, double metres)
    {
        if (metres == 0)
        {
            return (lon, lat);
        }

        double alpha1 = bearingDegrees * DegToRad;
        double sinAlpha1 = Math.Sin(alpha1), cosAlpha1 = Math.Cos(alpha1);
        double tanU1 = (1 - F) * Math.Tan(lat * DegToRad);
        double cosU1 = 1 / Math.Sqrt(1 + (tanU1 * tanU1)), sinU1 = tanU1 * cosU1;
        double sigma1 = Math.Atan2(tanU1, cosAlpha1);
        double sinAlpha = cosU1 * sinAlpha1;
        double cosSqAlpha = 1 - (sinAlpha * sinAlpha);
        double uSq = cosSqAlpha * ((A * A) - (B * B)) / (B * B);
        double bigA = 1 + (uSq / 16384 * (4096 + (uSq * (-768 + (uSq * (320 - (175 * uSq)))))));
        double bigB = uSq / 1024 * (256 + (uSq * (-128 + (uSq * (74 - (47 * uSq))))));

        double sigma = metres / (B * bigA), sigmaPrev;
        double cos2SigmaM, sinSigma, cosSigma;
        int iterations = 0;
        do
        {
            cos2SigmaM = Math.Cos((2 * sigma1) + sigma);
            sinSigma = Math.Sin(sigma);
            cosSigma = Math.Cos(sigma);
            double deltaSigma = bigB * sinSigma * (cos2SigmaM + (bigB / 4 * ((cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM))) -
                (bigB / 6 * cos2SigmaM * (-3 + (4 * sinSigma * sinSigma)) * (-3 + (4 * cos2SigmaM * cos2SigmaM))))));
            sigmaPrev = sigma;
            sigma = (metres / (B * bigA)) + deltaSigma;
        }
        while (Math.Abs(sigma - sigmaPrev) > 1e-12 && ++iterations < 200);

        double tmp = (sinU1 * sinSigma) - (cosU1 * cosSigma * cosAlpha1);
        double lat2 = Math.Atan2((sinU1 * cosSigma) + (cosU1 * sinSigma * cosAlpha1), (1 - F) * Math.Sqrt((sinAlpha * sinAlpha) + (tmp * tmp)));
        double lambda = Math.Atan2(sinSigma * sinAlpha1, (cosU1 * cosSigma) - (sinU1 * sinSigma * cosAlpha1));
        double c = F / 16 * cosSqAlpha * (4 + (F * (4 - (3 * cosSqAlpha))));
        double l = lambda - ((1 - c) * F * sinAlpha * (sigma + (c * sinSigma * (cos2SigmaM + (c * cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM)))))));
        double lon2 = lon + (l / DegToRad);
        if (lon2 > 180)
        {
            lon2 -= 360;
        }
        else if (lon2 < -180)
        {
            lon2 += 360;
        }

        return (lon2, lat2 / DegToRad);
    }

    /// <summary>The geodesic distance in metres and the initial bearing in degrees [0, 360) from the first point to the second.</summary>
    public static (double Metres, double BearingDegrees) Inverse(double lon1, double lat1, double lon2, double lat2)
    {
        double dLon = Parley.Core.Geometry.Geodesy.NormalizeLongitudeDifference(lon2 - lon1) * DegToRad;
        if (lat1 == lat2 && dLon == 0)
        {
            return (0, 0);
        }

        double u1 = Math.Atan((1 - F) * Math.Tan(lat1 * DegToRad));
        double u2 = Math.Atan((1 - F) * Math.Tan(lat2 * DegToRad));
        double sinU1 = Math.Sin(u1), cosU1 = Math.Cos(u1), sinU2 = Math.Sin(u2), cosU2 = Math.Cos(u2);
        double lambda = dLon, lambdaPrev;
        double sinLambda, cosLambda, sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM;
        int iterations = 0;
        do
        {
            sinLambda = Math.Sin(lambda);
            cosLambda = Math.Cos(lambda);
            double t1 = cosU2 * sinLambda;
            double t2 = (cosU1 * sinU2) - (sinU1 * cosU2 * cosLambda);
            sinSigma = Math.Sqrt((t1 * t1) + (t2 * t2));
            if (sinSigma == 0)
            {
                return (0, 0);
            }

            cosSigma = (sinU1 * sinU2) + (cosU1 * cosU2 * cosLambda);
            sigma = Math.Atan2(sinSigma, cosSigma);
            double sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
            cosSqAlpha = 1 - (sinAlpha * sinAlpha);
            cos2SigmaM = cosSqAlpha != 0 ? cosSigma - (2 * sinU1 * sinU2 / cosSqAlpha) : 0;
            double c = F / 16 * cosSqAlpha * (4 + (F * (4 - (3 * cosSqAlpha))));
            lambdaPrev = lambda;
            lambda = dLon + ((1 - c) * F * sinAlpha * (sigma + (c * sinSigma * (cos2SigmaM + (c * cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM)))))));
            if (Math.Abs(lambda) > Math.PI + 1e-9 || ++iterations > 200)
            {
                return SphericalInverse(lon1, lat1, lon2, lat2);
            }
        }
        while (Math.Abs(lambda - lambdaPrev) > 1e-12);

        double uSq = cosSqAlpha * ((A * A) - (B * B)) / (B * B);
        double bigA = 1 + (uSq / 16384 * (4096 + (uSq * (-768 + (uSq * (320 - (175 * uSq)))))));
        double bigB = uSq / 1024 * (256 + (uSq * (-128 + (uSq * (74 - (47 * uSq))))));
        double deltaSigma = bigB * sinSigma * (cos2SigmaM + (bigB / 4 * ((cosSigma * (-1 + (2 * cos2SigmaM * cos2SigmaM))) -
            (bigB / 6 * cos2SigmaM * (-3 + (4 * sinSigma * sinSigma)) * (-3 + (4 * cos2SigmaM * cos2SigmaM))))));
        double metres = B * bigA * (sigma - deltaSigma);
        double alpha1 = Math.Atan2(cosU2 * sinLambda, (cosU1 * sinU2) - (sinU1 * cosU2 * cosLambda));
        return (metres, NormalizeBearing(alpha1 / DegToRad));
    }

    /// <summary>Maps a bearing into [0, 360).</summary>
    public static double NormalizeBearing(double degrees)
    {
        double b = degrees % 360;
        return b < 0 ? b + 360 : b;
    }

    private static (double, double) SphericalInverse(double lon1, double lat1, double lon2, double lat2)
    {
        double p1 = lat1 * DegToRad, p2 = lat2 * DegToRad, dl = (lon2 - lon1) * DegToRad;
        double y = Math.Sin(dl) * Math.Cos(p2);
        double x = (Math.Cos(p1) * Math.Sin(p2)) - (Math.Sin(p1) * Math.Cos(p2) * Math.Cos(dl));
        return (Parley.Core.Geometry.Geodesy.SphericalDistance(lon1, lat1, lon2, lat2), NormalizeBearing(Math.Atan2(y, x) / DegToRad));
    }
}
