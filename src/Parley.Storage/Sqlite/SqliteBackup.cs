using Microsoft.Data.Sqlite;

namespace Parley.Storage.Sqlite;

/// <summary>What a backup holds, read back from the copy itself.</summary>
/// <param name="Path">The backup file.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="SchemaVersion">The schema version recorded in it.</param>
/// <param name="LedgerEntries">Ledger entries per agreement id, in id order.</param>
public sealed record SqliteBackupReport(string Path, long Bytes, int SchemaVersion, IReadOnlyList<(string Agreement, long Entries)> LedgerEntries);

/// <summary>
/// Online backup of the embedded store: one consistent copy of the SQLite file, taken while a server may be writing
/// to it.
/// </summary>
/// <remarks>
/// <para>
/// The copy is made with <c>VACUUM INTO</c> inside one read transaction: it holds every commit made before the
/// transaction started and none made after, and since the file is in WAL mode the server's writers are not blocked
/// while it runs. The copy is written beside the destination under a temporary name, flushed to disk, checked
/// (<c>PRAGMA integrity_check</c>) and only then renamed into place, so a backup file that exists is whole. It is
/// readable by its owner only: it holds the openings of private zones.
/// </para>
/// <para>
/// The data folder's keys (the ledger's signing key, the center secret, the token and submission keys) are not in
/// the database and not in the copy: they do not change, and are kept apart once.
/// </para>
/// </remarks>
public static class SqliteBackup
{
    // How long the copy waits for a lock the server holds (a checkpoint of the WAL, say) before failing.
    private const int BusyTimeoutSeconds = 30;

    /// <summary>Copies the store at <paramref name="source"/> to the new file <paramref name="destination"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no database at <paramref name="source"/>.</exception>
    /// <exception cref="IOException"><paramref name="destination"/> exists already (a backup is never overwritten).</exception>
    /// <exception cref="InvalidDataException">The copy fails its integrity check (it is deleted).</exception>
    public static async Task<SqliteBackupReport> CopyAsync(string source, string destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        source = Path.GetFullPath(source);
        destination = Path.GetFullPath(destination);
        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"no database at {source}", source);
        }

        if (File.Exists(destination))
        {
            throw new IOException($"{destination} exists already: a backup never overwrites a file");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        string partial = destination + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            // The copy holds what the store holds, private geometry included: readable by its owner only, from the
            // start. VACUUM INTO accepts an empty file.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (new FileStream(partial, options))
            {
            }

            await using (var connection = await OpenAsync(source, queryOnly: false, cancellationToken))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "VACUUM INTO @path;";
                command.Parameters.AddWithValue("@path", partial);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            // SQLite does not sync the file VACUUM INTO writes: make it durable before it counts as a backup.
            await using (var written = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                written.Flush(flushToDisk: true);
            }

            var (version, ledger) = await CheckAsync(partial, cancellationToken);
            File.Move(partial, destination, overwrite: false);
            return new SqliteBackupReport(destination, new FileInfo(destination).Length, version, ledger);
        }
        finally
        {
            foreach (var leftover in new[] { partial, partial + "-wal", partial + "-shm", partial + "-journal" })
            {
                File.Delete(leftover);
            }
        }
    }

    /// <summary>Verifies the copy's pages and reads what it holds.</summary>
    private static async Task<(int Version, List<(string, long)> Ledger)> CheckAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(path, queryOnly: true, cancellationToken);
        await using (var check = connection.CreateCommand())
        {
            check.CommandText = "PRAGMA integrity_check;";
            if (await check.ExecuteScalarAsync(cancellationToken) is not "ok")
            {
                throw new InvalidDataException($"the copy of the database failed its integrity check; no backup was written");
            }
        }

        int version;
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version;";
            version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        var ledger = new List<(string, long)>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT agreement_id, COUNT(*) FROM ledger_entries GROUP BY agreement_id ORDER BY agreement_id;";
            await using var rows = await read.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken))
            {
                ledger.Add((rows.GetString(0), rows.GetInt64(1)));
            }
        }

        return (version, ledger);
    }

    private static async Task<SqliteConnection> OpenAsync(string path, bool queryOnly, CancellationToken cancellationToken)
    {
        // Read-write without create: a WAL reader needs the shared-memory file, which it may have to create. The copy
        // itself writes nothing to the source (VACUUM INTO, which query_only would refuse, only reads it). No pooling,
        // so the file is released when the backup ends.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = BusyTimeoutSeconds,
        }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var setup = connection.CreateCommand();
            setup.CommandText = $"PRAGMA busy_timeout={BusyTimeoutSeconds * 1000};" + (queryOnly ? " PRAGMA query_only=ON;" : "");
            await setup.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
