using Npgsql;
using Parley.Core.Ports;
using Parley.Storage.Postgres;
using Parley.Storage.Sqlite;
using Parley.Storage.Tests.Sqlite;

namespace Parley.Storage.Tests.Conformance;

/// <summary>A store file of the test's own in a temporary folder.</summary>
public sealed class SqliteBackend : IStoreBackend
{
    private readonly TempFolder _folder = new();

    public async Task<IParleyStore> OpenAsync(CancellationToken cancellationToken, TimeProvider? time = null)
    {
        var store = new SqliteStore(_folder.File("data", SqliteStore.DefaultFileName), time);
        await store.InitializeAsync(cancellationToken);
        return store;
    }

    /// <remarks>
    /// A write waiting for SQLite's lock cannot be seen (SQLite's busy handler sleeps inside the call) and no clock
    /// drives it: a short real pause gives it time to reach the lock. A writer that did not wait shows in the test's
    /// later assertions; the pause cannot fail a store that waits.
    /// </remarks>
    public Task WriterWaitingAsync(CancellationToken cancellationToken) => Task.Delay(300, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A schema of the test's own in the database of the test run's throwaway PostgreSQL cluster.</summary>
public sealed class PostgresBackend : IStoreBackend
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _connectionString;

    public async Task<IParleyStore> OpenAsync(CancellationToken cancellationToken, TimeProvider? time = null)
    {
        var store = new PostgresStore(await ConnectionStringAsync(cancellationToken), time);
        await store.InitializeAsync(cancellationToken);
        return store;
    }

    /// <summary>The connection string to the test's schema, created on first use.</summary>
    public async Task<string> ConnectionStringAsync(CancellationToken cancellationToken)
    {
        if (_connectionString is null)
        {
            var cluster = await PostgresTestCluster.SharedAsync();
            // Named after the schema, so that the test's own sessions can be told apart in pg_stat_activity.
            _connectionString = new NpgsqlConnectionStringBuilder(await cluster.CreateSchemaAsync(_schema, cancellationToken)) { ApplicationName = _schema }.ConnectionString;
        }

        return _connectionString;
    }

    /// <remarks>
    /// Polls PostgreSQL's own view of its sessions until one of the test's waits on a lock; the deadline bounds a
    /// writer that never reaches it. The wait is the server's, which no clock of the test drives.
    /// </remarks>
    public async Task WriterWaitingAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(await ConnectionStringAsync(cancellationToken));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = @name AND wait_event_type = 'Lock';", connection);
        command.Parameters.AddWithValue("name", _schema);
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while ((long)(await command.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "no write of the test was seen waiting for a lock");
            await Task.Delay(20, cancellationToken);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
