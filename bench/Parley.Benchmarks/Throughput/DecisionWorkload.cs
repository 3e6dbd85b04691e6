using System.Globalization;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Benchmarks.Throughput;

/// <summary>The load shapes of the decision benchmark.</summary>
internal enum Scenario
{
    /// <summary>Operations of two parties spread over places and times so that none conflicts: every one is accepted.</summary>
    Spread,

    /// <summary>Every operation in the same 1 km², overlapping in time and altitude: each conflicts with the other party's earlier ones.</summary>
    HotSpot,

    /// <summary>Every operation a ground movement in the same 1 km², inside the other party's protected zone there: one conflict each.</summary>
    HotZone,

    /// <summary>Every operation in the same 1 km², short and one after another in time: each conflicts with the other party's neighbours in time.</summary>
    HotTraffic,
}

/// <summary>One operation to submit: its owner (index into <see cref="DecisionWorkload.Parties"/>) and its GeoJSON Feature.</summary>
internal sealed record Submission(int Party, string Id, string Feature);

/// <summary>
/// The agreement and the operations of the decision benchmark, deterministic for a seed.
/// </summary>
/// <remarks>
/// <para>
/// <b>Spread</b>: a 50 × 50 grid of cells 0.2° apart over 30°–40° E, 30°–40° N (18–22 km between neighbours,
/// twice the agreement's 9,260 m lateral separation); operation <c>i</c> takes cell <c>i mod 2500</c> and the
/// 90-minute window of slot <c>i / 2500</c> (slots 2 h apart). A cell always holds the same party's operations,
/// neighbouring cells the other party's, and no two windows in a cell overlap, so nothing conflicts. Kinds
/// alternate flight and strike (both airborne, so every decision runs the separation query).
/// </para>
/// <para>
/// <b>Hot spot</b>: every operation is a box of 100–400 m inside the same 1 km² (35.000–35.011° E,
/// 35.000–35.009° N), flight at 500–1,500 m or strike from the ground to 2,000 m, starting within the same
/// 30 minutes and lasting 2 h: each conflicts with every live operation of the other party.
/// </para>
/// <para>
/// <b>Hot zone</b>: the same boxes and times, as ground movements, where each party has declared a protected zone
/// over the whole square kilometre (visible to the other party): each operation conflicts with the other party's
/// zone and opens one concurrence request, however many operations are live (ground movements keep no separation
/// from each other). Every write still contends for the same place.
/// </para>
/// <para>
/// <b>Hot traffic</b>: the same boxes in the same square kilometre, as traffic over one place looks: flights and
/// strikes of 10 minutes, operation <c>i</c> starting <c>4 i</c> minutes after the first, the parties alternating.
/// Each overlaps in time (and in altitude and place) the two operations before and after it, of which one before
/// and one after are the other party's: each conflicts with one or two of the other party's operations (two when
/// the later one landed first), so every decision opens one or two requests however many operations are live.
/// </para>
/// </remarks>
internal static class DecisionWorkload
{
    /// <summary>The agreement id used by every run.</summary>
    public const string AgreementId = "bench";

    /// <summary>The two member parties.</summary>
    public static readonly string[] Parties = ["blue", "red"];

    /// <summary>The path operations are submitted to.</summary>
    public const string OperationsPath = "/v1/agreements/" + AgreementId + "/operations";

    /// <summary>The path zones are declared on.</summary>
    public const string ZonesPath = "/v1/agreements/" + AgreementId + "/zones";

    private static readonly DateTimeOffset Base = new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Two member parties, the standard rules; a signature window of an hour (writes are signed before the
    /// measured window) and the largest probing budget the agreement reader allows (1,000,000 an hour,
    /// 10,000,000 a day), so that neither throttles the load.
    /// </summary>
    public const string AgreementText = """
        {
          "id": "bench",
          "name": "Decision throughput benchmark",
          "version": 1,
          "parties": [
            { "id": "blue", "name": "Blue", "role": "member" },
            { "id": "red", "name": "Red", "role": "member" }
          ],
          "signature_window_s": 3600,
          "probing_budget": { "per_hour": 1000000, "per_day": 10000000 }
        }
        """;

    /// <summary>The agreement as the server reads it.</summary>
    public static Agreement Agreement { get; } = AgreementReader.Parse(AgreementText);

    /// <summary>The first <paramref name="count"/> operations of a scenario, with ids prefixed by <paramref name="tag"/>.</summary>
    public static Submission[] Operations(Scenario scenario, int count, int seed, string tag) => scenario switch
    {
        Scenario.Spread => [.. Enumerable.Range(0, count).Select(i => Spread(i, tag))],
        Scenario.HotSpot => HotSpot(count, seed, tag, "flight", "strike"),
        Scenario.HotZone => HotSpot(count, seed, tag, "ground-movement", "ground-movement"),
        Scenario.HotTraffic => HotSpot(count, seed, tag, "flight", "strike", i => (Base + TimeSpan.FromMinutes(4 * i), TimeSpan.FromMinutes(10))),
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    };

    /// <summary>The zones a scenario declares before its load (the hot zone's two protected squares): owner and Feature.</summary>
    public static IReadOnlyList<(int Party, string Feature)> ZoneFeatures(Scenario scenario) =>
        scenario != Scenario.HotZone ? [] : [.. Parties.Select((party, i) => (i, string.Create(CultureInfo.InvariantCulture,
            $$$"""{"type":"Feature","id":"square-{{{party}}}","geometry":{{{Box(35.0055, 35.0045, 0.0056, 0.0046)}}},"properties":{"kind":"protected","alt_min_m":0,"alt_max_m":5000,"start":"{{{FeatureWriter.Time(Base)}}}","visibility":"parties","shared_with":["blue","red"]}}""")))];

    /// <summary>Declares the scenario's zones (if any) through the registry, before an in-process load.</summary>
    public static async Task DeclareZonesAsync(Parley.Server.Theaters.TheaterRegistry registry, Scenario scenario)
    {
        foreach (var (party, feature) in ZoneFeatures(scenario))
        {
            using var document = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(feature));
            var zone = FeatureReader.ReadZones(document.RootElement, Agreement, new PartyId(Parties[party])).Single();
            await registry.WriteAsync(new AgreementId(AgreementId), (theater, now) =>
                (Parley.Core.Workflow.Lifecycle.DeclareZones(theater, zone.Owner, [zone], now), 0));
        }
    }

    /// <summary>Declares the scenario's zones (if any) over HTTP, signed by their owners, before a load through servers.</summary>
    public static async Task DeclareZonesAsync(BenchTarget target, Scenario scenario)
    {
        var features = ZoneFeatures(scenario);
        if (features.Count == 0)
        {
            return;
        }

        using var client = target.Client();
        foreach (var write in target.Sign(features, ZonesPath))
        {
            using var request = target.Request(write, ZonesPath);
            using var response = await client.SendAsync(request);
            if ((int)response.StatusCode != 201)
            {
                throw new InvalidOperationException($"zone declaration answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    /// <summary>The spread scenario's operation <paramref name="i"/>: a 1 km box in its own cell of a 50 × 50 grid, one party after the other.</summary>
    public static Submission Spread(int i, string tag)
    {
        const int side = 50;
        int cell = i % (side * side), slot = i / (side * side);
        double lon = 30.1 + (0.2 * (cell % side)), lat = 30.1 + (0.2 * (cell / side));
        var start = Base + TimeSpan.FromHours(2 * slot);
        bool flight = i / 2 % 2 == 0;
        string id = $"{tag}-{i:D7}";
        return new Submission(i % 2, id, Feature(id, flight ? "flight" : "strike", Box(lon, lat, 0.005, 0.005),
            flight ? 300 : 0, flight ? 3000 : 4000, start, start + TimeSpan.FromMinutes(90)));
    }

    private static Submission[] HotSpot(int count, int seed, string tag, string evenKind, string oddKind,
        Func<int, (DateTimeOffset Start, TimeSpan Length)>? window = null)
    {
        const double west = 35.000, south = 35.000, east = 35.011, north = 35.009; // ≈ 1.00 km × 1.00 km
        var random = new Random(seed);
        var result = new Submission[count];
        for (int i = 0; i < count; i++)
        {
            double width = (0.1 + (0.3 * random.NextDouble())) / 91.2, height = (0.1 + (0.3 * random.NextDouble())) / 111.3; // degrees
            double lon = west + (width / 2) + (random.NextDouble() * (east - west - width));
            double lat = south + (height / 2) + (random.NextDouble() * (north - south - height));
            var (start, length) = window?.Invoke(i) ?? (Base + TimeSpan.FromMinutes(random.Next(0, 30)), TimeSpan.FromHours(2));
            bool flight = i / 2 % 2 == 0;
            string id = $"{tag}-{i:D7}";
            result[i] = new Submission(i % 2, id, Feature(id, flight ? evenKind : oddKind, Box(lon, lat, width / 2, height / 2),
                flight ? 500 : 0, flight ? 1500 : 2000, start, start + length));
        }

        return result;
    }

    /// <summary>An operation Feature in Parley's input model (owner: the submitting party).</summary>
    public static string Feature(string id, string kind, string geometry, double altMin, double altMax, DateTimeOffset start, DateTimeOffset end) =>
        string.Create(CultureInfo.InvariantCulture,
            $$$"""{"type":"Feature","id":"{{{id}}}","geometry":{{{geometry}}},"properties":{"kind":"{{{kind}}}","alt_min_m":{{{altMin}}},"alt_max_m":{{{altMax}}},"start":"{{{FeatureWriter.Time(start)}}}","end":"{{{FeatureWriter.Time(end)}}}"}}""");

    /// <summary>A GeoJSON Polygon: the box of half-sizes <paramref name="dx"/>, <paramref name="dy"/> (degrees) around a point.</summary>
    public static string Box(double lon, double lat, double dx, double dy)
    {
        double w = Math.Round(lon - dx, 7), e = Math.Round(lon + dx, 7), s = Math.Round(lat - dy, 7), n = Math.Round(lat + dy, 7);
        return string.Create(CultureInfo.InvariantCulture, $$"""{"type":"Polygon","coordinates":[[[{{w}},{{s}}],[{{e}},{{s}}],[{{e}},{{n}}],[{{w}},{{n}}],[{{w}},{{s}}]]]}""");
    }

    /// <summary>Parses submissions into operations as the server would (owner: the submitting party).</summary>
    public static Operation[] Parse(IReadOnlyList<Submission> submissions)
    {
        var result = new Operation[submissions.Count];
        Parallel.For(0, submissions.Count, i =>
        {
            using var document = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(submissions[i].Feature));
            result[i] = FeatureReader.ReadOperations(document.RootElement, Agreement, new PartyId(Parties[submissions[i].Party])).Single();
        });
        return result;
    }

    /// <summary>The centre of the disclosure cell holding a point, for placing one hidden zone per cell.</summary>
    public static (double Lon, double Lat) CellCentre(double lon, double lat)
    {
        var grid = new DisclosureGrid(Agreement.DisclosureResolutionMetres);
        var area = grid.Area(grid.CellAt(lon, lat));
        return ((area.West + area.East) / 2, (area.South + area.North) / 2);
    }
}
