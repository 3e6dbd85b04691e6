using System.Text;
using Npgsql;
using NpgsqlTypes;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Core.Probing;
using Parley.Core.Workflow;

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
public sealed class PostgresStore : IParleyStore
{
    // Rows read before their features are parsed in parallel; bounds the memory a load holds at once.
    private const int LoadBatchSize = 8192;

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

        _source = NpgsqlDataSource.Create(builder.ConnectionString);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The schema version this code creates and expects; a database at a lower version is migrated up to it.</summary>
    public static int LatestSchemaVersion => PostgresSchema.Migrations.Count;

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

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<AgreementId, string>> LoadAgreementsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT id, source_json FROM agreements ORDER BY id;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new Dictionary<AgreementId, string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result[new AgreementId(reader.GetString(0))] = reader.GetString(1);
        }

        return result;
    }

    /// <inheritdoc/>
    public async Task SaveAgreementAsync(AgreementId id, string sourceJson, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id.Value, nameof(id));
        ArgumentNullException.ThrowIfNull(sourceJson);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            INSERT INTO agreements (id, source_json, updated) VALUES (@id, @source, @updated)
            ON CONFLICT (id) DO UPDATE SET source_json = excluded.source_json, updated = excluded.updated;
            """);
        Text(command, "id", id.Value);
        Text(command, "source", sourceJson);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("updated", _time.GetUtcNow()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored zone no longer reads under <paramref name="agreement"/>'s rules.</exception>
    public Task<IReadOnlyList<Zone>> LoadZonesAsync(Agreement agreement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        return LoadAsync(
            "SELECT id, version, NULL::text, feature_json FROM zones WHERE agreement_id = @agreement ORDER BY id COLLATE \"C\";",
            agreement,
            row => StoredDeclarations.ParseZone(row, agreement, $"database '{_database}'"),
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored operation no longer reads under <paramref name="agreement"/>'s rules.</exception>
    public Task<IReadOnlyList<Operation>> LoadOperationsAsync(Agreement agreement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        return LoadAsync(
            "SELECT id, version, state, feature_json FROM operations WHERE agreement_id = @agreement ORDER BY id COLLATE \"C\";",
            agreement,
            row => StoredDeclarations.ParseOperation(row, agreement, $"database '{_database}'"),
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Several server processes may share one database: each catches up from the commit journal.</remarks>
    public bool IsShared => true;

    /// <inheritdoc/>
    /// <remarks>
    /// A transaction that first takes a transaction-scoped advisory lock on the agreement
    /// (<c>pg_advisory_xact_lock(hashtext(agreement))</c>), so writes of one agreement serialise across processes; the
    /// head is read in a statement after the lock, so its snapshot holds every commit made before.
    /// </remarks>
    public async Task<IAgreementWrite> BeginWriteAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agreement.Value, nameof(agreement));
        var connection = await OpenAsync(cancellationToken);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken);

            // One round trip: the lock, then (in statements after it, so their snapshot holds every commit made before)
            // the head and the next ledger index and event number a commit will need.
            await using var begin = new NpgsqlBatch(connection, transaction);
            Text(Add(begin, "SELECT pg_advisory_xact_lock(hashtext(@agreement));"), "agreement", agreement.Value);
            Text(Add(begin, """
                SELECT (SELECT COALESCE(MAX(seq), 0) FROM commits WHERE agreement_id = @agreement),
                       (SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries WHERE agreement_id = @agreement),
                       (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE agreement_id = @agreement);
                """), "agreement", agreement.Value);
            await using var reader = await begin.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var write = new Write(this, connection, transaction, agreement, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            return write;
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            await connection.DisposeAsync();
            throw;
        }
    }

    private const string HeadSql = "SELECT COALESCE(MAX(seq), 0) FROM commits WHERE agreement_id = @agreement;";

    /// <summary>The channel every commit notifies (with its agreement id), so other nodes wake their event streams.</summary>
    public const string CommitChannel = "parley_commits";

    /// <inheritdoc/>
    /// <remarks>
    /// LISTENs on <see cref="CommitChannel"/>; every commit notifies it when it lands. A lost connection is opened
    /// again (every second until the database answers), then reported with null, as notifications may have been missed.
    /// </remarks>
    public async Task WatchCommitsAsync(Action<(AgreementId Agreement, long Head)?> committed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(committed);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await OpenAsync(cancellationToken);
                connection.Notification += (_, e) =>
                {
                    int space = e.Payload.IndexOf(' ', StringComparison.Ordinal);
                    if (space > 0 && long.TryParse(e.Payload.AsSpan(0, space), System.Globalization.CultureInfo.InvariantCulture, out long head))
                    {
                        committed((new AgreementId(e.Payload[(space + 1)..]), head));
                    }
                };
                await using (var listen = Command(connection, $"LISTEN {CommitChannel};"))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                committed(null);
                while (true)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <inheritdoc/>
    public async Task<bool> HoldLeaseAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        var now = _time.GetUtcNow();
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            INSERT INTO leases (name, holder, expires_ticks) VALUES (@name, @holder, @expires)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ticks = excluded.expires_ticks
            WHERE leases.holder = excluded.holder OR leases.expires_ticks <= @now
            RETURNING holder;
            """);
        Text(command, "name", name);
        Text(command, "holder", holder);
        Long(command, "expires", (now + duration).UtcTicks);
        Long(command, "now", now.UtcTicks);
        return await command.ExecuteScalarAsync(cancellationToken) is string held && held == holder;
    }

    /// <inheritdoc/>
    public async Task<long> ReadHeadAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, HeadSql);
        Text(command, "agreement", agreement.Value);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc/>
    public async Task<CommittedChanges?> ReadChangesAsync(Agreement agreement, long since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        await using var connection = await OpenAsync(cancellationToken);

        // Read only, and one snapshot for the head and the rows it names.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        long head;
        await using (var read = Command(connection, HeadSql, transaction))
        {
            Text(read, "agreement", agreement.Id.Value);
            head = (long)(await read.ExecuteScalarAsync(cancellationToken))!;
        }

        return await ReadChangesAsync(connection, transaction, agreement, since, head, cancellationToken);
    }

    /// <summary>
    /// In one round trip, the journal rows after <paramref name="since"/> up to <paramref name="head"/> and the current
    /// rows of everything they name (inside a write's transaction, no commit of the agreement can land meanwhile).
    /// </summary>
    private async Task<CommittedChanges?> ReadChangesAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Agreement agreement, long since, long head, CancellationToken cancellationToken)
    {
        const string Commits = "FROM commits c WHERE c.agreement_id = @agreement AND c.seq > @since AND c.seq <= @head";
        // ARRAY(...) is computed once, so each table is read through its primary key rather than joined as a whole.
        static string Named(string field) => $"ANY(ARRAY(SELECT jsonb_array_elements_text(c.changes::jsonb -> '{field}') {Commits}))";
        await using var read = new NpgsqlBatch(connection, transaction);

        // Planned for the ids at hand: statements are prepared per connection (Max Auto Prepare), and a plan cached
        // while the tables were small (statistics lag a fast-growing table) would scan every row of the agreement
        // for a few ids.
        Add(read, "SET LOCAL plan_cache_mode = force_custom_plan;");
        foreach (var sql in (string[])[
            "SELECT seq, changes FROM commits WHERE agreement_id = @agreement AND seq > @since AND seq <= @head ORDER BY seq;",
            $"SELECT id, version, NULL::text, feature_json FROM zones WHERE agreement_id = @agreement AND id = {Named("zones")};",
            $"SELECT id, version, state, feature_json FROM operations WHERE agreement_id = @agreement AND id = {Named("operations")};",
            $"SELECT {RequestColumns} FROM concurrence_requests WHERE agreement_id = @agreement AND id = {Named("requests")};",
            $"SELECT {SubscriptionColumns} FROM subscriptions WHERE agreement_id = @agreement AND id = {Named("subscriptions")};",
            $"""
            SELECT seq, recipient, type, payload, created_ticks FROM events WHERE agreement_id = @agreement
              AND seq >= (SELECT MIN((c.changes::jsonb -> 'events' ->> 0)::bigint) {Commits})
              AND seq < (SELECT MAX((c.changes::jsonb -> 'events' ->> 1)::bigint) {Commits})
            ORDER BY seq;
            """])
        {
            var command = Add(read, sql);
            Text(command, "agreement", agreement.Id.Value);
            Long(command, "since", since);
            Long(command, "head", head);
        }

        var rows = new List<(long Seq, string Changes)>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        await reader.NextResultAsync(cancellationToken);
        var zones = await ReadDeclarationsAsync(reader, row => StoredDeclarations.ParseZone(row, agreement, $"database '{_database}'"), cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var operations = await ReadDeclarationsAsync(reader, row => StoredDeclarations.ParseOperation(row, agreement, $"database '{_database}'"), cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var requests = await ReadRequestsAsync(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var subscriptions = await ReadSubscriptionsAsync(reader, agreement.Id, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var events = await ReadEventRowsAsync(reader, cancellationToken);
        return await CommitJournal.ResolveAsync(since, head, rows,
            _ => Task.FromResult(zones), _ => Task.FromResult(operations), _ => Task.FromResult(requests), _ => Task.FromResult(subscriptions),
            (after, limit) => Task.FromResult<IReadOnlyList<StoredEvent>>([.. events.Where(e => e.Sequence > after).Take(limit)]));
    }

    /// <summary>A write on one agreement: a transaction holding its advisory lock, until committed or disposed.</summary>
    private sealed class Write(
        PostgresStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, AgreementId agreement, long head, long nextIndex, long nextEvent) : StoreWrite
    {
        public override long Head => head;

        public override Task<CommittedChanges?> ReadChangesAsync(Agreement forAgreement, long since, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(forAgreement);
            return store.ReadChangesAsync(connection, transaction, forAgreement, since, head, cancellationToken);
        }

        protected override async Task CommitAsync(IReadOnlyList<Commit> batch, List<SerialisedChange> serialised, CancellationToken cancellationToken)
        {

            long expected = nextIndex;
            foreach (var append in batch.SelectMany(c => c.Ledger))
            {
                if (append.Index != expected)
                {
                    throw new InvalidOperationException($"ledger entry {append.Index} is not the next one ({expected}): another writer appended first");
                }

                expected++;
            }

            // Every write in one round trip; the first that fails aborts the transaction, which is then rolled back.
            await using var writes = new NpgsqlBatch(connection, transaction);
            long next = nextEvent; // the sequence number of the next change's first event
            foreach (var (changes, zones, operations) in serialised)
            {
                Apply(writes, agreement, changes, zones, operations, lastEvent: next - 1);
                next += changes.Decision.Events.Length;
                RecordAnswer(writes, agreement, changes);
                UpsertConcurrenceRequests(writes, agreement, changes.Decision.State.Requests);
                InsertTouches(writes, agreement, changes.Decision.Touches);
            }

            // The rows every write adds (nonce, events, ledger entry and openings): one statement each for the batch.
            InsertNonces(writes, agreement, batch);
            InsertEvents(writes, agreement, batch.SelectMany(c => c.Decision.Events), nextEvent);
            AppendLedger(writes, agreement, batch.SelectMany(c => c.Ledger));

            var journal = Add(writes, "INSERT INTO commits (agreement_id, seq, changes) VALUES (@agreement, @seq, @changes);");
            Text(journal, "agreement", agreement.Value);
            Long(journal, "seq", head + 1);
            Text(journal, "changes", CommitJournal.Describe(batch, nextEvent, next));
            if (CommitJournal.PrunesAt(head + 1))
            {
                var prune = Add(writes, "DELETE FROM commits WHERE agreement_id = @agreement AND seq <= @before;");
                Text(prune, "agreement", agreement.Value);
                Long(prune, "before", head + 1 - CommitJournal.Retained);
            }

            // Delivered to listeners on commit only: other nodes wake their event streams and webhooks.
            var notify = Add(writes, "SELECT pg_notify(@channel, @payload);");
            Text(notify, "channel", CommitChannel);
            Text(notify, "payload", $"{head + 1} {agreement.Value}");

            await writes.ExecuteNonQueryAsync(cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();

            // Past this point the commit is not cancellable: stopping inside COMMIT would leave the caller unsure
            // whether it landed. Disposing the transaction without committing rolls it back.
            await transaction.CommitAsync(CancellationToken.None);
        }

        protected override async ValueTask ReleaseAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private static void Apply(
        NpgsqlBatch batch, AgreementId agreement, Commit changes, List<(Zone Zone, string Json)> zones, List<(Operation Operation, string Json)> operations,
        long lastEvent)
    {
        foreach (var zoneId in changes.Decision.State.WithdrawnZones)
        {
            var delete = Add(batch, "DELETE FROM zones WHERE agreement_id = @agreement AND id = @id;");
            Text(delete, "agreement", agreement.Value);
            Text(delete, "id", zoneId.Value);
        }

        foreach (var (zone, json) in zones)
        {
            var upsert = Add(batch, UpsertZoneSql);
            BindDeclaration(upsert, agreement, zone, zone.Id.Value, json);
            Text(upsert, "kind", ZoneKinds.Name(zone.Kind));
        }

        foreach (var (operation, json) in operations)
        {
            var upsert = Add(batch, UpsertOperationSql);
            BindDeclaration(upsert, agreement, operation, operation.Id.Value, json);
            Text(upsert, "kind", operation.Kind);
            Text(upsert, "state", OperationStates.Name(operation.State));
        }

        foreach (var subscription in changes.Decision.State.DeletedSubscriptions)
        {
            var delete = Add(batch, "DELETE FROM subscriptions WHERE agreement_id = @agreement AND id = @id;");
            Text(delete, "agreement", agreement.Value);
            Text(delete, "id", subscription.Value);
        }

        foreach (var subscription in changes.Decision.State.Subscriptions)
        {
            // A new subscription's cursor is the last event committed before its change (earlier in this batch too):
            // its webhook is sent what comes after. A replaced one keeps its cursor.
            var upsert = Add(batch, """
                INSERT INTO subscriptions (agreement_id, id, party, area_json, start_ticks, end_ticks, kinds_json, webhook, created_ticks, webhook_cursor)
                VALUES (@agreement, @id, @party, @area, @start, @end, @kinds, @webhook, @created, @cursor)
                ON CONFLICT (agreement_id, id) DO UPDATE SET party = excluded.party, area_json = excluded.area_json,
                    start_ticks = excluded.start_ticks, end_ticks = excluded.end_ticks, kinds_json = excluded.kinds_json,
                    webhook = excluded.webhook, created_ticks = excluded.created_ticks;
                """);
            Text(upsert, "agreement", agreement.Value);
            Text(upsert, "id", subscription.Id.Value);
            Text(upsert, "party", subscription.Party.Value);
            Text(upsert, "area", FeatureWriter.GeometryJson(subscription.Area));
            Long(upsert, "start", subscription.Window.StartTicks);
            Long(upsert, "end", subscription.Window.End?.UtcTicks);
            Text(upsert, "kinds", KindsJson(subscription.Kinds));
            Text(upsert, "webhook", subscription.Webhook?.OriginalString);
            Long(upsert, "created", subscription.Created.UtcTicks);
            Long(upsert, "cursor", lastEvent);
        }
    }

    private static void UpsertConcurrenceRequests(NpgsqlBatch batch, AgreementId agreement, IReadOnlyList<ConcurrenceRequest> requests)
    {
        foreach (var r in requests)
        {
            var upsert = Add(batch, """
                INSERT INTO concurrence_requests (agreement_id, id, operation_id, operation_version, submitter, affected, target_type, target_id,
                    opened_ticks, deadline_ticks, state, closed_ticks, reason, counter_proposal, version)
                VALUES (@agreement, @id, @operation, @operationVersion, @submitter, @affected, @targetType, @targetId,
                    @opened, @deadline, @state, @closed, @reason, @counter, @version)
                ON CONFLICT (agreement_id, id) DO UPDATE SET state = excluded.state, closed_ticks = excluded.closed_ticks,
                    reason = excluded.reason, counter_proposal = excluded.counter_proposal, version = excluded.version;
                """);
            Text(upsert, "agreement", agreement.Value);
            Text(upsert, "id", r.Id);
            Text(upsert, "operation", r.Operation.Value);
            Long(upsert, "operationVersion", r.OperationVersion);
            Text(upsert, "submitter", r.Submitter.Value);
            Text(upsert, "affected", r.Affected.Value);
            Text(upsert, "targetType", r.TargetType);
            Text(upsert, "targetId", r.TargetId);
            Long(upsert, "opened", r.Opened.UtcTicks);
            Long(upsert, "deadline", r.Deadline.UtcTicks);
            Text(upsert, "state", RequestStates.Name(r.State));
            Long(upsert, "closed", r.Closed?.UtcTicks);
            Text(upsert, "reason", r.Reason);
            Text(upsert, "counter", r.CounterProposal?.Value);
            Long(upsert, "version", r.Version);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ConcurrenceRequest>> LoadRequestsAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {RequestColumns}
            FROM concurrence_requests WHERE agreement_id = @agreement ORDER BY opened_ticks, id COLLATE "C";
            """);
        Text(command, "agreement", agreement.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadRequestsAsync(reader, cancellationToken);
    }

    private const string RequestColumns = """
        id, operation_id, operation_version, submitter, affected, target_type, target_id, opened_ticks, deadline_ticks,
        state, closed_ticks, reason, counter_proposal, version
        """;

    private static async Task<IReadOnlyList<ConcurrenceRequest>> ReadRequestsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var result = new List<ConcurrenceRequest>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new ConcurrenceRequest
            {
                Id = reader.GetString(0), Operation = new OperationId(reader.GetString(1)), OperationVersion = reader.GetInt64(2),
                Submitter = new PartyId(reader.GetString(3)), Affected = new PartyId(reader.GetString(4)), TargetType = reader.GetString(5),
                TargetId = reader.GetString(6), Opened = Time(reader.GetInt64(7)), Deadline = Time(reader.GetInt64(8)),
                State = RequestStates.Parse(reader.GetString(9)), Closed = reader.IsDBNull(10) ? null : Time(reader.GetInt64(10)),
                Reason = reader.IsDBNull(11) ? null : reader.GetString(11),
                CounterProposal = reader.IsDBNull(12) ? null : new OperationId(reader.GetString(12)), Version = reader.GetInt64(13),
            });
        }

        return result;
    }

    /// <summary>Spends the signed requests' nonces, one statement for the batch; a spent nonce fails the transaction.</summary>
    private static void InsertNonces(NpgsqlBatch batch, AgreementId agreement, IReadOnlyList<Commit> changes)
    {
        var signed = changes.Where(c => c.Submission is not null).ToList();
        if (signed.Count == 0)
        {
            return;
        }

        var insert = Add(batch, """
            INSERT INTO nonces (agreement_id, party, nonce, timestamp_ticks)
            SELECT @agreement, * FROM unnest(@party::text[], @nonce::text[], @ticks::bigint[]);
            """);
        Text(insert, "agreement", agreement.Value);
        insert.Parameters.Add(new NpgsqlParameter<string[]>("party", [.. signed.Select(c => c.Decision.Submitter.Value)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("nonce", [.. signed.Select(c => c.Submission!.Nonce)]));
        insert.Parameters.Add(new NpgsqlParameter<long[]>("ticks", [.. signed.Select(c => c.Submission!.Timestamp.UtcTicks)]));
    }

    /// <summary>Keeps the answer given under an idempotency key, for the party's retries.</summary>
    private static void RecordAnswer(NpgsqlBatch batch, AgreementId agreement, Commit changes)
    {
        if (changes.Answer is { } answer)
        {
            // A key older than the retention window may be reused: the new answer replaces it.
            var keep = Add(batch, """
                INSERT INTO kept_answers (agreement_id, party, key, fingerprint, record, created_ticks)
                VALUES (@agreement, @party, @key, @fingerprint, @record, @created)
                ON CONFLICT (agreement_id, party, key) DO UPDATE SET fingerprint = excluded.fingerprint, record = excluded.record,
                    created_ticks = excluded.created_ticks;
                """);
            Text(keep, "agreement", agreement.Value);
            Text(keep, "party", answer.Party.Value);
            Text(keep, "key", answer.Key);
            Bytes(keep, "fingerprint", answer.Fingerprint);
            Bytes(keep, "record", answer.Record);
            Long(keep, "created", answer.Created.UtcTicks);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<(PartyId Party, string Nonce, DateTimeOffset Signed)>> LoadNoncesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT party, nonce, timestamp_ticks FROM nonces WHERE agreement_id = @agreement AND timestamp_ticks >= @since;");
        Text(command, "agreement", agreement.Value);
        Long(command, "since", since.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<(PartyId, string, DateTimeOffset)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((new PartyId(reader.GetString(0)), reader.GetString(1), Time(reader.GetInt64(2))));
        }

        return result;
    }

    /// <inheritdoc/>
    public async Task<KeptAnswer?> FindAnswerAsync(AgreementId agreement, PartyId party, string key, DateTimeOffset notBefore, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT fingerprint, record, created_ticks FROM kept_answers
            WHERE agreement_id = @agreement AND party = @party AND key = @key AND created_ticks >= @notBefore;
            """);
        Text(command, "agreement", agreement.Value);
        Text(command, "party", party.Value);
        Text(command, "key", key);
        Long(command, "notBefore", notBefore.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new KeptAnswer(party, key, reader.GetFieldValue<byte[]>(0), reader.GetFieldValue<byte[]>(1), Time(reader.GetInt64(2)));
    }

    private static void InsertTouches(NpgsqlBatch batch, AgreementId agreement, IReadOnlyList<ProbeTouch> touches)
    {
        foreach (var touch in touches)
        {
            var insert = Add(batch, """
                INSERT INTO probing_touches (agreement_id, request, zone_id, time_ticks, requester, zone_owner, small, probe)
                VALUES (@agreement, @request, @zone, @time, @requester, @owner, @small, @probe);
                """);
            Text(insert, "agreement", agreement.Value);
            Text(insert, "request", touch.Request);
            Text(insert, "zone", touch.Zone.Value);
            Long(insert, "time", touch.Time.UtcTicks);
            Text(insert, "requester", touch.Requester.Value);
            Text(insert, "owner", touch.ZoneOwner.Value);
            insert.Parameters.Add(new NpgsqlParameter<bool>("small", touch.Small));
            Text(insert, "probe", touch.Probe);
        }
    }

    /// <summary>Appends events numbered from <paramref name="next"/>; returns the number after the last.</summary>
    private static void InsertEvents(NpgsqlBatch batch, AgreementId agreement, IEnumerable<EventAppend> appended, long next)
    {
        var events = appended.ToList();
        if (events.Count == 0)
        {
            return;
        }

        var insert = Add(batch, """
            INSERT INTO events (agreement_id, seq, recipient, type, payload, created_ticks)
            SELECT @agreement, * FROM unnest(@seq::bigint[], @recipient::text[], @type::text[], @payload::text[], @created::bigint[]);
            """);
        Text(insert, "agreement", agreement.Value);
        insert.Parameters.Add(new NpgsqlParameter<long[]>("seq", [.. Enumerable.Range(0, events.Count).Select(i => next + i)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("recipient", [.. events.Select(e => e.Recipient.Value)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("type", [.. events.Select(e => e.Type)]));
        insert.Parameters.Add(new NpgsqlParameter<string[]>("payload", [.. events.Select(e => e.Payload)]));
        insert.Parameters.Add(new NpgsqlParameter<long[]>("created", [.. events.Select(e => e.Created.UtcTicks)]));
    }

    /// <summary>Appends ledger entries with their openings (their indexes were checked under the agreement's lock).</summary>
    private static void AppendLedger(NpgsqlBatch batch, AgreementId agreement, IEnumerable<LedgerAppend> appended)
    {
        var entries = appended.ToList();
        if (entries.Count == 0)
        {
            return;
        }

        // Entries before their openings, which refer to them.
        var insert = Add(batch, "INSERT INTO ledger_entries (agreement_id, idx, entry) SELECT @agreement, * FROM unnest(@idx::bigint[], @entry::bytea[]);");
        Text(insert, "agreement", agreement.Value);
        insert.Parameters.Add(new NpgsqlParameter<long[]>("idx", [.. entries.Select(e => e.Index)]));
        insert.Parameters.Add(new NpgsqlParameter<byte[][]>("entry", [.. entries.Select(e => e.Entry)]));
        var openings = entries.SelectMany(e => e.Openings.Select((opening, n) => (e.Index, N: n, Opening: opening))).ToList();
        if (openings.Count > 0)
        {
            var open = Add(batch, """
                INSERT INTO ledger_openings (agreement_id, idx, n, opening)
                SELECT @agreement, * FROM unnest(@idx::bigint[], @n::integer[], @opening::bytea[]);
                """);
            Text(open, "agreement", agreement.Value);
            open.Parameters.Add(new NpgsqlParameter<long[]>("idx", [.. openings.Select(o => o.Index)]));
            open.Parameters.Add(new NpgsqlParameter<int[]>("n", [.. openings.Select(o => o.N)]));
            open.Parameters.Add(new NpgsqlParameter<byte[][]>("opening", [.. openings.Select(o => o.Opening)]));
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ProbeTouch>> LoadTouchesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT request, time_ticks, requester, zone_id, zone_owner, small, probe FROM probing_touches
            WHERE agreement_id = @agreement AND time_ticks >= @since ORDER BY time_ticks, request COLLATE "C", zone_id COLLATE "C";
            """);
        Text(command, "agreement", agreement.Value);
        Long(command, "since", since.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<ProbeTouch>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new ProbeTouch(reader.GetString(0), Time(reader.GetInt64(1)), new PartyId(reader.GetString(2)),
                new ZoneId(reader.GetString(3)), new PartyId(reader.GetString(4)), reader.GetBoolean(5), reader.GetString(6)));
        }

        return result;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TouchSummary>> SummarizeTouchesAsync(AgreementId agreement, PartyId zoneOwner, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // One snapshot for the totals and the per-zone counts.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var zones = new Dictionary<string, List<ZoneTouchCount>>(StringComparer.Ordinal);
        await using (var perZone = Command(connection, """
            SELECT requester, zone_id, COUNT(*) FROM probing_touches WHERE agreement_id = @agreement AND zone_owner = @owner
            GROUP BY requester, zone_id ORDER BY requester COLLATE "C", zone_id COLLATE "C";
            """, transaction))
        {
            Text(perZone, "agreement", agreement.Value);
            Text(perZone, "owner", zoneOwner.Value);
            await using var reader = await perZone.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var requester = reader.GetString(0);
                if (!zones.TryGetValue(requester, out var list))
                {
                    zones[requester] = list = [];
                }

                list.Add(new ZoneTouchCount(new ZoneId(reader.GetString(1)), reader.GetInt64(2)));
            }
        }

        await using var totals = Command(connection, """
            SELECT requester, COUNT(*) FILTER (WHERE time_ticks > @hour), COUNT(*) FILTER (WHERE time_ticks > @day), COUNT(*),
                   MIN(time_ticks), MAX(time_ticks)
            FROM probing_touches WHERE agreement_id = @agreement AND zone_owner = @owner
            GROUP BY requester ORDER BY requester COLLATE "C";
            """, transaction);
        Text(totals, "agreement", agreement.Value);
        Text(totals, "owner", zoneOwner.Value);
        Long(totals, "hour", (now - ProbingWatch.Hour).UtcTicks);
        Long(totals, "day", (now - ProbingWatch.Day).UtcTicks);
        await using var rows = await totals.ExecuteReaderAsync(cancellationToken);
        var result = new List<TouchSummary>();
        while (await rows.ReadAsync(cancellationToken))
        {
            var requester = rows.GetString(0);
            result.Add(new TouchSummary(new PartyId(requester), rows.GetInt64(1), rows.GetInt64(2), rows.GetInt64(3),
                Time(rows.GetInt64(4)), Time(rows.GetInt64(5)), zones.TryGetValue(requester, out var list) ? list : []));
        }

        return result;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(AgreementId agreement, PartyId? recipient, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT seq, recipient, type, payload, created_ticks FROM events
            WHERE agreement_id = @agreement AND seq > @after AND (@recipient::text IS NULL OR recipient = @recipient)
            ORDER BY seq LIMIT @limit;
            """);
        Text(command, "agreement", agreement.Value);
        Long(command, "after", afterSequence);
        Text(command, "recipient", recipient?.Value);
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadEventRowsAsync(reader, cancellationToken);
    }

    private static async Task<IReadOnlyList<StoredEvent>> ReadEventRowsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var result = new List<StoredEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new StoredEvent(reader.GetInt64(0), new PartyId(reader.GetString(1)), reader.GetString(2), reader.GetString(3), Time(reader.GetInt64(4))));
        }

        return result;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored subscription does not read back.</exception>
    public async Task<IReadOnlyList<Subscription>> LoadSubscriptionsAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {SubscriptionColumns} FROM subscriptions
            WHERE agreement_id = @agreement ORDER BY created_ticks, id COLLATE "C";
            """);
        Text(command, "agreement", agreement.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadSubscriptionsAsync(reader, agreement, cancellationToken);
    }

    private const string SubscriptionColumns = "id, party, area_json, start_ticks, end_ticks, kinds_json, webhook, created_ticks";

    private async Task<IReadOnlyList<Subscription>> ReadSubscriptionsAsync(NpgsqlDataReader reader, AgreementId agreement, CancellationToken cancellationToken)
    {
        var result = new List<Subscription>();
        while (await reader.ReadAsync(cancellationToken))
        {
            string id = reader.GetString(0);
            try
            {
                using var area = FeatureReader.ParseJson(Encoding.UTF8.GetBytes(reader.GetString(2)));
                result.Add(new Subscription
                {
                    Id = new SubscriptionId(id),
                    Party = new PartyId(reader.GetString(1)),
                    // Read back without the agreement's vertex limit: it was checked when the subscription was made.
                    Area = SubscriptionReader.ReadArea(area.RootElement, int.MaxValue),
                    Window = new TimeWindow(Time(reader.GetInt64(3)), reader.IsDBNull(4) ? null : Time(reader.GetInt64(4))),
                    Kinds = ReadKinds(reader.GetString(5)),
                    Webhook = reader.IsDBNull(6) ? null : new Uri(reader.GetString(6), UriKind.Absolute),
                    Created = Time(reader.GetInt64(7)),
                });
            }
            catch (Exception e) when (e is InputRejectedException or System.Text.Json.JsonException or UriFormatException or ArgumentException)
            {
                // Name the subscription and the field only: an area is a party's private interest and stays out of messages.
                throw new InvalidDataException($"The stored subscription '{id}' of agreement '{agreement}' in database '{_database}' does not read back ({e.GetType().Name}).");
            }
        }

        return result;
    }

    /// <inheritdoc/>
    public async Task<long?> ReadWebhookCursorAsync(AgreementId agreement, SubscriptionId subscription, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT webhook_cursor FROM subscriptions WHERE agreement_id = @agreement AND id = @id;");
        Text(command, "agreement", agreement.Value);
        Text(command, "id", subscription.Value);
        return await command.ExecuteScalarAsync(cancellationToken) is long cursor ? cursor : null;
    }

    /// <inheritdoc/>
    public async Task SaveWebhookCursorAsync(AgreementId agreement, SubscriptionId subscription, long sequence, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            UPDATE subscriptions SET webhook_cursor = GREATEST(webhook_cursor, @seq) WHERE agreement_id = @agreement AND id = @id;
            """);
        Text(command, "agreement", agreement.Value);
        Text(command, "id", subscription.Value);
        Long(command, "seq", sequence);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<LedgerRecord> ReadLedgerAsync(AgreementId agreement, long fromIndex = 0,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // One statement: entries and openings from the same snapshot. Each entry's openings are looked up by its key,
        // so reading the last few entries never joins the whole table (whatever the statistics say of its size).
        await using var command = Command(connection, """
            SELECT e.idx, e.entry,
                   ARRAY(SELECT o.opening FROM ledger_openings o WHERE o.agreement_id = e.agreement_id AND o.idx = e.idx ORDER BY o.n)
            FROM ledger_entries e
            WHERE e.agreement_id = @agreement AND e.idx >= @from
            ORDER BY e.idx;
            """);
        Text(command, "agreement", agreement.Value);
        Long(command, "from", fromIndex);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new LedgerRecord(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[][]>(2));
        }
    }

    /// <inheritdoc/>
    public async Task<byte[]?> ReadLedgerEntryAsync(AgreementId agreement, long index, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT entry FROM ledger_entries WHERE agreement_id = @agreement AND idx = @idx;");
        Text(command, "agreement", agreement.Value);
        Long(command, "idx", index);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <inheritdoc/>
    public async Task SaveCheckpointAsync(AgreementId agreement, long size, string signedNote, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "INSERT INTO checkpoints (agreement_id, size, note) VALUES (@agreement, @size, @note) ON CONFLICT DO NOTHING;");
        Text(command, "agreement", agreement.Value);
        Long(command, "size", size);
        Text(command, "note", signedNote);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task SetCosignatureAsync(AgreementId agreement, long size, string signer, string signatureLine, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            INSERT INTO cosignatures (agreement_id, size, signer, line) VALUES (@agreement, @size, @signer, @line)
            ON CONFLICT (agreement_id, size, signer) DO UPDATE SET line = excluded.line;
            """);
        Text(command, "agreement", agreement.Value);
        Long(command, "size", size);
        Text(command, "signer", signer);
        Text(command, "line", signatureLine);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<(long Size, string SignedNote)>> LoadCheckpointsAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT size, note FROM checkpoints WHERE agreement_id = @agreement ORDER BY size;");
        Text(command, "agreement", agreement.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<(long, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return result;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> LoadCosignaturesAsync(AgreementId agreement, long size, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT line FROM cosignatures WHERE agreement_id = @agreement AND size = @size ORDER BY line COLLATE \"C\";");
        Text(command, "agreement", agreement.Value);
        Long(command, "size", size);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }

        return result;
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

    private const string UpsertZoneSql = """
        INSERT INTO zones (agreement_id, id, owner, kind, version, visibility, min_x, min_y, max_x, max_y, buffer_m,
                           alt_min_m, alt_max_m, start_ticks, end_ticks, feature_json)
        VALUES (@agreement, @id, @owner, @kind, @version, @visibility, @min_x, @min_y, @max_x, @max_y, @buffer_m,
                @alt_min_m, @alt_max_m, @start_ticks, @end_ticks, @feature_json)
        ON CONFLICT (agreement_id, id) DO UPDATE SET
            owner = excluded.owner, kind = excluded.kind, version = excluded.version, visibility = excluded.visibility,
            min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x, max_y = excluded.max_y,
            buffer_m = excluded.buffer_m, alt_min_m = excluded.alt_min_m, alt_max_m = excluded.alt_max_m,
            start_ticks = excluded.start_ticks, end_ticks = excluded.end_ticks, feature_json = excluded.feature_json;
        """;

    private const string UpsertOperationSql = """
        INSERT INTO operations (agreement_id, id, owner, kind, state, version, visibility, min_x, min_y, max_x, max_y,
                                buffer_m, alt_min_m, alt_max_m, start_ticks, end_ticks, feature_json)
        VALUES (@agreement, @id, @owner, @kind, @state, @version, @visibility, @min_x, @min_y, @max_x, @max_y,
                @buffer_m, @alt_min_m, @alt_max_m, @start_ticks, @end_ticks, @feature_json)
        ON CONFLICT (agreement_id, id) DO UPDATE SET
            owner = excluded.owner, kind = excluded.kind, state = excluded.state, version = excluded.version,
            visibility = excluded.visibility, min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x,
            max_y = excluded.max_y, buffer_m = excluded.buffer_m, alt_min_m = excluded.alt_min_m,
            alt_max_m = excluded.alt_max_m, start_ticks = excluded.start_ticks, end_ticks = excluded.end_ticks,
            feature_json = excluded.feature_json;
        """;

    private static void BindDeclaration(NpgsqlBatchCommand command, AgreementId agreement, Declaration d, string id, string featureJson)
    {
        var bounds = d.Volume.Footprint.Bounds;
        Text(command, "agreement", agreement.Value);
        Text(command, "id", id);
        Text(command, "owner", d.Owner.Value);
        Long(command, "version", d.Version);
        Text(command, "visibility", d.Visibility switch
        {
            Visibility.Public => "public",
            Visibility.Parties => "parties",
            Visibility.Private => "private",
            var other => other.ToString(), // refused by the column's CHECK, so an unknown value never lands
        });
        Double(command, "min_x", bounds.MinX);
        Double(command, "min_y", bounds.MinY);
        Double(command, "max_x", bounds.MaxX);
        Double(command, "max_y", bounds.MaxY);
        Double(command, "buffer_m", d.Volume.Footprint.BufferMetres);

        // An unbounded altitude is an infinity in the model and NULL here, as it is absent in the feature.
        Double(command, "alt_min_m", double.IsFinite(d.Volume.Altitude.MinMetres) ? d.Volume.Altitude.MinMetres : null);
        Double(command, "alt_max_m", double.IsFinite(d.Volume.Altitude.MaxMetres) ? d.Volume.Altitude.MaxMetres : null);
        Long(command, "start_ticks", d.Volume.Time.StartTicks);
        Long(command, "end_ticks", d.Volume.Time.EndTicks);
        Text(command, "feature_json", featureJson);
    }

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

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

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

    private static string KindsJson(IReadOnlyList<string> kinds)
    {
        using var stream = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(stream))
        {
            w.WriteStartArray();
            foreach (var kind in kinds)
            {
                w.WriteStringValue(kind);
            }

            w.WriteEndArray();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static List<string> ReadKinds(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(k => k.GetString() ?? throw new System.Text.Json.JsonException("a kind is not a string"))];
    }

    private async Task<IReadOnlyList<T>> LoadAsync<T>(string sql, Agreement agreement, Func<StoredRow, T> parse, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, sql);
        Text(command, "agreement", agreement.Id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadDeclarationsAsync(reader, parse, cancellationToken);
    }

    private static async Task<IReadOnlyList<T>> ReadDeclarationsAsync<T>(NpgsqlDataReader reader, Func<StoredRow, T> parse, CancellationToken cancellationToken)
    {
        var result = new List<T>();
        var batch = new List<StoredRow>(LoadBatchSize);
        while (await reader.ReadAsync(cancellationToken))
        {
            batch.Add(new StoredRow(
                reader.GetString(0),
                reader.GetInt64(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                Encoding.UTF8.GetBytes(reader.GetString(3))));
            if (batch.Count == LoadBatchSize)
            {
                StoredDeclarations.ParseBatch(batch, parse, result, cancellationToken);
                batch.Clear();
            }
        }

        StoredDeclarations.ParseBatch(batch, parse, result, cancellationToken);
        return result;
    }
}
