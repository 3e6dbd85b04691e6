using System.Globalization;
using System.Text;
using System.Xml;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Interop.Export;

/// <summary>
/// Writes a <see cref="Picture"/> as OGC KML 2.2: a Placemark per zone, operation and disclosed conflict cell, with its
/// <c>TimeSpan</c>, styles by kind and state, a description, and its volume in <c>altitudeMode absolute</c>.
/// </summary>
/// <remarks>
/// A volume with a floor above sea level is a closed solid (floor, ceiling and a wall for every edge); one that reaches
/// down to the surface is its ceiling extruded to the ground. An open ceiling is drawn at <see cref="OpenCeilingMetres"/>
/// (the description says "no upper limit"). Circles and corridors are geodesic outlines within 10 m; outer rings are
/// counter-clockwise. Only the schema's own elements are written (no <c>gx:</c> extensions), so documents validate
/// against <c>ogckml22.xsd</c>.
/// </remarks>
public static class KmlWriter
{
    /// <summary>The KML 2.2 namespace.</summary>
    public const string Namespace = "http://www.opengis.net/kml/2.2";

    /// <summary>The media type of KML.</summary>
    public const string MediaType = "application/vnd.google-earth.kml+xml";

    /// <summary>Where a volume with no upper limit is drawn, in metres above mean sea level.</summary>
    public const double OpenCeilingMetres = 10_000;

    /// <summary>Writes the picture to <paramref name="stream"/> (UTF-8).</summary>
    public static void Write(Stream stream, Picture picture)
    {
        ArgumentNullException.ThrowIfNull(picture);
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false, CloseOutput = false };
        using var w = XmlWriter.Create(stream, settings);
        w.WriteStartDocument();
        w.WriteStartElement("kml", Namespace);
        w.WriteStartElement("Document");
        w.WriteElementString("name", $"Parley {picture.Agreement} as {picture.Viewer} sees it at {FeatureWriter.Time(picture.AsOf)}");
        w.WriteElementString("open", "1");
        WriteStyles(w);

        Folder(w, "Zones", picture.Zones, zone => Placemark(w, zone.Id.Value, zone.Name, $"zone-{ZoneKinds.Name(zone.Kind)}", zone, ZoneKinds.Name(zone.Kind), null));
        Folder(w, "Operations", picture.Operations, op => Placemark(w, op.Id.Value, op.Name, $"operation-{Style(op.State)}", op, op.Kind, OperationStates.Name(op.State)));
        Folder(w, $"Conflicts with items hidden from {picture.Viewer}", picture.Cells, cell => Cell(w, cell));

        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndDocument();
    }

    /// <summary>The picture as KML bytes.</summary>
    public static byte[] ToBytes(Picture picture)
    {
        using var buffer = new MemoryStream();
        Write(buffer, picture);
        return buffer.ToArray();
    }

    private static void Folder<T>(XmlWriter w, string name, IReadOnlyList<T> items, Action<T> write)
    {
        w.WriteStartElement("Folder");
        w.WriteElementString("name", name);
        foreach (var item in items)
        {
            write(item);
        }

        w.WriteEndElement();
    }

    private static string Style(OperationState state) => state switch
    {
        OperationState.Proposed or OperationState.AwaitingConcurrence => "pending",
        OperationState.Accepted or OperationState.Concurred => "cleared",
        OperationState.Active => "active",
        _ => "closed",
    };

    // KML colours are aabbggrr.
    private static readonly (string Id, string Line, string Fill)[] Styles =
    [
        ("zone-protected", "ff00a000", "5500a000"),
        ("zone-restricted", "ff0000e0", "550000e0"),
        ("zone-designated", "ff00d0ff", "4400d0ff"),
        ("operation-pending", "ff0080ff", "660080ff"),
        ("operation-cleared", "ffff8000", "66ff8000"),
        ("operation-active", "ffff00ff", "66ff00ff"),
        ("operation-closed", "ff808080", "33808080"),
        ("conflict-cell", "ff0000ff", "330000ff"),
    ];

    private static void WriteStyles(XmlWriter w)
    {
        foreach (var (id, line, fill) in Styles)
        {
            w.WriteStartElement("Style");
            w.WriteAttributeString("id", id);
            w.WriteStartElement("LineStyle");
            w.WriteElementString("color", line);
            w.WriteElementString("width", "2");
            w.WriteEndElement();
            w.WriteStartElement("PolyStyle");
            w.WriteElementString("color", fill);
            w.WriteEndElement();
            w.WriteEndElement();
        }
    }

    private static void Placemark(XmlWriter w, string id, string? name, string style, Declaration d, string kind, string? state)
    {
        var band = d.Volume.Altitude;
        var time = d.Volume.Time;
        w.WriteStartElement("Placemark");
        w.WriteElementString("name", name ?? id);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{(state is null ? "Zone" : "Operation")} {id}: {kind}{(state is null ? "" : ", " + state)}, owner {d.Owner}, version {d.Version}, {d.Visibility.ToString().ToLowerInvariant()}.\n")
            .Append(CultureInfo.InvariantCulture, $"Altitude: {(double.IsFinite(band.MinMetres) ? Metres(band.MinMetres) + " m" : "the surface")} to {(double.IsFinite(band.MaxMetres) ? Metres(band.MaxMetres) + " m" : "no upper limit")} above mean sea level.\n")
            .Append(CultureInfo.InvariantCulture, $"From {FeatureWriter.Time(time.Start)} {(time.End is { } e ? "until " + FeatureWriter.Time(e) : "with no end")}.");
        if (d.Volume.Footprint.Kind != Parley.Core.Geometry.ShapeKind.Polygonal)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n{(d.Volume.Footprint.Kind == Parley.Core.Geometry.ShapeKind.Point ? "Circle of radius" : "Corridor of half-width")} {Metres(d.Volume.Footprint.BufferMetres)} m, drawn within 10 m.");
        }

        w.WriteElementString("description", text.ToString());
        w.WriteStartElement("TimeSpan");
        w.WriteElementString("begin", FeatureWriter.Time(time.Start));
        if (time.End is { } end)
        {
            w.WriteElementString("end", FeatureWriter.Time(end));
        }

        w.WriteEndElement();
        w.WriteElementString("styleUrl", "#" + style);
        w.WriteStartElement("ExtendedData");
        Data(w, "id", id);
        Data(w, "kind", kind);
        Data(w, "owner", d.Owner.Value);
        if (state is not null)
        {
            Data(w, "state", state);
        }

        Data(w, "version", d.Version.ToString(CultureInfo.InvariantCulture));
        if (double.IsFinite(band.MinMetres))
        {
            Data(w, "alt_min_m", Metres(band.MinMetres));
        }

        if (double.IsFinite(band.MaxMetres))
        {
            Data(w, "alt_max_m", Metres(band.MaxMetres));
        }

        w.WriteEndElement();
        double? floor = double.IsFinite(band.MinMetres) && band.MinMetres > 0 ? band.MinMetres : null;
        double ceiling = double.IsFinite(band.MaxMetres) ? band.MaxMetres : Math.Max(OpenCeilingMetres, floor ?? 0);
        Volume(w, Footprints.Polygons(d.Volume.Footprint), floor, ceiling);
        w.WriteEndElement();
    }

    private static void Cell(XmlWriter w, ConflictView cell)
    {
        var a = cell.Area!;
        w.WriteStartElement("Placemark");
        w.WriteElementString("name", $"Conflict of {cell.Operation} with a {cell.Kind} {cell.Type} of {cell.Owner}");
        w.WriteElementString("description",
            $"Operation {cell.Operation} conflicts with a {cell.Kind} {cell.Type} of {cell.Owner} (handle {cell.Handle}) somewhere in this {Metres(a.ResolutionMetres)} m cell; its geometry is not disclosed.");
        w.WriteElementString("styleUrl", "#conflict-cell");
        w.WriteStartElement("ExtendedData");
        Data(w, "operation", cell.Operation);
        Data(w, "owner", cell.Owner ?? "");
        Data(w, "kind", cell.Kind);
        Data(w, "handle", cell.Handle ?? "");
        w.WriteEndElement();
        double[] ring = [a.West, a.South, a.East, a.South, a.East, a.North, a.West, a.North, a.West, a.South];
        Polygon(w, [ring], 0, extrude: false, clamp: true);
        w.WriteEndElement();
    }

    private static void Volume(XmlWriter w, List<List<double[]>> polygons, double? floor, double ceiling)
    {
        if (floor is null && polygons.Count == 1)
        {
            Polygon(w, polygons[0], ceiling, extrude: true, clamp: false);
            return;
        }

        w.WriteStartElement("MultiGeometry");
        foreach (var rings in polygons)
        {
            if (floor is not { } f)
            {
                Polygon(w, rings, ceiling, extrude: true, clamp: false);
                continue;
            }

            // A closed solid: the floor (facing down), the ceiling and one wall per edge of every ring.
            Polygon(w, [.. rings.Select((r, i) => Footprints.Oriented(r, shell: i != 0))], f, extrude: false, clamp: false);
            Polygon(w, rings, ceiling, extrude: false, clamp: false);
            foreach (var ring in rings)
            {
                for (int i = 0; i + 3 < ring.Length; i += 2)
                {
                    w.WriteStartElement("Polygon");
                    w.WriteElementString("altitudeMode", "absolute");
                    w.WriteStartElement("outerBoundaryIs");
                    w.WriteStartElement("LinearRing");
                    var c = new StringBuilder(160);
                    Position(c, ring[i], ring[i + 1], f).Append(' ');
                    Position(c, ring[i + 2], ring[i + 3], f).Append(' ');
                    Position(c, ring[i + 2], ring[i + 3], ceiling).Append(' ');
                    Position(c, ring[i], ring[i + 1], ceiling).Append(' ');
                    Position(c, ring[i], ring[i + 1], f);
                    w.WriteElementString("coordinates", c.ToString());
                    w.WriteEndElement();
                    w.WriteEndElement();
                    w.WriteEndElement();
                }
            }
        }

        w.WriteEndElement();
    }

    private static void Polygon(XmlWriter w, List<double[]> rings, double altitude, bool extrude, bool clamp)
    {
        w.WriteStartElement("Polygon");
        if (extrude)
        {
            w.WriteElementString("extrude", "1");
        }

        w.WriteElementString("altitudeMode", clamp ? "clampToGround" : "absolute");
        for (int r = 0; r < rings.Count; r++)
        {
            w.WriteStartElement(r == 0 ? "outerBoundaryIs" : "innerBoundaryIs");
            w.WriteStartElement("LinearRing");
            var c = new StringBuilder(rings[r].Length * 14);
            for (int i = 0; i + 1 < rings[r].Length; i += 2)
            {
                if (i > 0)
                {
                    c.Append(' ');
                }

                Position(c, rings[r][i], rings[r][i + 1], altitude);
            }

            w.WriteElementString("coordinates", c.ToString());
            w.WriteEndElement();
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    private static StringBuilder Position(StringBuilder c, double lon, double lat, double alt) =>
        c.Append(lon.ToString("0.#######", CultureInfo.InvariantCulture)).Append(',')
         .Append(lat.ToString("0.#######", CultureInfo.InvariantCulture)).Append(',')
         .Append(alt.ToString("0.##", CultureInfo.InvariantCulture));

    private static void Data(XmlWriter w, string name, string value)
    {
        w.WriteStartElement("Data");
        w.WriteAttributeString("name", name);
        w.WriteElementString("value", value);
        w.WriteEndElement();
    }

    private static string Metres(double m) => Math.Round(m, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
