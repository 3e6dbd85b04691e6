namespace Parley.Cli.Tests.Support;

/// <summary>Small hand-made inputs whose conflicts are known.</summary>
public static class Samples
{
    /// <summary>A protected hospital of blue around 10° E 10° N, standing.</summary>
    public const string Zones = """
        {
          "type": "FeatureCollection",
          "features": [
            {
              "type": "Feature", "id": "hospital-1",
              "geometry": { "type": "Polygon", "coordinates": [[[9.99, 9.99], [10.01, 9.99], [10.01, 10.01], [9.99, 10.01], [9.99, 9.99]]] },
              "properties": { "kind": "protected", "owner": "blue", "start": "2026-01-01T00:00:00Z" }
            },
            {
              "type": "Feature", "id": "airspace-far",
              "geometry": { "type": "Polygon", "coordinates": [[[-50, -10], [-49, -10], [-49, -9], [-50, -9], [-50, -10]]] },
              "properties": { "kind": "restricted", "owner": "blue", "alt_min_m": 0, "alt_max_m": 6000, "start": "2026-01-01T00:00:00Z" }
            }
          ]
        }
        """;

    /// <summary>
    /// A red strike on the hospital (operation–zone conflict), an aid convoy past it (no rule), and a blue
    /// and a red flight 1 km apart at overlapping altitudes and times (operation–operation conflict).
    /// </summary>
    public const string Operations = """
        {
          "type": "FeatureCollection",
          "features": [
            {
              "type": "Feature", "id": "strike-1",
              "geometry": { "type": "Point", "coordinates": [10.0, 10.0] },
              "properties": { "kind": "strike", "owner": "red", "radius_m": 500, "alt_min_m": 0, "alt_max_m": 3000,
                              "start": "2026-06-01T08:00:00Z", "end": "2026-06-01T10:00:00Z" }
            },
            {
              "type": "Feature", "id": "convoy-1",
              "geometry": { "type": "LineString", "coordinates": [[9.98, 10.0], [10.02, 10.0]] },
              "properties": { "kind": "humanitarian-movement", "owner": "aid", "corridor_m": 100, "alt_min_m": 0, "alt_max_m": 50,
                              "start": "2026-06-01T08:00:00Z", "end": "2026-06-01T12:00:00Z" }
            },
            {
              "type": "Feature", "id": "flight-a",
              "geometry": { "type": "Polygon", "coordinates": [[[19.99, 19.99], [20.01, 19.99], [20.01, 20.01], [19.99, 20.01], [19.99, 19.99]]] },
              "properties": { "kind": "flight", "owner": "blue", "alt_min_m": 1000, "alt_max_m": 2000,
                              "start": "2026-06-01T08:00:00Z", "end": "2026-06-01T10:00:00Z" }
            },
            {
              "type": "Feature", "id": "flight-b",
              "geometry": { "type": "Point", "coordinates": [20.02, 20.0] },
              "properties": { "kind": "flight", "owner": "red", "radius_m": 1000, "alt_min_m": 1500, "alt_max_m": 2500,
                              "start": "2026-06-01T09:00:00Z", "end": "2026-06-01T11:00:00Z" }
            }
          ]
        }
        """;

    /// <summary>The jsonl output expected for <see cref="Zones"/> and <see cref="Operations"/>.</summary>
    public const string ExpectedJsonLines =
        "{\"operation\":\"strike-1\",\"zone\":\"hospital-1\"}\n" +
        "{\"operation\":\"flight-a\",\"operation2\":\"flight-b\"}\n";

    /// <summary>A second zone whose end is before its start.</summary>
    public const string ZonesWithBadEnd = """
        {
          "type": "FeatureCollection",
          "features": [
            {
              "type": "Feature", "id": "good-zone",
              "geometry": { "type": "Point", "coordinates": [1, 1] },
              "properties": { "kind": "protected", "owner": "blue", "radius_m": 100, "start": "2026-01-01T00:00:00Z" }
            },
            {
              "type": "Feature", "id": "bad-zone",
              "geometry": { "type": "Point", "coordinates": [2, 2] },
              "properties": { "kind": "protected", "owner": "blue", "radius_m": 100, "start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z" }
            }
          ]
        }
        """;

    public const string Malformed = """{ "type": "FeatureCollection", "features": [ { "type": "Feature", """;

    /// <summary>A zone of blue near the demo theater, for zone add.</summary>
    public static string DemoZone(string id) => $$"""
        {
          "type": "Feature", "id": "{{id}}",
          "geometry": { "type": "Point", "coordinates": [9.2, 42.2] },
          "properties": { "kind": "protected", "owner": "blue", "radius_m": 300, "start": "2026-01-01T00:00:00Z", "name": "Clinic {{id}}", "visibility": "public" }
        }
        """;

    /// <summary>A red strike on the demo's public Hillside school of blue.</summary>
    public static string StrikeOnSchool(string id) => $$"""
        {
          "type": "Feature", "id": "{{id}}",
          "geometry": { "type": "Point", "coordinates": [9.305, 42.204] },
          "properties": { "kind": "strike", "owner": "red", "radius_m": 200, "alt_min_m": 0, "alt_max_m": 3000,
                          "start": "2026-12-02T08:00:00Z", "end": "2026-12-02T09:00:00Z" }
        }
        """;
}
