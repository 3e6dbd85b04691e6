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
        if (around is { } given && given.Covers(b))
        {
            bool? onGiven = DecideOnPlane(a, b, metres, given);
            if (onGiven is { } decided)
            {
                return decided;
            }
        }

        // A plane fitted to the two shapes alone has a narrower band of doubt than one made for a whole query.
        if (LocalFrame.TryCreate(a, b, out var frame))
        {
            return DecideOnPlane(a, b, metres, frame) ?? WithinDistanceOnPieces(a, b, metres, frame);
        }

        return WithinDistanceOnSphere(a, b, metres);
    }

    /// <summary>True or false when the plane's bounds settle it, null when the distance is in the band of doubt.</summary>
    private static bool? DecideOnPlane(Shape a, Shape b, double metres, in LocalFrame frame)
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

        return null;
    }

    /// <summary>
    /// The plane could not settle the shapes as a whole: the least distance is near <paramref name="metres"/>.
    /// Every (vertex, piece) pair is bounded on the plane, and only those the bounds cannot settle are measured
    /// on the ellipsoid, with the same routine the spherical path below uses for its doubtful pairs.
    /// </summary>
    private static bool WithinDistanceOnPieces(Shape a, Shape b, double metres, in LocalFrame frame)
    {
        double shiftA = frame.ShiftOf(a), shiftB = frame.ShiftOf(b);
        var piecesA = Pieces(a, out int countA);
        var piecesB = Pieces(b, out int countB);
        try
        {
            // First pass: a pair the plane proves near settles it, without one geodesic.
            bool doubt = false;
            for (int i = 0; i < countA; i++)
            {
                for (int j = 0; j < countB; j++)
                {
                    switch (Bounded(piecesA[i], shiftA, piecesB[j], shiftB, metres, frame))
                    {
                        case PlaneBound.Near:
                            return true;
                        case PlaneBound.Doubtful:
                            doubt = true;
                            break;
                    }
                }
            }

            if (!doubt)
            {
                return false;
            }

            // Second pass: the doubtful pairs, measured on the ellipsoid.
            for (int i = 0; i < countA; i++)
            {
                for (int j = 0; j < countB; j++)
                {
                    if (Bounded(piecesA[i], shiftA, piecesB[j], shiftB, metres, frame) == PlaneBound.Doubtful &&
                        PieceDistanceWithin(piecesA[i], shiftA, piecesB[j], shiftB, metres, frame))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
        finally
        {
            Return(piecesA);
            Return(piecesB);
        }
    }

    private enum PlaneBound
    {
        Far,
        Doubtful,
        Near,
    }

    /// <summary>What the plane says of the least distance between two pieces (the least of their four vertex-to-piece distances).</summary>
    private static PlaneBound Bounded(in Piece p, double shiftP, in Piece q, double shiftQ, double metres, in LocalFrame frame)
    {
        double d = frame.SegmentDistance(p.Ax, p.Ay, p.Bx, p.By, shiftP, q.Ax, q.Ay, q.Bx, q.By, shiftQ);
        return d * frame.HighFactor <= metres ? PlaneBound.Near : d * frame.LowFactor > metres ? PlaneBound.Far : PlaneBound.Doubtful;
    }

    /// <summary>
    /// Whether the ellipsoidal <see cref="PieceDistance"/> of two pieces is at most <paramref name="metres"/>: each of its
    /// four vertex-to-piece terms is measured on the ellipsoid only when the plane does not already put it beyond.
    /// </summary>
    private static bool PieceDistanceWithin(in Piece p, double shiftP, in Piece q, double shiftQ, double metres, in LocalFrame frame) =>
        VertexWithin(p.Ax, p.Ay, shiftP, q, shiftQ, metres, frame) || VertexWithin(p.Bx, p.By, shiftP, q, shiftQ, metres, frame) ||
        VertexWithin(q.Ax, q.Ay, shiftQ, p, shiftP, metres, frame) || VertexWithin(q.Bx, q.By, shiftQ, p, shiftP, metres, frame);

    private static bool VertexWithin(double x, double y, double shift, in Piece piece, double shiftPiece, double metres, in LocalFrame frame) =>
        frame.PointSegmentDistance(x, y, shift, piece.Ax, piece.Ay, piece.Bx, piece.By, shiftPiece) * frame.LowFactor <= metres &&
        PointToPieceWithin(x, y, piece, metres, frame.PieceLengthBound(piece.Ax, piece.Ay, piece.Bx, piece.By, shiftPiece));

    /// <summary>Largest error of one <see cref="Geodesy.Distance"/> (about 0.1 mm), with a wide margin.</summary>
    private const double GeodesicErrorMetres = 1e-3;

    /// <summary>
    /// Whether <see cref="PointToPiece"/> on the ellipsoid is at most <paramref name="metres"/>: the same search, ended
    /// as soon as its answer is known. It is "yes" at the first point within; it is "no" once the search has narrowed
    /// to an interval whose every point is provably farther: no point of a piece moves more than
    /// <paramref name="pieceLength"/> metres (a bound on the piece's geodesic length) as its parameter runs over [0, 1].
    /// </summary>
    internal static bool PointToPieceWithin(double px, double py, in Piece s, double metres, double pieceLength) =>
        PointToPiece(px, py, s, Geodesy.Distance, metres, pieceLength) <= metres;

    /// <summary>Shapes too large or too near a pole for a plane: clear cases on the sphere, the rest on the ellipsoid.</summary>
    private static bool WithinDistanceOnSphere(Shape a, Shape b, double metres)
    {
        double sphericalCut = (metres * (1 + Geodesy.SphericalRelativeError)) + 1e-6;
        double sureCut = metres * (1 - Geodesy.SphericalRelativeError);
        var piecesA = Pieces(a, out int countA);
        var piecesB = Pieces(b, out int countB);
        try
        {
            List<(Piece, Piece)>? doubtful = null;
            for (int i = 0; i < countA; i++)
            {
                var pieceA = piecesA[i];
                var boxA = pieceA.Box.Expand(sphericalCut);
                for (int j = 0; j < countB; j++)
                {
                    var pieceB = piecesB[j];
                    if (!boxA.Intersects(new GeoBoxPair(pieceB.Box, null)))
                    {
                        continue;
                    }

                    double d = PieceDistance(pieceA, pieceB, Geodesy.SphericalDistance, stopAt: sureCut);
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
                if (PieceDistance(pa, pb, Geodesy.Distance, stopAt: metres) <= metres)
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            Return(piecesA);
            Return(piecesB);
        }
    }

    /// <summary>Least geodesic distance in metres between the base geometries (0 when they meet).</summary>
    public static double Distance(Shape a, Shape b)
    {
        if (ShapeRelations.BaseIntersects(a, b))
        {
            return 0;
        }

        double best = double.PositiveInfinity;
        var piecesA = Pieces(a, out int countA);
        var piecesB = Pieces(b, out int countB);
        try
        {
            for (int i = 0; i < countA; i++)
            {
                for (int j = 0; j < countB; j++)
                {
                    best = Math.Min(best, PieceDistance(piecesA[i], piecesB[j], Geodesy.Distance));
                }
            }
        }
        finally
        {
            Return(piecesA);
            Return(piecesB);
        }

        return best;
    }

    internal readonly record struct Piece(double Ax, double Ay, double Bx, double By)
    {
        public GeoBox Box => new(Math.Min(Ax, Bx), Math.Min(Ay, By), Math.Max(Ax, Bx), Math.Max(Ay, By));
    }

    /// <summary>The shape's edges cut into pieces of at most <see cref="MaxPieceDegrees"/>, in a pooled array (give it back with <see cref="Return"/>).</summary>
    private static Piece[] Pieces(Shape shape, out int count)
    {
        count = 0;
        foreach (var path in shape.PathArray)
        {
            if (path.Length == 2)
            {
                count++;
                continue;
            }

            for (int i = 0; i + 3 < path.Length; i += 2)
            {
                count += PiecesOf(path[i], path[i + 1], path[i + 2], path[i + 3]);
            }
        }

        var pieces = System.Buffers.ArrayPool<Piece>.Shared.Rent(count);
        int k = 0;
        foreach (var path in shape.PathArray)
        {
            if (path.Length == 2)
            {
                pieces[k++] = new Piece(path[0], path[1], path[0], path[1]);
                continue;
            }

            for (int i = 0; i + 3 < path.Length; i += 2)
            {
                double ax = path[i], ay = path[i + 1], bx = path[i + 2], by = path[i + 3];
                int n = PiecesOf(ax, ay, bx, by);
                for (int s = 0; s < n; s++)
                {
                    double t0 = (double)s / n, t1 = (double)(s + 1) / n;
                    pieces[k++] = new Piece(
                        ax + ((bx - ax) * t0), ay + ((by - ay) * t0),
                        s + 1 == n ? bx : ax + ((bx - ax) * t1), s + 1 == n ? by : ay + ((by - ay) * t1));
                }
            }
        }

        return pieces;
    }

    private static int PiecesOf(double ax, double ay, double bx, double by)
    {
        double span = Math.Max(Math.Abs(bx - ax), Math.Abs(by - ay));
        return span <= MaxPieceDegrees ? 1 : (int)Math.Ceiling(span / MaxPieceDegrees);
    }

    private static void Return(Piece[] pieces) => System.Buffers.ArrayPool<Piece>.Shared.Return(pieces);

    /// <summary>Least distance between two pieces (with <paramref name="stopAt"/>: or the first distance found at or below it, see <see cref="PointToPiece"/>).</summary>
    private static double PieceDistance(in Piece p, in Piece q, Func<double, double, double, double, double> metric, double stopAt = double.NegativeInfinity)
    {
        double d = PointToPiece(p.Ax, p.Ay, q, metric, stopAt);
        if (d <= stopAt)
        {
            return d;
        }

        d = Math.Min(d, PointToPiece(p.Bx, p.By, q, metric, stopAt));
        if (d <= stopAt)
        {
            return d;
        }

        d = Math.Min(d, PointToPiece(q.Ax, q.Ay, p, metric, stopAt));
        return d <= stopAt ? d : Math.Min(d, PointToPiece(q.Bx, q.By, p, metric, stopAt));
    }

    /// <summary>Least distance from a point to a piece, by sampling then golden-section search.</summary>
    /// <remarks>
    /// With <paramref name="stopAt"/>, it returns the first distance found at or below it: the least distance is
    /// then at most that too, so "is it at most <paramref name="stopAt"/>?" has the same answer, sooner. With
    /// <paramref name="pieceLength"/> too (a bound on how far a point of the piece moves as its parameter runs over
    /// [0, 1]), it returns a distance above <paramref name="stopAt"/> as soon as the search has narrowed to an
    /// interval whose every point is provably farther: the answer to that question is then "no".
    /// </remarks>
    internal static double PointToPiece(double px, double py, in Piece s, Func<double, double, double, double, double> metric,
        double stopAt = double.NegativeInfinity, double pieceLength = double.PositiveInfinity)
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
            if (d <= stopAt)
            {
                return d;
            }

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
            if (fc <= stopAt || fe <= stopAt)
            {
                return Math.Min(fc, fe);
            }

            // Every later point lies in [lo, hi], within (hi - lo) of c: at least fc - pieceLength·(hi - lo) away
            // (less the error of two geodesics), so the search can only end above the threshold.
            if (Math.Min(fc, fe) - (pieceLength * (hi - lo)) - (2 * GeodesicErrorMetres) > stopAt)
            {
                return Math.Min(fc, fe);
            }

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
