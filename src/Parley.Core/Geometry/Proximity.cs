namespace Parley.Core.Geometry;

/// <summary>Geodesic proximity between base geometries whose edges are straight in lon/lat.</summary>
/// <remarks>
/// The distance between two disjoint geometries is attained between their boundaries, so it is the
/// least distance between a pair of edges. Clear cases are settled on the sphere (within
/// <see cref="Geodesy.SphericalRelativeError"/>); only pairs in the band of doubt are measured on the
/// ellipsoid. Edges longer than <see cref="MaxPieceDegrees"/> are cut so that the least distance between
/// two pieces is attained at an end of one of them.
/// </remarks>
internal static class Proximity
{
    private const double MaxPieceDegrees = 0.5;

    /// <summary>Whether the geodesic distance between the base geometries is at most <paramref name="metres"/>.</summary>
    public static bool WithinDistance(Shape a, Shape b, double metres, in LocalFrame? around = null)
    {
        // Nearby small shapes: settle it on a local plane whose distortion is bounded (no geodesic needed).
        LocalFrame frame;
        bool onPlane;
        if (around is { } given && given.Covers(b))
        {
            frame = given;
            onPlane = true;
        }
        else
        {
            onPlane = LocalFrame.TryCreate(a, b, out frame);
        }

        if (onPlane)
        {
            double planar = frame.MinDistance(a, b, enough: metres / frame.HighFactor);
            if (planar * frame.HighFactor <= metres)
            {
                return true;
            }

            if (planar * frame.LowFactor > metres)
            {
                return false;
            }
        }

        double sphericalCut = (metres * (1 + Geodesy.SphericalRelativeError)) + 1e-6;
        double sureCut = metres * (1 - Geodesy.SphericalRelativeError);
        List<(Piece, Piece)>? doubtful = null;
        foreach (var pieceA in Pieces(a))
        {
            var boxA = pieceA.Box.Expand(sphericalCut);
            foreach (var pieceB in Pieces(b))
            {
                if (!boxA.Intersects(new GeoBoxPair(pieceB.Box, null)))
                {
                    continue;
                }

                double d = PieceDistance(pieceA, pieceB, Geodesy.SphericalDistance);
                if (d <= sureCut)
                {
                    return true;
                }

                if (d <= sphericalCut)
                {
                    (doubtful ??= []).Add((pieceA, pieceB));
                }
            }
        }

        if (doubtful is null)
        {
            return false;
        }

        foreach (var (pa, pb) in doubtful)
        {
            if (PieceDistance(pa, pb, Geodesy.Distance) <= metres)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Least geodesic distance in metres between the base geometries (0 when they meet).</summary>
    public static double Distance(Shape a, Shape b)
    {
        if (ShapeRelations.BaseIntersects(a, b))
        {
            return 0;
        }

        double best = double.PositiveInfinity;
        foreach (var pa in Pieces(a))
        {
            foreach (var pb in Pieces(b))
            {
                best = Math.Min(best, PieceDistance(pa, pb, Geodesy.Distance));
            }
        }

        return best;
    }

    internal readonly record struct Piece(double Ax, double Ay, double Bx, double By)
    {
        public GeoBox Box => new(Math.Min(Ax, Bx), Math.Min(Ay, By), Math.Max(Ax, Bx), Math.Max(Ay, By));
    }

    private static IEnumerable<Piece> Pieces(Shape shape)
    {
        foreach (var path in shape.Paths)
        {
            if (path.Length == 2)
            {
                yield return new Piece(path[0], path[1], path[0], path[1]);
                continue;
            }

            for (int i = 0; i + 3 < path.Length; i += 2)
            {
                double ax = path[i], ay = path[i + 1], bx = path[i + 2], by = path[i + 3];
                double span = Math.Max(Math.Abs(bx - ax), Math.Abs(by - ay));
                int n = span <= MaxPieceDegrees ? 1 : (int)Math.Ceiling(span / MaxPieceDegrees);
                for (int k = 0; k < n; k++)
                {
                    double t0 = (double)k / n, t1 = (double)(k + 1) / n;
                    yield return new Piece(
                        ax + ((bx - ax) * t0), ay + ((by - ay) * t0),
                        k + 1 == n ? bx : ax + ((bx - ax) * t1), k + 1 == n ? by : ay + ((by - ay) * t1));
                }
            }
        }
    }

    private static double PieceDistance(in Piece p, in Piece q, Func<double, double, double, double, double> metric) =>
        Math.Min(
            Math.Min(PointToPiece(p.Ax, p.Ay, q, metric), PointToPiece(p.Bx, p.By, q, metric)),
            Math.Min(PointToPiece(q.Ax, q.Ay, p, metric), PointToPiece(q.Bx, q.By, p, metric)));

    /// <summary>Least distance from a point to a piece, by sampling then golden-section search.</summary>
    internal static double PointToPiece(double px, double py, in Piece s, Func<double, double, double, double, double> metric)
    {
        if (s.Ax == s.Bx && s.Ay == s.By)
        {
            return metric(px, py, s.Ax, s.Ay);
        }

        const int Samples = 8;
        double dx = s.Bx - s.Ax, dy = s.By - s.Ay;
        double best = double.PositiveInfinity;
        int bestIndex = 0;
        for (int i = 0; i <= Samples; i++)
        {
            double t = (double)i / Samples;
            double d = metric(px, py, s.Ax + (dx * t), s.Ay + (dy * t));
            if (d < best)
            {
                best = d;
                bestIndex = i;
            }
        }

        double lo = Math.Max(0, (bestIndex - 1.0) / Samples), hi = Math.Min(1, (bestIndex + 1.0) / Samples);
        const double InvPhi = 0.6180339887498949;
        double c = hi - ((hi - lo) * InvPhi), e = lo + ((hi - lo) * InvPhi);
        double fc = metric(px, py, s.Ax + (dx * c), s.Ay + (dy * c));
        double fe = metric(px, py, s.Ax + (dx * e), s.Ay + (dy * e));
        for (int iteration = 0; iteration < 48 && hi - lo > 1e-12; iteration++)
        {
            if (fc < fe)
            {
                hi = e;
                e = c;
                fe = fc;
                c = hi - ((hi - lo) * InvPhi);
                fc = metric(px, py, s.Ax + (dx * c), s.Ay + (dy * c));
            }
            else
            {
                lo = c;
                c = e;
                fc = fe;
                e = lo + ((hi - lo) * InvPhi);
                fe = metric(px, py, s.Ax + (dx * e), s.Ay + (dy * e));
            }
        }

        return Math.Min(best, Math.Min(fc, fe));
    }
}
