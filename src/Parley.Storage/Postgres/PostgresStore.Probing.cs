// Probing: touches of hidden zones, appended in the commit of the decision that made them and never changed; read back
// for the probing budget (those since a time) and summarised per requester for the zones' owner.

using Npgsql;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Probing;
using Parley.Storage.Rows;

namespace Parley.Storage.Postgres;

public sealed partial class PostgresStore : IProbingStore
{
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

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ProbeTouch>> LoadTouchesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {TouchRows.Columns} FROM probing_touches
            WHERE agreement_id = @agreement AND time_ticks >= @since ORDER BY time_ticks, request COLLATE "C", zone_id COLLATE "C";
            """);
        Text(command, "agreement", agreement.Value);
        Long(command, "since", since.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, TouchRows.Read, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TouchSummary>> SummarizeTouchesAsync(AgreementId agreement, PartyId zoneOwner, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);

        // One snapshot for the totals and the per-zone counts.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        Dictionary<string, List<ZoneTouchCount>> zones;
        await using (var perZone = Command(connection, """
            SELECT requester, zone_id, COUNT(*) FROM probing_touches WHERE agreement_id = @agreement AND zone_owner = @owner
            GROUP BY requester, zone_id ORDER BY requester COLLATE "C", zone_id COLLATE "C";
            """, transaction))
        {
            Text(perZone, "agreement", agreement.Value);
            Text(perZone, "owner", zoneOwner.Value);
            await using var reader = await perZone.ExecuteReaderAsync(cancellationToken);
            zones = await TouchRows.ReadZoneCountsAsync(reader, cancellationToken);
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
        return await TouchRows.ReadSummariesAsync(rows, zones, cancellationToken);
    }
}
