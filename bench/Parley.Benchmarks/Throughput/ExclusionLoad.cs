using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace Parley.Benchmarks.Throughput;

/// <summary>The rate PostgreSQL keeps inserting the scenario's operations under an exclusion constraint.</summary>
/// <param name="Scenario">The load's shape.</param>
/// <param name="Clients">Concurrent pgbench clients.</param>
/// <param name="Seconds">The measured window.</param>
/// <param name="Transactions">Inserts answered in it (accepted or refused by the constraint).</param>
/// <param name="Rate">Transactions per second, as pgbench reports them (without the connection time).</param>
/// <param name="Accepted">Rows the constraint let in, warm-up included.</param>
/// <param name="Attempted">Operations taken from the workload, warm-up included.</param>
internal sealed record ExclusionResult(Scenario Scenario, int Clients, double Seconds, long Transactions, double Rate, long Accepted, long Attempted);

/// <summary>
/// What a team that does not know Parley would build for "no two parties' operations may overlap in space, altitude and
/// time, race-free": a PostGIS table with an exclusion constraint, one insert per transaction from many clients.
/// </summary>
/// <remarks>
/// A throwaway cluster with PostgreSQL's durable defaults (fsync and synchronous commit on), the scenario's operations
/// preloaded in a workload table, and <c>pgbench</c> (C, one connection per client) taking the next one with a
/// sequence and inserting it: <c>ON CONFLICT DO NOTHING</c> makes the constraint's refusal an answer rather than an
/// aborted client. The footprints are the same polygons, the altitudes and windows the same ranges.
/// </remarks>
internal static class ExclusionLoad
{
    public const string Schema = """
        CREATE EXTENSION postgis;
        CREATE EXTENSION btree_gist;
        CREATE TABLE ops (id bigserial PRIMARY KEY, owner text, g geometry(Polygon, 4326), alt numrange, tr tstzrange,
            EXCLUDE USING gist (owner WITH <>, g WITH &&, alt WITH &&, tr WITH &&));
        CREATE TABLE workload (id bigint PRIMARY KEY, owner text, g geometry(Polygon, 4326), alt numrange, tr tstzrange);
        CREATE SEQUENCE next_op;
        """;

    public const string Insert =
        "INSERT INTO ops (owner, g, alt, tr) SELECT owner, g, alt, tr FROM workload WHERE id = nextval('next_op') ON CONFLICT DO NOTHING;";

    public static async Task<ExclusionResult> RunAsync(Scenario scenario, Submission[] submissions, int clients, TimeSpan warmup, TimeSpan measure)
    {
        using var cluster = PostgresCluster.Start(durable: true);
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString))
        {
            await connection.OpenAsync();
            await using (var create = new NpgsqlCommand(Schema, connection))
            {
                await create.ExecuteNonQueryAsync();
            }

            await LoadAsync(connection, submissions);
        }

        string script = Path.Combine(cluster.Folder, "insert.sql");
        await File.WriteAllTextAsync(script, Insert);
        Console.Error.WriteLine($"  exclusion {LoadResult.ScenarioName(scenario)}: warm-up {warmup.TotalSeconds:F0} s");
        Pgbench(cluster, script, clients, warmup);
        Console.Error.WriteLine($"  exclusion {LoadResult.ScenarioName(scenario)}: measuring {measure.TotalSeconds:F0} s");
        var (transactions, rate) = Pgbench(cluster, script, clients, measure);

        await using var check = new NpgsqlConnection(cluster.ConnectionString);
        await check.OpenAsync();
        await using var counts = new NpgsqlCommand("SELECT (SELECT count(*) FROM ops), (SELECT last_value FROM next_op);", check);
        await using var reader = await counts.ExecuteReaderAsync();
        await reader.ReadAsync();
        long accepted = reader.GetInt64(0), attempted = reader.GetInt64(1);
        if (attempted >= submissions.Length)
        {
            throw new InvalidOperationException($"the workload ran out ({submissions.Length:N0} operations): raise --max-ops or --hot-ops");
        }

        return new ExclusionResult(scenario, clients, measure.TotalSeconds, transactions, rate, accepted, attempted);
    }

    /// <summary>Copies the operations into the workload table: owner, footprint, altitude band, window.</summary>
    private static async Task LoadAsync(NpgsqlConnection connection, Submission[] submissions)
    {
        await using (var copy = await connection.BeginTextImportAsync("COPY workload (id, owner, g, alt, tr) FROM STDIN"))
        {
            for (int i = 0; i < submissions.Length; i++)
            {
                using var feature = JsonDocument.Parse(submissions[i].Feature);
                var properties = feature.RootElement.GetProperty("properties");
                string geometry = feature.RootElement.GetProperty("geometry").GetRawText();
                string line = string.Create(CultureInfo.InvariantCulture,
                    $"{i + 1}\t{DecisionWorkload.Parties[submissions[i].Party]}\t{Ewkt(geometry)}\t[{properties.GetProperty("alt_min_m").GetDouble()},{properties.GetProperty("alt_max_m").GetDouble()}]\t[{properties.GetProperty("start").GetString()},{properties.GetProperty("end").GetString()})\n");
                await copy.WriteAsync(line);
            }
        }

        await using var analyze = new NpgsqlCommand("ANALYZE workload;", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    /// <summary>A GeoJSON polygon as EWKT in WGS 84.</summary>
    private static string Ewkt(string polygon)
    {
        using var document = JsonDocument.Parse(polygon);
        var rings = document.RootElement.GetProperty("coordinates").EnumerateArray()
            .Select(ring => "(" + string.Join(',', ring.EnumerateArray().Select(p => string.Create(CultureInfo.InvariantCulture, $"{p[0].GetDouble()} {p[1].GetDouble()}"))) + ")");
        return $"SRID=4326;POLYGON({string.Join(',', rings)})";
    }

    /// <summary>Runs pgbench for <paramref name="duration"/>; its count of transactions and their rate.</summary>
    private static (long Transactions, double Rate) Pgbench(PostgresCluster cluster, string script, int clients, TimeSpan duration)
    {
        var info = new ProcessStartInfo(Path.Combine(cluster.Bin, "pgbench"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-n", "-h", cluster.Folder, "-p", cluster.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres",
            "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
            "-T", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-M", "prepared", "-f", script, "postgres",
        })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start pgbench");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgbench exited with {process.ExitCode}: {error.Result.Trim()} {output.Trim()}");
        }

        long transactions = long.Parse(Field(output, "number of transactions actually processed: ").Split('/')[0], CultureInfo.InvariantCulture);
        double rate = double.Parse(Field(output, "tps = ").Split(' ')[0], CultureInfo.InvariantCulture);
        return (transactions, rate);
    }

    private static string Field(string output, string prefix)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.Contains(prefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"pgbench printed no '{prefix.Trim()}': {output}");
        return line[(line.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length)..].Trim();
    }
}
