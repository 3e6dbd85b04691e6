using CsCheck;
using Parley.Core.Geometry;
using Parley.Interop.Geodesics;
using Parley.Interop.Import;

namespace Parley.Interop.Tests.Geodesics;

/// <summary>
/// Arcs and circles drawn as vertices, against the brute-force model: the true geodesic distance from the centre
/// (Vincenty's inverse in the core), measured at every vertex and at points all along every edge.
/// </summary>
public sealed class ArcPropertyTests
{
    private static readonly Gen<(double Lon, double Lat, double Radius)> Centres =
        Gen.Select(Gen.Double[-179, 179], Gen.Double[-80, 80], Gen.Double[1, 5.3], (lon, lat, exponent) => (lon, lat, Math.Pow(10, exponent)));

    [Fact]
    public void every_point_of_a_drawn_circle_lies_within_the_stated_error_of_the_true_circle()
    {
        Centres.Sample((lon, lat, radius) =>
        {
            var ring = Arcs.Circle(lon, lat, radius);
            Assert.Equal(ring[0], ring[^2]);
            Assert.Equal(ring[1], ring[^1]);
            Assert.True(Rings.SignedArea(Unwrapped(ring)) > 0, "a circle's ring is counter-clockwise");
            AssertOnArc(ring, lon, lat, _ => radius);
        }, iter: 300);
    }

    [Fact]
    public void an_arc_turns_the_way_it_is_told_from_its_start_to_its_end_bearing_and_stays_within_the_stated_error()
    {
        var gen = Centres.Select(Gen.Double[0, 360], Gen.Double[0, 360], Gen.Bool, (c, from, to, clockwise) => (c, from, to, clockwise));
        gen.Sample((c, from, to, clockwise) =>
        {
            var packed = new List<double>();
            Arcs.Append(packed, c.Lon, c.Lat, c.Radius, c.Radius, from, to, clockwise);
            var arc = packed.ToArray();
            AssertOnArc(arc, c.Lon, c.Lat, _ => c.Radius, closed: false);

            // The middle vertex lies halfway round in the direction asked for, not the other way.
            double sweep = clockwise ? Ellipsoid.NormalizeBearing(to - from) : Ellipsoid.NormalizeBearing(from - to);
            int middle = (arc.Length / 2) / 2;
            double expected = Ellipsoid.NormalizeBearing(from + ((clockwise ? 1 : -1) * sweep * middle / ((arc.Length / 2) - 1)));
            double actual = Ellipsoid.Inverse(c.Lon, c.Lat, arc[2 * middle], arc[(2 * middle) + 1]).BearingDegrees;
            double off = Math.Abs(Ellipsoid.NormalizeBearing(actual - expected + 180) - 180);
            // A millimetre along the arc, as an angle: the inverse problem is solved to about that.
            Assert.True(off < 0.001 / c.Radius * 180 / Math.PI, $"bearing {actual:F6}, expected {expected:F6}");
        }, iter: 300);
    }

    [Fact]
    public void the_direct_problem_lands_at_the_distance_and_bearing_the_inverse_problem_measures()
    {
        Centres.Select(Gen.Double[0, 360]).Sample((c, bearing) =>
        {
            var (x, y) = Ellipsoid.Destination(c.Lon, c.Lat, bearing, c.Radius);
            Assert.True(Math.Abs(c.Radius - Geodesy.Distance(c.Lon, c.Lat, x, y)) < 0.002, "distance");
            var (metres, back) = Ellipsoid.Inverse(c.Lon, c.Lat, x, y);
            Assert.True(Math.Abs(c.Radius - metres) < 0.002, $"inverse {metres} for {c.Radius}");
            Assert.True(Math.Abs(Ellipsoid.NormalizeBearing(back - bearing + 180) - 180) < 0.001 / c.Radius * 180 / Math.PI, $"bearing {back} for {bearing}");
        }, iter: 500);
    }

    /// <summary>Every vertex on the arc to a millimetre; every edge within the stated error, sampled at 16 points.</summary>
    private static void AssertOnArc(double[] packed, double lon, double lat, Func<int, double> radius, bool closed = true)
    {
        int n = packed.Length / 2;
        for (int i = 0; i < n; i++)
        {
            double at = Geodesy.Distance(lon, lat, packed[2 * i], packed[(2 * i) + 1]);
            Assert.True(Math.Abs(at - radius(i)) < 0.002, $"vertex {i} is {at - radius(i):F4} m off the radius {radius(i)}");
        }

        for (int i = 0; i + 1 < n; i++)
        {
            double x0 = packed[2 * i], y0 = packed[(2 * i) + 1];
            double dx = Geodesy.NormalizeLongitudeDifference(packed[2 * (i + 1)] - x0), dy = packed[(2 * (i + 1)) + 1] - y0;
            for (int k = 1; k < 16; k++)
            {
                double t = k / 16.0;
                double d = Geodesy.Distance(lon, lat, x0 + (t * dx), y0 + (t * dy));
                Assert.True(Math.Abs(d - radius(i)) <= Arcs.MaxErrorMetres,
                    $"edge {i} of {n} is {Math.Abs(d - radius(i)):F2} m off a circle of {radius(i):F0} m at ({lon}, {lat})");
            }
        }

        _ = closed;
    }

    /// <summary>The ring with longitudes made continuous across the antimeridian, for its signed area.</summary>
    private static double[] Unwrapped(double[] ring)
    {
        var copy = (double[])ring.Clone();
        for (int i = 2; i < copy.Length; i += 2)
        {
            copy[i] = copy[i - 2] + Geodesy.NormalizeLongitudeDifference(copy[i] - copy[i - 2]);
        }

        return copy;
    }
}
