using System.Buffers.Binary;
using Parley.Core.Geometry;

namespace Parley.Benchmarks;

/// <summary>Extended WKB (little-endian, SRID 4326) for PostGIS's binary COPY and query parameters.</summary>
public static class Ewkb
{
    private const uint SridFlag = 0x20000000;
    private const double EarthRadiusMetres = 6_371_008.8;

    /// <summary>
    /// A footprint as PostGIS geometry: polygons as they are; circles as 32-gons on the sphere (for zones);
    /// the base point or line of buffered shapes when <paramref name="baseOnly"/> (buffered by PostGIS itself).
    /// </summary>
    public static byte[] Of(Shape shape, bool baseOnly = false)
    {
        switch (shape.Kind)
        {
            case ShapeKind.Polygonal:
                return Polygon([.. shape.Paths]);
            case ShapeKind.Point when baseOnly:
                return Geometry(1, shape.Paths[0], rings: null);
            case ShapeKind.Point:
                return Polygon([CircleRing(shape.Paths[0][0], shape.Paths[0][1], shape.BufferMetres, 32)]);
            default:
                return Geometry(2, shape.Paths[0], rings: null);
        }
    }

    private static byte[] Polygon(double[][] rings) => Geometry(3, null, rings);

    /// <summary>A longitude/latitude box as a polygon.</summary>
    public static byte[] Box(GeoBox box) =>
        Polygon([[box.MinX, box.MinY, box.MaxX, box.MinY, box.MaxX, box.MaxY, box.MinX, box.MaxY, box.MinX, box.MinY]]);

    private static byte[] Geometry(uint type, double[]? coordinates, double[][]? rings)
    {
        int size = 1 + 4 + 4 + (rings is null
            ? (type == 1 ? 16 : 4 + (coordinates!.Length * 8))
            : 4 + rings.Sum(r => 4 + (r.Length * 8)));
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        span[0] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(span[1..], type | SridFlag);
        BinaryPrimitives.WriteUInt32LittleEndian(span[5..], 4326);
        int at = 9;
        if (rings is null)
        {
            if (type != 1)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)(coordinates!.Length / 2));
                at += 4;
            }

            Doubles(span, ref at, coordinates!);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)rings.Length);
            at += 4;
            foreach (var ring in rings)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)(ring.Length / 2));
                at += 4;
                Doubles(span, ref at, ring);
            }
        }

        return bytes;
    }

    private static void Doubles(Span<byte> span, ref int at, double[] values)
    {
        foreach (double v in values)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(span[at..], v);
            at += 8;
        }
    }

    /// <summary>A closed counter-clockwise ring of <paramref name="segments"/> points at a great-circle distance from a centre.</summary>
    private static double[] CircleRing(double lon, double lat, double radiusMetres, int segments)
    {
        var ring = new double[(segments + 1) * 2];
        double phi1 = lat * Math.PI / 180, lambda1 = lon * Math.PI / 180, delta = radiusMetres / EarthRadiusMetres;
        for (int k = 0; k < segments; k++)
        {
            double bearing = (Math.PI / 2) - (2 * Math.PI * k / segments); // east, then north: counter-clockwise
            double phi2 = Math.Asin((Math.Sin(phi1) * Math.Cos(delta)) + (Math.Cos(phi1) * Math.Sin(delta) * Math.Cos(bearing)));
            double lambda2 = lambda1 + Math.Atan2(Math.Sin(bearing) * Math.Sin(delta) * Math.Cos(phi1), Math.Cos(delta) - (Math.Sin(phi1) * Math.Sin(phi2)));
            ring[2 * k] = lambda2 * 180 / Math.PI;
            ring[(2 * k) + 1] = phi2 * 180 / Math.PI;
        }

        ring[^2] = ring[0];
        ring[^1] = ring[1];
        return ring;
    }
}
