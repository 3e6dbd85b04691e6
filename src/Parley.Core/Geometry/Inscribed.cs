using NetTopologySuite.Algorithm;
using NetTopologySuite.Geometries;

namespace Parley.Core.Geometry;

/// <summary>
/// Polygons inscribed in circles and corridors, for areas an operation must lie <em>within</em>: every point of the
/// polygon lies in the curved shape, and every point of the curved shape lies within <see cref="MaxErrorMetres"/> of
/// the polygon. Covering is decided against the polygon, so the error falls on the protective side: an operation within
/// a metre of a curved area's edge may be reported outside, never one outside reported inside.
/// </summary>
/// <remarks>
/// A curved area that reaches a pole or crosses the antimeridian is not polygonised (its polygon would need a ring
/// around the pole or a split at ±180): such an area is refused where it is read, with a request to give it as a
/// (Multi)Polygon. Vertices lie on the curved boundary; each edge is checked by sampling and the figure refined until the
/// edge lies inside and within the error.
/// </remarks>
internal static class Inscribed
{
    /// <summary>The most a point of the curved shape lies outside its inscribed polygon, in metres.</summary>
    public const double MaxErrorMetres = 1.0;

    // Refinement aims at half the stated error, so that the sampled checks hold it with room to spare.
    private const double TargetSagittaMetres = MaxErrorMetres / 2;

    private const int EdgeSamples = 8;

    /// <summary>Why a circle or corridor cannot be inscribed by a polygon, or null when it can.</summary>
    public static string? Refusal(Shape curved)
    {
        ArgumentNullException.ThrowIfNull(curved);
        if (curved.Kind == ShapeKind.Polygonal)
        {
            return null;
        }

        var reach = curved.CoveringBoxes();
        if (reach.First.MinY <= -89.9 || reach.First.MaxY >= 89.9)
        {
            return "a circle or corridor that must contain operations may not reach a pole: give it as a Polygon";
        }

        if (reach.Second is not null || reach.First.MinX <= -180 || reach.First.MaxX >= 180)
        {
            return "a circle or corridor that must contain operations may not cross the antimeridian: give it as a MultiPolygon split at ±180";
        }

        if (curved.Kind == ShapeKind.Line && curved.Paths.Sum(p => p.Length) > 20_000)
        {
            return "a corridor that must contain operations may have at most 10,000 positions";
        }

        return null;
    }

    /// <summary>The inscribed polygon (lon/lat) of a circle or corridor for which <see cref="Refusal"/> is null.</summary>
    public static NetTopologySuite.Geometries.Geometry Polygon(Shape curved)
    {
        ArgumentNullException.ThrowIfNull(curved);
        if (Refusal(curved) is { } why)
        {
            throw new ArgumentException(why, nameof(curved));
        }

        if (curved.Kind == ShapeKind.Point)
        {
            return Circle(curved.Paths[0][0], curved.Paths[0][1], curved.BufferMetres);
        }

        var parts = new List<NetTopologySuite.Geometries.Geometry>();
        foreach (var line in curved.Paths)
        {
            for (int i = 0; i + 3 < line.Length; i += 2)
            {
                Segment(line[i], line[i + 1], line[i + 2], line[i + 3], curved.BufferMetres, parts);
            }

            if (line.Length == 2)
            {
                parts.Add(Circle(line[0], line[1], curved.BufferMetres));
            }
        }

        return NetTopologySuite.Operation.Union.UnaryUnionOp.Union(parts);
    }

    /// <summary>A polygon inscribed in the geodesic circle of <paramref name="radius"/> metres around (x, y).</summary>
    public static Polygon Circle(double x, double y, double radius)
    {
        var f = GeometryServices.Factory;
        int n = Math.Max(16, (int)Math.Ceiling(Math.PI / Math.Acos(Math.Max(-1, 1 - (TargetSagittaMetres / Math.Max(radius, TargetSagittaMetres))))));
        double vertexRadius = radius;
        for (int attempt = 0; ; attempt++)
        {
            var ring = new Coordinate[n + 1];
            for (int k = 0; k < n; k++)
            {
                var (px, py) = Destination(x, y, 360.0 * k / n, vertexRadius);
                ring[k] = new Coordinate(px, py);
            }

            ring[n] = ring[0].Copy();
            double worstOutside = 0, worstGap = 0;
            for (int k = 0; k < n; k++)
            {
                for (int s = 1; s < EdgeSamples; s++)
                {
                    double t = (double)s / EdgeSamples;
                    double d = Geodesy.Distance(x, y, ring[k].X + ((ring[k + 1].X - ring[k].X) * t), ring[k].Y + ((ring[k + 1].Y - ring[k].Y) * t));
                    worstOutside = Math.Max(worstOutside, d - radius);
                    worstGap = Math.Max(worstGap, radius - d);
                }
            }

            if (worstOutside <= 0 && worstGap <= MaxErrorMetres)
            {
                return f.CreatePolygon(ring);
            }

            if (attempt == 8)
            {
                throw new InvalidOperationException($"no inscribed polygon within {MaxErrorMetres} m for a circle of {radius} m at ({x}, {y})");
            }

            // An edge bulged out (a distorted plane): pull the vertices in; a gap too wide: more vertices.
            if (worstOutside > 0)
            {
                vertexRadius -= worstOutside + 1e-3;
            }

            if (worstGap > MaxErrorMetres)
            {
                n *= 2;
            }
        }
    }

    /// <summary>Adds the inscribed figures of the corridor around one segment: hulls of circles along it, close enough to stay inside.</summary>
    /// <remarks>
    /// A hull's sides run parallel to the segment at the corridor's width, where a distorted plane may push them a hair
    /// outside: the circles are drawn a little inside the width (at most a quarter of the stated error) and placed closer
    /// until every side is inside.
    /// </remarks>
    private static void Segment(double ax, double ay, double bx, double by, double width, List<NetTopologySuite.Geometries.Geometry> parts)
    {
        double length = Geodesy.Distance(ax, ay, bx, by);
        int pieces = Math.Max(1, (int)Math.Ceiling(length / Math.Max(width, 2_000)));
        double inset = Math.Min(0.01, width / 100);
        for (int attempt = 0; ; attempt++)
        {
            double radius = width - inset;
            var hulls = new List<NetTopologySuite.Geometries.Geometry>(pieces);
            bool inside = true;
            var previous = Circle(ax, ay, radius);
            for (int i = 1; i <= pieces && inside; i++)
            {
                double t = (double)i / pieces;
                var next = Circle(ax + ((bx - ax) * t), ay + ((by - ay) * t), radius);
                var hull = new ConvexHull(previous.Coordinates.Concat(next.Coordinates).ToArray(), GeometryServices.Factory).GetConvexHull();
                inside = HullInside(hull, ax, ay, bx, by, width);
                hulls.Add(hull);
                previous = next;
            }

            if (inside)
            {
                parts.AddRange(hulls);
                return;
            }

            if (attempt == 8)
            {
                throw new InvalidOperationException($"no inscribed polygon for a corridor of {width} m from ({ax}, {ay}) to ({bx}, {by})");
            }

            inset = Math.Min(inset * 3, Math.Min(MaxErrorMetres / 4, width / 10));
            pieces *= 2;
        }
    }

    /// <summary>Whether every sampled point of the hull's edges lies within the corridor of the segment.</summary>
    private static bool HullInside(NetTopologySuite.Geometries.Geometry hull, double ax, double ay, double bx, double by, double width)
    {
        var segment = Shape.Corridor([ax, ay, bx, by], 0);
        var ring = hull.Coordinates;
        for (int k = 0; k + 1 < ring.Length; k++)
        {
            for (int s = 1; s < EdgeSamples; s++)
            {
                double t = (double)s / EdgeSamples;
                var point = Shape.Circle(ring[k].X + ((ring[k + 1].X - ring[k].X) * t), ring[k].Y + ((ring[k + 1].Y - ring[k].Y) * t), 0);
                if (!Proximity.WithinDistance(point, segment, width))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The point <paramref name="metres"/> geodesic metres from (x, y) along the azimuth (degrees from north), on WGS84.</summary>
    public static (double X, double Y) Destination(double x, double y, double azimuthDegrees, double metres)
    {
        // A great-circle step on the mean sphere, stretched until the ellipsoidal distance is the one asked for: the
        // point need not lie on the ellipsoid's geodesic of that azimuth, only at that distance.
        double step = metres;
        (double X, double Y) point = (x, y);
        for (int i = 0; i < 8 && metres > 0; i++)
        {
            point = SphericalDestination(x, y, azimuthDegrees, step);
            double d = Geodesy.Distance(x, y, point.X, point.Y);
            if (d <= 0 || Math.Abs(d - metres) < 1e-7)
            {
                break;
            }

            step *= metres / d;
        }

        return point;
    }

    private static (double X, double Y) SphericalDestination(double x, double y, double azimuthDegrees, double metres)
    {
        const double DegToRad = Math.PI / 180;
        double delta = metres / Geodesy.MeanRadius, theta = azimuthDegrees * DegToRad;
        double phi1 = y * DegToRad, lambda1 = x * DegToRad;
        double sinPhi2 = (Math.Sin(phi1) * Math.Cos(delta)) + (Math.Cos(phi1) * Math.Sin(delta) * Math.Cos(theta));
        double phi2 = Math.Asin(Math.Clamp(sinPhi2, -1, 1));
        double lambda2 = lambda1 + Math.Atan2(Math.Sin(theta) * Math.Sin(delta) * Math.Cos(phi1), Math.Cos(delta) - (Math.Sin(phi1) * sinPhi2));
        return (Geodesy.NormalizeLongitudeDifference(lambda2 / DegToRad), phi2 / DegToRad);
    }
}
