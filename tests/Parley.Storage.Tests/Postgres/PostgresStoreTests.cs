using Parley.Tests.Support;
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

    /// <summary>The indexes of one of the test's tables, each as "method (columns)", with " primary key" when it is.</summary>
    /// <remarks>
    /// Read from the catalog tables of that table alone, not from <c>pg_indexes</c>: that view calls
    /// <c>pg_get_indexdef</c>, which reads the catalog caches (their latest state, not the query's snapshot), on
    /// the indexes of every schema, and other tests' migrations drop and re-create tables and keys in theirs at the
    /// same time in the run's shared database: a table dropped between the two reads failed the query with "cache
    /// lookup failed for attribute 1 of relation …".
    /// </remarks>
    private async Task<List<string>> IndexesAsync(string table)
    {
        await using var connection = new NpgsqlConnection(await _backend.ConnectionStringAsync(Ct));
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("""
            SELECT am.amname || ' (' || string_agg(a.attname, ', ' ORDER BY k.ord) || ')'
                || CASE WHEN i.indisprimary THEN ' primary key' ELSE '' END
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_am am ON am.oid = c.relam
            CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = to_regclass(@table)
            GROUP BY c.oid, am.amname, i.indisprimary
            ORDER BY 1;
            """, connection);
        command.Parameters.AddWithValue("table", table);
        var indexes = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            indexes.Add(reader.GetString(0));
        }

        return indexes;
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
    public async Task a_database_of_schema_8_keeps_its_kept_answers_as_opaque_records_of_the_servers_first_format()
    {
        // A database as Parley with eight migrations left it: answers kept in columns named after HTTP.
        await _backend.ConnectionStringAsync(Ct);
        var migrations = string.Join("\n", PostgresSchema.Migrations.Take(8).Select((sql, i) => $"{sql}\nINSERT INTO schema_version (version, applied) VALUES ({i + 1}, now());"));
        await ScalarAsync($"""
            {PostgresSchema.CreateVersionTable}
            {migrations}
            INSERT INTO idempotency_keys VALUES
                ('pact', 'blue', 'key-1', '\x07', 201, 'application/json; charset=utf-8', convert_to('{"{"}"ok":1{"}"}', 'UTF8'), '"3"', '/v1/x', 5),
                ('pact', 'blue', 'key-2', '\x08', 204, NULL, '\x', NULL, NULL, 5);
            SELECT 0;
            """);

        await using var store = new PostgresStore(await _backend.ConnectionStringAsync(Ct));
        await store.InitializeAsync(Ct);
        var since = new DateTimeOffset(5, TimeSpan.Zero);
        var full = await store.FindAnswerAsync(new Parley.Core.Model.AgreementId("pact"), new Parley.Core.Model.PartyId("blue"), "key-1", since, Ct);
        Assert.Equal([7], full!.Fingerprint);
        Assert.Equal("parley-answer/1\nstatus: 201\ncontent-type: application/json; charset=utf-8\netag: \"3\"\nlocation: /v1/x\n\n{\"ok\":1}",
            System.Text.Encoding.UTF8.GetString(full.Record));
        var empty = await store.FindAnswerAsync(new Parley.Core.Model.AgreementId("pact"), new Parley.Core.Model.PartyId("blue"), "key-2", since, Ct);
        Assert.Equal("parley-answer/1\nstatus: 204\n\n", System.Text.Encoding.UTF8.GetString(empty!.Record));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM pg_tables WHERE tablename = 'idempotency_keys' AND schemaname = current_schema();"));
    }

    [Fact]
    public async Task a_database_of_schema_12_keeps_its_nonces_when_they_are_keyed_by_the_time_they_were_signed()
    {
        await _backend.ConnectionStringAsync(Ct);
        var migrations = string.Join("\n", PostgresSchema.Migrations.Take(12).Select((sql, i) => $"{sql}\nINSERT INTO schema_version (version, applied) VALUES ({i + 1}, now());"));
        await ScalarAsync($"""
            {PostgresSchema.CreateVersionTable}
            {migrations}
            INSERT INTO nonces VALUES ('pact', 'blue', 'nonce-one-aaaaaaaa', 7), ('pact', 'red', 'nonce-two-bbbbbbbb', 5);
            SELECT 0;
            """);

        await using var store = new PostgresStore(await _backend.ConnectionStringAsync(Ct));
        await store.InitializeAsync(Ct);
        var nonces = await store.LoadNoncesAsync(new Parley.Core.Model.AgreementId("pact"), new DateTimeOffset(6, TimeSpan.Zero), Ct);
        Assert.Equal("blue nonce-one-aaaaaaaa", Assert.Single(nonces.Select(n => $"{n.Party} {n.Nonce}")));
        Assert.Equal(["btree (agreement_id, timestamp_ticks, party, nonce) primary key"], await IndexesAsync("nonces"));
        var replay = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            ScalarAsync("INSERT INTO nonces (agreement_id, party, nonce, timestamp_ticks) VALUES ('pact', 'red', 'nonce-two-bbbbbbbb', 5); SELECT 0;"));
        Assert.Equal("23505", replay.SqlState);
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
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitAsync(Samples.Agreement.Id, new CommitBuilder(), Ct));
    }

    [Fact]
    public async Task the_envelope_and_time_range_match_the_feature_and_are_gist_indexed()
    {
        await using (var store = await _backend.OpenAsync(Ct))
        {
            var changes = new CommitBuilder();
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

        foreach (var table in new[] { "zones", "operations" })
        {
            var indexes = await IndexesAsync(table);
            Assert.Contains("gist (envelope)", indexes);
            Assert.Contains("gist (during)", indexes);
        }
    }
}
