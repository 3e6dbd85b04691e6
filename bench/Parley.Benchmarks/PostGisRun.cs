using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Benchmarks;

/// <summary>
/// <c>postgis</c>: the same zones in PostgreSQL + PostGIS (GiST index) and the same conflict query for the
/// same operations, timed one by one next to Parley's check, in one run.
/// </summary>
/// <remarks>
/// PostGIS answers the query a user would write: the operation's footprint intersects the zone, the time
/// windows overlap (half-open), the altitude bands meet (closed), another party owns the zone and the
/// agreement forbids the operation kind in that kind of zone. Footprints of circles and corridors are
/// buffered once, before timing, by PostGIS itself (<c>ST_Buffer</c> on geography); circle zones are
/// loaded as 32-gons. PostGIS's predicate is planar on those polygons, Parley's is exact and geodesic, so
/// the conflict counts agree closely but not exactly; the comparison is of the cost of answering.
/// </remarks>
public static class PostGisRun
{
    private const string Query =
        "SELECT id FROM zones WHERE ST_Intersects(geom, ST_GeomFromEWKB($1)) " +
        "AND t_start < $3 AND $2 < t_end AND alt_min <= $5 AND $4 <= alt_max AND owner <> $6 AND kind = ANY($7)";

    private const string BoxQuery = "SELECT count(*) FROM zones WHERE geom && ST_GeomFromEWKB($1)";

    public static int Run(IReadOnlyList<int> sizes, int queries, int seed)
    {
        Console.WriteLine($"# postgis — {Machine.Describe()}");
        var generator = new TheaterGenerator(seed);
        Console.Error.WriteLine($"generating {sizes.Max():N0} zones and {queries:N0} operations");
        var zones = generator.Zones(sizes.Max()).ToArray();
        var operations = generator.Operations(queries).ToArray();
        var agreement = Agreement.Default();

        using var cluster = PostgresCluster.Start();
        ConsoleCancelEventHandler onCancel = (_, _) => cluster.Dispose();
        Console.CancelKeyPress += onCancel;
        try
        {
            using var connection = new NpgsqlConnection(cluster.ConnectionString);
            connection.Open();
            Execute(connection, "CREATE EXTENSION postgis");
            string version = Scalar(connection, "SELECT version() || ' / PostGIS ' || postgis_lib_version()");
            Console.WriteLine($"# {version}; settings: {PostgresCluster.Describe(PostgresCluster.Settings)}; client over the Unix socket, prepared statements");
            Console.WriteLine($"# seed {seed}, {queries:N0} operations timed one by one, same operations in both, each after a warm-up on the first {Math.Min(queries, 1_000):N0} that is not timed");
            var footprints = Footprints(connection, operations);

            var rows = new List<string>();
            foreach (int size in sizes)
            {
                double loadSeconds = Load(connection, zones, size, out double indexSeconds, out string tableSize);

                Console.Error.WriteLine($"{size:N0} zones: timing {queries:N0} PostGIS queries");
                var (pg, pgCount) = TimePostGis(connection, operations, footprints, agreement);
                var (box, _) = TimeBoxes(connection, footprints);

                Console.Error.WriteLine($"{size:N0} zones: timing {queries:N0} Parley checks");
                Machine.Collect();
                var (theater, buildSeconds) = LatencyRun.Build(zones, size);
                var parley = LatencyRun.TimeChecks(theater, operations, out long parleyCount, out _);
                theater = null;

                rows.Add($"| {size:N0} | {loadSeconds:F1} + {indexSeconds:F1} ({tableSize}) | {buildSeconds:F2} | " +
                         $"{pg.P50:F0} / {pg.P99:F0} / {pg.Max:F0} / {pg.Mean:F0} | {box.P50:F0} / {box.P99:F0} | {parley.P50:F1} / {parley.P99:F1} / {parley.Max:F0} / {parley.Mean:F1} | " +
                         $"**{pg.P50 / parley.P50:F1}×** / **{pg.P99 / parley.P99:F1}×** / {pg.Mean / parley.Mean:F1}× | {pgCount:N0} / {parleyCount:N0} |");
            }

            Console.WriteLine();
            Console.WriteLine("| zones | PostGIS load + GiST build (s) (table+index size) | Parley index build (s) | PostGIS query p50 / p99 / max / mean (µs) | PostGIS `&&` only p50 / p99 (µs) | Parley check p50 / p99 / max / mean (µs) | Parley faster by p50 / p99 / mean | conflicts PostGIS / Parley |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var row in rows)
            {
                Console.WriteLine(row);
            }

            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Each operation's footprint as PostGIS polygons: circles and corridors buffered by PostGIS, once.</summary>
    private static byte[][] Footprints(NpgsqlConnection connection, Operation[] operations)
    {
        Console.Error.WriteLine($"buffering {operations.Length:N0} operation footprints in PostGIS");
        Execute(connection, "CREATE TEMP TABLE op_base (i integer, base geometry(Geometry, 4326), buffer_m double precision)");
        using (var copy = connection.BeginBinaryImport("COPY op_base (i, base, buffer_m) FROM STDIN (FORMAT BINARY)"))
        {
            for (int i = 0; i < operations.Length; i++)
            {
                var shape = operations[i].Volume.Footprint;
                copy.StartRow();
                copy.Write(i, NpgsqlDbType.Integer);
                copy.Write(Ewkb.Of(shape, baseOnly: true), NpgsqlDbType.Bytea);
                copy.Write(shape.BufferMetres, NpgsqlDbType.Double);
            }

            copy.Complete();
        }

        var footprints = new byte[operations.Length][];
        using var cmd = new NpgsqlCommand(
            "SELECT i, ST_AsEWKB(CASE WHEN buffer_m > 0 THEN ST_Buffer(base::geography, buffer_m)::geometry ELSE base END) FROM op_base", connection);
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            footprints[reader.GetInt32(0)] = (byte[])reader[1];
        }

        return footprints;
    }

    private static double Load(NpgsqlConnection connection, Zone[] zones, int size, out double indexSeconds, out string tableSize)
    {
        Execute(connection, "DROP TABLE IF EXISTS zones");
        Execute(connection, """
            CREATE TABLE zones (
              id text NOT NULL, owner text NOT NULL, kind text NOT NULL,
              alt_min double precision NOT NULL, alt_max double precision NOT NULL,
              t_start timestamptz NOT NULL, t_end timestamptz NOT NULL,
              geom geometry(Polygon, 4326) NOT NULL)
            """);
        var progress = new Progress($"COPY {size:N0} zones into PostGIS", size);
        long start = Stopwatch.GetTimestamp();
        using (var copy = connection.BeginBinaryImport("COPY zones (id, owner, kind, alt_min, alt_max, t_start, t_end, geom) FROM STDIN (FORMAT BINARY)"))
        {
            for (int i = 0; i < size; i++)
            {
                var z = zones[i];
                copy.StartRow();
                copy.Write(z.Id.Value, NpgsqlDbType.Text);
                copy.Write(z.Owner.Value, NpgsqlDbType.Text);
                copy.Write(ZoneKinds.Name(z.Kind), NpgsqlDbType.Text);
                copy.Write(z.Volume.Altitude.MinMetres, NpgsqlDbType.Double);
                copy.Write(z.Volume.Altitude.MaxMetres, NpgsqlDbType.Double);
                copy.Write(z.Volume.Time.Start.UtcDateTime, NpgsqlDbType.TimestampTz);
                copy.Write(z.Volume.Time.End?.UtcDateTime ?? DateTime.MaxValue, NpgsqlDbType.TimestampTz); // infinity
                copy.Write(Ewkb.Of(z.Volume.Footprint), NpgsqlDbType.Bytea); // geometry's binary input is EWKB
                if ((i & 0xFFFF) == 0)
                {
                    progress.Report(i);
                }
            }

            copy.Complete();
        }

        double loadSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        progress.Done();
        Console.Error.WriteLine($"  building the GiST index on {size:N0} zones");
        start = Stopwatch.GetTimestamp();
        Execute(connection, "CREATE INDEX zones_geom ON zones USING gist (geom)");
        Execute(connection, "ANALYZE zones");
        indexSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Execute(connection, "VACUUM zones");
        Execute(connection, "SELECT count(*) FROM zones"); // warm the buffer cache
        tableSize = Scalar(connection, "SELECT pg_size_pretty(pg_relation_size('zones')) || ' + ' || pg_size_pretty(pg_relation_size('zones_geom'))");
        return loadSeconds;
    }

    private static (LatencySummary, long) TimePostGis(NpgsqlConnection connection, Operation[] operations, byte[][] footprints, Agreement agreement)
    {
        using var cmd = new NpgsqlCommand(Query, connection);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Double });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Double });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Prepare();
        var forbidden = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var kind in agreement.OperationKinds)
        {
            forbidden[kind] = [.. Enum.GetValues<ZoneKind>().Where(z => agreement.Forbids(kind, z)).Select(ZoneKinds.Name)];
        }

        long count = 0;
        var sample = new LatencySample(operations.Length);
        var progress = new Progress("PostGIS queries", operations.Length);
        int warmup = Math.Min(operations.Length, 1_000);
        for (int pass = 0; pass < 2; pass++)
        {
            int n = pass == 0 ? warmup : operations.Length;
            for (int i = 0; i < n; i++)
            {
                var op = operations[i];
                cmd.Parameters[0].Value = footprints[i];
                cmd.Parameters[1].Value = op.Volume.Time.Start.UtcDateTime;
                cmd.Parameters[2].Value = op.Volume.Time.End?.UtcDateTime ?? DateTime.MaxValue;
                cmd.Parameters[3].Value = op.Volume.Altitude.MinMetres;
                cmd.Parameters[4].Value = op.Volume.Altitude.MaxMetres;
                cmd.Parameters[5].Value = op.Owner.Value;
                cmd.Parameters[6].Value = forbidden[op.Kind];
                long t0 = Stopwatch.GetTimestamp();
                int found = 0;
                using (var reader = cmd.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        _ = reader.GetString(0);
                        found++;
                    }
                }

                long t1 = Stopwatch.GetTimestamp();
                if (pass == 1)
                {
                    sample.Add(t1 - t0);
                    count += found;
                    if ((i & 0xFFF) == 0)
                    {
                        progress.Report(i);
                    }
                }
            }
        }

        progress.Done();
        return (sample.Summarise(), count);
    }

    /// <summary>The GiST bounding-box filter alone (<c>&amp;&amp;</c>), for where PostGIS's time goes.</summary>
    private static (LatencySummary, long) TimeBoxes(NpgsqlConnection connection, byte[][] footprints)
    {
        using var cmd = new NpgsqlCommand(BoxQuery, connection);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea });
        cmd.Prepare();
        int n = Math.Min(footprints.Length, 10_000);
        var sample = new LatencySample(n);
        long count = 0;
        for (int i = 0; i < n; i++)
        {
            cmd.Parameters[0].Value = footprints[i];
            long t0 = Stopwatch.GetTimestamp();
            count += (long)cmd.ExecuteScalar()!;
            sample.Add(Stopwatch.GetTimestamp() - t0);
        }

        return (sample.Summarise(), count);
    }

    internal static void Execute(NpgsqlConnection connection, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, connection);
        cmd.ExecuteNonQuery();
    }

    internal static string Scalar(NpgsqlConnection connection, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, connection);
        return (string)cmd.ExecuteScalar()!;
    }
}
