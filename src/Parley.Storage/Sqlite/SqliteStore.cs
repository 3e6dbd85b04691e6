// The store itself: construction, the file's set-up and migrations, its connections (one writer whose statements are
// compiled once, and read-only readers) and disposal. Each role it keeps has a file of its own beside this one:
// State, Write, Journal, Commits, Submissions, Ledger, Probing, Events, Webhooks.

using System.Globalization;
using Microsoft.Data.Sqlite;
using Parley.Core.Features;
using Parley.Core.Ports;

namespace Parley.Storage.Sqlite;

/// <summary>The embedded store: Parley's whole state in one SQLite file.</summary>
/// <remarks>
/// <para>
/// The file runs in WAL mode with <c>synchronous=FULL</c>, so a commit has reached the disk before
/// <see cref="IAgreementWrite.CommitAsync"/> returns and survives a crash or power loss right after. Zones and operations are
/// kept as the GeoJSON text <see cref="FeatureWriter"/> writes, beside columns for queries; on load the text
/// is read back through <see cref="FeatureReader"/> under the agreement's rules, and version and state come
/// from their columns.
/// </para>
/// <para>
/// Thread safety: every member may be called from several threads. Writers share one connection and are
/// serialised by a semaphore; each load opens its own read-only connection and sees the last committed
/// state as of its start (WAL readers never block the writer, nor are blocked by it). Several processes may
/// open the same file; SQLite's locks serialise their writes.
/// </para>
/// <para>Nothing here logs or puts geometry in an exception message: errors name the entity id and the field.</para>
/// </remarks>
public sealed partial class SqliteStore : IParleyStore
{
    /// <summary>The data folder used when none is given, relative to the working directory.</summary>
    public const string DefaultFolder = "parley-data";

    /// <summary>The file name of the database inside the data folder.</summary>
    public const string DefaultFileName = "parley.db";

    // How long a statement waits for another process's write lock before failing.
    private const int BusyTimeoutMilliseconds = 10_000;

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TimeProvider _time;
    private readonly string _writeConnectionString;
    private readonly string _readConnectionString;
    private SqliteConnection? _writer;
    private WriterStatements? _statements;
    private bool _disposed;

    /// <summary>Creates a store over the SQLite file at <paramref name="path"/>; nothing is touched until <see cref="InitializeAsync"/>.</summary>
    /// <param name="path">The database file; its folder is created when missing. See <see cref="DefaultPath"/>.</param>
    /// <param name="timeProvider">The clock for the agreements' <c>updated</c> column; the system clock when null.</param>
    public SqliteStore(string path, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FilePath = Path.GetFullPath(path);
        _time = timeProvider ?? TimeProvider.System;

        // Pooling off: a pooled handle would keep the file open after disposal, which blocks deleting or
        // moving the data folder and keeps the WAL from being folded back into the database on close.
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            ForeignKeys = true,
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        };
        _writeConnectionString = builder.ToString();
        builder.Mode = SqliteOpenMode.ReadWrite;
        _readConnectionString = builder.ToString();
    }

    /// <summary>The schema version this code creates and expects; a file at a lower version is migrated up to it.</summary>
    public static int LatestSchemaVersion => SqliteSchema.Migrations.Count;

    /// <summary>The full path of the database file.</summary>
    public string FilePath { get; }

    // The store as errors name it.
    private string Where => $"'{FilePath}'";

    /// <summary>The default database path inside <paramref name="dataFolder"/> (<see cref="DefaultFolder"/> when null).</summary>
    public static string DefaultPath(string? dataFolder = null) =>
        Path.Combine(string.IsNullOrWhiteSpace(dataFolder) ? DefaultFolder : dataFolder, DefaultFileName);

    /// <summary>
    /// Opens the file (creating it and its folder when missing), sets it up for durable writes and applies the
    /// migrations it lacks, all in one transaction. Safe to call again: a current file is left as it is.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer Parley (its schema version is higher).</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_writer is null)
            {
                var folder = Path.GetDirectoryName(FilePath);
                if (!string.IsNullOrEmpty(folder))
                {
                    Directory.CreateDirectory(folder);
                }

                var connection = new SqliteConnection(_writeConnectionString);
                try
                {
                    await connection.OpenAsync(cancellationToken);
                    await ConfigureAsync(connection, cancellationToken);
                    var mode = (string?)await Command(connection, "PRAGMA journal_mode=WAL;").ExecuteScalarAsync(cancellationToken);
                    if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                    {
                        // Without WAL, readers would block the writer; refuse rather than run slower than designed.
                        throw new InvalidOperationException($"The database '{FilePath}' could not be switched to WAL mode (it reports '{mode}').");
                    }
                }
                catch
                {
                    await connection.DisposeAsync();
                    throw;
                }

                _writer = connection;
                _statements = new WriterStatements(connection);
            }

            await MigrateAsync(_writer, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The schema version recorded in the file: 0 when the file does not exist or was never initialised.</summary>
    /// <remarks>Reads without migrating, so it can report a file's version before <see cref="InitializeAsync"/>.</remarks>
    public async Task<int> ReadSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!File.Exists(FilePath))
        {
            return 0;
        }

        await using var connection = await OpenReaderAsync(cancellationToken);
        return await ReadVersionAsync(connection, null, cancellationToken);
    }

    /// <summary>Closes the file; a commit in progress finishes first.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _writeLock.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_writer is not null)
            {
                _statements?.Dispose();
                _statements = null;
                await _writer.DisposeAsync();
                _writer = null;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private SqliteConnection EnsureInitialized()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _writer ?? throw new InvalidOperationException("The store is not initialised: call InitializeAsync first.");
    }

    /// <summary>
    /// The writer connection's statements, each compiled once and kept for the connection's life: every commit runs the
    /// same few, and compiling them anew cost more than running them. Used under the write lock only.
    /// </summary>
    private sealed class WriterStatements(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        /// <summary>The write's transaction, which every statement handed out runs in.</summary>
        public SqliteTransaction? Transaction { get; private set; }

        public WriterStatements Begin(SqliteTransaction transaction)
        {
            Transaction = transaction;
            return this;
        }

        public void End() => Transaction = null;

        /// <summary>The statement for <paramref name="sql"/> in the current transaction, its parameters cleared; not to be disposed.</summary>
        public SqliteCommand Command(string sql)
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
                _commands.Add(sql, command);
            }

            command.Transaction = Transaction;
            command.Parameters.Clear();
            return command;
        }

        public void Dispose()
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            _commands.Clear();
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static async Task ConfigureAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, string.Create(CultureInfo.InvariantCulture, $"""
            PRAGMA synchronous=FULL;
            PRAGMA foreign_keys=ON;
            PRAGMA busy_timeout={BusyTimeoutMilliseconds};
            """));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ConfigureAsync(connection, cancellationToken);

            // A reader that tried to write would be a bug; make SQLite refuse it.
            await using var command = Command(connection, "PRAGMA query_only=ON;");
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var create = Command(connection, SqliteSchema.CreateVersionTable, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        int current = await ReadVersionAsync(connection, transaction, cancellationToken);
        if (current > LatestSchemaVersion)
        {
            throw new InvalidOperationException(
                $"The database '{FilePath}' has schema version {current}, newer than this Parley understands ({LatestSchemaVersion}).");
        }

        for (int version = current + 1; version <= LatestSchemaVersion; version++)
        {
            await using (var migrate = Command(connection, SqliteSchema.Migrations[version - 1], transaction))
            {
                await migrate.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var record = Command(connection, "INSERT INTO schema_version (version, applied) VALUES ($version, $applied);", transaction);
            record.Parameters.AddWithValue("$version", version);
            record.Parameters.AddWithValue("$applied", FeatureWriter.Time(_time.GetUtcNow()));
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(CancellationToken.None);
    }

    private static async Task<int> ReadVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var exists = Command(connection, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version';", transaction);
        if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        await using var max = Command(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version;", transaction);
        return Convert.ToInt32(await max.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }
}
