using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Parley.Storage.Tests.Conformance;

/// <summary>
/// The test run's throwaway PostgreSQL cluster: started on first use in a temporary folder, on 127.0.0.1 and a free
/// port, with a database that has PostGIS; stopped and deleted when the test process exits.
/// </summary>
/// <remarks>
/// initdb and pg_ctl refuse to run as root: as root they run as the <c>postgres</c> user, which owns the folder.
/// Durability is off (fsync, synchronous commit): the data is thrown away. When the binaries are missing, every
/// PostgreSQL test fails with the message saying how to install them; none is skipped.
/// </remarks>
internal sealed class PostgresTestCluster
{
    private const string Database = "parley_tests";

    private static readonly Lazy<Task<PostgresTestCluster>> Shared = new(() => Task.Run(Start));

    private readonly string _bin;
    private readonly string _folder;
    private readonly string _data;
    private readonly int _port;
    private bool _running;

    private PostgresTestCluster(string bin, string folder, int port)
    {
        _bin = bin;
        _folder = folder;
        _data = Path.Combine(folder, "data");
        _port = port;
    }

    /// <summary>The cluster of this test run, started by the first caller.</summary>
    public static Task<PostgresTestCluster> SharedAsync() => Shared.Value;

    private string ConnectionString(string database, string? searchPath = null) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _port,
        Username = "postgres",
        Database = database,
        SearchPath = searchPath,
        Timeout = 60,
    }.ConnectionString;

    /// <summary>Creates an empty schema and returns a connection string whose search path puts it first (then PostGIS's <c>public</c>).</summary>
    public async Task<string> CreateSchemaAsync(string schema, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(Database));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema};", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionString(Database, $"{schema},public");
    }

    private static async Task<PostgresTestCluster> Start()
    {
        var bin = Environment.GetEnvironmentVariable("PARLEY_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
        if (!File.Exists(Path.Combine(bin, "initdb")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL is needed for the PostgreSQL store tests but initdb is not in {bin}: " +
                "apt-get install -y postgresql postgresql-15-postgis-3 (scripts/test.sh does), or set PARLEY_PG_BIN.");
        }

        var folder = Directory.CreateTempSubdirectory("parley-pg-tests-").FullName;
        var cluster = new PostgresTestCluster(bin, folder, FreePort());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        if (Environment.IsPrivilegedProcess)
        {
            Run("chown", "-R", "postgres:postgres", folder);
        }

        cluster.RunAsPostgres("initdb", "-D", cluster._data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync");
        string options = $"-p {cluster._port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " +
            "-c full_page_writes=off -c max_connections=300 -c jit=off";
        cluster.RunAsPostgres("pg_ctl", "-D", cluster._data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "120", "-o", options, "start");
        cluster._running = true;

        await using (var connection = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database};", connection);
            await create.ExecuteNonQueryAsync();
        }

        // The extension once for the database, so the stores' own CREATE EXTENSION IF NOT EXISTS finds it.
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString(Database)))
        {
            await connection.OpenAsync();
            await using var extension = new NpgsqlCommand("CREATE EXTENSION postgis;", connection);
            await extension.ExecuteNonQueryAsync();
        }

        return cluster;
    }

    private void Stop()
    {
        NpgsqlConnection.ClearAllPools();
        if (_running)
        {
            _running = false;
            try
            {
                RunAsPostgres("pg_ctl", "-D", _data, "-m", "immediate", "-w", "-t", "60", "stop");
            }
            catch (InvalidOperationException)
            {
                // The folder is removed below either way; a server left running dies with its data folder's removal.
            }
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder must not fail the run.
        }
    }

    private void RunAsPostgres(string tool, params string[] args)
    {
        string exe = Path.Combine(_bin, tool);
        if (Environment.IsPrivilegedProcess)
        {
            Run("runuser", ["-u", "postgres", "--", exe, .. args]);
        }
        else
        {
            Run(exe, args);
        }
    }

    private static void Run(string exe, params string[] args)
    {
        var info = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info) ?? throw new InvalidOperationException($"could not start {exe}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(180_000))
        {
            p.Kill();
            throw new InvalidOperationException($"{Path.GetFileName(exe)} timed out");
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(exe)} {string.Join(' ', args)} exited with {p.ExitCode}: {stderr.Result.Trim()} {stdout.Result.Trim()}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
