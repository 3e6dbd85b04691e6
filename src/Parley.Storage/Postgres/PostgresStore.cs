// The store itself: construction (one pooled data source, statements prepared per connection), the database's
// migrations (under an advisory lock, so several processes may start at once), connections, parameter helpers and
// disposal. Each role it keeps has a file of its own beside this one: State, Write, Journal, Commits, Submissions,
// Ledger, Probing, Events, Webhooks.

using Npgsql;
using NpgsqlTypes;
using Parley.Core.Features;
using Parley.Core.Ports;

namespace Parley.Storage.Postgres;

/// <summary>The shared store: Parley's state in a PostgreSQL database with PostGIS, for several server processes.</summary>
/// <remarks>
/// <para>
/// Every commit is one transaction that first takes a transaction-scoped advisory lock on its agreement
/// (<c>pg_advisory_xact_lock(hashtext(agreement))</c>), so commits of one agreement serialise across processes; the
/// next ledger index and event sequence number are read under that lock, so two nodes can never both append index N
/// (the primary keys would refuse it anyway). Zones and operations are kept as the GeoJSON text
/// <see cref="FeatureWriter"/> writes, beside query columns, a PostGIS envelope and a time range, both GiST-indexed.
/// </para>
/// <para>
/// Thread safety: every member may be called from several threads; each call takes its own pooled connection.
/// Durability is the server's: with PostgreSQL's defaults (<c>fsync</c>, <c>synchronous_commit</c> on) a commit
/// has reached the disk when <see cref="IAgreementWrite.CommitAsync"/> returns.
/// </para>
/// <para>Nothing here logs or puts geometry in an exception message: errors name the entity id and the field.</para>
/// </remarks>
public sealed partial class PostgresStore : IParleyStore
{
    private readonly NpgsqlDataSource _source;
    private readonly TimeProvider _time;
    private readonly string _database;
    private bool _initialized;
    private bool _disposed;

    /// <summary>Creates a store over the database the connection string names; nothing is touched until <see cref="InitializeAsync"/>.</summary>
    /// <param name="connectionString">An Npgsql connection string; its search path, if any, names the schema used.</param>
    /// <param name="timeProvider">The clock for the agreements' <c>updated</c> column and the migration records; the system clock when null.</param>
    public PostgresStore(string connectionString, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _database = builder.Database ?? builder.Username ?? "postgres";
        if (builder.MaxAutoPrepare == 0)
        {
            // The same few dozen statements run for every commit: prepared once per connection, they skip parsing and planning.
            builder.MaxAutoPrepare = 128;
            builder.AutoPrepareMinUsages = 2;
        }

        // Named, so that Npgsql's metrics and traces say "parley" rather than the connection string (host, database, user).
        _source = new NpgsqlDataSourceBuilder(builder.ConnectionString) { Name = "parley" }.Build();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The schema version this code creates and expects; a database at a lower version is migrated up to it.</summary>
    public static int LatestSchemaVersion => PostgresSchema.Migrations.Count;

    // The store as errors name it.
    private string Where => $"database '{_database}'";

    /// <summary>
    /// Creates the PostGIS extension and the version table when missing and applies the migrations the database lacks,
    /// each in its own transaction under an advisory lock. Safe to call again, and from several processes at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The database was written by a newer Parley (its schema version is higher).</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await LockMigrationsAsync(connection, transaction, cancellationToken);
            await using var create = Command(connection, PostgresSchema.CreateVersionTable, transaction);
            await create.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(CancellationToken.None);
        }

        while (true)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await LockMigrationsAsync(connection, transaction, cancellationToken);
            int current = await ReadVersionAsync(connection, transaction, cancellationToken);
            if (current > LatestSchemaVersion)
            {
                throw new InvalidOperationException(
                    $"The database '{_database}' has schema version {current}, newer than this Parley understands ({LatestSchemaVersion}).");
            }

            if (current == LatestSchemaVersion)
            {
                break;
            }

            int version = current + 1;
            await using (var migrate = Command(connection, PostgresSchema.Migrations[version - 1], transaction))
            {
                await migrate.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = Command(connection, "INSERT INTO schema_version (version, applied) VALUES (@version, @applied);", transaction))
            {
                record.Parameters.Add(new NpgsqlParameter<int>("version", version));
                record.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("applied", _time.GetUtcNow()));
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(CancellationToken.None);
        }

        _initialized = true;
    }

    /// <summary>The schema version recorded in the database: 0 when it was never initialised.</summary>
    public async Task<int> ReadSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var exists = Command(connection, "SELECT to_regclass('schema_version') IS NOT NULL;");
        if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
        {
            return 0;
        }

        return await ReadVersionAsync(connection, null, cancellationToken);
    }

    private static async Task LockMigrationsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "SELECT pg_advisory_xact_lock(@key);", transaction);
        command.Parameters.Add(new NpgsqlParameter<long>("key", PostgresSchema.MigrationLock));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var max = Command(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version;", transaction);
        return (int)(await max.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Closes the store's connection pool.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _source.DisposeAsync();
    }

    private void EnsureInitialized()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_initialized)
        {
            throw new InvalidOperationException("The store is not initialised: call InitializeAsync first.");
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        EnsureInitialized();
        return await _source.OpenConnectionAsync(cancellationToken);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null) =>
        new(sql, connection, transaction);

    private static NpgsqlBatchCommand Add(NpgsqlBatch batch, string sql)
    {
        var command = new NpgsqlBatchCommand(sql);
        batch.BatchCommands.Add(command);
        return command;
    }

    private static void Text(NpgsqlCommand command, string name, string? value) => Text(command.Parameters, name, value);

    private static void Text(NpgsqlBatchCommand command, string name, string? value) => Text(command.Parameters, name, value);

    private static void Text(NpgsqlParameterCollection parameters, string name, string? value) =>
        parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value });

    private static void Long(NpgsqlCommand command, string name, long? value) => Long(command.Parameters, name, value);

    private static void Long(NpgsqlBatchCommand command, string name, long? value) => Long(command.Parameters, name, value);

    private static void Long(NpgsqlParameterCollection parameters, string name, long? value) =>
        parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Bigint) { Value = value is { } v ? v : DBNull.Value });

    private static void Double(NpgsqlBatchCommand command, string name, double? value) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Double) { Value = value is { } v ? v : DBNull.Value });

    private static void Bytes(NpgsqlBatchCommand command, string name, byte[] value) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Bytea) { Value = value });
}
