using Parley.Core.Ports;
using Parley.Storage.Postgres;
using Parley.Storage.Sqlite;
using Parley.Storage.Tests.Sqlite;

namespace Parley.Storage.Tests.Conformance;

/// <summary>A store file of the test's own in a temporary folder.</summary>
public sealed class SqliteBackend : IStoreBackend
{
    private readonly TempFolder _folder = new();

    public async Task<IParleyStore> OpenAsync(CancellationToken cancellationToken)
    {
        var store = new SqliteStore(_folder.File("data", SqliteStore.DefaultFileName));
        await store.InitializeAsync(cancellationToken);
        return store;
    }

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

    public async Task<IParleyStore> OpenAsync(CancellationToken cancellationToken)
    {
        var store = new PostgresStore(await ConnectionStringAsync(cancellationToken));
        await store.InitializeAsync(cancellationToken);
        return store;
    }

    /// <summary>The connection string to the test's schema, created on first use.</summary>
    public async Task<string> ConnectionStringAsync(CancellationToken cancellationToken)
    {
        if (_connectionString is null)
        {
            var cluster = await PostgresTestCluster.SharedAsync();
            _connectionString = await cluster.CreateSchemaAsync(_schema, cancellationToken);
        }

        return _connectionString;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
