using System.Globalization;
using Microsoft.Data.Sqlite;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Core.Probing;

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
public sealed class SqliteStore : IParleyStore
{
    /// <summary>The data folder used when none is given, relative to the working directory.</summary>
    public const string DefaultFolder = "parley-data";

    /// <summary>The file name of the database inside the data folder.</summary>
    public const string DefaultFileName = "parley.db";

    // How long a statement waits for another process's write lock before failing.
    private const int BusyTimeoutMilliseconds = 10_000;

    // Rows read before their features are parsed in parallel; bounds the memory a load holds at once.
    private const int LoadBatchSize = 8192;

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

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<AgreementId, string>> LoadAgreementsAsync(CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
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
        var connection = EnsureInitialized();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var command = Command(connection, """
                INSERT INTO agreements (id, source_json, updated) VALUES ($id, $source, $updated)
                ON CONFLICT (id) DO UPDATE SET source_json = excluded.source_json, updated = excluded.updated;
                """);
            command.Parameters.AddWithValue("$id", id.Value);
            command.Parameters.AddWithValue("$source", sourceJson);
            command.Parameters.AddWithValue("$updated", FeatureWriter.Time(_time.GetUtcNow()));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored zone no longer reads under <paramref name="agreement"/>'s rules.</exception>
    public Task<IReadOnlyList<Zone>> LoadZonesAsync(Agreement agreement, CancellationToken cancellationToken = default) =>
        LoadZonesAsync(agreement, null, cancellationToken);

    private Task<IReadOnlyList<Zone>> LoadZonesAsync(Agreement agreement, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        return LoadAsync(
            $"SELECT id, version, NULL, feature_json FROM zones WHERE agreement_id = $agreement{OnlyIds} ORDER BY id;",
            agreement,
            row => StoredDeclarations.ParseZone(row, agreement, $"'{FilePath}'"),
            ids,
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored operation no longer reads under <paramref name="agreement"/>'s rules.</exception>
    public Task<IReadOnlyList<Operation>> LoadOperationsAsync(Agreement agreement, CancellationToken cancellationToken = default) =>
        LoadOperationsAsync(agreement, null, cancellationToken);

    private Task<IReadOnlyList<Operation>> LoadOperationsAsync(Agreement agreement, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        return LoadAsync(
            $"SELECT id, version, state, feature_json FROM operations WHERE agreement_id = $agreement{OnlyIds} ORDER BY id;",
            agreement,
            row => StoredDeclarations.ParseOperation(row, agreement, $"'{FilePath}'"),
            ids,
            cancellationToken);
    }

    // Narrows a load to the ids in $ids (a JSON array) when it is not null.
    private const string OnlyIds = " AND ($ids IS NULL OR id IN (SELECT value FROM json_each($ids)))";

    private static void BindIds(SqliteCommand command, IReadOnlyCollection<string>? ids) =>
        command.Parameters.AddWithValue("$ids", ids is null ? DBNull.Value : CommitJournal.Array(ids));

    /// <inheritdoc/>
    /// <remarks>One process writes a file at a time (the write takes SQLite's write lock up front), and a server owns its file.</remarks>
    public bool IsShared => false;

    /// <inheritdoc/>
    /// <remarks>
    /// Holds the store's write lock and a <c>BEGIN IMMEDIATE</c> transaction, which takes SQLite's write lock up front,
    /// so another process cannot make this one fail half-way with SQLITE_BUSY.
    /// </remarks>
    public async Task<IAgreementWrite> BeginWriteAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agreement.Value, nameof(agreement));
        var connection = EnsureInitialized();
        await _writeLock.WaitAsync(cancellationToken);
        SqliteTransaction? transaction = null;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            var statements = _statements!.Begin(transaction);
            var read = statements.Command(HeadSql);
            read.Parameters.AddWithValue("$agreement", agreement.Value);
            long head = (long)(await read.ExecuteScalarAsync(cancellationToken))!;
            return new Write(this, statements, agreement, head);
        }
        catch
        {
            _statements?.End();
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            _writeLock.Release();
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task<bool> HoldLeaseAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        var connection = EnsureInitialized();
        var now = _time.GetUtcNow();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var command = Command(connection, """
                INSERT INTO leases (name, holder, expires_ticks) VALUES ($name, $holder, $expires)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ticks = excluded.expires_ticks
                WHERE leases.holder = excluded.holder OR leases.expires_ticks <= $now
                RETURNING holder;
                """);
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$holder", holder);
            command.Parameters.AddWithValue("$expires", (now + duration).UtcTicks);
            command.Parameters.AddWithValue("$now", now.UtcTicks);
            return await command.ExecuteScalarAsync(cancellationToken) is string held && held == holder;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc/>
    public Task WatchCommitsAsync(Action<(AgreementId Agreement, long Head)?> committed, CancellationToken cancellationToken) => Task.CompletedTask;

    private const string HeadSql = "SELECT COALESCE(MAX(seq), 0) FROM commits WHERE agreement_id = $agreement;";

    /// <inheritdoc/>
    public async Task<long> ReadHeadAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, HeadSql);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <inheritdoc/>
    public async Task<CommittedChanges?> ReadChangesAsync(Agreement agreement, long since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        EnsureInitialized();
        List<(long Seq, string Changes)> rows;
        long head;
        await using (var connection = await OpenReaderAsync(cancellationToken))
        {
            // The head and the rows up to it from one snapshot.
            await using var transaction = connection.BeginTransaction(deferred: true);
            await using (var read = Command(connection, HeadSql, transaction))
            {
                read.Parameters.AddWithValue("$agreement", agreement.Id.Value);
                head = (long)(await read.ExecuteScalarAsync(cancellationToken))!;
            }

            await using var journal = Command(connection, JournalSql, transaction);
            rows = await ReadJournalAsync(journal, agreement.Id, since, head, cancellationToken);
        }

        return await ResolveAsync(agreement, since, head, rows, cancellationToken);
    }

    private const string JournalSql = "SELECT seq, changes FROM commits WHERE agreement_id = $agreement AND seq > $since AND seq <= $head ORDER BY seq;";

    private static async Task<List<(long Seq, string Changes)>> ReadJournalAsync(
        SqliteCommand read, AgreementId agreement, long since, long head, CancellationToken cancellationToken)
    {
        var rows = new List<(long Seq, string Changes)>();
        read.Parameters.AddWithValue("$agreement", agreement.Value);
        read.Parameters.AddWithValue("$since", since);
        read.Parameters.AddWithValue("$head", head);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return rows;
    }

    private Task<CommittedChanges?> ResolveAsync(Agreement agreement, long since, long head, List<(long Seq, string Changes)> rows, CancellationToken cancellationToken) =>
        CommitJournal.ResolveAsync(since, head, rows,
            ids => LoadZonesAsync(agreement, ids, cancellationToken),
            ids => LoadOperationsAsync(agreement, ids, cancellationToken),
            ids => LoadRequestsAsync(agreement.Id, ids, cancellationToken),
            ids => LoadSubscriptionsAsync(agreement.Id, ids, cancellationToken),
            (after, limit) => ReadEventsAsync(agreement.Id, null, after, limit, cancellationToken));

    /// <summary>A write on one agreement: the store's write lock and an immediate transaction, held until committed or disposed.</summary>
    private sealed class Write(SqliteStore store, WriterStatements statements, AgreementId agreement, long head) : StoreWrite
    {
        public override long Head => head;

        public override async Task<CommittedChanges?> ReadChangesAsync(Agreement forAgreement, long since, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(forAgreement);
            // The readers see every commit, and none can land while this write holds the lock.
            var rows = await ReadJournalAsync(statements.Command(JournalSql), agreement, since, head, cancellationToken);
            return await store.ResolveAsync(forAgreement, since, head, rows, cancellationToken);
        }

        protected override async Task CommitAsync(IReadOnlyList<Commit> batch, List<SerialisedChange> serialised, CancellationToken cancellationToken)
        {

            var ledger = new LedgerWriter(statements, agreement);
            long nextEvent = -1, firstEvent = -1;
            foreach (var (changes, zones, operations) in serialised)
            {
                await ApplyAsync(statements, agreement, changes, zones, operations, cancellationToken);
                await RecordRequestAsync(statements, agreement, changes, cancellationToken);
                await UpsertConcurrenceRequestsAsync(statements, agreement, changes.Decision.State.Requests, cancellationToken);
                await InsertTouchesAsync(statements, agreement, changes.Decision.Touches, cancellationToken);
                nextEvent = await InsertEventsAsync(statements, agreement, changes.Decision.Events, nextEvent, cancellationToken);
                if (changes.Decision.Events.Length > 0 && firstEvent < 0)
                {
                    firstEvent = nextEvent - changes.Decision.Events.Length;
                }

                foreach (var append in changes.Ledger)
                {
                    await ledger.AppendAsync(append, cancellationToken);
                }
            }

            var journal = statements.Command("INSERT INTO commits (agreement_id, seq, changes) VALUES ($agreement, $seq, $changes);");
            journal.Parameters.AddWithValue("$agreement", agreement.Value);
            journal.Parameters.AddWithValue("$seq", head + 1);
            journal.Parameters.AddWithValue("$changes", firstEvent < 0 ? CommitJournal.Describe(batch, 0, 0) : CommitJournal.Describe(batch, firstEvent, nextEvent));
            await journal.ExecuteNonQueryAsync(cancellationToken);

            if (CommitJournal.PrunesAt(head + 1))
            {
                var prune = statements.Command("DELETE FROM commits WHERE agreement_id = $agreement AND seq <= $before;");
                prune.Parameters.AddWithValue("$agreement", agreement.Value);
                prune.Parameters.AddWithValue("$before", head + 1 - CommitJournal.Retained);
                await prune.ExecuteNonQueryAsync(cancellationToken);
            }

            cancellationToken.ThrowIfCancellationRequested();

            // Past this point the commit is not cancellable: stopping inside COMMIT would leave the caller
            // unsure whether it landed. Disposing the transaction without committing rolls it back.
            await statements.Transaction!.CommitAsync(CancellationToken.None);
        }

        protected override async ValueTask ReleaseAsync()
        {
            try
            {
                var transaction = statements.Transaction!;
                statements.End();
                await transaction.DisposeAsync();
            }
            finally
            {
                store._writeLock.Release();
            }
        }
    }

    private static async Task ApplyAsync(
        WriterStatements statements, AgreementId agreement, Commit changes,
        List<(Zone Zone, string Json)> zones, List<(Operation Operation, string Json)> operations, CancellationToken cancellationToken)
    {
        if (changes.Decision.State.WithdrawnZones.Length > 0)
        {
            var delete = statements.Command("DELETE FROM zones WHERE agreement_id = $agreement AND id = $id;");
            var id = delete.Parameters.Add("$id", SqliteType.Text);
            delete.Parameters.AddWithValue("$agreement", agreement.Value);
            foreach (var zoneId in changes.Decision.State.WithdrawnZones)
            {
                cancellationToken.ThrowIfCancellationRequested();
                id.Value = zoneId.Value;
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        if (zones.Count > 0)
        {
            var upsert = statements.Command(UpsertZoneSql);
            var row = new DeclarationParameters(upsert, agreement);
            var kind = upsert.Parameters.Add("$kind", SqliteType.Text);
            foreach (var (zone, json) in zones)
            {
                cancellationToken.ThrowIfCancellationRequested();
                row.Bind(zone, zone.Id.Value, json);
                kind.Value = ZoneKinds.Name(zone.Kind);
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        if (operations.Count > 0)
        {
            var upsert = statements.Command(UpsertOperationSql);
            var row = new DeclarationParameters(upsert, agreement);
            var kind = upsert.Parameters.Add("$kind", SqliteType.Text);
            var state = upsert.Parameters.Add("$state", SqliteType.Text);
            foreach (var (operation, json) in operations)
            {
                cancellationToken.ThrowIfCancellationRequested();
                row.Bind(operation, operation.Id.Value, json);
                kind.Value = operation.Kind;
                state.Value = OperationStates.Name(operation.State);
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await ApplySubscriptionsAsync(statements, agreement, changes, cancellationToken);
    }

    private static async Task ApplySubscriptionsAsync(
        WriterStatements statements, AgreementId agreement, Commit changes, CancellationToken cancellationToken)
    {
        if (changes.Decision.State.DeletedSubscriptions.Length > 0)
        {
            var delete = statements.Command("DELETE FROM subscriptions WHERE agreement_id = $agreement AND id = $id;");
            delete.Parameters.AddWithValue("$agreement", agreement.Value);
            var id = delete.Parameters.Add("$id", SqliteType.Text);
            foreach (var subscription in changes.Decision.State.DeletedSubscriptions)
            {
                cancellationToken.ThrowIfCancellationRequested();
                id.Value = subscription.Value;
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        if (changes.Decision.State.Subscriptions.Length > 0)
        {
            // A new subscription's cursor is the last event committed so far (in this transaction too): its webhook is
            // sent what comes after. A replaced one keeps its cursor.
            var upsert = statements.Command("""
                INSERT INTO subscriptions (agreement_id, id, party, area_json, start_ticks, end_ticks, kinds_json, webhook, created_ticks, webhook_cursor)
                VALUES ($agreement, $id, $party, $area, $start, $end, $kinds, $webhook, $created,
                        (SELECT COALESCE(MAX(seq), 0) FROM events WHERE agreement_id = $agreement))
                ON CONFLICT (agreement_id, id) DO UPDATE SET party = excluded.party, area_json = excluded.area_json,
                    start_ticks = excluded.start_ticks, end_ticks = excluded.end_ticks, kinds_json = excluded.kinds_json,
                    webhook = excluded.webhook, created_ticks = excluded.created_ticks;
                """);
            upsert.Parameters.AddWithValue("$agreement", agreement.Value);
            var id = upsert.Parameters.Add("$id", SqliteType.Text);
            var party = upsert.Parameters.Add("$party", SqliteType.Text);
            var area = upsert.Parameters.Add("$area", SqliteType.Text);
            var start = upsert.Parameters.Add("$start", SqliteType.Integer);
            var end = upsert.Parameters.Add("$end", SqliteType.Integer);
            var kinds = upsert.Parameters.Add("$kinds", SqliteType.Text);
            var webhook = upsert.Parameters.Add("$webhook", SqliteType.Text);
            var created = upsert.Parameters.Add("$created", SqliteType.Integer);
            foreach (var subscription in changes.Decision.State.Subscriptions)
            {
                cancellationToken.ThrowIfCancellationRequested();
                id.Value = subscription.Id.Value;
                party.Value = subscription.Party.Value;
                area.Value = FeatureWriter.GeometryJson(subscription.Area);
                start.Value = subscription.Window.StartTicks;
                end.Value = subscription.Window.End is { } e ? e.UtcTicks : DBNull.Value;
                kinds.Value = KindsJson(subscription.Kinds);
                webhook.Value = subscription.Webhook is { } uri ? uri.OriginalString : DBNull.Value;
                created.Value = subscription.Created.UtcTicks;
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    private static async Task UpsertConcurrenceRequestsAsync(
        WriterStatements statements, AgreementId agreement, IReadOnlyList<ConcurrenceRequest> requests, CancellationToken cancellationToken)
    {
        if (requests.Count == 0)
        {
            return;
        }

        var upsert = statements.Command("""
            INSERT INTO concurrence_requests (agreement_id, id, operation_id, operation_version, submitter, affected, target_type, target_id,
                opened_ticks, deadline_ticks, state, closed_ticks, reason, counter_proposal, version)
            VALUES ($agreement, $id, $operation, $operationVersion, $submitter, $affected, $targetType, $targetId,
                $opened, $deadline, $state, $closed, $reason, $counter, $version)
            ON CONFLICT (agreement_id, id) DO UPDATE SET state = excluded.state, closed_ticks = excluded.closed_ticks,
                reason = excluded.reason, counter_proposal = excluded.counter_proposal, version = excluded.version;
            """);
        upsert.Parameters.AddWithValue("$agreement", agreement.Value);
        var p = new[] { "$id", "$operation", "$operationVersion", "$submitter", "$affected", "$targetType", "$targetId", "$opened", "$deadline", "$state", "$closed", "$reason", "$counter", "$version" }
            .ToDictionary(n => n, n => upsert.Parameters.Add(n, SqliteType.Text), StringComparer.Ordinal);
        foreach (var r in requests)
        {
            cancellationToken.ThrowIfCancellationRequested();
            p["$id"].Value = r.Id;
            p["$operation"].Value = r.Operation.Value;
            p["$operationVersion"].Value = r.OperationVersion;
            p["$submitter"].Value = r.Submitter.Value;
            p["$affected"].Value = r.Affected.Value;
            p["$targetType"].Value = r.TargetType;
            p["$targetId"].Value = r.TargetId;
            p["$opened"].Value = r.Opened.UtcTicks;
            p["$deadline"].Value = r.Deadline.UtcTicks;
            p["$state"].Value = RequestStates.Name(r.State);
            p["$closed"].Value = r.Closed is { } closed ? closed.UtcTicks : DBNull.Value;
            p["$reason"].Value = (object?)r.Reason ?? DBNull.Value;
            p["$counter"].Value = r.CounterProposal is { } counter ? counter.Value : DBNull.Value;
            p["$version"].Value = r.Version;
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ConcurrenceRequest>> LoadRequestsAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        LoadRequestsAsync(agreement, null, cancellationToken);

    private async Task<IReadOnlyList<ConcurrenceRequest>> LoadRequestsAsync(AgreementId agreement, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT id, operation_id, operation_version, submitter, affected, target_type, target_id, opened_ticks, deadline_ticks,
                   state, closed_ticks, reason, counter_proposal, version
            FROM concurrence_requests WHERE agreement_id = $agreement{OnlyIds} ORDER BY opened_ticks, id;
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        BindIds(command, ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
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

    /// <summary>Spends the signed request's nonce and keeps the idempotent answer; a spent nonce or a used key fails the transaction.</summary>
    private static async Task RecordRequestAsync(
        WriterStatements statements, AgreementId agreement, Commit changes, CancellationToken cancellationToken)
    {
        if (changes.Submission is { } submission)
        {
            var nonce = statements.Command("""
                INSERT INTO nonces (agreement_id, party, nonce, timestamp_ticks) VALUES ($agreement, $party, $nonce, $ticks);
                """);
            nonce.Parameters.AddWithValue("$agreement", agreement.Value);
            nonce.Parameters.AddWithValue("$party", changes.Decision.Submitter.Value);
            nonce.Parameters.AddWithValue("$nonce", submission.Nonce);
            nonce.Parameters.AddWithValue("$ticks", submission.Timestamp.UtcTicks);
            await nonce.ExecuteNonQueryAsync(cancellationToken);
        }

        if (changes.Answer is { } answer)
        {
            // A key older than the retention window may be reused: the new answer replaces it.
            var keep = statements.Command("""
                INSERT INTO kept_answers (agreement_id, party, key, fingerprint, record, created_ticks)
                VALUES ($agreement, $party, $key, $fingerprint, $record, $created)
                ON CONFLICT (agreement_id, party, key) DO UPDATE SET fingerprint = excluded.fingerprint, record = excluded.record,
                    created_ticks = excluded.created_ticks;
                """);
            keep.Parameters.AddWithValue("$agreement", agreement.Value);
            keep.Parameters.AddWithValue("$party", answer.Party.Value);
            keep.Parameters.AddWithValue("$key", answer.Key);
            keep.Parameters.AddWithValue("$fingerprint", answer.Fingerprint);
            keep.Parameters.AddWithValue("$record", answer.Record);
            keep.Parameters.AddWithValue("$created", answer.Created.UtcTicks);
            await keep.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<(PartyId Party, string Nonce, DateTimeOffset Signed)>> LoadNoncesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, "SELECT party, nonce, timestamp_ticks FROM nonces WHERE agreement_id = $agreement AND timestamp_ticks >= $since;");
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$since", since.UtcTicks);
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
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT fingerprint, record, created_ticks FROM kept_answers
            WHERE agreement_id = $agreement AND party = $party AND key = $key AND created_ticks >= $notBefore;
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$party", party.Value);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$notBefore", notBefore.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new KeptAnswer(party, key, (byte[])reader.GetValue(0), (byte[])reader.GetValue(1), new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero));
    }

    private static async Task InsertTouchesAsync(
        WriterStatements statements, AgreementId agreement, IReadOnlyList<ProbeTouch> touches, CancellationToken cancellationToken)
    {
        if (touches.Count == 0)
        {
            return;
        }

        var insert = statements.Command("""
            INSERT INTO probing_touches (agreement_id, request, zone_id, time_ticks, requester, zone_owner, small, probe)
            VALUES ($agreement, $request, $zone, $time, $requester, $owner, $small, $probe);
            """);
        insert.Parameters.AddWithValue("$agreement", agreement.Value);
        var request = insert.Parameters.Add("$request", SqliteType.Text);
        var zone = insert.Parameters.Add("$zone", SqliteType.Text);
        var time = insert.Parameters.Add("$time", SqliteType.Integer);
        var requester = insert.Parameters.Add("$requester", SqliteType.Text);
        var owner = insert.Parameters.Add("$owner", SqliteType.Text);
        var small = insert.Parameters.Add("$small", SqliteType.Integer);
        var probe = insert.Parameters.Add("$probe", SqliteType.Text);
        foreach (var touch in touches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            request.Value = touch.Request;
            zone.Value = touch.Zone.Value;
            time.Value = touch.Time.UtcTicks;
            requester.Value = touch.Requester.Value;
            owner.Value = touch.ZoneOwner.Value;
            small.Value = touch.Small ? 1 : 0;
            probe.Value = touch.Probe;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Appends events with the next sequence numbers; returns the one after the last (or <paramref name="next"/> when none, -1 meaning not read yet).</summary>
    private static async Task<long> InsertEventsAsync(
        WriterStatements statements, AgreementId agreement, IReadOnlyList<EventAppend> events, long next, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return next;
        }

        if (next < 0)
        {
            var max = statements.Command("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE agreement_id = $agreement;");
            max.Parameters.AddWithValue("$agreement", agreement.Value);
            next = (long)(await max.ExecuteScalarAsync(cancellationToken))!;
        }

        var insert = statements.Command("""
            INSERT INTO events (agreement_id, seq, recipient, type, payload, created_ticks)
            VALUES ($agreement, $seq, $recipient, $type, $payload, $created);
            """);
        insert.Parameters.AddWithValue("$agreement", agreement.Value);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var recipient = insert.Parameters.Add("$recipient", SqliteType.Text);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var payload = insert.Parameters.Add("$payload", SqliteType.Text);
        var created = insert.Parameters.Add("$created", SqliteType.Integer);
        foreach (var e in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            seq.Value = next++;
            recipient.Value = e.Recipient.Value;
            type.Value = e.Type;
            payload.Value = e.Payload;
            created.Value = e.Created.UtcTicks;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        return next;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ProbeTouch>> LoadTouchesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT request, time_ticks, requester, zone_id, zone_owner, small, probe FROM probing_touches
            WHERE agreement_id = $agreement AND time_ticks >= $since ORDER BY time_ticks, request, zone_id;
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$since", since.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<ProbeTouch>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new ProbeTouch(reader.GetString(0), Time(reader.GetInt64(1)), new PartyId(reader.GetString(2)),
                new ZoneId(reader.GetString(3)), new PartyId(reader.GetString(4)), reader.GetInt64(5) != 0, reader.GetString(6)));
        }

        return result;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TouchSummary>> SummarizeTouchesAsync(AgreementId agreement, PartyId zoneOwner, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);

        // One read transaction: the totals and the per-zone counts from the same snapshot.
        await using var transaction = connection.BeginTransaction(deferred: true);
        var zones = new Dictionary<string, List<ZoneTouchCount>>(StringComparer.Ordinal);
        await using (var perZone = Command(connection, """
            SELECT requester, zone_id, COUNT(*) FROM probing_touches WHERE agreement_id = $agreement AND zone_owner = $owner
            GROUP BY requester, zone_id ORDER BY requester, zone_id;
            """, transaction))
        {
            perZone.Parameters.AddWithValue("$agreement", agreement.Value);
            perZone.Parameters.AddWithValue("$owner", zoneOwner.Value);
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
            SELECT requester, SUM(time_ticks > $hour), SUM(time_ticks > $day), COUNT(*), MIN(time_ticks), MAX(time_ticks)
            FROM probing_touches WHERE agreement_id = $agreement AND zone_owner = $owner
            GROUP BY requester ORDER BY requester;
            """, transaction);
        totals.Parameters.AddWithValue("$agreement", agreement.Value);
        totals.Parameters.AddWithValue("$owner", zoneOwner.Value);
        totals.Parameters.AddWithValue("$hour", (now - ProbingWatch.Hour).UtcTicks);
        totals.Parameters.AddWithValue("$day", (now - ProbingWatch.Day).UtcTicks);
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
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT seq, recipient, type, payload, created_ticks FROM events
            WHERE agreement_id = $agreement AND seq > $after AND ($recipient IS NULL OR recipient = $recipient)
            ORDER BY seq LIMIT $limit;
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$after", afterSequence);
        command.Parameters.AddWithValue("$recipient", recipient is { } r ? r.Value : DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<StoredEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new StoredEvent(reader.GetInt64(0), new PartyId(reader.GetString(1)), reader.GetString(2), reader.GetString(3), Time(reader.GetInt64(4))));
        }

        return result;
    }

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored subscription does not read back.</exception>
    public Task<IReadOnlyList<Subscription>> LoadSubscriptionsAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        LoadSubscriptionsAsync(agreement, null, cancellationToken);

    private async Task<IReadOnlyList<Subscription>> LoadSubscriptionsAsync(AgreementId agreement, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT id, party, area_json, start_ticks, end_ticks, kinds_json, webhook, created_ticks FROM subscriptions
            WHERE agreement_id = $agreement{OnlyIds} ORDER BY created_ticks, id;
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        BindIds(command, ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<Subscription>();
        while (await reader.ReadAsync(cancellationToken))
        {
            string id = reader.GetString(0);
            try
            {
                using var area = FeatureReader.ParseJson(reader.GetFieldValue<byte[]>(2));
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
                throw new InvalidDataException($"The stored subscription '{id}' of agreement '{agreement}' in '{FilePath}' does not read back ({e.GetType().Name}).");
            }
        }

        return result;
    }

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

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static List<string> ReadKinds(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(k => k.GetString() ?? throw new System.Text.Json.JsonException("a kind is not a string"))];
    }

    /// <inheritdoc/>
    public async Task<long?> ReadWebhookCursorAsync(AgreementId agreement, SubscriptionId subscription, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, "SELECT webhook_cursor FROM subscriptions WHERE agreement_id = $agreement AND id = $id;");
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$id", subscription.Value);
        return await command.ExecuteScalarAsync(cancellationToken) is long cursor ? cursor : null;
    }

    /// <inheritdoc/>
    public async Task SaveWebhookCursorAsync(AgreementId agreement, SubscriptionId subscription, long sequence, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        var connection = EnsureInitialized();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var command = Command(connection, """
                UPDATE subscriptions SET webhook_cursor = MAX(webhook_cursor, $seq) WHERE agreement_id = $agreement AND id = $id;
                """);
            command.Parameters.AddWithValue("$agreement", agreement.Value);
            command.Parameters.AddWithValue("$id", subscription.Value);
            command.Parameters.AddWithValue("$seq", sequence);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Appends ledger entries within one transaction: the next index read once, the statements bound once.</summary>
    private sealed class LedgerWriter(WriterStatements statements, AgreementId agreement)
    {
        private SqliteParameter? _entryIndex, _entry, _openingIndex, _n, _opening;
        private SqliteCommand? _insertEntry, _insertOpening;
        private long _next = -1;

        public async Task AppendAsync(LedgerAppend ledger, CancellationToken cancellationToken)
        {
            if (_next < 0)
            {
                var next = statements.Command("SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries WHERE agreement_id = $agreement;");
                next.Parameters.AddWithValue("$agreement", agreement.Value);
                _next = (long)(await next.ExecuteScalarAsync(cancellationToken))!;

                _insertEntry = statements.Command("INSERT INTO ledger_entries (agreement_id, idx, entry) VALUES ($agreement, $idx, $entry);");
                _insertEntry.Parameters.AddWithValue("$agreement", agreement.Value);
                _entryIndex = _insertEntry.Parameters.Add("$idx", SqliteType.Integer);
                _entry = _insertEntry.Parameters.Add("$entry", SqliteType.Blob);
                _insertOpening = statements.Command("INSERT INTO ledger_openings (agreement_id, idx, n, opening) VALUES ($agreement, $idx, $n, $opening);");
                _insertOpening.Parameters.AddWithValue("$agreement", agreement.Value);
                _openingIndex = _insertOpening.Parameters.Add("$idx", SqliteType.Integer);
                _n = _insertOpening.Parameters.Add("$n", SqliteType.Integer);
                _opening = _insertOpening.Parameters.Add("$opening", SqliteType.Blob);
            }

            if (_next != ledger.Index)
            {
                throw new InvalidOperationException($"ledger entry {ledger.Index} is not the next one ({_next}): another writer appended first");
            }

            _entryIndex!.Value = ledger.Index;
            _entry!.Value = ledger.Entry;
            await _insertEntry!.ExecuteNonQueryAsync(cancellationToken);
            for (int i = 0; i < ledger.Openings.Count; i++)
            {
                _openingIndex!.Value = ledger.Index;
                _n!.Value = i;
                _opening!.Value = ledger.Openings[i];
                await _insertOpening!.ExecuteNonQueryAsync(cancellationToken);
            }

            _next++;
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<LedgerRecord> ReadLedgerAsync(AgreementId agreement, long fromIndex = 0,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);

        // One read transaction: entries and openings from the same snapshot.
        await using var transaction = connection.BeginTransaction(deferred: true);
        await using var command = Command(connection, """
            SELECT e.idx, e.entry, o.opening FROM ledger_entries e
            LEFT JOIN ledger_openings o ON o.agreement_id = e.agreement_id AND o.idx = e.idx
            WHERE e.agreement_id = $agreement AND e.idx >= $from
            ORDER BY e.idx, o.n;
            """, transaction);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$from", fromIndex);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        long current = -1;
        byte[]? entry = null;
        var openings = new List<byte[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            long idx = reader.GetInt64(0);
            if (idx != current)
            {
                if (entry is not null)
                {
                    yield return new LedgerRecord(current, entry, openings);
                }

                current = idx;
                entry = (byte[])reader.GetValue(1);
                openings = [];
            }

            if (!reader.IsDBNull(2))
            {
                openings.Add((byte[])reader.GetValue(2));
            }
        }

        if (entry is not null)
        {
            yield return new LedgerRecord(current, entry, openings);
        }
    }

    /// <inheritdoc/>
    public async Task<byte[]?> ReadLedgerEntryAsync(AgreementId agreement, long index, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, "SELECT entry FROM ledger_entries WHERE agreement_id = $agreement AND idx = $idx;");
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$idx", index);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <inheritdoc/>
    public Task SaveCheckpointAsync(AgreementId agreement, long size, string signedNote, CancellationToken cancellationToken = default) =>
        WriteAsync("INSERT INTO checkpoints (agreement_id, size, note) VALUES ($agreement, $size, $text) ON CONFLICT DO NOTHING;",
            agreement, size, signedNote, cancellationToken);

    /// <inheritdoc/>
    public async Task SetCosignatureAsync(AgreementId agreement, long size, string signer, string signatureLine, CancellationToken cancellationToken = default)
    {
        var connection = EnsureInitialized();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var command = Command(connection, """
                INSERT INTO cosignatures (agreement_id, size, signer, line) VALUES ($agreement, $size, $signer, $line)
                ON CONFLICT (agreement_id, size, signer) DO UPDATE SET line = excluded.line;
                """);
            command.Parameters.AddWithValue("$agreement", agreement.Value);
            command.Parameters.AddWithValue("$size", size);
            command.Parameters.AddWithValue("$signer", signer);
            command.Parameters.AddWithValue("$line", signatureLine);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<(long Size, string SignedNote)>> LoadCheckpointsAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, "SELECT size, note FROM checkpoints WHERE agreement_id = $agreement ORDER BY size;");
        command.Parameters.AddWithValue("$agreement", agreement.Value);
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
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, "SELECT line FROM cosignatures WHERE agreement_id = $agreement AND size = $size ORDER BY line;");
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$size", size);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    private async Task WriteAsync(string sql, AgreementId agreement, long size, string text, CancellationToken cancellationToken)
    {
        var connection = EnsureInitialized();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var command = Command(connection, sql);
            command.Parameters.AddWithValue("$agreement", agreement.Value);
            command.Parameters.AddWithValue("$size", size);
            command.Parameters.AddWithValue("$text", text);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
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

    private const string UpsertZoneSql = """
        INSERT INTO zones (agreement_id, id, owner, kind, version, visibility, min_x, min_y, max_x, max_y, buffer_m,
                           alt_min_m, alt_max_m, start_ticks, end_ticks, feature_json)
        VALUES ($agreement, $id, $owner, $kind, $version, $visibility, $min_x, $min_y, $max_x, $max_y, $buffer_m,
                $alt_min_m, $alt_max_m, $start_ticks, $end_ticks, $feature_json)
        ON CONFLICT (agreement_id, id) DO UPDATE SET
            owner = excluded.owner, kind = excluded.kind, version = excluded.version, visibility = excluded.visibility,
            min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x, max_y = excluded.max_y,
            buffer_m = excluded.buffer_m, alt_min_m = excluded.alt_min_m, alt_max_m = excluded.alt_max_m,
            start_ticks = excluded.start_ticks, end_ticks = excluded.end_ticks, feature_json = excluded.feature_json;
        """;

    private const string UpsertOperationSql = """
        INSERT INTO operations (agreement_id, id, owner, kind, state, version, visibility, min_x, min_y, max_x, max_y,
                                buffer_m, alt_min_m, alt_max_m, start_ticks, end_ticks, feature_json)
        VALUES ($agreement, $id, $owner, $kind, $state, $version, $visibility, $min_x, $min_y, $max_x, $max_y,
                $buffer_m, $alt_min_m, $alt_max_m, $start_ticks, $end_ticks, $feature_json)
        ON CONFLICT (agreement_id, id) DO UPDATE SET
            owner = excluded.owner, kind = excluded.kind, state = excluded.state, version = excluded.version,
            visibility = excluded.visibility, min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x,
            max_y = excluded.max_y, buffer_m = excluded.buffer_m, alt_min_m = excluded.alt_min_m,
            alt_max_m = excluded.alt_max_m, start_ticks = excluded.start_ticks, end_ticks = excluded.end_ticks,
            feature_json = excluded.feature_json;
        """;

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

    private async Task<IReadOnlyList<T>> LoadAsync<T>(string sql, Agreement agreement, Func<StoredRow, T> parse, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, sql);
        command.Parameters.AddWithValue("$agreement", agreement.Id.Value);
        BindIds(command, ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<T>();
        var batch = new List<StoredRow>(LoadBatchSize);
        while (await reader.ReadAsync(cancellationToken))
        {
            batch.Add(new StoredRow(
                reader.GetString(0),
                reader.GetInt64(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                // The UTF-8 bytes as stored: no detour through a UTF-16 string before the JSON parser.
                reader.GetFieldValue<byte[]>(3)));
            if (batch.Count == LoadBatchSize)
            {
                StoredDeclarations.ParseBatch(batch, parse, result, cancellationToken);
                batch.Clear();
            }
        }

        StoredDeclarations.ParseBatch(batch, parse, result, cancellationToken);
        return result;
    }

    /// <summary>The parameters zones and operations share, created once per commit and rebound for each row.</summary>
    private sealed class DeclarationParameters
    {
        private readonly SqliteParameter _id, _owner, _version, _visibility, _minX, _minY, _maxX, _maxY, _buffer,
            _altMin, _altMax, _start, _end, _feature;

        public DeclarationParameters(SqliteCommand command, AgreementId agreement)
        {
            var p = command.Parameters;
            p.AddWithValue("$agreement", agreement.Value);
            _id = p.Add("$id", SqliteType.Text);
            _owner = p.Add("$owner", SqliteType.Text);
            _version = p.Add("$version", SqliteType.Integer);
            _visibility = p.Add("$visibility", SqliteType.Text);
            _minX = p.Add("$min_x", SqliteType.Real);
            _minY = p.Add("$min_y", SqliteType.Real);
            _maxX = p.Add("$max_x", SqliteType.Real);
            _maxY = p.Add("$max_y", SqliteType.Real);
            _buffer = p.Add("$buffer_m", SqliteType.Real);
            _altMin = p.Add("$alt_min_m", SqliteType.Real);
            _altMax = p.Add("$alt_max_m", SqliteType.Real);
            _start = p.Add("$start_ticks", SqliteType.Integer);
            _end = p.Add("$end_ticks", SqliteType.Integer);
            _feature = p.Add("$feature_json", SqliteType.Text);
        }

        public void Bind(Declaration d, string id, string featureJson)
        {
            var bounds = d.Volume.Footprint.Bounds;
            _id.Value = id;
            _owner.Value = d.Owner.Value;
            _version.Value = d.Version;
            _visibility.Value = d.Visibility switch
            {
                Visibility.Public => "public",
                Visibility.Parties => "parties",
                Visibility.Private => "private",
                var other => other.ToString(), // refused by the column's CHECK, so an unknown value never lands
            };
            _minX.Value = bounds.MinX;
            _minY.Value = bounds.MinY;
            _maxX.Value = bounds.MaxX;
            _maxY.Value = bounds.MaxY;
            _buffer.Value = d.Volume.Footprint.BufferMetres;

            // An unbounded altitude is an infinity in the model and NULL here, as it is absent in the feature.
            _altMin.Value = double.IsFinite(d.Volume.Altitude.MinMetres) ? d.Volume.Altitude.MinMetres : DBNull.Value;
            _altMax.Value = double.IsFinite(d.Volume.Altitude.MaxMetres) ? d.Volume.Altitude.MaxMetres : DBNull.Value;
            _start.Value = d.Volume.Time.StartTicks;
            _end.Value = d.Volume.Time.EndTicks;
            _feature.Value = featureJson;
        }
    }
}
