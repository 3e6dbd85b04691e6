using Parley.Tests.Support;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Sqlite;

namespace Parley.Storage.Tests.Sqlite;

public sealed class SqliteStoreTests : IDisposable
{
    private static readonly Agreement Agreement = Samples.Agreement;
    private readonly TempFolder _folder = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DbPath => _folder.File("data", SqliteStore.DefaultFileName);

    public void Dispose() => _folder.Dispose();

    private async Task<SqliteStore> OpenAsync(string? path = null)
    {
        var store = new SqliteStore(path ?? DbPath);
        await store.InitializeAsync(Ct);
        return store;
    }

    private static CommitBuilder Upsert(params Zone[] zones)
    {
        var changes = new CommitBuilder();
        changes.UpsertZones.AddRange(zones);
        return changes;
    }

    // Shapes are compared by reference, so a round trip is checked on the written feature text plus the
    // fields that live only in columns.
    private static string[] Describe(IEnumerable<Zone> zones) =>
        [.. zones.OrderBy(z => z.Id.Value, StringComparer.Ordinal).Select(z => $"v{z.Version} {FeatureWriter.ToJson(z)}")];

    private static string[] Describe(IEnumerable<Operation> operations) =>
        [.. operations.OrderBy(o => o.Id.Value, StringComparer.Ordinal).Select(o => $"v{o.Version} {FeatureWriter.ToJson(o)}")];

    private SqliteConnection RawConnection(string? path = null)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path ?? DbPath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }


    [Fact]
    public async Task a_commit_is_on_disk_before_the_store_is_closed()
    {
        // Copying the database and its write-ahead log while the store is still open is what a crash right
        // after the commit would leave behind.
        var zones = Samples.EveryZoneKind();
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement.Id, Upsert([.. zones]), Ct);

        var copy = _folder.File("crash", SqliteStore.DefaultFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(DbPath, copy);
        Assert.True(File.Exists(DbPath + "-wal"), "the commit should still be in the write-ahead log, not yet checkpointed");
        File.Copy(DbPath + "-wal", copy + "-wal");

        await using var recovered = await OpenAsync(copy);
        Assert.Equal(Describe(zones), Describe(await recovered.LoadZonesAsync(Agreement, Ct)));
    }

    [Fact]
    public async Task a_commit_waits_for_another_process_holding_the_write_lock_instead_of_failing()
    {
        await using var store = await OpenAsync();
        using var other = RawConnection();
        using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE;";
            begin.ExecuteNonQuery();
        }

        // A commit waiting for SQLite's lock cannot be seen (SQLite's busy handler sleeps inside the call) and no clock
        // drives it: a short real pause gives it time to reach the lock, then the lock is released under it.
        var commit = Task.Run(() => store.CommitAsync(Agreement.Id, Upsert(Samples.Square("z1")), Ct), Ct);
        await Task.Delay(300, Ct);
        Assert.False(commit.IsCompleted);
        using (var rollback = other.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK;";
            rollback.ExecuteNonQuery();
        }

        await commit;
        Assert.Single(await store.LoadZonesAsync(Agreement, Ct));
    }

    [Fact]
    public async Task initialising_twice_and_reopening_leaves_the_schema_and_the_data_as_they_are()
    {
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync(Agreement.Id, Upsert(Samples.Square("z1")), Ct);
            await store.InitializeAsync(Ct);
            await store.InitializeAsync(Ct);
            Assert.Single(await store.LoadZonesAsync(Agreement, Ct));
        }

        await using (var reopened = await OpenAsync())
        {
            Assert.Equal(SqliteStore.LatestSchemaVersion, await reopened.ReadSchemaVersionAsync(Ct));
            Assert.Single(await reopened.LoadZonesAsync(Agreement, Ct));
        }

        using var raw = RawConnection();
        Assert.Equal(SqliteStore.LatestSchemaVersion, Scalar(raw, "SELECT COUNT(*) FROM schema_version;"));
        Assert.Equal(SqliteStore.LatestSchemaVersion, Scalar(raw, "SELECT MAX(version) FROM schema_version;"));
    }

    [Fact]
    public async Task initialising_creates_the_folder_the_file_and_the_latest_schema()
    {
        var path = _folder.File("nested", "deeper", SqliteStore.DefaultFileName);
        await using var store = new SqliteStore(path);
        Assert.Equal(0, await store.ReadSchemaVersionAsync(Ct));
        Assert.False(File.Exists(path));

        await store.InitializeAsync(Ct);

        Assert.True(File.Exists(path));
        Assert.Equal(SqliteStore.LatestSchemaVersion, await store.ReadSchemaVersionAsync(Ct));
        Assert.True(SqliteStore.LatestSchemaVersion >= 1);
        using var raw = RawConnection(path);
        Assert.Equal(1, Scalar(raw, "SELECT COUNT(*) FROM pragma_journal_mode WHERE journal_mode = 'wal';"));
        foreach (var table in new[] { "agreements", "zones", "operations", "probing_touches", "events" })
        {
            Assert.Equal(1, Scalar(raw, $"SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = '{table}';"));
        }
    }

    [Fact]
    public async Task a_file_of_schema_8_keeps_its_nonces_and_events_when_they_move_to_keyed_tables()
    {
        // A file as Parley with eight migrations left it, with nonces and events in it.
        FileAtSchema(8, $"""
            INSERT INTO nonces VALUES ('{Agreement.Id}', 'blue', 'nonce-one-aaaaaaaa', {Start.UtcTicks}), ('{Agreement.Id}', 'red', 'nonce-two-bbbbbbbb', {Start.UtcTicks + 1});
            INSERT INTO events VALUES ('{Agreement.Id}', 1, 'blue', 'operation.state', '{"{"}"a":1{"}"}', {Start.UtcTicks}),
                                      ('{Agreement.Id}', 2, 'red', 'operation.state', '{"{"}"b":2{"}"}', {Start.UtcTicks + 2});
            """);

        await using (var store = await OpenAsync())
        {
            Assert.Equal(SqliteStore.LatestSchemaVersion, await store.ReadSchemaVersionAsync(Ct));
            var nonces = await store.LoadNoncesAsync(Agreement.Id, Start, Ct);
            Assert.Equal(["blue nonce-one-aaaaaaaa", "red nonce-two-bbbbbbbb"], nonces.Select(n => $"{n.Party} {n.Nonce}").Order(StringComparer.Ordinal));
            Assert.True(await store.IsNonceSpentAsync(Agreement.Id, new PartyId("red"), "nonce-two-bbbbbbbb", Ct));
            var events = await store.ReadEventsAsync(Agreement.Id, new PartyId("red"), 0, 10, Ct);
            Assert.Equal((2L, "{\"b\":2}"), (Assert.Single(events).Sequence, events[0].Payload));
            Assert.Equal(2, (await store.ReadEventsAsync(Agreement.Id, null, 0, 10, Ct)).Count);
        }

        using var check = RawConnection();
        Assert.Equal(2, Scalar(check, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('nonces', 'events') AND sql LIKE '%WITHOUT ROWID%';"));
        Assert.Equal(0, Scalar(check, "SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('operations_by_owner', 'operations_by_state', 'nonces_keyed', 'events_keyed');"));
        Assert.Equal(1, Scalar(check, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name = 'events_by_recipient' AND tbl_name = 'events';"));
    }

    [Fact]
    public async Task a_file_of_schema_9_keeps_its_kept_answers_as_opaque_records_of_the_servers_first_format()
    {
        // A file as Parley with nine migrations left it: answers kept in columns named after HTTP.
        FileAtSchema(9, $"""
            INSERT INTO idempotency_keys VALUES
                ('{Agreement.Id}', 'blue', 'key-1', X'07', 201, 'application/json; charset=utf-8', CAST('{"{"}"ok":1{"}"}' AS BLOB), '"3"', '/v1/x', {Start.UtcTicks}),
                ('{Agreement.Id}', 'blue', 'key-2', X'08', 204, NULL, X'', NULL, NULL, {Start.UtcTicks});
            """);

        await using (var store = await OpenAsync())
        {
            var full = await store.FindAnswerAsync(Agreement.Id, new PartyId("blue"), "key-1", Start, Ct);
            Assert.Equal([7], full!.Fingerprint);
            Assert.Equal("parley-answer/1\nstatus: 201\ncontent-type: application/json; charset=utf-8\netag: \"3\"\nlocation: /v1/x\n\n{\"ok\":1}",
                System.Text.Encoding.UTF8.GetString(full.Record));
            var empty = await store.FindAnswerAsync(Agreement.Id, new PartyId("blue"), "key-2", Start, Ct);
            Assert.Equal("parley-answer/1\nstatus: 204\n\n", System.Text.Encoding.UTF8.GetString(empty!.Record));
        }

        using var check = RawConnection();
        Assert.Equal(0, Scalar(check, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'idempotency_keys';"));
    }

    [Fact]
    public async Task a_file_of_schema_13_keeps_its_nonces_when_they_are_keyed_by_the_time_they_were_signed()
    {
        FileAtSchema(13, $"""
            INSERT INTO nonces VALUES ('{Agreement.Id}', 'blue', 'nonce-one-aaaaaaaa', {Start.UtcTicks + 5}), ('{Agreement.Id}', 'red', 'nonce-two-bbbbbbbb', {Start.UtcTicks});
            """);

        await using (var store = await OpenAsync())
        {
            Assert.Equal(SqliteStore.LatestSchemaVersion, await store.ReadSchemaVersionAsync(Ct));
            Assert.Equal(["blue nonce-one-aaaaaaaa", "red nonce-two-bbbbbbbb"],
                (await store.LoadNoncesAsync(Agreement.Id, Start, Ct)).Select(n => $"{n.Party} {n.Nonce}").Order(StringComparer.Ordinal));
            Assert.Equal(["blue nonce-one-aaaaaaaa"], (await store.LoadNoncesAsync(Agreement.Id, Start.AddTicks(1), Ct)).Select(n => $"{n.Party} {n.Nonce}"));
        }

        using var check = RawConnection();
        Assert.Equal(1, Scalar(check, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'nonces' AND sql LIKE '%PRIMARY KEY (agreement_id, timestamp_ticks, party, nonce)%';"));
        Assert.Equal(0, Scalar(check, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'nonces_by_time';"));
        var replay = Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() =>
            Scalar(check, $"INSERT INTO nonces (agreement_id, timestamp_ticks, party, nonce) VALUES ('{Agreement.Id}', {Start.UtcTicks}, 'red', 'nonce-two-bbbbbbbb'); SELECT 0;"));
        Assert.Contains("UNIQUE", replay.Message, StringComparison.Ordinal);
    }

    private static readonly DateTimeOffset Start = new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A file as Parley with <paramref name="version"/> migrations left it, then <paramref name="rows"/> written into it.</summary>
    private void FileAtSchema(int version, string rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DbPath)!);
        using var raw = RawConnection();
        void Run(string sql)
        {
            using var command = raw.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        Run(SqliteSchema.CreateVersionTable);
        for (int v = 1; v <= version; v++)
        {
            Run(SqliteSchema.Migrations[v - 1]);
            Run($"INSERT INTO schema_version (version, applied) VALUES ({v}, '2026-01-01T00:00:00Z');");
        }

        Run(rows);
    }

    [Fact]
    public async Task a_file_written_by_a_newer_schema_is_refused()
    {
        await using (await OpenAsync())
        {
        }

        using (var raw = RawConnection())
        using (var command = raw.CreateCommand())
        {
            command.CommandText = "INSERT INTO schema_version (version, applied) VALUES (999, '2030-01-01T00:00:00Z');";
            command.ExecuteNonQuery();
        }

        await using var store = new SqliteStore(DbPath);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync(Ct));
        Assert.Contains("999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_default_path_is_parley_db_in_the_parley_data_folder()
    {
        Assert.Equal(Path.Combine("parley-data", "parley.db"), SqliteStore.DefaultPath());
        Assert.Equal(Path.Combine("/srv/x", "parley.db"), SqliteStore.DefaultPath("/srv/x"));
        await using var store = new SqliteStore(DbPath);
        Assert.Equal(Path.GetFullPath(DbPath), store.FilePath);
    }

    [Fact]
    public async Task using_the_store_before_initialising_it_is_refused()
    {
        await using var store = new SqliteStore(DbPath);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.LoadZonesAsync(Agreement, Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CommitAsync(Agreement.Id, Upsert(Samples.Square("z")), Ct));
    }

    [Fact]
    public async Task the_query_columns_match_the_feature()
    {
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync(Agreement.Id, Upsert([.. Samples.EveryZoneKind()]), Ct);
        }

        using var raw = RawConnection();
        using var command = raw.CreateCommand();
        command.CommandText = """
            SELECT owner, kind, version, visibility, min_x, max_y, buffer_m, alt_min_m, alt_max_m, start_ticks, end_ticks
            FROM zones WHERE agreement_id = 'theater-1' AND id = $id;
            """;
        command.Parameters.AddWithValue("$id", "circle");
        using (var reader = command.ExecuteReader())
        {
            Assert.True(reader.Read());
            Assert.Equal("aid", reader.GetString(0));
            Assert.Equal("designated", reader.GetString(1));
            Assert.Equal(1, reader.GetInt64(2));
            Assert.Equal("private", reader.GetString(3));
            Assert.Equal(30.5, reader.GetDouble(4));
            Assert.Equal(50.25, reader.GetDouble(5));
            Assert.Equal(500, reader.GetDouble(6));
            Assert.Equal(-20, reader.GetDouble(7));
            Assert.True(reader.IsDBNull(8));
            Assert.Equal(new DateTimeOffset(2026, 6, 1, 10, 30, 0, TimeSpan.Zero).UtcTicks, reader.GetInt64(9));
            Assert.Equal(new DateTimeOffset(2026, 6, 1, 18, 0, 0, TimeSpan.Zero).UtcTicks, reader.GetInt64(10));
        }

        command.Parameters["$id"].Value = "split";
        using (var reader = command.ExecuteReader())
        {
            Assert.True(reader.Read());
            Assert.Equal(-180, reader.GetDouble(4));
            Assert.Equal(long.MaxValue, reader.GetInt64(10));
            Assert.True(reader.IsDBNull(7));
        }
    }
}
