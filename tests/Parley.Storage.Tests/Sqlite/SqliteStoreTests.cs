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

    private static ChangeSet Upsert(params Zone[] zones)
    {
        var changes = new ChangeSet();
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
    public async Task zones_of_every_geometry_kind_come_back_with_all_their_properties()
    {
        var zones = Samples.EveryZoneKind();
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement.Id, Upsert([.. zones]), Ct);

        var loaded = await store.LoadZonesAsync(Agreement, Ct);

        Assert.Equal(Describe(zones), Describe(loaded));
        var hole = loaded.Single(z => z.Id.Value == "hole");
        Assert.Equal(ZoneKind.Protected, hole.Kind);
        Assert.Equal(2, hole.Volume.Footprint.Paths.Count);
        Assert.Equal(Visibility.Parties, hole.Visibility);
        Assert.Equal([new PartyId("aid"), new PartyId("red")], hole.SharedWith);
        Assert.Equal("Field hospital", hole.Name);
        Assert.Equal(new DateTimeOffset(2026, 5, 2, 6, 0, 0, 250, TimeSpan.Zero), hole.Volume.Time.End);
        var split = loaded.Single(z => z.Id.Value == "split");
        Assert.Equal(2, split.Volume.Footprint.PolygonStarts.Count);
        Assert.Null(split.Volume.Time.End);
        Assert.Equal(double.NegativeInfinity, split.Volume.Altitude.MinMetres);
        Assert.Equal(double.PositiveInfinity, split.Volume.Altitude.MaxMetres);
        Assert.Equal(3, split.Version);
        Assert.Equal(500, loaded.Single(z => z.Id.Value == "circle").Volume.Footprint.BufferMetres);
        Assert.Equal(250, loaded.Single(z => z.Id.Value == "route").Volume.Footprint.BufferMetres);
    }

    [Fact]
    public async Task operations_of_every_geometry_kind_come_back_with_their_state_and_version()
    {
        var operations = Samples.EveryOperationKind();
        await using var store = await OpenAsync();
        var changes = new ChangeSet();
        changes.UpsertOperations.AddRange(operations);
        await store.CommitAsync(Agreement.Id, changes, Ct);

        var loaded = await store.LoadOperationsAsync(Agreement, Ct);

        Assert.Equal(Describe(operations), Describe(loaded));
        Assert.Equal(
            operations.Select(o => (o.Id, o.Kind, o.State, o.Version)).OrderBy(o => o.Id.Value, StringComparer.Ordinal),
            loaded.Select(o => (o.Id, o.Kind, o.State, o.Version)).OrderBy(o => o.Id.Value, StringComparer.Ordinal));
    }

    [Fact]
    public async Task every_operation_state_round_trips_through_its_column()
    {
        var template = Samples.EveryOperationKind()[0];
        var changes = new ChangeSet();
        foreach (var state in Enum.GetValues<OperationState>())
        {
            changes.UpsertOperations.Add(template with { Id = new OperationId("op-" + state), State = state, Version = 1 + (int)state });
        }

        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement.Id, changes, Ct);

        var loaded = (await store.LoadOperationsAsync(Agreement, Ct)).ToDictionary(o => o.Id.Value);
        foreach (var state in Enum.GetValues<OperationState>())
        {
            Assert.Equal(state, loaded["op-" + state].State);
            Assert.Equal(1 + (int)state, loaded["op-" + state].Version);
        }
    }

    [Fact]
    public async Task a_committed_zone_comes_back_after_reopening_the_file()
    {
        var zones = Samples.EveryZoneKind();
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync(Agreement.Id, Upsert([.. zones]), Ct);
        }

        await using var reopened = await OpenAsync();
        Assert.Equal(Describe(zones), Describe(await reopened.LoadZonesAsync(Agreement, Ct)));
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
    public async Task an_upsert_replaces_the_stored_zone_and_leaves_the_others()
    {
        await using var store = await OpenAsync();
        var original = Samples.Square("z1", lon: 1, lat: 1);
        await store.CommitAsync(Agreement.Id, Upsert(original, Samples.Square("z2")), Ct);

        var replacement = Samples.Square("z1", owner: "red", lon: 5, lat: 6) with { Version = 2, Kind = ZoneKind.Restricted, Name = "moved" };
        await store.CommitAsync(Agreement.Id, Upsert(replacement), Ct);

        var loaded = await store.LoadZonesAsync(Agreement, Ct);
        Assert.Equal(Describe([replacement, Samples.Square("z2")]), Describe(loaded));
    }

    [Fact]
    public async Task a_deleted_zone_is_gone_and_deleting_a_missing_zone_is_not_an_error()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement.Id, Upsert(Samples.Square("z1"), Samples.Square("z2")), Ct);

        var changes = new ChangeSet();
        changes.DeleteZones.Add(new ZoneId("z1"));
        changes.DeleteZones.Add(new ZoneId("never-there"));
        await store.CommitAsync(Agreement.Id, changes, Ct);

        Assert.Equal(["z2"], (await store.LoadZonesAsync(Agreement, Ct)).Select(z => z.Id.Value));
    }

    [Fact]
    public async Task a_change_set_with_one_invalid_entry_writes_nothing()
    {
        await using var store = await OpenAsync();
        var before = new[] { Samples.Square("kept"), Samples.Square("to-delete") };
        await store.CommitAsync(Agreement.Id, Upsert(before), Ct);
        var operationChanges = new ChangeSet();
        operationChanges.UpsertOperations.Add(Samples.EveryOperationKind()[1]);
        await store.CommitAsync(Agreement.Id, operationChanges, Ct);
        var operationsBefore = Describe(await store.LoadOperationsAsync(Agreement, Ct));

        // Version 0 breaks the schema's CHECK (version >= 1) after the other changes have been executed.
        var changes = new ChangeSet();
        changes.DeleteZones.Add(new ZoneId("to-delete"));
        changes.UpsertZones.Add(Samples.Square("new"));
        changes.UpsertZones.Add(Samples.Square("kept", owner: "red") with { Version = 2 });
        changes.UpsertOperations.Add(Samples.EveryOperationKind()[1] with { State = OperationState.Completed, Version = 2 });
        changes.UpsertOperations.Add(Samples.EveryOperationKind()[2] with { Version = 0 });

        await Assert.ThrowsAsync<SqliteException>(() => store.CommitAsync(Agreement.Id, changes, Ct));

        Assert.Equal(Describe(before), Describe(await store.LoadZonesAsync(Agreement, Ct)));
        Assert.Equal(operationsBefore, Describe(await store.LoadOperationsAsync(Agreement, Ct)));

        // The store is still usable after a failed commit.
        await store.CommitAsync(Agreement.Id, Upsert(Samples.Square("after")), Ct);
        Assert.Equal(3, (await store.LoadZonesAsync(Agreement, Ct)).Count);
    }

    [Fact]
    public async Task a_cancelled_commit_writes_nothing()
    {
        await using var store = await OpenAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => store.CommitAsync(Agreement.Id, Upsert(Samples.Square("z1")), cancelled.Token));

        Assert.Empty(await store.LoadZonesAsync(Agreement, Ct));
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
    public async Task using_the_store_after_disposing_it_is_refused()
    {
        var store = await OpenAsync();
        await store.DisposeAsync();
        await store.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.LoadZonesAsync(Agreement, Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CommitAsync(Agreement.Id, Upsert(Samples.Square("z")), Ct));
    }

    [Fact]
    public async Task concurrent_commits_from_several_tasks_all_land()
    {
        await using var store = await OpenAsync();
        const int Writers = 8, CommitsEach = 20;

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (int c = 0; c < CommitsEach; c++)
            {
                var changes = Upsert(Samples.Square($"w{w}-c{c}-a", lon: w, lat: c), Samples.Square($"w{w}-c{c}-b", lon: w, lat: c + 0.5));
                changes.UpsertOperations.Add(Samples.EveryOperationKind()[c % 4] with { Id = new OperationId($"w{w}-c{c}") });
                await store.CommitAsync(Agreement.Id, changes, Ct);
            }
        }, Ct));

        // Readers run beside the writers and must always see whole commits.
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            for (int r = 0; r < 10; r++)
            {
                var zones = await store.LoadZonesAsync(Agreement, Ct);
                Assert.Equal(0, zones.Count % 2);
            }
        }, Ct));

        await Task.WhenAll(writers.Concat(readers));

        Assert.Equal(Writers * CommitsEach * 2, (await store.LoadZonesAsync(Agreement, Ct)).Count);
        Assert.Equal(Writers * CommitsEach, (await store.LoadOperationsAsync(Agreement, Ct)).Count);
    }

    [Fact]
    public async Task two_stores_on_one_file_both_commit_and_see_each_other()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();

        await Task.WhenAll(
            Task.Run(async () =>
            {
                for (int i = 0; i < 20; i++)
                {
                    await first.CommitAsync(Agreement.Id, Upsert(Samples.Square($"first-{i}")), Ct);
                }
            }, Ct),
            Task.Run(async () =>
            {
                for (int i = 0; i < 20; i++)
                {
                    await second.CommitAsync(Agreement.Id, Upsert(Samples.Square($"second-{i}")), Ct);
                }
            }, Ct));

        Assert.Equal(40, (await first.LoadZonesAsync(Agreement, Ct)).Count);
        Assert.Equal(40, (await second.LoadZonesAsync(Agreement, Ct)).Count);
    }

    [Fact]
    public async Task zones_of_one_agreement_are_not_loaded_or_deleted_under_another()
    {
        var other = Agreement with { Id = new AgreementId("theater-2") };
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement.Id, Upsert(Samples.Square("same-id", lon: 1)), Ct);
        await store.CommitAsync(other.Id, Upsert(Samples.Square("same-id", lon: 2), Samples.Square("only-here")), Ct);

        var firstZones = await store.LoadZonesAsync(Agreement, Ct);
        Assert.Equal(1, Assert.Single(firstZones).Volume.Footprint.Bounds.MinX);
        Assert.Equal(2, (await store.LoadZonesAsync(other, Ct)).Count);

        var delete = new ChangeSet();
        delete.DeleteZones.Add(new ZoneId("same-id"));
        await store.CommitAsync(other.Id, delete, Ct);
        Assert.Single(await store.LoadZonesAsync(Agreement, Ct));
        Assert.Equal(["only-here"], (await store.LoadZonesAsync(other, Ct)).Select(z => z.Id.Value));
    }

    [Fact]
    public async Task agreements_are_saved_replaced_and_loaded_by_id()
    {
        await using (var store = await OpenAsync())
        {
            await store.SaveAgreementAsync(new AgreementId("a"), """{"id":"a","version":1}""", Ct);
            await store.SaveAgreementAsync(new AgreementId("b"), """{"id":"b"}""", Ct);
            await store.SaveAgreementAsync(new AgreementId("a"), """{"id":"a","version":2}""", Ct);
        }

        await using var reopened = await OpenAsync();
        var agreements = await reopened.LoadAgreementsAsync(Ct);
        Assert.Equal(2, agreements.Count);
        Assert.Equal("""{"id":"a","version":2}""", agreements[new AgreementId("a")]);
        Assert.Equal("a", AgreementReader.Parse(agreements[new AgreementId("a")]).Id.Value);
    }

    [Fact]
    public async Task a_stored_zone_that_no_longer_reads_under_the_agreement_is_named_without_its_geometry()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement.Id, Upsert(Samples.Square("orphan", owner: "aid", lon: 12.345, lat: 6.789)), Ct);
        var withoutAid = Agreement with { Parties = [.. Agreement.Parties.Where(p => p.Id.Value != "aid")] };

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.LoadZonesAsync(withoutAid, Ct));

        Assert.Contains("'orphan'", error.Message, StringComparison.Ordinal);
        Assert.Contains("owner", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("12.345", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("6.789", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_stored_geometry_that_no_longer_reads_is_reported_by_field_without_its_coordinates()
    {
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement.Id, Upsert(Samples.Square("detailed", lon: 12.345, lat: 6.789)), Ct);
        var stricter = Agreement with { MaxVerticesPerFeature = 4 };

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.LoadZonesAsync(stricter, Ct));

        Assert.Contains("'detailed'", error.Message, StringComparison.Ordinal);
        Assert.Contains("geometry", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("12.345", error.ToString(), StringComparison.Ordinal);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public async Task many_zones_load_back_complete_and_in_id_order()
    {
        // More rows than one load batch, so the parallel parsing path and the batch seams are exercised.
        const int Count = 20_000;
        var zones = Enumerable.Range(0, Count)
            .Select(i => Samples.Square($"z{i:D6}", owner: (i % 3) switch { 0 => "blue", 1 => "red", _ => "aid" }, lon: i % 170, lat: i % 80) with { Version = 1 + (i % 5) })
            .ToArray();
        await using var store = await OpenAsync();
        await store.CommitAsync(Agreement.Id, Upsert(zones), Ct);

        var loaded = await store.LoadZonesAsync(Agreement, Ct);

        Assert.Equal(Count, loaded.Count);
        Assert.Equal(zones.Select(z => (z.Id, z.Owner, z.Version)), loaded.Select(z => (z.Id, z.Owner, z.Version)));
        Assert.Equal(Describe(zones.Take(50)), Describe(loaded.Take(50)));
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
