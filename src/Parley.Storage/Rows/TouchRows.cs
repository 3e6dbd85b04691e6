using System.Data.Common;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Probing;
using static Parley.Storage.Rows.StoredTime;

namespace Parley.Storage.Rows;

/// <summary>Touches of hidden zones as every store reads them back: the touches themselves, and the counts of an owner's report.</summary>
internal static class TouchRows
{
    /// <summary>The columns <see cref="Read"/> reads, in its order.</summary>
    public const string Columns = "request, time_ticks, requester, zone_id, zone_owner, small, probe";

    /// <summary>The touch on the reader's current row, as selected by <see cref="Columns"/>.</summary>
    public static ProbeTouch Read(DbDataReader reader) =>
        new(reader.GetString(0), Time(reader.GetInt64(1)), new PartyId(reader.GetString(2)),
            new ZoneId(reader.GetString(3)), new PartyId(reader.GetString(4)), reader.GetBoolean(5), reader.GetString(6));

    /// <summary>Touches per zone, by requester, from rows of (requester, zone, count).</summary>
    public static async Task<Dictionary<string, List<ZoneTouchCount>>> ReadZoneCountsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var zones = new Dictionary<string, List<ZoneTouchCount>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var requester = reader.GetString(0);
            if (!zones.TryGetValue(requester, out var list))
            {
                zones[requester] = list = [];
            }

            list.Add(new ZoneTouchCount(new ZoneId(reader.GetString(1)), reader.GetInt64(2)));
        }

        return zones;
    }

    /// <summary>
    /// The owner's report, from rows of (requester, touches in the last hour, in the last day, ever, first, last) and the
    /// per-zone counts of <see cref="ReadZoneCountsAsync"/>.
    /// </summary>
    public static Task<IReadOnlyList<TouchSummary>> ReadSummariesAsync(
        DbDataReader rows, Dictionary<string, List<ZoneTouchCount>> zones, CancellationToken cancellationToken) =>
        RowReader.ReadAllAsync(rows, row =>
        {
            var requester = row.GetString(0);
            return new TouchSummary(new PartyId(requester), row.GetInt64(1), row.GetInt64(2), row.GetInt64(3),
                Time(row.GetInt64(4)), Time(row.GetInt64(5)), zones.TryGetValue(requester, out var list) ? list : []);
        }, cancellationToken);
}
