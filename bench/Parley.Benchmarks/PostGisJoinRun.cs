using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Benchmarks;

/// <summary>
/// <c>postgis-join</c>: the whole conflict set two ways, in one run. The user's alternative: the zones and the
/// operations in PostgreSQL + PostGIS (loaded and indexed beforehand, not timed), then one indexed join for the
/// conflicts with zones and one for the pairs of operations. Parley's way: <c>parley check</c> on the same data as
/// GeoJSON files, end to end (a fresh process: start, read, index, check, write the conflicts). Both must find the
/// same conflicts (but for pairs within 5 cm of touching, where PostGIS's geography distances and Parley's geodesics
/// may fall either way); <c>parley check</c>'s peak resident memory is measured with <c>/usr/bin/time -v</c>.
/// </summary>
/// <remarks>
/// The join states Parley's rules: closed overlap of footprints, closed altitude bands, half-open windows, another
/// party, the agreement's forbidden kinds, and for airborne operations of different parties the separation minima.
/// Polygons meet as PostGIS's <c>ST_Intersects</c> on geometry says (edges straight in longitude and latitude, as in
/// Parley); circles and corridors are a base geometry and a distance, decided by <c>ST_DWithin</c> on geography (on
/// the WGS84 spheroid, as in Parley). Each row carries its covering box, grown by its buffer (and, for the pairs of
/// operations, by the lateral minimum), under a GiST index: the join's <c>&amp;&amp;</c>.
/// </remarks>
public static class PostGisJoinRun
{
    private const string ZoneConflicts = """
        SELECT o.ord, z.id
        FROM ops o
        JOIN rules r ON r.op_kind = o.kind
        JOIN zones z ON z.cover && o.cover AND z.kind = r.zone_kind AND z.owner <> o.owner
          AND z.t_start < o.t_end AND o.t_start < z.t_end AND z.alt_min <= o.alt_max AND o.alt_min <= z.alt_max
          AND CASE WHEN z.buffer_m = 0 AND o.buffer_m = 0 THEN ST_Intersects(z.geom, o.geom)
                   ELSE ST_DWithin(z.geog, o.geog, z.buffer_m + o.buffer_m) END
        """;

    private const string OperationPairs = """
        SELECT a.ord, b.ord
        FROM ops a
        JOIN ops b ON b.cover && a.reach AND a.ord < b.ord AND a.airborne AND b.airborne AND a.owner <> b.owner
          AND a.t_start < b.t_end AND b.t_start < a.t_end
          AND b.alt_min <= a.alt_max + @vertical AND a.alt_min <= b.alt_max + @vertical
          AND ST_DWithin(a.geog, b.geog, a.buffer_m + b.buffer_m + @lateral)
        """;

    public static int Run(int zoneCount, int operationCount, int runs, string folder, int seed)
    {
        Console.WriteLine($"# postgis-join — {Machine.Describe()}");
        var agreement = Agreement.Default();
        var generator = new TheaterGenerator(seed);
        var zones = generator.Zones(zoneCount).ToArray();
        var operations = generator.Operations(operationCount).ToArray();
        Directory.CreateDirectory(folder);
        string zonesPath = Path.Combine(folder, "zones.geojson"), operationsPath = Path.Combine(folder, "operations.geojson");
        long zoneBytes = GeoJsonExport.Write(zonesPath, zones, zones.Length, "zones", FeatureWriter.Write);
        long operationBytes = GeoJsonExport.Write(operationsPath, operations, operations.Length, "operations", FeatureWriter.Write);
        var zoneById = zones.ToDictionary(z => z.Id.Value, StringComparer.Ordinal);
        var operationById = operations.ToDictionary(o => o.Id.Value, StringComparer.Ordinal);
        string parley = Path.Combine(AppContext.BaseDirectory, "parley.dll");
        if (!File.Exists(parley))
        {
            throw new FileNotFoundException($"parley.dll is not beside the benchmarks ({AppContext.BaseDirectory}): build bench/Parley.Benchmarks");
        }

        using var cluster = PostgresCluster.Start();
        ConsoleCancelEventHandler onCancel = (_, _) => cluster.Dispose();
        Console.CancelKeyPress += onCancel;
        try
        {
            using var connection = new NpgsqlConnection(cluster.ConnectionString);
            connection.Open();
            PostGisRun.Execute(connection, "CREATE EXTENSION postgis");
            string version = PostGisRun.Scalar(connection, "SELECT version() || ' / PostGIS ' || postgis_lib_version()");
            var (loadSeconds, indexSeconds) = Load(connection, zones, operations, agreement);
            Console.WriteLine($"# {version}; settings: {PostgresCluster.Describe(PostgresCluster.Settings)}; client over the Unix socket");
            Console.WriteLine($"# seed {seed}: {zoneCount:N0} zones ({zoneBytes / 1e6:F1} MB of GeoJSON), {operationCount:N0} operations ({operationBytes / 1e6:F1} MB); " +
                $"PostGIS load {loadSeconds:F1} s and GiST build + ANALYZE {indexSeconds:F1} s, not timed below");
            Console.WriteLine($"# parley check: dotnet {parley} check --zones {zonesPath} --operations {operationsPath} --format jsonl > FILE, under /usr/bin/time -v");
            Console.WriteLine();
            Console.WriteLine("| run | load (1 min) | PostGIS indexed join (s) | `parley check` end to end (s) | Parley ahead by | conflicts PostGIS / Parley | same | `parley check` max RSS | its own phases (s) |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---|---:|---|");
            bool allSame = true;
            for (int run = 1; run <= runs; run++)
            {
                string load = Machine.LoadAverage().Split(' ')[0];
                Console.Error.WriteLine($"run {run}: PostGIS join");
                var (joinSeconds, expected) = Join(connection, operations, agreement);
                Console.Error.WriteLine($"run {run}: parley check");
                var check = Check(parley, zonesPath, operationsPath, folder);
                var missing = expected.Except(check.Conflicts).ToList();
                var extra = check.Conflicts.Except(expected).ToList();
                var margins = missing.Concat(extra).Select(line => Margin(line, zoneById, operationById, agreement)).ToList();
                bool same = margins.All(m => Math.Abs(m) <= BorderlineMetres);
                allSame &= same;
                string verdict = margins.Count == 0 ? "yes"
                    : same ? $"yes, but for {margins.Count} pair{(margins.Count == 1 ? "" : "s")} within {margins.Max(Math.Abs) * 100:F1} cm of touching ({missing.Count} only PostGIS, {extra.Count} only Parley)"
                    : $"**no**: {missing.Count} only PostGIS, {extra.Count} only Parley";
                Console.WriteLine($"| {run} | {load} | {joinSeconds:F2} | {check.Seconds:F2} | **{joinSeconds / check.Seconds:F1}×** | {expected.Count:N0} / {check.Conflicts.Count:N0} | " +
                    $"{verdict} | {check.MaxResidentKilobytes / 1024.0:N0} MiB | {check.Phases} |");
                foreach (var (what, list) in new[] { ("only PostGIS", missing), ("only Parley", extra) })
                {
                    foreach (var c in list.Take(10))
                    {
                        Console.Error.WriteLine($"  {what}: {c} (Parley's distance minus the reach: {Margin(c, zoneById, operationById, agreement):F4} m)");
                    }
                }
            }

            return allSame ? 0 : 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static (double Load, double Index) Load(NpgsqlConnection connection, Zone[] zones, Operation[] operations, Agreement agreement)
    {
        PostGisRun.Execute(connection, """
            CREATE TABLE zones (id text NOT NULL, owner text NOT NULL, kind text NOT NULL,
              alt_min double precision NOT NULL, alt_max double precision NOT NULL, t_start timestamptz NOT NULL, t_end timestamptz NOT NULL,
              geom geometry(Geometry, 4326) NOT NULL, buffer_m double precision NOT NULL, cover geometry(Polygon, 4326) NOT NULL, geog geography);
            CREATE TABLE ops (ord integer NOT NULL, owner text NOT NULL, kind text NOT NULL, airborne boolean NOT NULL,
              alt_min double precision NOT NULL, alt_max double precision NOT NULL, t_start timestamptz NOT NULL, t_end timestamptz NOT NULL,
              geom geometry(Geometry, 4326) NOT NULL, buffer_m double precision NOT NULL, cover geometry(Polygon, 4326) NOT NULL,
              reach geometry(Polygon, 4326) NOT NULL, geog geography);
            CREATE TABLE rules (op_kind text NOT NULL, zone_kind text NOT NULL);
            """);
        var clock = Stopwatch.StartNew();
        using (var copy = connection.BeginBinaryImport("COPY zones (id, owner, kind, alt_min, alt_max, t_start, t_end, geom, buffer_m, cover) FROM STDIN (FORMAT BINARY)"))
        {
            var progress = new Progress("COPY zones", zones.Length);
            for (int i = 0; i < zones.Length; i++)
            {
                var z = zones[i];
                var shape = z.Volume.Footprint;
                copy.StartRow();
                copy.Write(z.Id.Value, NpgsqlDbType.Text);
                copy.Write(z.Owner.Value, NpgsqlDbType.Text);
                copy.Write(ZoneKinds.Name(z.Kind), NpgsqlDbType.Text);
                copy.Write(z.Volume.Altitude.MinMetres, NpgsqlDbType.Double);
                copy.Write(z.Volume.Altitude.MaxMetres, NpgsqlDbType.Double);
                copy.Write(z.Volume.Time.Start.UtcDateTime, NpgsqlDbType.TimestampTz);
                copy.Write(z.Volume.Time.End?.UtcDateTime ?? DateTime.MaxValue, NpgsqlDbType.TimestampTz); // infinity
                copy.Write(Ewkb.Of(shape, baseOnly: true), NpgsqlDbType.Bytea);
                copy.Write(shape.BufferMetres, NpgsqlDbType.Double);
                copy.Write(Ewkb.Box(shape.CoveringBoxes().First), NpgsqlDbType.Bytea);
                if ((i & 0xFFFF) == 0)
                {
                    progress.Report(i);
                }
            }

            copy.Complete();
            progress.Done();
        }

        var separation = agreement.Separation;
        using (var copy = connection.BeginBinaryImport("COPY ops (ord, owner, kind, airborne, alt_min, alt_max, t_start, t_end, geom, buffer_m, cover, reach) FROM STDIN (FORMAT BINARY)"))
        {
            for (int i = 0; i < operations.Length; i++)
            {
                var o = operations[i];
                var shape = o.Volume.Footprint;
                copy.StartRow();
                copy.Write(i, NpgsqlDbType.Integer);
                copy.Write(o.Owner.Value, NpgsqlDbType.Text);
                copy.Write(o.Kind, NpgsqlDbType.Text);
                copy.Write(agreement.IsAirborne(o.Kind), NpgsqlDbType.Boolean);
                copy.Write(o.Volume.Altitude.MinMetres, NpgsqlDbType.Double);
                copy.Write(o.Volume.Altitude.MaxMetres, NpgsqlDbType.Double);
                copy.Write(o.Volume.Time.Start.UtcDateTime, NpgsqlDbType.TimestampTz);
                copy.Write(o.Volume.Time.End?.UtcDateTime ?? DateTime.MaxValue, NpgsqlDbType.TimestampTz);
                copy.Write(Ewkb.Of(shape, baseOnly: true), NpgsqlDbType.Bytea);
                copy.Write(shape.BufferMetres, NpgsqlDbType.Double);
                copy.Write(Ewkb.Box(shape.CoveringBoxes().First), NpgsqlDbType.Bytea);
                copy.Write(Ewkb.Box(shape.CoveringBoxes(separation.LateralMetres).First), NpgsqlDbType.Bytea);
            }

            copy.Complete();
        }

        foreach (var rule in agreement.ZoneRules)
        {
            foreach (var kind in rule.ZoneKinds)
            {
                PostGisRun.Execute(connection, $"INSERT INTO rules VALUES ('{rule.OperationKind}', '{ZoneKinds.Name(kind)}')");
            }
        }

        PostGisRun.Execute(connection, "UPDATE zones SET geog = geom::geography");
        PostGisRun.Execute(connection, "UPDATE ops SET geog = geom::geography");
        double load = clock.Elapsed.TotalSeconds;
        clock.Restart();
        Console.Error.WriteLine("  building the GiST indexes");
        foreach (var sql in new[] { "CREATE INDEX zones_cover ON zones USING gist (cover)", "CREATE INDEX ops_cover ON ops USING gist (cover)", "VACUUM ANALYZE zones", "VACUUM ANALYZE ops", "VACUUM ANALYZE rules" })
        {
            PostGisRun.Execute(connection, sql);
        }

        double index = clock.Elapsed.TotalSeconds;
        PostGisRun.Execute(connection, "SELECT count(*) FROM zones"); // warm the buffer cache
        PostGisRun.Execute(connection, "SELECT count(*) FROM ops");
        return (load, index);
    }

    /// <summary>Both joins, every row read by the client: the conflicts as <c>parley check</c>'s lines would name them.</summary>
    private static (double Seconds, HashSet<string> Conflicts) Join(NpgsqlConnection connection, Operation[] operations, Agreement agreement)
    {
        var conflicts = new HashSet<string>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        using (var zonesCommand = new NpgsqlCommand(ZoneConflicts, connection))
        using (var reader = zonesCommand.ExecuteReader())
        {
            while (reader.Read())
            {
                conflicts.Add(Line(operations[reader.GetInt32(0)].Id.Value, "zone", reader.GetString(1)));
            }
        }

        using (var pairsCommand = new NpgsqlCommand(OperationPairs, connection))
        {
            pairsCommand.Parameters.AddWithValue("vertical", agreement.Separation.VerticalMetres);
            pairsCommand.Parameters.AddWithValue("lateral", agreement.Separation.LateralMetres);
            using var reader = pairsCommand.ExecuteReader();
            while (reader.Read())
            {
                conflicts.Add(Line(operations[reader.GetInt32(0)].Id.Value, "operation2", operations[reader.GetInt32(1)].Id.Value));
            }
        }

        return (clock.Elapsed.TotalSeconds, conflicts);
    }

    // PostGIS's geography distances and Parley's geodesics agree to a few centimetres: a pair closer than this to
    // touching may fall either way. Any other difference fails the run.
    private const double BorderlineMetres = 0.05;

    /// <summary>For a conflict line: Parley's geodesic distance between the base footprints, less the reach that makes a conflict.</summary>
    private static double Margin(string line, Dictionary<string, Zone> zones, Dictionary<string, Operation> operations, Agreement agreement)
    {
        using var json = JsonDocument.Parse(line);
        var operation = operations[json.RootElement.GetProperty("operation").GetString()!].Volume.Footprint;
        if (json.RootElement.TryGetProperty("zone", out var zone))
        {
            var footprint = zones[zone.GetString()!].Volume.Footprint;
            return Parley.Core.Geometry.Proximity.Distance(operation, footprint) - operation.BufferMetres - footprint.BufferMetres;
        }

        var other = operations[json.RootElement.GetProperty("operation2").GetString()!].Volume.Footprint;
        return Parley.Core.Geometry.Proximity.Distance(operation, other) - operation.BufferMetres - other.BufferMetres - agreement.Separation.LateralMetres;
    }

    private static string Line(string operation, string member, string other) =>
        $"{{\"operation\":{JsonSerializer.Serialize(operation)},\"{member}\":{JsonSerializer.Serialize(other)}}}";

    private sealed record CheckResult(double Seconds, HashSet<string> Conflicts, long MaxResidentKilobytes, string Phases);

    /// <summary><c>parley check</c> in a process of its own, timed from start to exit, its output to a file.</summary>
    private static CheckResult Check(string parley, string zonesPath, string operationsPath, string folder)
    {
        string output = Path.Combine(folder, "conflicts.jsonl"), timeReport = Path.Combine(folder, "time.txt");
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec /usr/bin/time -v -o \"$1\" dotnet \"$2\" check --zones \"$3\" --operations \"$4\" --format jsonl > \"$5\"");
        info.ArgumentList.Add("sh");
        foreach (var arg in new[] { timeReport, parley, zonesPath, operationsPath, output })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        double seconds = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"parley check exited with {process.ExitCode}: {stderr}");
        }

        long maxResident = File.ReadLines(timeReport)
            .Where(l => l.Contains("Maximum resident set size", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(':')[1].Trim(), CultureInfo.InvariantCulture)).Single();
        var phases = stderr.Split('\n')
            .Where(l => l.Contains(" done in ", StringComparison.Ordinal))
            .Select(l => l.Replace("parley check: ", "", StringComparison.Ordinal))
            .Select(l => $"{l.Split(':')[0]} {l.Split(" done in ")[1].Split(' ')[0]}");
        return new CheckResult(seconds, new HashSet<string>(File.ReadLines(output), StringComparer.Ordinal), maxResident, string.Join(", ", phases));
    }
}
