using Parley.Tests.Shared;
using System.Diagnostics;

namespace Parley.Benchmarks;

/// <summary>
/// A throwaway PostgreSQL cluster in a temporary folder, on a free port, reached over its Unix socket.
/// Disposing stops it and deletes the folder, also after a failure.
/// </summary>
/// <remarks>
/// initdb and pg_ctl refuse to run as root: as root they run as the <c>postgres</c> user, which owns the folder.
/// Durability is switched off (fsync, synchronous commit, full-page writes): the data is thrown away and only
/// query speed is measured, which these settings do not change.
/// </remarks>
public sealed class PostgresCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _data;
    private bool _running;

    private PostgresCluster(string bin, string folder, int port)
    {
        _bin = bin;
        Folder = folder;
        Port = port;
        _data = Path.Combine(folder, "data");
    }

    /// <summary>The temporary folder: data directory, log and socket.</summary>
    public string Folder { get; }

    public int Port { get; }

    /// <summary>The folder of PostgreSQL's programs this cluster runs (initdb, pg_ctl, pgbench…).</summary>
    public string Bin => _bin;

    /// <summary>Connection string over the Unix socket (no TCP round trip added to PostGIS's times).</summary>
    public string ConnectionString => $"Host={Folder};Port={Port};Username=postgres;Database=postgres;Pooling=false;Timeout=60;Command Timeout=0";

    private static readonly string[] Sizing =
        ["shared_buffers=1GB", "work_mem=64MB", "maintenance_work_mem=1GB", "max_wal_size=4GB", "jit=off", "max_connections=300"];

    /// <summary>Server settings for read benchmarks (PostGIS queries): nothing is flushed, as nothing written is timed.</summary>
    public static readonly string[] Settings =
        ["listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off", "full_page_writes=off", .. Sizing];

    /// <summary>
    /// Server settings for write benchmarks: PostgreSQL's durable defaults (every commit flushed before it is
    /// acknowledged, full page writes), so that an acknowledged decision survives a crash as it does in production.
    /// </summary>
    public static readonly string[] DurableSettings =
        ["listen_addresses=127.0.0.1", "fsync=on", "synchronous_commit=on", "full_page_writes=on", .. Sizing];

    /// <summary>The settings as a run report states them: what bears on the figures (not where the server listens).</summary>
    public static string Describe(string[] settings) =>
        string.Join(", ", settings.Where(s => !s.StartsWith("listen_addresses=", StringComparison.Ordinal)));

    public static PostgresCluster Start(string? bin = null, bool durable = false)
    {
        bin ??= Environment.GetEnvironmentVariable("PARLEY_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
        if (!File.Exists(Path.Combine(bin, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL not found in {bin}: apt-get install -y postgresql postgresql-15-postgis-3 (or set PARLEY_PG_BIN)");
        }

        var folder = Directory.CreateTempSubdirectory("parley-pg-").FullName;
        var cluster = new PostgresCluster(bin, folder, PostgresTools.FreePort());
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                PostgresTools.Run("chown", "-R", "postgres:postgres", folder);
            }

            Console.Error.WriteLine($"initdb in {folder}");
            cluster.RunAsPostgres("initdb", "-D", cluster._data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync");
            string options = $"-p {cluster.Port} -k {folder} " + string.Join(' ', (durable ? DurableSettings : Settings).Select(s => "-c " + s));
            Console.Error.WriteLine($"starting PostgreSQL on port {cluster.Port}");
            cluster.RunAsPostgres("pg_ctl", "-D", cluster._data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "120", "-o", options, "start");
            cluster._running = true;
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_running)
        {
            _running = false;
            try
            {
                RunAsPostgres("pg_ctl", "-D", _data, "-m", "fast", "-w", "-t", "60", "stop");
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"pg_ctl stop failed ({e.Message}); stopping the postmaster directly");
                KillPostmaster();
            }
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
            Console.Error.WriteLine($"PostgreSQL stopped, {Folder} deleted");
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"could not delete {Folder}: {e.Message}");
        }
    }

    /// <summary>Stops the server at once (immediate shutdown: no checkpoint, crash recovery at start) and starts it again.</summary>
    public void Restart() =>
        RunAsPostgres("pg_ctl", "-D", _data, "-l", Path.Combine(Folder, "server.log"), "-m", "immediate", "-w", "-t", "120", "restart");

    private void KillPostmaster()
    {
        var pidFile = Path.Combine(_data, "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out int pid))
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                p.Kill();
                p.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }
    }

    private void RunAsPostgres(string tool, params string[] args) => PostgresTools.RunAsPostgres(_bin, tool, args);
}
