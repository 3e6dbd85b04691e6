namespace Parley.Core.Geometry;

/// <summary>The spatial predicates of Parley's geometry semantics (closed sets, geodesic metres).</summary>
public static class ShapeRelations
{
    /// <summary>
    /// Whether the footprints, each with its own buffer, come within <paramref name="extraMetres"/> of each
    /// other (0: whether they overlap or touch). Correct across the antimeridian and at the poles.
    /// </summary>
    public static bool WithinDistance(Shape a, Shape b, double extraMetres = 0)
    {
        if (!a.CoveringBoxes(extraMetres).Intersects(b.CoveringBoxes()))
        {
            return false;
        }

        if (BaseIntersects(a, b))
        {
            return true;
        }

        double reach = a.BufferMetres + b.BufferMetres + extraMetres;
        return reach > 0 && Proximity.WithinDistance(a, b, reach);
    }

    /// <summary>
    /// <see cref="WithinDistance"/> for a candidate whose covering boxes are known to meet the query's (the
    /// index checked them), with an optional plane made once around the query.
    /// </summary>
    internal static bool WithinDistanceOfCandidate(Shape query, Shape candidate, double extraMetres, in LocalFrame? around)
    {
        if (BaseIntersects(query, candidate))
        {
            return true;
        }

        double reach = query.BufferMetres + candidate.BufferMetres + extraMetres;
        return reach > 0 && Proximity.WithinDistance(query, candidate, reach, around);
    }

    /// <summary>Least geodesic distance in metres between the two footprints (buffers included; 0 when they overlap).</summary>
    public static double Distance(Shape a, Shape b) =>
        Math.Max(0, Proximity.Distance(a, b) - a.BufferMetres - b.BufferMetres);

    /// <summary>Closed intersection of the base geometries, the antimeridian and the poles taken into account.</summary>
    public static bool BaseIntersects(Shape a, Shape b)
    {
        if ((a.TouchesNorthPole && b.TouchesNorthPole) || (a.TouchesSouthPole && b.TouchesSouthPole))
        {
            return true;
        }

        if (Planar.Intersects(a, b, 0))
        {
            return true;
        }

        // Longitudes -180 and 180 are one meridian: a shape on one side touches a shape on the other.
        return (a.Bounds.MaxX >= 180 && b.Bounds.MinX <= -180 && Planar.Intersects(a, b, 360)) ||
               (a.Bounds.MinX <= -180 && b.Bounds.MaxX >= 180 && Planar.Intersects(a, b, -360));
    }
}
