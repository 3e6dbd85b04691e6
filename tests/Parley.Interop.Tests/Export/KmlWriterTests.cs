using System.Globalization;
using System.Xml.Linq;
using Parley.Core.Geometry;
using Parley.Interop.Export;
using Parley.Interop.Geodesics;
using Parley.Interop.Import;
using Parley.Interop.Tests.Support;

namespace Parley.Interop.Tests.Export;

/// <summary>KML of a picture: valid against the OGC schema, volumes as solids or extruded, time spans, rings and outlines as stated.</summary>
public sealed class KmlWriterTests
{
    private static readonly XNamespace Kml = KmlWriter.Namespace;

    [Fact]
    public void the_kml_of_a_picture_is_valid_against_the_ogc_kml_2_2_schema()
    {
        string? errors = KmlSchema.Errors(KmlWriter.ToBytes(Pictures.Sample()));
        Assert.True(errors is null, errors);
    }

    [Fact]
    public void each_item_is_a_placemark_with_its_time_span_style_and_description_and_each_cell_is_drawn_on_the_ground()
    {
        var document = XDocument.Parse(System.Text.Encoding.UTF8.GetString(KmlWriter.ToBytes(Pictures.Sample())));
        var placemarks = document.Descendants(Kml + "Placemark").ToList();
        Assert.Equal(6, placemarks.Count);

        var hospital = placemarks.Single(p => p.Element(Kml + "name")!.Value == "Field hospital & <depot>");
        Assert.Equal("2026-12-01T08:00:00Z", hospital.Element(Kml + "TimeSpan")!.Element(Kml + "begin")!.Value);
        Assert.Equal("2026-12-01T12:00:00Z", hospital.Element(Kml + "TimeSpan")!.Element(Kml + "end")!.Value);
        Assert.Equal("#zone-protected", hospital.Element(Kml + "styleUrl")!.Value);
        Assert.Contains("300 m to 1500 m above mean sea level", hospital.Element(Kml + "description")!.Value, StringComparison.Ordinal);

        // An open-ended zone has a begin and no end.
        var circle = Placemark(placemarks, "z-circle");
        Assert.Null(circle.Element(Kml + "TimeSpan")!.Element(Kml + "end"));

        var cell = placemarks.Single(p => p.Element(Kml + "styleUrl")!.Value == "#conflict-cell");
        Assert.Contains("not disclosed", cell.Element(Kml + "description")!.Value, StringComparison.Ordinal);
        Assert.Equal("clampToGround", cell.Descendants(Kml + "altitudeMode").Single().Value);
        Assert.All(placemarks.Except([cell]).SelectMany(p => p.Descendants(Kml + "altitudeMode")), m => Assert.Equal("absolute", m.Value));
    }

    [Fact]
    public void a_volume_above_the_ground_is_a_closed_solid_and_one_from_the_surface_is_its_ceiling_extruded()
    {
        var placemarks = XDocument.Parse(System.Text.Encoding.UTF8.GetString(KmlWriter.ToBytes(Pictures.Sample()))).Descendants(Kml + "Placemark").ToList();

        // The box with a hole: floor and ceiling (each with its hole) and a wall per edge of both rings (4 + 4).
        var solid = Placemark(placemarks, "z-hole").Descendants(Kml + "Polygon").ToList();
        Assert.Equal(2 + 8, solid.Count);
        Assert.All(solid, p => Assert.Null(p.Element(Kml + "extrude")));
        var altitudes = solid.SelectMany(p => Positions(p)).Select(c => c.Alt).Distinct().Order().ToList();
        Assert.Equal([300.0, 1500.0], altitudes);
        Assert.Equal(2, solid.Count(p => p.Elements(Kml + "innerBoundaryIs").Any()));

        // From the surface: one polygon at the ceiling, extruded to the ground.
        var ground = Placemark(placemarks, "z-ground").Descendants(Kml + "Polygon").Single();
        Assert.Equal("1", ground.Element(Kml + "extrude")!.Value);
        Assert.All(Positions(ground), c => Assert.Equal(KmlWriter.OpenCeilingMetres, c.Alt));
    }

    [Fact]
    public void outer_rings_are_counter_clockwise_and_circles_and_corridors_are_drawn_within_the_stated_error()
    {
        var placemarks = XDocument.Parse(System.Text.Encoding.UTF8.GetString(KmlWriter.ToBytes(Pictures.Sample()))).Descendants(Kml + "Placemark").ToList();
        foreach (var polygon in placemarks.SelectMany(p => p.Descendants(Kml + "Polygon")).Where(p => p.Elements(Kml + "innerBoundaryIs").Any() || p.Element(Kml + "extrude") is not null))
        {
            var outer = Positions(polygon.Element(Kml + "outerBoundaryIs")!);
            if (outer.Select(c => c.Alt).Distinct().Count() == 1)
            {
                double area = Rings.SignedArea([.. outer.SelectMany(c => new[] { c.Lon, c.Lat })]);
                Assert.True(area > 0 || outer[0].Alt == 300, "outer rings (but the floor, which faces down) are counter-clockwise");
            }
        }

        var circle = Positions(Placemark(placemarks, "z-circle").Descendants(Kml + "Polygon").First());
        Assert.All(circle, c => Assert.InRange(Geodesy.Distance(9.3, 42.1, c.Lon, c.Lat), 2500 - Arcs.MaxErrorMetres, 2500 + 0.01));

        var corridor = Placemark(placemarks, "z-corridor").Descendants(Kml + "Polygon").SelectMany(p => Positions(p.Element(Kml + "outerBoundaryIs")!)).ToList();
        double[] line = [9.4, 42.0, 9.5, 42.1, 9.6, 42.05];
        Assert.All(corridor, c => Assert.InRange(DistanceToLine(c.Lon, c.Lat, line), 1000 - Arcs.MaxErrorMetres, 1000 + Arcs.MaxErrorMetres));
    }

    private static XElement Placemark(List<XElement> placemarks, string id) =>
        placemarks.Single(p => p.Descendants(Kml + "Data").Any(d => d.Attribute("name")!.Value == "id" && d.Element(Kml + "value")!.Value == id));

    private static List<(double Lon, double Lat, double Alt)> Positions(XElement element) =>
        [.. element.Descendants(Kml + "coordinates").First().Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t =>
        {
            var parts = t.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            return (parts[0], parts[1], parts[2]);
        })];

    /// <summary>Geodesic distance to the nearest point of a line, by dense sampling (a brute-force model, metres).</summary>
    private static double DistanceToLine(double lon, double lat, double[] line)
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
