// State: each agreement's text, zones, operations, concurrence requests and subscriptions. Loads read their own
// read-only connection; the rows change only inside a write (SqliteStore.Write.cs), which upserts what a decision
// changed and deletes what it withdrew. A zone's or operation's row keeps the feature text that loads, beside columns
// for queries; a new subscription's webhook cursor starts at the last event committed before it.

using System.Data.Common;
using Microsoft.Data.Sqlite;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Storage.Rows;

namespace Parley.Storage.Sqlite;

public sealed partial class SqliteStore : IStateStore
{
    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<AgreementId, string>> LoadAgreementsAsync(CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, AgreementRows.SelectAll);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await AgreementRows.ReadAsync(reader, cancellationToken);
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
            row => StoredDeclarations.ParseZone(row, agreement, Where),
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
            row => StoredDeclarations.ParseOperation(row, agreement, Where),
            ids,
            cancellationToken);
    }

    // Narrows a load to the ids in $ids (a JSON array) when it is not null.
    private const string OnlyIds = " AND ($ids IS NULL OR id IN (SELECT value FROM json_each($ids)))";

    private static void BindIds(SqliteCommand command, IReadOnlyCollection<string>? ids) =>
        command.Parameters.AddWithValue("$ids", ids is null ? DBNull.Value : JsonStrings.Write(ids));

    private async Task<IReadOnlyList<T>> LoadAsync<T>(string sql, Agreement agreement, Func<StoredRow, T> parse, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, sql);
        command.Parameters.AddWithValue("$agreement", agreement.Id.Value);
        BindIds(command, ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await StoredDeclarations.ReadAsync(reader, Utf8, parse, cancellationToken);
    }

    // The UTF-8 bytes as stored: no detour through a UTF-16 string before the JSON parser.
    private static byte[] Utf8(DbDataReader reader, int ordinal) => reader.GetFieldValue<byte[]>(ordinal);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ConcurrenceRequest>> LoadRequestsAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        LoadRequestsAsync(agreement, null, cancellationToken);

    private async Task<IReadOnlyList<ConcurrenceRequest>> LoadRequestsAsync(AgreementId agreement, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {RequestRows.Columns}
            FROM concurrence_requests WHERE agreement_id = $agreement{OnlyIds} ORDER BY opened_ticks, id;
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        BindIds(command, ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, RequestRows.Read, cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored subscription does not read back.</exception>
    public Task<IReadOnlyList<Subscription>> LoadSubscriptionsAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
        LoadSubscriptionsAsync(agreement, null, cancellationToken);

    private async Task<IReadOnlyList<Subscription>> LoadSubscriptionsAsync(AgreementId agreement, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {SubscriptionRows.Columns} FROM subscriptions
            WHERE agreement_id = $agreement{OnlyIds} ORDER BY created_ticks, id;
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        BindIds(command, ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await SubscriptionRows.ReadAsync(reader, agreement, Where, Utf8, cancellationToken);
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
                kinds.Value = JsonStrings.Write(subscription.Kinds);
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

    private static readonly string UpsertZoneSql = StoredDeclarations.UpsertZoneSql('$');

    private static readonly string UpsertOperationSql = StoredDeclarations.UpsertOperationSql('$');

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
            _visibility.Value = StoredDeclarations.VisibilityName(d.Visibility);
            _minX.Value = bounds.MinX;
            _minY.Value = bounds.MinY;
            _maxX.Value = bounds.MaxX;
            _maxY.Value = bounds.MaxY;
            _buffer.Value = d.Volume.Footprint.BufferMetres;

            _altMin.Value = (object?)StoredDeclarations.Altitude(d.Volume.Altitude.MinMetres) ?? DBNull.Value;
            _altMax.Value = (object?)StoredDeclarations.Altitude(d.Volume.Altitude.MaxMetres) ?? DBNull.Value;
            _start.Value = d.Volume.Time.StartTicks;
            _end.Value = d.Volume.Time.EndTicks;
            _feature.Value = featureJson;
        }
    }
}
