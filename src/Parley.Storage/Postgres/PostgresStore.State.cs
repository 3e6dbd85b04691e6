// State: each agreement's text, zones, operations, concurrence requests and subscriptions. Loads take a pooled
// connection each; the rows change only inside a write (PostgresStore.Write.cs), whose batch upserts what a decision
// changed and deletes what it withdrew. A zone's or operation's row keeps the feature text that loads, beside query
// columns; a new subscription's webhook cursor starts at the last event committed before its change.

using System.Text;
using Npgsql;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Core.Workflow;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore : IStateStore
{
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

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

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
}
