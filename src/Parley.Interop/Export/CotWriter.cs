using System.Globalization;
using System.Text;
using System.Xml;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Interop.Export;

/// <summary>One Cursor-on-Target event of a picture item: its uid, its CoT type and its XML.</summary>
/// <param name="Uid">The stable uid of the drawing (<c>parley.AGREEMENT.zone.ID</c>, <c>.pN</c> for the parts of a multi-part footprint).</param>
/// <param name="Type">The CoT type: <c>u-d-f</c> (polygon) or <c>u-d-c-c</c> (circle).</param>
/// <param name="Stale">When the drawing expires.</param>
/// <param name="Xml">The <c>&lt;event&gt;</c> element, UTF-8, no XML declaration.</param>
public sealed record CotEvent(string Uid, string Type, DateTimeOffset Stale, byte[] Xml);

/// <summary>
/// Writes zones and operations as Cursor-on-Target drawings for ATAK/WinTAK (TAK protocol 0: XML events back to back):
/// circles as <c>u-d-c-c</c> (radius in the ellipse's major and minor axes), polygons and corridors as <c>u-d-f</c>
/// (closed <c>link</c> points, <c>lat,lon</c>), colour by kind, the altitude band in <c>__geofence</c>, and deletions as
/// <c>t-x-d-d</c>.
/// </summary>
/// <remarks>
/// Altitudes: Parley's band is above mean sea level and goes into <c>__geofence</c> <c>minElevation</c>/<c>maxElevation</c>
/// as it is (no geoid model: CoT's heights are ellipsoidal, which differs by the geoid's separation); the point's
/// <c>hae</c> is 9999999 (unknown). A polygon's holes cannot be drawn in <c>u-d-f</c>: the shell is drawn (the safe side)
/// and the remarks say so. <c>stale</c> is the item's end, or <c>now</c> plus the refresh horizon when it has none.
/// </remarks>
public static class CotWriter
{
    /// <summary>The CoT "unknown" value for heights and errors.</summary>
    public const string Unknown = "9999999.0";

    /// <summary>The uid of a zone or operation's drawing.</summary>
    public static string Uid(AgreementId agreement, bool zone, string id) => $"parley.{agreement}.{(zone ? "zone" : "operation")}.{id}";

    /// <summary>The events drawing a zone.</summary>
    public static List<CotEvent> Events(AgreementId agreement, Zone zone, DateTimeOffset now, TimeSpan horizon) =>
        Events(Uid(agreement, true, zone.Id.Value), zone, ZoneKinds.Name(zone.Kind), null, Colour(zone.Kind), now, horizon);

    /// <summary>The events drawing an operation.</summary>
    public static List<CotEvent> Events(AgreementId agreement, Operation operation, DateTimeOffset now, TimeSpan horizon) =>
        Events(Uid(agreement, false, operation.Id.Value), operation, operation.Kind, OperationStates.Name(operation.State), unchecked((int)0xFFFF8000), now, horizon);

    /// <summary>
    /// The zones and live operations of a picture that have not ended at its time, back to back, as a TAK client is fed
    /// them (conflict cells are not drawn: a TAK drawing has no place for a handle).
    /// </summary>
    public static byte[] Picture(Picture picture, TimeSpan horizon)
    {
        ArgumentNullException.ThrowIfNull(picture);
        using var buffer = new MemoryStream();
        foreach (var zone in picture.Zones.Where(z => z.Volume.Time.End is not { } end || end > picture.AsOf))
        {
            Append(buffer, Events(picture.Agreement, zone, picture.AsOf, horizon));
        }

        foreach (var operation in picture.Operations.Where(o => Parley.Core.Conflicts.Theater.IsLive(o.State) && (o.Volume.Time.End is not { } end || end > picture.AsOf)))
        {
            Append(buffer, Events(picture.Agreement, operation, picture.AsOf, horizon));
        }

        return buffer.ToArray();
    }

    /// <summary>A <c>t-x-d-d</c> event that removes the drawing <paramref name="uid"/> at once.</summary>
    public static byte[] Delete(string uid, string type, DateTimeOffset now)
    {
        return Xml(w =>
        {
            Event(w, $"{uid}.delete.{now.UtcTicks}", "t-x-d-d", "h-g-i-g-o", now, now.AddSeconds(20));
            Point(w, 0, 0);
            w.WriteStartElement("detail");
            w.WriteStartElement("link");
            w.WriteAttributeString("uid", uid);
            w.WriteAttributeString("relation", "p-p");
            w.WriteAttributeString("type", type);
            w.WriteEndElement();
            w.WriteElementString("__forcedelete", "");
            w.WriteEndElement();
            w.WriteEndElement();
        });
    }

    private static void Append(Stream buffer, List<CotEvent> events)
    {
        foreach (var e in events)
        {
            buffer.Write(e.Xml);
        }
    }

    private static int Colour(ZoneKind kind) => kind switch
    {
        ZoneKind.Protected => unchecked((int)0xFF00A000),
        ZoneKind.Restricted => unchecked((int)0xFFE00000),
        _ => unchecked((int)0xFFFFD000),
    };

    private static List<CotEvent> Events(string uid, Declaration d, string kind, string? state, int colour, DateTimeOffset now, TimeSpan horizon)
    {
        var shape = d.Volume.Footprint;
        var stale = d.Volume.Time.End ?? now + horizon;
        string remarks = Remarks(d, kind, state);
        var result = new List<CotEvent>();
        if (shape.Kind == ShapeKind.Point)
        {
            double lon = shape.Paths[0][0], lat = shape.Paths[0][1];
            result.Add(new CotEvent(uid, "u-d-c-c", stale, Xml(w =>
            {
                Event(w, uid, "u-d-c-c", "h-e", now, stale);
                Point(w, lat, lon);
                w.WriteStartElement("detail");
                w.WriteStartElement("shape");
                w.WriteStartElement("ellipse");
                w.WriteAttributeString("major", Number(shape.BufferMetres));
                w.WriteAttributeString("minor", Number(shape.BufferMetres));
                w.WriteAttributeString("angle", "0");
                w.WriteEndElement();
                w.WriteEndElement();
                Common(w, d, uid, kind, colour, remarks, shape.BufferMetres);
                w.WriteEndElement();
                w.WriteEndElement();
            })));
            return result;
        }

        var polygons = Footprints.Polygons(shape);
        for (int p = 0; p < polygons.Count; p++)
        {
            string partUid = polygons.Count == 1 ? uid : $"{uid}.p{p + 1}";
            var shell = polygons[p][0];
            string partRemarks = polygons[p].Count > 1 ? remarks + " Its holes are not drawn." : remarks;
            var (lon, lat, radius) = Centre(shell);
            result.Add(new CotEvent(partUid, "u-d-f", stale, Xml(w =>
            {
                Event(w, partUid, "u-d-f", "h-e", now, stale);
                Point(w, lat, lon);
                w.WriteStartElement("detail");
                for (int i = 0; i + 1 < shell.Length; i += 2)
                {
                    w.WriteStartElement("link");
                    w.WriteAttributeString("point", $"{Coordinate(shell[i + 1])},{Coordinate(shell[i])}");
                    w.WriteEndElement();
                }

                Common(w, d, partUid, kind, colour, partRemarks, radius);
                w.WriteEndElement();
                w.WriteEndElement();
            })));
        }

        return result;
    }

    private static void Common(XmlWriter w, Declaration d, string uid, string kind, int colour, string remarks, double boundingMetres)
    {
        w.WriteStartElement("contact");
        w.WriteAttributeString("callsign", d.Name ?? uid[(uid.IndexOf('.', "parley.".Length) + 1)..]);
        w.WriteEndElement();
        Value(w, "strokeColor", colour.ToString(CultureInfo.InvariantCulture));
        Value(w, "strokeWeight", "3.0");
        Value(w, "fillColor", ((colour & 0x00FFFFFF) | 0x60000000).ToString(CultureInfo.InvariantCulture));
        Value(w, "labels_on", "true");
        var band = d.Volume.Altitude;
        w.WriteStartElement("__geofence");
        w.WriteAttributeString("trigger", "Entry");
        w.WriteAttributeString("monitor", "All");
        w.WriteAttributeString("tracking", "false");
        w.WriteAttributeString("elevationMonitored", double.IsFinite(band.MinMetres) || double.IsFinite(band.MaxMetres) ? "true" : "false");
        if (double.IsFinite(band.MinMetres))
        {
            w.WriteAttributeString("minElevation", Number(band.MinMetres));
        }

        if (double.IsFinite(band.MaxMetres))
        {
            w.WriteAttributeString("maxElevation", Number(band.MaxMetres));
        }

        w.WriteAttributeString("boundingSphere", Number(Math.Ceiling(boundingMetres)));
        w.WriteEndElement();
        if (double.IsFinite(band.MinMetres) && double.IsFinite(band.MaxMetres))
        {
            Value(w, "height", Number(band.MaxMetres - band.MinMetres));
            Value(w, "height_unit", "1");
        }

        w.WriteElementString("remarks", remarks);
        _ = kind;
    }

    private static string Remarks(Declaration d, string kind, string? state)
    {
        var band = d.Volume.Altitude;
        var time = d.Volume.Time;
        return string.Create(CultureInfo.InvariantCulture,
            $"Parley {(state is null ? "zone" : "operation")}: {kind}{(state is null ? "" : ", " + state)}, owner {d.Owner}. " +
            $"Altitude {(double.IsFinite(band.MinMetres) ? Number(band.MinMetres) + " m" : "surface")} to {(double.IsFinite(band.MaxMetres) ? Number(band.MaxMetres) + " m" : "unlimited")} AMSL. " +
            $"From {FeatureWriter.Time(time.Start)}{(time.End is { } e ? " until " + FeatureWriter.Time(e) : ", no end")}.");
    }

    private static (double Lon, double Lat, double Radius) Centre(double[] ring)
    {
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity, maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        for (int i = 0; i + 1 < ring.Length; i += 2)
        {
            (minX, maxX) = (Math.Min(minX, ring[i]), Math.Max(maxX, ring[i]));
            (minY, maxY) = (Math.Min(minY, ring[i + 1]), Math.Max(maxY, ring[i + 1]));
        }

        double lon = (minX + maxX) / 2, lat = (minY + maxY) / 2;
        double radius = 0;
        for (int i = 0; i + 1 < ring.Length; i += 2)
        {
            radius = Math.Max(radius, Geodesy.SphericalDistance(lon, lat, ring[i], ring[i + 1]) * (1 + Geodesy.SphericalRelativeError));
        }

        return (lon, lat, radius);
    }

    private static void Event(XmlWriter w, string uid, string type, string how, DateTimeOffset now, DateTimeOffset stale)
    {
        w.WriteStartElement("event");
        w.WriteAttributeString("version", "2.0");
        w.WriteAttributeString("uid", uid);
        w.WriteAttributeString("type", type);
        w.WriteAttributeString("how", how);
        w.WriteAttributeString("time", Time(now));
        w.WriteAttributeString("start", Time(now));
        w.WriteAttributeString("stale", Time(stale));
    }

    private static void Point(XmlWriter w, double lat, double lon)
    {
        w.WriteStartElement("point");
        w.WriteAttributeString("lat", Coordinate(lat));
        w.WriteAttributeString("lon", Coordinate(lon));
        w.WriteAttributeString("hae", Unknown);
        w.WriteAttributeString("ce", Unknown);
        w.WriteAttributeString("le", Unknown);
        w.WriteEndElement();
    }

    private static void Value(XmlWriter w, string element, string value)
    {
        w.WriteStartElement(element);
        w.WriteAttributeString("value", value);
        w.WriteEndElement();
    }

    private static byte[] Xml(Action<XmlWriter> write)
    {
        using var buffer = new MemoryStream(1024);
        using (var w = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), OmitXmlDeclaration = true, ConformanceLevel = ConformanceLevel.Fragment }))
        {
            write(w);
        }

        return buffer.ToArray();
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Coordinate(double degrees) => degrees.ToString("0.#######", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
