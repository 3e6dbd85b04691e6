using System.Globalization;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Benchmarks;

/// <summary>
/// Deterministic, realistic theater data: protected sites, restricted areas and designated zones of three
/// parties, and the flights, strikes and movements planned over a few days, in a 10° × 10° region.
/// </summary>
/// <remarks>
/// The same seed gives the same data on every machine (the legacy seeded <see cref="Random"/> algorithm
/// is fixed). The zones of a smaller run are the first zones of a larger one, so sizes are comparable.
/// About 60 % of zones and half of the operations cluster around towns, the rest spread evenly.
/// </remarks>
public sealed class TheaterGenerator(int seed = TheaterGenerator.DefaultSeed)
{
    /// <summary>The seed every figure in docs/benchmarks.md was measured with.</summary>
    public const int DefaultSeed = 20_250_301;

    /// <summary>The theater: longitude 30°–40° E, latitude 30°–40° N.</summary>
    public static readonly GeoBox Region = new(30, 30, 40, 40);

    /// <summary>Start of the planning period; operations fall in the three days after it.</summary>
    public static readonly DateTimeOffset Epoch = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private const double MetresPerDegree = 111_320;
    private const int TownCount = 500;

    private static readonly PartyId Blue = new("blue"), Red = new("red"), Aid = new("aid");
    private static readonly IReadOnlyList<PartyId> SharedWithBlue = [Blue], SharedWithAid = [Aid];

    private readonly (double Lon, double Lat)[] _towns = Towns(seed);

    /// <summary>The zones, in id order (<c>z0000000</c>, <c>z0000001</c>, …).</summary>
    public IEnumerable<Zone> Zones(int count)
    {
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            yield return Zone(rng, i);
        }
    }

    /// <summary>The operations, in id order (<c>op000000</c>, …), all proposed.</summary>
    public IEnumerable<Operation> Operations(int count)
    {
        var rng = new Random(seed ^ 0x5EED);
        for (int i = 0; i < count; i++)
        {
            yield return Operation(rng, i);
        }
    }

    /// <summary>
    /// Incident reports (<c>inc000000</c>, …) where the zones cluster: a circle of 100 m–5 km (log-uniform) and a window
    /// of 30 min–6 h within the operations' three days, suspecting blue or red, reported by aid.
    /// </summary>
    public IEnumerable<IncidentReport> Incidents(int count)
    {
        var rng = new Random(seed ^ 0x1DC);
        for (int i = 0; i < count; i++)
        {
            var (lon, lat) = Place(rng, clustered: 0.6, spreadMetres: 4_000);
            double radius = Math.Round(100 * Math.Pow(50, rng.NextDouble()));
            var start = Epoch.AddMinutes(rng.Next(3 * 24 * 60) / 5 * 5);
            yield return new IncidentReport
            {
                Id = new IncidentId(string.Create(CultureInfo.InvariantCulture, $"inc{i:D6}")), Reporter = Aid,
                Kind = (IncidentKind)rng.Next(6), Area = Shape.Circle(Round(lon), Round(lat), radius),
                Window = new TimeWindow(start, start.AddMinutes(30 + rng.Next(330))),
                Suspected = [rng.NextDouble() < 0.5 ? Blue : Red],
            };
        }
    }

    private Zone Zone(Random rng, int i)
    {
        var (lon, lat) = Place(rng, clustered: 0.6, spreadMetres: 4_000);
        double r = rng.NextDouble();
        var kind = r < 0.55 ? ZoneKind.Protected : r < 0.85 ? ZoneKind.Restricted : ZoneKind.Designated;
        var owner = kind == ZoneKind.Protected
            ? Pick(rng, 0.4, Aid, 0.7, Blue, Red)
            : rng.NextDouble() < 0.5 ? Blue : Red;

        // 0.2–2 km across, log-uniform: many small sites, fewer large areas.
        double across = 200 * Math.Pow(10, rng.NextDouble());
        var footprint = rng.NextDouble() < 0.1
            ? Shape.Circle(Round(lon), Round(lat), Math.Round(across / 2))
            : Polygon(rng, lon, lat, across / 2);

        var altitude = kind switch
        {
            ZoneKind.Protected => new AltitudeBand(0, 500 + (100 * rng.Next(26))),
            ZoneKind.Restricted => new AltitudeBand(rng.NextDouble() < 0.7 ? 0 : 1_000, 3_000 + (500 * rng.Next(19))),
            _ => new AltitudeBand(0, 5_000),
        };

        TimeWindow time;
        if (kind != ZoneKind.Designated && rng.NextDouble() < (kind == ZoneKind.Protected ? 0.7 : 0.5))
        {
            time = new TimeWindow(Epoch.AddDays(-30), null); // standing: hospitals, schools, closed airspace
        }
        else
        {
            var start = Epoch.AddMinutes(rng.Next(-24 * 60, 3 * 24 * 60) / 15 * 15);
            time = new TimeWindow(start, start.AddHours(2 + rng.Next(70)));
        }

        double v = rng.NextDouble();
        var visibility = v < 0.6 ? Visibility.Private : v < 0.8 ? Visibility.Parties : Visibility.Public;
        return new Zone
        {
            Id = new ZoneId($"z{i:D7}"),
            Owner = owner,
            Kind = kind,
            Volume = new Volume(footprint, altitude, time),
            Visibility = visibility,
            SharedWith = visibility == Visibility.Parties ? Others(owner) : [],
        };
    }

    private Operation Operation(Random rng, int i)
    {
        var (lon, lat) = Place(rng, clustered: 0.5, spreadMetres: 8_000);
        double r = rng.NextDouble();
        string kind = r < 0.35 ? "flight" : r < 0.60 ? "strike" : r < 0.90 ? "ground-movement" : "humanitarian-movement";
        var owner = kind == "humanitarian-movement" ? Aid : rng.NextDouble() < 0.5 ? Blue : Red;

        Shape footprint;
        AltitudeBand altitude;
        double s = rng.NextDouble();
        switch (kind)
        {
            case "flight":
                footprint = s < 0.6
                    ? Corridor(rng, lon, lat, legs: 2 + rng.Next(4), legMetres: 1_500, halfWidth: 500 + rng.Next(1_500))
                    : Polygon(rng, lon, lat, 1_000 + (3_000 * rng.NextDouble()));
                double floor = 300 + (100 * rng.Next(28));
                altitude = new AltitudeBand(floor, floor + 500 + (100 * rng.Next(36)));
                break;
            case "strike":
                footprint = s < 0.4
                    ? Shape.Circle(Round(lon), Round(lat), 500 + rng.Next(2_500))
                    : Polygon(rng, lon, lat, 500 + (2_000 * rng.NextDouble()));
                altitude = new AltitudeBand(0, 3_000 + (500 * rng.Next(13)));
                break;
            default:
                footprint = s < 0.7
                    ? Corridor(rng, lon, lat, legs: 2 + rng.Next(5), legMetres: 1_000, halfWidth: 100 + rng.Next(400))
                    : Polygon(rng, lon, lat, 500 + (2_000 * rng.NextDouble()));
                altitude = new AltitudeBand(0, 100);
                break;
        }

        var start = Epoch.AddMinutes(rng.Next(3 * 24 * 60) / 5 * 5);
        var time = new TimeWindow(start, start.AddMinutes(20 + (10 * rng.Next(47))));
        return new Operation
        {
            Id = new OperationId($"op{i:D6}"),
            Owner = owner,
            Kind = kind,
            Volume = new Volume(footprint, altitude, time),
        };
    }

    private (double Lon, double Lat) Place(Random rng, double clustered, double spreadMetres)
    {
        if (rng.NextDouble() < clustered)
        {
            var town = _towns[rng.Next(_towns.Length)];
            double dLat = Gaussian(rng) * spreadMetres / MetresPerDegree;
            double dLon = Gaussian(rng) * spreadMetres / (MetresPerDegree * Math.Cos(town.Lat * Math.PI / 180));
            return (Math.Clamp(town.Lon + dLon, Region.MinX, Region.MaxX), Math.Clamp(town.Lat + dLat, Region.MinY, Region.MaxY));
        }

        return (Region.MinX + ((Region.MaxX - Region.MinX) * rng.NextDouble()),
                Region.MinY + ((Region.MaxY - Region.MinY) * rng.NextDouble()));
    }

    /// <summary>A simple 10-vertex polygon (closed ring of 11 positions), counter-clockwise, star-shaped about its centre.</summary>
    private static Shape Polygon(Random rng, double lon, double lat, double radiusMetres)
    {
        const int vertices = 10;
        var ring = new double[(vertices + 1) * 2];
        double turn = rng.NextDouble() * 2 * Math.PI;
        double cosLat = Math.Cos(lat * Math.PI / 180);
        for (int k = 0; k < vertices; k++)
        {
            double angle = turn + ((k + (0.8 * rng.NextDouble()) - 0.4) * 2 * Math.PI / vertices);
            double radius = radiusMetres * (0.6 + (0.4 * rng.NextDouble()));
            ring[2 * k] = Round(lon + (radius * Math.Cos(angle) / (MetresPerDegree * cosLat)));
            ring[(2 * k) + 1] = Round(lat + (radius * Math.Sin(angle) / MetresPerDegree));
        }

        ring[2 * vertices] = ring[0];
        ring[(2 * vertices) + 1] = ring[1];
        return Shape.Polygons([[ring]]);
    }

    /// <summary>A route of a few legs that wanders by up to 35° a leg.</summary>
    private static Shape Corridor(Random rng, double lon, double lat, int legs, double legMetres, double halfWidth)
    {
        var path = new double[(legs + 1) * 2];
        double heading = rng.NextDouble() * 2 * Math.PI;
        double cosLat = Math.Cos(lat * Math.PI / 180);
        path[0] = Round(lon);
        path[1] = Round(lat);
        for (int k = 1; k <= legs; k++)
        {
            heading += (rng.NextDouble() - 0.5) * 1.2;
            double length = legMetres * (0.5 + rng.NextDouble());
            lon += length * Math.Cos(heading) / (MetresPerDegree * cosLat);
            lat += length * Math.Sin(heading) / MetresPerDegree;
            path[2 * k] = Round(lon);
            path[(2 * k) + 1] = Round(lat);
        }

        return Shape.Corridor(path, halfWidth);
    }

    private static (double Lon, double Lat)[] Towns(int seed)
    {
        var rng = new Random(seed ^ 0x7047);
        var towns = new (double, double)[TownCount];
        for (int i = 0; i < towns.Length; i++)
        {
            towns[i] = (Region.MinX + 0.2 + (9.6 * rng.NextDouble()), Region.MinY + 0.2 + (9.6 * rng.NextDouble()));
        }

        return towns;
    }

    private static PartyId Pick(Random rng, double first, PartyId a, double second, PartyId b, PartyId c)
    {
        double r = rng.NextDouble();
        return r < first ? a : r < second ? b : c;
    }

    /// <summary>Aid shares with blue; the armed parties share with aid.</summary>
    private static IReadOnlyList<PartyId> Others(PartyId owner) => owner == Aid ? SharedWithBlue : SharedWithAid;

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Seven decimals (about a centimetre): short, exact GeoJSON text.</summary>
    private static double Round(double degrees) => Math.Round(degrees, 7);
}
