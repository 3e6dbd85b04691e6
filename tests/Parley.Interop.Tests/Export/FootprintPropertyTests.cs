using CsCheck;
using Parley.Core.Geometry;
using Parley.Interop.Export;
using Parley.Interop.Geodesics;
using Parley.Interop.Import;

namespace Parley.Interop.Tests.Export;

/// <summary>
/// Corridors drawn as polygons, against a brute-force model of the corridor's edge: every outline vertex lies at the
/// half-width from the line, within the stated error, measured by dense sampling of the line on the ellipsoid.
/// </summary>
public sealed class FootprintPropertyTests
{
    [Fact]
    public void every_vertex_of_a_corridor_outline_lies_at_its_half_width_from_the_line_within_the_stated_error()
    {
        var gen = Gen.Select(Gen.Double[-170, 170], Gen.Double[-70, 70], Gen.Int[2, 4], Gen.Double[2, 3.7], Gen.Int[0, int.MaxValue]);
        gen.Sample((lon, lat, points, exponent, seed) =>
        {
            var random = new Random(seed);
            double halfWidth = Math.Pow(10, exponent);
            var line = new List<double> { lon, lat };
            for (int i = 1; i < points; i++)
            {
                var (x, y) = Ellipsoid.Destination(line[^2], line[^1], random.NextDouble() * 360, 2_000 + (random.NextDouble() * 20_000));
                line.Add(x);
                line.Add(y);
            }

            var polygons = Footprints.Polygons(Shape.Corridor([.. line], halfWidth));
            Assert.NotEmpty(polygons);
            foreach (var rings in polygons)
            {
                Assert.True(Rings.SignedArea(rings[0]) > 0, "the outer ring is counter-clockwise");
                foreach (var ring in rings)
                {
                    for (int i = 0; i + 1 < ring.Length; i += 2)
                    {
                        double d = ToLine(ring[i], ring[i + 1], line);
                        Assert.True(Math.Abs(d - halfWidth) <= Arcs.MaxErrorMetres, $"a vertex is {d - halfWidth:F2} m off a corridor of {halfWidth:F0} m");
                    }
                }
            }
        }, iter: 20);
    }

    private static double ToLine(double lon, double lat, List<double> line)
    {
        double best = double.PositiveInfinity;
        for (int i = 0; i + 3 < line.Count; i += 2)
        {
            var (length, bearing) = Ellipsoid.Inverse(line[i], line[i + 1], line[i + 2], line[i + 3]);
            // Samples 10 m apart overstate the distance of a point 100 m away or more by at most 0.13 m.
            int samples = (int)Math.Ceiling(length / 10);
            for (int k = 0; k <= samples; k++)
            {
                var (x, y) = Ellipsoid.Destination(line[i], line[i + 1], bearing, length * k / samples);
                best = Math.Min(best, Geodesy.Distance(lon, lat, x, y));
            }
        }

        return best;
    }
}
