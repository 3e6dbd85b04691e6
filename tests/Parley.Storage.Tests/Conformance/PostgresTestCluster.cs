using Parley.Tests.Shared;
using Npgsql;

namespace Parley.Storage.Tests.Conformance;

/// <summary>
/// The test run's throwaway PostgreSQL cluster: started on first use in a temporary folder, on 127.0.0.1 and a free
/// port, with a database that has PostGIS; stopped and deleted when the test process exits. Tests that stop and
/// restart the database start a private cluster of their own (<see cref="StartPrivateAsync"/>).
/// </summary>
/// <remarks>
/// initdb and pg_ctl refuse to run as root: as root they run as the <c>postgres</c> user, which owns the folder.
/// Durability is off in the shared cluster (fsync, synchronous commit): the data is thrown away. A private cluster
/// commits synchronously, so a commit acknowledged before <see cref="Kill"/> is there after <see cref="Restart"/>
/// (fsync stays off: the operating system, which keeps the written pages, does not crash). When the binaries are
/// missing, every PostgreSQL test fails with the message saying how to install them; none is skipped.
/// </remarks>
internal sealed class PostgresTestCluster : IDisposable
{
    private const string Database = "parley_tests";

    private static readonly Lazy<Task<PostgresTestCluster>> Shared = new(() => Task.Run(() => Start(durable: false)));

    private readonly string _bin;
    private readonly string _folder;
    private readonly string _data;
    private readonly int _port;
    private readonly bool _durable;
    private bool _running;
    private bool _deleted;

    private PostgresTestCluster(string bin, string folder, int port, bool durable)
    {
        _bin = bin;
        _folder = folder;
        _data = Path.Combine(folder, "data");
        _port = port;
        _durable = durable;
    }

    /// <summary>The cluster of this test run, started by the first caller.</summary>
    public static Task<PostgresTestCluster> SharedAsync() => Shared.Value;

    /// <summary>A cluster of the caller's own, with synchronous commits, that it may kill and restart; deleted on dispose.</summary>
    public static Task<PostgresTestCluster> StartPrivateAsync() => Task.Run(() => Start(durable: true));

    /// <summary>The folder of the PostgreSQL binaries (<c>pg_dump</c>, <c>pg_restore</c>, …).</summary>
    public string BinFolder => _bin;

    /// <summary>The TCP port the cluster listens on (on 127.0.0.1).</summary>
    public int Port => _port;

    /// <summary>The connection string of <paramref name="database"/> as user <c>postgres</c> (trusted, no password).</summary>
    public string ConnectionStringOf(string database) => ConnectionString(database);

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

    /// <summary>Creates an empty database, with the PostGIS extension when <paramref name="postgis"/>, and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string database, bool postgis, CancellationToken cancellationToken)
    {
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database};", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        if (postgis)
        {
            await using var connection = new NpgsqlConnection(ConnectionString(database));
            await connection.OpenAsync(cancellationToken);
            await using var extension = new NpgsqlCommand("CREATE EXTENSION postgis;", connection);
            await extension.ExecuteNonQueryAsync(cancellationToken);
        }

        return ConnectionString(database);
    }

    /// <summary>Stops the server at once, as a crash would (<c>pg_ctl stop -m immediate</c>): every connection drops.</summary>
    public void Kill()
    {
        RunAsPostgres("pg_ctl", "-D", _data, "-m", "immediate", "-w", "-t", "60", "stop");
        _running = false;
    }

    /// <summary>Starts the server again on the same data folder and port (it recovers from its write-ahead log).</summary>
    public void Restart()
    {
        RunAsPostgres("pg_ctl", "-D", _data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "120", "-o", ServerOptions(), "start");
        _running = true;
    }

    /// <summary>Stops the cluster and deletes its folder (the shared one is left to the end of the run).</summary>
    public void Dispose()
    {
        if (_durable)
        {
            Stop();
        }
    }

    private string ServerOptions() =>
        $"-p {_port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit={(_durable ? "on" : "off")} " +
        "-c full_page_writes=off -c max_connections=300 -c jit=off";

    private static async Task<PostgresTestCluster> Start(bool durable)
    {
        var bin = Environment.GetEnvironmentVariable("PARLEY_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
        if (!File.Exists(Path.Combine(bin, "initdb")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL is needed for the PostgreSQL store tests but initdb is not in {bin}: " +
                "apt-get install -y postgresql postgresql-15-postgis-3 (scripts/test.sh does), or set PARLEY_PG_BIN.");
        }

        var folder = Directory.CreateTempSubdirectory("parley-pg-tests-").FullName;
        var cluster = new PostgresTestCluster(bin, folder, PostgresTools.FreePort(), durable);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        if (Environment.IsPrivilegedProcess)
        {
            PostgresTools.Run("chown", "-R", "postgres:postgres", folder);
        }

        cluster.RunAsPostgres("initdb", "-D", cluster._data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync");
        cluster.Restart();

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
        if (_deleted)
        {
            return;
        }

        _deleted = true;
        if (!_durable)
        {
            NpgsqlConnection.ClearAllPools();
        }

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

    private void RunAsPostgres(string tool, params string[] args) => PostgresTools.RunAsPostgres(_bin, tool, args);
}
