using Npgsql;
using Parley.Core.Ports;
using Parley.Storage.Postgres;
using Parley.Storage.Tests.Conformance;
using Parley.Storage.Tests.Sqlite;

namespace Parley.Storage.Tests.Postgres;

/// <summary>What only the PostgreSQL store has: its migrations, its indexed envelopes and time ranges.</summary>
[Trait("Lane", "Slow")]
public sealed class PostgresStoreTests : IAsyncDisposable
{
    private readonly PostgresBackend _backend = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _backend.DisposeAsync();

    private async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(await _backend.ConnectionStringAsync(Ct));
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task stores_initialising_together_apply_each_migration_once()
    {
        var connectionString = await _backend.ConnectionStringAsync(Ct);
        var stores = Enumerable.Range(0, 3).Select(_ => new PostgresStore(connectionString)).ToList();
        try
        {
            Assert.Equal(0, await stores[0].ReadSchemaVersionAsync(Ct));
            await Task.WhenAll(stores.Select(s => s.InitializeAsync(Ct)));
            await stores[1].InitializeAsync(Ct);

            Assert.Equal(PostgresStore.LatestSchemaVersion, await stores[2].ReadSchemaVersionAsync(Ct));
            Assert.Equal(PostgresStore.LatestSchemaVersion, await ScalarAsync("SELECT COUNT(*) FROM schema_version;"));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task a_database_written_by_a_newer_schema_is_refused()
    {
        await using (await _backend.OpenAsync(Ct))
        {
        }

        await ScalarAsync("INSERT INTO schema_version (version, applied) VALUES (999, now()); SELECT 0;");
        await using var store = new PostgresStore(await _backend.ConnectionStringAsync(Ct));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync(Ct));
        Assert.Contains("999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task using_the_store_before_initialising_it_is_refused()
    {
        await using var store = new PostgresStore(await _backend.ConnectionStringAsync(Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.LoadZonesAsync(Samples.Agreement, Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitAsync(Samples.Agreement.Id, new ChangeSet(), Ct));
    }

    [Fact]
    public async Task the_envelope_and_time_range_match_the_feature_and_are_gist_indexed()
    {
        await using (var store = await _backend.OpenAsync(Ct))
        {
            var changes = new ChangeSet();
            changes.UpsertZones.AddRange(Samples.EveryZoneKind());
            changes.UpsertOperations.AddRange(Samples.EveryOperationKind());
            await store.CommitAsync(Samples.Agreement.Id, changes, Ct);
        }

        // The circle of 500 m round (30.5, 50.25) on 2026-06-01 from 10:30 to 18:00 UTC.
        var inside = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero).UtcTicks;
        var after = new DateTimeOffset(2026, 6, 1, 19, 0, 0, TimeSpan.Zero).UtcTicks;
        const string Query = """
            SELECT COUNT(*) FROM {0} WHERE envelope && ST_MakeEnvelope(30.499, 50.249, 30.501, 50.251, 4326)
            AND during && int8range(@t, @t + 1) AND id = 'circle';
            """;
        foreach (var table in new[] { "zones", "operations" })
        {
            Assert.Equal(1, await ScalarAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, Query, table), ("t", inside)));
            Assert.Equal(0, await ScalarAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, Query, table), ("t", after)));
        }

        Assert.Equal(4, await ScalarAsync("""
            SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()
            AND indexdef LIKE '%USING gist%' AND (indexdef LIKE '%(envelope)%' OR indexdef LIKE '%(during)%');
            """));
    }
}
