// State: each agreement's text, zones, operations, concurrence requests and subscriptions. Loads take a pooled
// connection each; the rows change only inside a write (PostgresStore.Write.cs), whose batch upserts what a decision
// changed and deletes what it withdrew. A zone's or operation's row keeps the feature text that loads, beside query
// columns; a new subscription's webhook cursor starts at the last event committed before its change.

using System.Data.Common;
using System.Text;
using Npgsql;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Storage.Rows;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore : IStateStore
{
    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<AgreementId, string>> LoadAgreementsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, AgreementRows.SelectAll);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await AgreementRows.ReadAsync(reader, cancellationToken);
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
            row => StoredDeclarations.ParseZone(row, agreement, Where),
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
            row => StoredDeclarations.ParseOperation(row, agreement, Where),
            cancellationToken);
    }

    private async Task<IReadOnlyList<T>> LoadAsync<T>(string sql, Agreement agreement, Func<StoredRow, T> parse, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, sql);
        Text(command, "agreement", agreement.Id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await StoredDeclarations.ReadAsync(reader, Utf8, parse, cancellationToken);
    }

    // Text as UTF-8 bytes, for the JSON parser.
    private static byte[] Utf8(DbDataReader reader, int ordinal) => Encoding.UTF8.GetBytes(reader.GetString(ordinal));

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ConcurrenceRequest>> LoadRequestsAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {RequestRows.Columns}
            FROM concurrence_requests WHERE agreement_id = @agreement ORDER BY opened_ticks, id COLLATE "C";
            """);
        Text(command, "agreement", agreement.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, RequestRows.Read, cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidDataException">A stored subscription does not read back.</exception>
    public async Task<IReadOnlyList<Subscription>> LoadSubscriptionsAsync(AgreementId agreement, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {SubscriptionRows.Columns} FROM subscriptions
            WHERE agreement_id = @agreement ORDER BY created_ticks, id COLLATE "C";
            """);
        Text(command, "agreement", agreement.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await SubscriptionRows.ReadAsync(reader, agreement, Where, Utf8, cancellationToken);
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
            Text(upsert, "kinds", JsonStrings.Write(subscription.Kinds));
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

    private static readonly string UpsertZoneSql = StoredDeclarations.UpsertZoneSql('@');

    private static readonly string UpsertOperationSql = StoredDeclarations.UpsertOperationSql('@');

    private static void BindDeclaration(NpgsqlBatchCommand command, AgreementId agreement, Declaration d, string id, string featureJson)
    {
        var bounds = d.Volume.Footprint.Bounds;
        Text(command, "agreement", agreement.Value);
        Text(command, "id", id);
        Text(command, "owner", d.Owner.Value);
        Long(command, "version", d.Version);
        Text(command, "visibility", StoredDeclarations.VisibilityName(d.Visibility));
        Double(command, "min_x", bounds.MinX);
        Double(command, "min_y", bounds.MinY);
        Double(command, "max_x", bounds.MaxX);
        Double(command, "max_y", bounds.MaxY);
        Double(command, "buffer_m", d.Volume.Footprint.BufferMetres);

        Double(command, "alt_min_m", StoredDeclarations.Altitude(d.Volume.Altitude.MinMetres));
        Double(command, "alt_max_m", StoredDeclarations.Altitude(d.Volume.Altitude.MaxMetres));
        Long(command, "start_ticks", d.Volume.Time.StartTicks);
        Long(command, "end_ticks", d.Volume.Time.EndTicks);
        Text(command, "feature_json", featureJson);
    }
}
