// Probing: touches of hidden zones, appended in the commit of the decision that made them and never changed; read back
// for the probing budget (those since a time) and summarised per requester for the zones' owner.

using Microsoft.Data.Sqlite;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Probing;
using Parley.Storage.Rows;

namespace Parley.Storage.Sqlite;

public sealed partial class SqliteStore : IProbingStore
{
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

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ProbeTouch>> LoadTouchesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);
        await using var command = Command(connection, $"""
            SELECT {TouchRows.Columns} FROM probing_touches
            WHERE agreement_id = $agreement AND time_ticks >= $since ORDER BY time_ticks, request, zone_id;
            """);
        command.Parameters.AddWithValue("$agreement", agreement.Value);
        command.Parameters.AddWithValue("$since", since.UtcTicks);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RowReader.ReadAllAsync(reader, TouchRows.Read, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TouchSummary>> SummarizeTouchesAsync(AgreementId agreement, PartyId zoneOwner, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        EnsureInitialized();
        await using var connection = await OpenReaderAsync(cancellationToken);

        // One read transaction: the totals and the per-zone counts from the same snapshot.
        await using var transaction = connection.BeginTransaction(deferred: true);
        Dictionary<string, List<ZoneTouchCount>> zones;
        await using (var perZone = Command(connection, """
            SELECT requester, zone_id, COUNT(*) FROM probing_touches WHERE agreement_id = $agreement AND zone_owner = $owner
            GROUP BY requester, zone_id ORDER BY requester, zone_id;
            """, transaction))
        {
            perZone.Parameters.AddWithValue("$agreement", agreement.Value);
            perZone.Parameters.AddWithValue("$owner", zoneOwner.Value);
            await using var reader = await perZone.ExecuteReaderAsync(cancellationToken);
            zones = await TouchRows.ReadZoneCountsAsync(reader, cancellationToken);
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
        return await TouchRows.ReadSummariesAsync(rows, zones, cancellationToken);
    }
}
