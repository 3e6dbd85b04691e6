using Parley.Core.Geometry;

namespace Parley.Core.Tests.Geometry;

/// <summary>Vincenty on WGS84 against GeographicLib (Karney) reference values.</summary>
public class GeodesyTests
{
    /// <summary>Reference distances computed with GeographicLib's Geodesic.WGS84.Inverse, to the micrometre.</summary>
    [Theory]
    [InlineData(0, 0, 1, 0, 111319.490793)] // a degree of equator: a·π/180
    [InlineData(0, 0, 90, 0, 10018754.171395)] // a quarter of the equator
    [InlineData(0, 0, 0, 90, 10001965.729313)] // the meridian quadrant
    [InlineData(0, -90, 0, 90, 20003931.458625)] // pole to pole
    [InlineData(0, 0, 0, 1, 110574.388558)]
    [InlineData(0, 89, 0, 90, 111693.864914)]
    [InlineData(-73.78, 40.64, -0.4543, 51.47, 5555124.466074)] // JFK to LHR
    [InlineData(2.3522, 48.8566, -0.1278, 51.5074, 343923.120091)] // Paris to London
    [InlineData(151.2093, -33.8688, 174.7633, -36.8485, 2160508.809018)] // Sydney to Auckland
    [InlineData(179.5, 10, -179.5, 10, 109639.322105)] // across the antimeridian
    [InlineData(-179.5, 10, 179.5, 10, 109639.322105)]
    [InlineData(179.9, -45, -179.9, -45.1, 19280.686897)]
    [InlineData(179.99, 0, -179.9, 0, 12245.143987)]
    [InlineData(0, 85, 180, 85, 1116911.177293)] // over the pole
    [InlineData(45, 89.5, -135, 89.5, 111693.950897)]
    [InlineData(10, -89.9, 100, -89.9, 15795.909901)]
    [InlineData(0, 0, 0.0001, 0.0001, 15.690347)] // short distances
    [InlineData(12.34, 56.78, 12.341, 56.781, 127.031349)]
    [InlineData(-122, 37, -122, 37.00009, 9.987988)]
    [InlineData(100, 30, 100.2, 30.3, 38435.072976)]
    [InlineData(0, 60, 0.5, 60, 27899.934389)]
    [InlineData(-60, -60, -59.5, -60.5, 62209.731371)]
    [InlineData(5, 52, 5.08, 52, 5494.241009)]
    [InlineData(30, 0, 60, 45, 5794989.427092)] // long distances
    [InlineData(-100, -20, 20, 50, 13822004.191140)]
    [InlineData(0, 0, 170, 0, 18924313.434857)]
    [InlineData(0, 0, 120, 60, 11621023.568061)]
    public void vincenty_matches_geographiclib_to_a_tenth_of_a_millimetre(double lon1, double lat1, double lon2, double lat2, double expected)
    {
        Assert.Equal(expected, Geodesy.Distance(lon1, lat1, lon2, lat2), 0.0001);
        Assert.Equal(expected, Geodesy.Distance(lon2, lat2, lon1, lat1), 0.0001);
    }

    [Fact]
    public void one_degree_of_longitude_at_the_equator_is_about_111_km()
    {
        Assert.Equal(111319.49, Geodesy.Distance(0, 0, 1, 0), 1);
    }

    [Theory]
    [InlineData(90)]
    [InlineData(-90)]
    public void every_longitude_at_a_pole_is_the_same_point(double lat)
    {
        Assert.Equal(0, Geodesy.Distance(0, lat, 123, lat), 1e-6);
        Assert.Equal(0, Geodesy.Distance(-180, lat, 180, lat), 1e-6);
        Assert.Equal(Geodesy.Distance(0, lat, 0, lat * 0.999), Geodesy.Distance(77, lat, -45, lat * 0.999), 1e-6);
    }

    [Fact]
    public void longitudes_180_and_minus_180_are_one_meridian()
    {
        Assert.Equal(0, Geodesy.Distance(180, 12.5, -180, 12.5));
        Assert.Equal(Geodesy.Distance(179.9, 30, 180, 30.1), Geodesy.Distance(179.9, 30, -180, 30.1), 1e-6);
    }

    [Fact]
    public void distances_are_symmetric_about_the_antimeridian()
    {
        var r = new Random(7);
        for (int i = 0; i < 500; i++)
        {
            double lat1 = (r.NextDouble() * 170) - 85, lat2 = (r.NextDouble() * 170) - 85, d1 = r.NextDouble() * 3, d2 = r.NextDouble() * 3;
            // Mirrored across the antimeridian, and the same pair shifted by a whole turn.
            Assert.Equal(Geodesy.Distance(180 - d1, lat1, -180 + d2, lat2), Geodesy.Distance(-180 + d1, lat1, 180 - d2, lat2), 1e-6);
            Assert.Equal(Geodesy.Distance(-d1, lat1, d2, lat2), Geodesy.Distance(180 - d1, lat1, -180 + d2, lat2), 1e-6);
        }
    }

    [Fact]
    public void the_spherical_distance_stays_within_its_stated_relative_error()
    {
        var r = new Random(11);
        for (int i = 0; i < 2000; i++)
        {
            double lon1 = (r.NextDouble() * 360) - 180, lat1 = (r.NextDouble() * 180) - 90;
            double lon2 = lon1 + ((r.NextDouble() - 0.5) * 20), lat2 = Math.Clamp(lat1 + ((r.NextDouble() - 0.5) * 20), -90, 90);
            double ellipsoid = Geodesy.Distance(lon1, lat1, lon2, lat2), sphere = Geodesy.SphericalDistance(lon1, lat1, lon2, lat2);
            Assert.InRange(sphere, ellipsoid * (1 - Geodesy.SphericalRelativeError), (ellipsoid * (1 + Geodesy.SphericalRelativeError)) + 1e-9);
        }
    }

    [Fact]
    public void the_latitude_span_covers_the_distance_it_is_asked_for()
    {
        var r = new Random(3);
        for (int i = 0; i < 2000; i++)
        {
            double lat = (r.NextDouble() * 178) - 89, metres = Math.Exp(r.NextDouble() * 14);
            double dLat = Geodesy.LatitudeSpanCovering(metres);
            Assert.True(Geodesy.Distance(0, lat, 0, Math.Min(90, lat + dLat)) >= Math.Min(metres, Geodesy.Distance(0, lat, 0, 90)) - 1e-6);
        }
    }
}
