using Parley.Core.Geometry;

namespace Parley.Core.Tests;

public class SmokeTests
{
    [Fact]
    public void one_degree_of_longitude_at_the_equator_is_about_111_km()
    {
        Assert.Equal(111319.49, Geodesy.Distance(0, 0, 1, 0), 1);
    }
}
