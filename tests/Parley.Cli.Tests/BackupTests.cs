using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using Parley.Cli.Tests.Support;
using Parley.Server;
using Parley.Server.Security;
using Parley.Storage.Tests.Conformance;
using Parley.Server.Configuration;
using Parley.Cli.Terminal;

namespace Parley.Cli.Tests;

/// <summary>
/// Backup and restore as docs/operations.md tells an operator to do them: <c>parley backup</c> of the SQLite store while
/// the server writes, and <c>pg_dump -Fc</c> / <c>pg_restore</c> of the PostgreSQL store; a server started on the
/// restored copy holds every write acknowledged before the backup, and its ledger verifies against the same key.
/// </summary>
public sealed class BackupTests : IDisposable
{
    // The data folder's keys, which the database copy does not hold: copied once, as the guide says.
    private static readonly string[] KeyFiles = ["ledger-signing.key", "center-secret.key", "token-signing-key.pem", "development-submission.key"];

    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly Parley.Server.Tests.Contract.AnswerRecorder _answers = new();

    public void Dispose()
    {
        _dir.Dispose();
        _answers.AssertDescribed();
    }

    [Fact]
    public async Task Backup_copies_the_sqlite_store_while_the_server_writes_and_a_server_on_the_restored_copy_has_every_earlier_write()
    {
        string data = Path.Combine(_dir.Path, "data");
        string backup = Path.Combine(_dir.Path, "backups", "parley-1.db");
        List<string> acknowledgedBefore;
        string key;
        await using (var server = await StartAsync(data))
        {
            using var blue = Client(server, data);
            key = await LedgerKeyAsync(server, data);
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(HttpStatusCode.Created, await AddZoneAsync(blue, data, $"before-{i}"));
            }

            acknowledgedBefore = [.. Enumerable.Range(0, 10).Select(i => $"before-{i}")];

            // Writes go on while the backup runs: it must neither block them nor copy a torn state.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var during = Task.Run(async () =>
            {
                int n = 0;
                for (; !stop.IsCancellationRequested; n++)
                {
                    Assert.Equal(HttpStatusCode.Created, await AddZoneAsync(blue, data, $"during-{n}"));
                }

                return n;
            }, CancellationToken.None);
            var result = await InProcess.RunAsync("backup", "--data", data, "--out", backup, "--json");
            await stop.CancelAsync();
            int writtenDuring = await during;

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.True(writtenDuring > 0, "no write was accepted while the backup ran");
            using var report = JsonDocument.Parse(result.Stdout);
            Assert.Equal(Path.GetFullPath(backup), report.RootElement.GetProperty("out").GetString());
            Assert.Equal(new FileInfo(backup).Length, report.RootElement.GetProperty("bytes").GetInt64());
            Assert.Equal(Parley.Storage.Sqlite.SqliteStore.LatestSchemaVersion, report.RootElement.GetProperty("schema_version").GetInt32());
            Assert.True(report.RootElement.GetProperty("ledger_entries").GetProperty("demo").GetInt64() >= 11);
            Assert.Contains("ledger-signing.key", report.RootElement.GetProperty("keys_not_included").EnumerateArray().Select(k => k.GetString()));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backup));
            }

            var again = await InProcess.RunAsync("backup", "--data", data, "--out", backup);
            Assert.Equal(ExitCodes.InvalidInput, again.ExitCode);
            Assert.Contains("exists already", again.Stderr, StringComparison.Ordinal);
        }

        // Restore on a new machine: the keys (kept apart once) and the backup as parley.db.
        string restored = Path.Combine(_dir.Path, "restored");
        Directory.CreateDirectory(restored);
        foreach (var file in KeyFiles)
        {
            File.Copy(Path.Combine(data, file), Path.Combine(restored, file));
        }

        File.Copy(backup, Path.Combine(restored, ParleyApp.DatabaseFileName));
        await using (var server = await StartAsync(restored))
        {
            using var blue = Client(server, restored);
            foreach (var id in acknowledgedBefore)
            {
                Assert.Equal(HttpStatusCode.OK, (await blue.GetAsync($"zones/{id}", Ct)).StatusCode);
            }

            Assert.Equal(key, await LedgerKeyAsync(server, restored));
            var verify = await VerifyAsync(server, restored, key);
            Assert.True(verify.ExitCode == 0, verify.ToString());
        }
    }

    [Fact]
    public async Task Restoring_a_backup_in_place_rolls_the_log_back_and_a_party_holding_a_later_checkpoint_notices()
    {
        string data = Path.Combine(_dir.Path, "data");
        string backup = Path.Combine(_dir.Path, "parley-backup.db");
        string state = Path.Combine(_dir.Path, "blue-state", "checkpoint.state");
        string key;
        await using (var server = await StartAsync(data))
        {
            using var blue = Client(server, data);
            key = await LedgerKeyAsync(server, data);
            Assert.Equal(HttpStatusCode.Created, await AddZoneAsync(blue, data, "kept"));
            var backedUp = await InProcess.RunAsync("backup", "--data", data, "--out", backup);
            Assert.True(backedUp.ExitCode == 0, backedUp.ToString());
            Assert.Contains("Backed up the SQLite store", backedUp.Stdout, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Created, await AddZoneAsync(blue, data, "lost"));
            await SignCheckpointAsync(server, data);
            var seen = await VerifyAsync(server, data, key, "--state", state);
            Assert.True(seen.ExitCode == 0, seen.ToString());
        }

        // Stop the server, then put the backup in place of the database and its WAL files.
        foreach (var file in new[] { "parley.db-wal", "parley.db-shm" })
        {
            File.Delete(Path.Combine(data, file));
        }

        File.Copy(backup, Path.Combine(data, ParleyApp.DatabaseFileName), overwrite: true);
        await using (var server = await StartAsync(data))
        {
            using var blue = Client(server, data);
            Assert.Equal(HttpStatusCode.OK, (await blue.GetAsync("zones/kept", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await blue.GetAsync("zones/lost", Ct)).StatusCode);
            Assert.Equal(0, (await VerifyAsync(server, data, key)).ExitCode);

            // Whoever verified a checkpoint past the backup sees a log that shrank: the restore is not silent.
            var later = await VerifyAsync(server, data, key, "--state", state);
            Assert.Equal(ExitCodes.Failure, later.ExitCode);
        }
    }

    [Trait("Lane", "Slow")]
    [Fact]
    public async Task Pg_dump_and_pg_restore_carry_a_postgres_store_to_a_new_database_that_a_server_serves_with_the_same_ledger()
    {
        var cluster = await PostgresTestCluster.SharedAsync();
        string suffix = Guid.NewGuid().ToString("N")[..10];
        string source = await cluster.CreateDatabaseAsync("parley_src_" + suffix, postgis: false, Ct);
        string data = Path.Combine(_dir.Path, "data");
        string dump = Path.Combine(_dir.Path, "parley.dump");
        string key;
        try
        {
            await using (var server = await StartAsync(data, source))
            {
                using var blue = Client(server, data);
                key = await LedgerKeyAsync(server, data);
                for (int i = 0; i < 5; i++)
                {
                    Assert.Equal(HttpStatusCode.Created, await AddZoneAsync(blue, data, $"pg-{i}"));
                }

                await SignCheckpointAsync(server, data);

                // Online: pg_dump reads one snapshot while the server runs.
                await PgToolAsync(cluster, "pg_dump", "-Fc", "-h", "127.0.0.1", "-p", Port(cluster), "-U", "postgres", "-d", "parley_src_" + suffix, "-f", dump);
            }

            await PgToolAsync(cluster, "createdb", "-h", "127.0.0.1", "-p", Port(cluster), "-U", "postgres", "parley_dst_" + suffix);
            await PgToolAsync(cluster, "pg_restore", "--exit-on-error", "-h", "127.0.0.1", "-p", Port(cluster), "-U", "postgres", "-d", "parley_dst_" + suffix, dump);
            string restored = cluster.ConnectionStringOf("parley_dst_" + suffix);

            var migrate = await InProcess.RunAsync("migrate", "--store", "postgres", "--connection", restored, "--json");
            Assert.True(migrate.ExitCode == 0, migrate.ToString());
            using (var versions = JsonDocument.Parse(migrate.Stdout))
            {
                Assert.Equal(versions.RootElement.GetProperty("latest").GetInt32(), versions.RootElement.GetProperty("before").GetInt32());
                Assert.Equal(versions.RootElement.GetProperty("latest").GetInt32(), versions.RootElement.GetProperty("after").GetInt32());
            }

            await using (var server = await StartAsync(data, restored))
            {
                using var blue = Client(server, data);
                for (int i = 0; i < 5; i++)
                {
                    Assert.Equal(HttpStatusCode.OK, (await blue.GetAsync($"zones/pg-{i}", Ct)).StatusCode);
                }

                Assert.Equal(key, await LedgerKeyAsync(server, data));
                var verify = await VerifyAsync(server, data, key);
                Assert.True(verify.ExitCode == 0, verify.ToString());
                Assert.Contains("match the replay", verify.Stdout, StringComparison.Ordinal);
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
        }
    }

    private async Task<WebApplication> StartAsync(string data, string? postgres = null) =>
        await ParleyApp.StartAsync(_answers.Watch(new ParleyServerOptions
        {
            DataDirectory = data,
            Urls = "http://127.0.0.1:0",
            Demo = true,
            ConsoleLogging = false,
            RateLimitPerSecond = 0,
            Store = postgres is null ? "sqlite" : "postgres",
            ConnectionString = postgres,
        }), Ct);

    private static HttpClient Client(WebApplication server, string data, string party = "blue")
    {
        var http = new HttpClient { BaseAddress = new Uri(server.Urls.First().TrimEnd('/') + "/v1/agreements/demo/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenKeys.Issue(data, "demo", party, Roles.Operator, TimeSpan.FromHours(1)));
        return http;
    }

    private static async Task<HttpStatusCode> AddZoneAsync(HttpClient client, string data, string id)
    {
        using var key = DevelopmentKeys.For(data, "demo", "blue");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(client.BaseAddress!, "zones")) { Content = new StringContent(Samples.DemoZone(id), Encoding.UTF8, "application/geo+json") };
        await SignedRequests.SignAsync(request, "demo", key, DateTimeOffset.UtcNow, CancellationToken.None);
        using var response = await client.SendAsync(request, CancellationToken.None);
        return response.StatusCode;
    }

    private static async Task<string> LedgerKeyAsync(WebApplication server, string data)
    {
        using var http = Client(server, data);
        return (await http.GetStringAsync("ledger/key", Ct)).Trim();
    }

    /// <summary>Has the server sign a checkpoint over its whole log now (the step its signer runs every interval).</summary>
    private static async Task SignCheckpointAsync(WebApplication server, string data)
    {
        var registry = (Parley.Server.Theaters.TheaterRegistry)server.Services.GetService(typeof(Parley.Server.Theaters.TheaterRegistry))!;
        var demo = new Parley.Core.Model.AgreementId("demo");
        await registry.SignCheckpointsAsync(Ct);
        long size = await registry.ReadLedgerAsync(demo, l => l.Tree.Size, Ct);
        using var http = Client(server, data);
        var note = Parley.Ledger.SignedNote.Parse(await http.GetStringAsync("ledger/checkpoint", Ct));
        Assert.Equal(size, Parley.Ledger.Checkpoint.Parse(note.Text).Size);
    }

    private static Task<CliResult> VerifyAsync(WebApplication server, string data, string key, params string[] more) =>
        InProcess.RunAsync(["ledger", "verify", "--server", server.Urls.First(), "--agreement", "demo",
            "--token", TokenKeys.Issue(data, "demo", "red", Roles.Operator, TimeSpan.FromHours(1)), "--key", key, .. more]);

    private static string Port(PostgresTestCluster cluster) => cluster.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs a PostgreSQL client tool from the cluster's binaries, as an operator would.</summary>
    private static async Task PgToolAsync(PostgresTestCluster cluster, string tool, params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(cluster.BinFolder, tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["PGCONNECT_TIMEOUT"] = "30";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{tool} exited with {process.ExitCode}: {await stderr} {await stdout}");
    }
}
