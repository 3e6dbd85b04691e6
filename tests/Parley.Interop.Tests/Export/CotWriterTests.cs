using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Parley.Core.Geometry;
using Parley.Interop.Export;
using Parley.Interop.Geodesics;
using Parley.Interop.Tests.Support;

namespace Parley.Interop.Tests.Export;

/// <summary>CoT drawings of a picture, read back as a TAK client reads them: one element per event, attributes as ATAK uses them.</summary>
public sealed class CotWriterTests
{
    private static List<XElement> Events(byte[] stream) =>
        [.. Encoding.UTF8.GetString(stream).Split("</event>", StringSplitOptions.RemoveEmptyEntries).Select(e => XElement.Parse(e + "</event>"))];

    [Fact]
    public void circles_are_u_d_c_c_with_the_radius_on_both_axes_and_polygons_u_d_f_with_closed_lat_lon_links()
    {
        var events = Events(CotWriter.Picture(Pictures.Sample(), TimeSpan.FromMinutes(10)));
        var circle = events.Single(e => e.Attribute("uid")!.Value == "parley.demo.zone.z-circle");
        Assert.Equal("u-d-c-c", circle.Attribute("type")!.Value);
        var ellipse = circle.Element("detail")!.Element("shape")!.Element("ellipse")!;
        Assert.Equal("2500", ellipse.Attribute("major")!.Value);
        Assert.Equal("2500", ellipse.Attribute("minor")!.Value);
        Assert.Equal("42.1", circle.Element("point")!.Attribute("lat")!.Value);
        Assert.Equal("9.3", circle.Element("point")!.Attribute("lon")!.Value);
        Assert.Equal("500", circle.Element("detail")!.Element("__geofence")!.Attribute("minElevation")!.Value);
        Assert.Equal("3000", circle.Element("detail")!.Element("__geofence")!.Attribute("maxElevation")!.Value);
        Assert.Equal("2026-12-01T08:10:00.000Z", circle.Attribute("stale")!.Value);

        var hole = events.Single(e => e.Attribute("uid")!.Value == "parley.demo.zone.z-hole");
        var links = hole.Element("detail")!.Elements("link").Select(l => l.Attribute("point")!.Value).ToList();
        Assert.Equal(["42,9", "42,9.2", "42.2,9.2", "42.2,9", "42,9"], links);
        Assert.Contains("holes are not drawn", hole.Element("detail")!.Element("remarks")!.Value, StringComparison.Ordinal);
        Assert.Equal("2026-12-01T12:00:00.000Z", hole.Attribute("stale")!.Value);

        // A corridor is outlined within 10 m of its half-width.
        var corridor = events.Single(e => e.Attribute("uid")!.Value.StartsWith("parley.demo.zone.z-corridor", StringComparison.Ordinal));
        Assert.Equal("u-d-f", corridor.Attribute("type")!.Value);
        var outline = corridor.Element("detail")!.Elements("link").Select(l => l.Attribute("point")!.Value.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.True(outline.Count > 20);
        Assert.All(outline, p => Assert.InRange(ToLine(p[1], p[0], [9.4, 42.0, 9.5, 42.1, 9.6, 42.05]), 990, 1010));

        // Conflict cells have no drawing on a TAK client.
        Assert.DoesNotContain(events, e => e.ToString().Contains("h-0123456789abcdef", StringComparison.Ordinal));
        Assert.All(events, e => Assert.Equal("9999999.0", e.Element("point")!.Attribute("hae")!.Value));
    }

    [Fact]
    public void a_deletion_names_the_drawing_it_removes_in_its_link_and_forces_it()
    {
        var delete = XElement.Parse(Encoding.UTF8.GetString(CotWriter.Delete("parley.demo.zone.z1", "u-d-f", Pictures.Start)));
        Assert.Equal("t-x-d-d", delete.Attribute("type")!.Value);
        Assert.NotEqual("parley.demo.zone.z1", delete.Attribute("uid")!.Value);
        Assert.Equal("parley.demo.zone.z1", delete.Element("detail")!.Element("link")!.Attribute("uid")!.Value);
        Assert.NotNull(delete.Element("detail")!.Element("__forcedelete"));
        Assert.Equal("2026-12-01T08:00:20.000Z", delete.Attribute("stale")!.Value);
    }

    private static double ToLine(double lon, double lat, double[] line)
    {
        double best = double.PositiveInfinity;
        for (int i = 0; i + 3 < line.Length; i += 2)
        {
            var (length, bearing) = Ellipsoid.Inverse(line[i], line[i + 1], line[i + 2], line[i + 3]);
            for (int k = 0; k <= 2000; k++)
            {
                var (x, y) = Ellipsoid.Destination(line[i], line[i + 1], bearing, length * k / 2000);
                best = Math.Min(best, Geodesy.Distance(lon, lat, x, y));
            }
        }

        return best;
    }
}
