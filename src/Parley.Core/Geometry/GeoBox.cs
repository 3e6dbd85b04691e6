namespace Parley.Core.Geometry;

/// <summary>A longitude/latitude rectangle with minX ≤ maxX, within [-180, 180] × [-90, 90].</summary>
public readonly record struct GeoBox(double MinX, double MinY, double MaxX, double MaxY)
{
    /// <summary>The whole world.</summary>
    public static readonly GeoBox World = new(-180, -90, 180, 90);

    /// <summary>Closed overlap of two boxes in the plane (no wrapping).</summary>
    public bool Intersects(in GeoBox other) =>
        MinX <= other.MaxX && other.MinX <= MaxX && MinY <= other.MaxY && other.MinY <= MaxY;

    /// <summary>
    /// The box grown by <paramref name="metres"/> in every direction, conservatively: it contains every
    /// point within that geodesic distance of the box. Split in two where it wraps the antimeridian;
    /// the full longitude range where it reaches a pole.
    /// </summary>
    public GeoBoxPair Expand(double metres)
    {
        // Also at zero distance: a box on the antimeridian touches the one on the other side, and a box
        // reaching a pole touches every other box reaching it.
        metres = Math.Max(0, metres);
        double dLat = Geodesy.LatitudeSpanCovering(metres);
        double minY = Math.Max(-90, MinY - dLat), maxY = Math.Min(90, MaxY + dLat);
        double dLon = Geodesy.LongitudeSpanCovering(metres, Math.Max(Math.Abs(minY), Math.Abs(maxY)));
        double minX = MinX - dLon, maxX = MaxX + dLon;
        if (dLon >= 360 || maxX - minX >= 360 || minY <= -90 || maxY >= 90)
        {
            // Near a pole a short geodesic can cross any meridian: cover every longitude.
            return new GeoBoxPair(new GeoBox(-180, minY, 180, maxY), null);
        }

        if (minX <= -180)
        {
            return new GeoBoxPair(new GeoBox(-180, minY, maxX, maxY), new GeoBox(minX + 360, minY, 180, maxY));
        }

        if (maxX >= 180)
        {
            return new GeoBoxPair(new GeoBox(minX, minY, 180, maxY), new GeoBox(-180, minY, maxX - 360, maxY));
        }

        return new GeoBoxPair(new GeoBox(minX, minY, maxX, maxY), null);
    }
}

/// <summary>One box, or two for a region that wraps across the antimeridian.</summary>
public readonly record struct GeoBoxPair(GeoBox First, GeoBox? Second)
{
    /// <summary>Whether any box of this pair overlaps any box of the other.</summary>
    public bool Intersects(in GeoBoxPair other)
    {
        if (First.Intersects(other.First))
        {
            return true;
        }

        if (other.Second is { } o2 && First.Intersects(o2))
        {
            return true;
        }

        if (Second is { } s2)
        {
            return s2.Intersects(other.First) || (other.Second is { } o && s2.Intersects(o));
        }

        return false;
    }
}
