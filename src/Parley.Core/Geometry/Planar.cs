using NetTopologySuite.Algorithm;

namespace Parley.Core.Geometry;

/// <summary>Exact closed predicates on packed lon/lat coordinates (edges are straight in lon/lat).</summary>
/// <remarks>Orientation uses NetTopologySuite's double-double determinant, so touching is decided exactly.</remarks>
internal static class Planar
{
    public static int Orientation(double ax, double ay, double bx, double by, double px, double py) =>
        CGAlgorithmsDD.OrientationIndex(ax, ay, bx, by, px, py);

    /// <summary>Whether p lies on the closed segment a–b.</summary>
    public static bool OnSegment(double ax, double ay, double bx, double by, double px, double py) =>
        px >= Math.Min(ax, bx) && px <= Math.Max(ax, bx) && py >= Math.Min(ay, by) && py <= Math.Max(ay, by) &&
        Orientation(ax, ay, bx, by, px, py) == 0;

    /// <summary>Whether closed segments a–b and c–d share a point (degenerate segments are points).</summary>
    public static bool SegmentsIntersect(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy)
    {
        if (Math.Max(ax, bx) < Math.Min(cx, dx) || Math.Max(cx, dx) < Math.Min(ax, bx) ||
            Math.Max(ay, by) < Math.Min(cy, dy) || Math.Max(cy, dy) < Math.Min(ay, by))
        {
            return false;
        }

        int o1 = Orientation(ax, ay, bx, by, cx, cy);
        int o2 = Orientation(ax, ay, bx, by, dx, dy);
        int o3 = Orientation(cx, cy, dx, dy, ax, ay);
        int o4 = Orientation(cx, cy, dx, dy, bx, by);
        if (o1 * o2 < 0 && o3 * o4 < 0)
        {
            return true;
        }

        return (o1 == 0 && OnSegment(ax, ay, bx, by, cx, cy)) ||
               (o2 == 0 && OnSegment(ax, ay, bx, by, dx, dy)) ||
               (o3 == 0 && OnSegment(cx, cy, dx, dy, ax, ay)) ||
               (o4 == 0 && OnSegment(cx, cy, dx, dy, bx, by));
    }

    /// <summary>-1 outside, 0 on the boundary, 1 strictly inside a closed ring.</summary>
    public static int LocateInRing(double[] ring, double px, double py)
    {
        int crossings = 0;
        for (int i = 0; i + 3 < ring.Length; i += 2)
        {
            double x1 = ring[i], y1 = ring[i + 1], x2 = ring[i + 2], y2 = ring[i + 3];
            if (OnSegment(x1, y1, x2, y2, px, py))
            {
                return 0;
            }

            if ((y1 > py) != (y2 > py))
            {
                int o = Orientation(x1, y1, x2, y2, px, py);
                if (y2 > y1 ? o > 0 : o < 0)
                {
                    crossings++;
                }
            }
        }

        return (crossings & 1) == 1 ? 1 : -1;
    }

    /// <summary>Whether a point lies in the closed polygonal shape (boundaries of shells and holes included).</summary>
    public static bool InPolygons(Shape shape, double px, double py)
    {
        var bounds = shape.Bounds;
        if (px < bounds.MinX || px > bounds.MaxX || py < bounds.MinY || py > bounds.MaxY)
        {
            return false;
        }

        var starts = shape.StartArray;
        var paths = shape.PathArray;
        for (int p = 0; p < starts.Length; p++)
        {
            int end = p + 1 < starts.Length ? starts[p + 1] : paths.Length;
            int shell = LocateInRing(paths[starts[p]], px, py);
            if (shell < 0)
            {
                continue;
            }

            if (shell == 0)
            {
                return true;
            }

            bool inHole = false;
            for (int h = starts[p] + 1; h < end; h++)
            {
                int loc = LocateInRing(paths[h], px, py);
                if (loc == 0)
                {
                    return true;
                }

                if (loc > 0)
                {
                    inHole = true;
                    break;
                }
            }

            if (!inHole)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Closed planar intersection of the base geometries of two shapes, b shifted by <paramref name="shiftX"/>.</summary>
    public static bool Intersects(Shape a, Shape b, double shiftX)
    {
        var bb = b.Bounds;
        var shifted = new GeoBox(bb.MinX + shiftX, bb.MinY, bb.MaxX + shiftX, bb.MaxY);
        if (!a.Bounds.Intersects(shifted))
        {
            return false;
        }

        // Containment first: one vertex of a part inside (or on) the other shape settles most overlaps in
        // O(n + m), before the O(n·m) pairs of edges. Either test alone proves an intersection, so the order
        // changes nothing but the time. (Containment without boundary contact is only seen this way: one
        // vertex of each connected part decides, every part of a MultiPolygon, not only the first.)
        if ((b.Kind == ShapeKind.Polygonal && AnyPartInside(a, b, -shiftX)) ||
            (a.Kind == ShapeKind.Polygonal && AnyPartInside(b, a, shiftX)))
        {
            return true;
        }

        // Any boundary/path contact.
        var pathsA = a.PathArray;
        var pathsB = b.PathArray;
        for (int i = 0; i < pathsA.Length; i++)
        {
            for (int j = 0; j < pathsB.Length; j++)
            {
                if (PathsTouch(pathsA[i], pathsB[j], shiftX))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Whether the first vertex of some part of <paramref name="inner"/>, shifted by <paramref name="shiftX"/>, lies in <paramref name="outer"/>.</summary>
    private static bool AnyPartInside(Shape inner, Shape outer, double shiftX)
    {
        var paths = inner.PathArray;
        if (inner.Kind != ShapeKind.Polygonal)
        {
            // A point, or the lines of a corridor: each line is a part of its own.
            foreach (var path in paths)
            {
                if (InPolygons(outer, path[0] + shiftX, path[1]))
                {
                    return true;
                }
            }

            return false;
        }

        foreach (int shell in inner.StartArray)
        {
            if (InPolygons(outer, paths[shell][0] + shiftX, paths[shell][1]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool PathsTouch(double[] pa, double[] pb, double shiftX)
    {
        int na = Math.Max(1, (pa.Length / 2) - 1), nb = Math.Max(1, (pb.Length / 2) - 1);
        for (int i = 0; i < na; i++)
        {
            int ia = Math.Min(i + 1, (pa.Length / 2) - 1) * 2;
            double ax = pa[i * 2], ay = pa[(i * 2) + 1], bx = pa[ia], by = pa[ia + 1];
            double sMinX = Math.Min(ax, bx), sMaxX = Math.Max(ax, bx), sMinY = Math.Min(ay, by), sMaxY = Math.Max(ay, by);
            for (int j = 0; j < nb; j++)
            {
                int jb = Math.Min(j + 1, (pb.Length / 2) - 1) * 2;
                double cx = pb[j * 2] + shiftX, cy = pb[(j * 2) + 1], dx = pb[jb] + shiftX, dy = pb[jb + 1];
                if (Math.Max(cx, dx) < sMinX || Math.Min(cx, dx) > sMaxX || Math.Max(cy, dy) < sMinY || Math.Min(cy, dy) > sMaxY)
                {
                    continue;
                }

                if (SegmentsIntersect(ax, ay, bx, by, cx, cy, dx, dy))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
