using Parley.Tests.Support;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Storage.Tests.Sqlite;

namespace Parley.Storage.Tests.Conformance;

/// <summary>Zones, operations, requests and agreements: the store contract every backend keeps.</summary>
public abstract class StoreConformance(IStoreBackend backend) : ConformanceTest(backend)
{
    private static readonly Agreement Agreement = Samples.Agreement;

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
        var changes = new CommitBuilder();
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
        var changes = new CommitBuilder();
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
    public async Task a_committed_zone_comes_back_after_reopening_the_store()
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

        var changes = new CommitBuilder();
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
        var operationChanges = new CommitBuilder();
        operationChanges.UpsertOperations.Add(Samples.EveryOperationKind()[1]);
        await store.CommitAsync(Agreement.Id, operationChanges, Ct);
        var operationsBefore = Describe(await store.LoadOperationsAsync(Agreement, Ct));

        // Version 0 breaks the schema's CHECK (version >= 1) after the other changes have been executed.
        var changes = new CommitBuilder();
        changes.DeleteZones.Add(new ZoneId("to-delete"));
        changes.UpsertZones.Add(Samples.Square("new"));
        changes.UpsertZones.Add(Samples.Square("kept", owner: "red") with { Version = 2 });
        changes.UpsertOperations.Add(Samples.EveryOperationKind()[1] with { State = OperationState.Completed, Version = 2 });
        changes.UpsertOperations.Add(Samples.EveryOperationKind()[2] with { Version = 0 });

        await Assert.ThrowsAnyAsync<Exception>(() => store.CommitAsync(Agreement.Id, changes, Ct));

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
    public async Task two_stores_on_one_database_both_commit_and_see_each_other()
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

        var delete = new CommitBuilder();
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
        var stricter = Agreement with { MaxVerticesPerFeature = 3 }; // the square has four vertices (its closing position is not one)

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
        const int Count = 9_000;
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
    public async Task concurrence_requests_are_stored_replaced_as_they_close_and_kept_per_agreement()
    {
        var opened = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var open = new ConcurrenceRequest
        {
            Id = "cr-1", Operation = new OperationId("op-1"), OperationVersion = 2, Submitter = new PartyId("blue"), Affected = new PartyId("red"),
            TargetType = "zone", TargetId = "z1", Opened = opened, Deadline = opened.AddHours(2),
        };
        var other = open with { Id = "cr-0", TargetType = "operation", TargetId = "op-9", Opened = opened.AddMinutes(1) };
        await using (var store = await OpenAsync())
        {
            var changes = new CommitBuilder();
            changes.UpsertRequests.AddRange([open, other]);
            await store.CommitAsync(Agreement.Id, changes, Ct);
            var close = new CommitBuilder();
            close.UpsertRequests.Add(open with
            {
                State = RequestState.CounterProposed, Closed = opened.AddMinutes(30), Reason = "later", CounterProposal = new OperationId("op-2"), Version = 2,
            });
            await store.CommitAsync(Agreement.Id, close, Ct);
            Assert.Empty(await store.LoadRequestsAsync(new AgreementId("theater-2"), Ct));
        }

        await using var reopened = await OpenAsync();
        var loaded = await reopened.LoadRequestsAsync(Agreement.Id, Ct);
        Assert.Equal(["cr-1", "cr-0"], loaded.Select(r => r.Id));
        Assert.Equal(open with
        {
            State = RequestState.CounterProposed, Closed = opened.AddMinutes(30), Reason = "later", CounterProposal = new OperationId("op-2"), Version = 2,
        }, loaded[0]);
        Assert.Equal(other, loaded[1]);
    }
}
