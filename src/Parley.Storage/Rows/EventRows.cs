using System.Data.Common;
using Parley.Core.Model;
using Parley.Core.Ports;
using static Parley.Storage.Rows.StoredTime;

namespace Parley.Storage.Rows;

/// <summary>Events as every store reads them back from its outbox: the columns to select, in order, and the event a row gives.</summary>
internal static class EventRows
{
    /// <summary>The columns <see cref="Read"/> reads, in its order.</summary>
    public const string Columns = "seq, recipient, type, payload, created_ticks";

    /// <summary>The event on the reader's current row, as selected by <see cref="Columns"/>.</summary>
    public static StoredEvent Read(DbDataReader reader) =>
        new(reader.GetInt64(0), new PartyId(reader.GetString(1)), reader.GetString(2), reader.GetString(3), Time(reader.GetInt64(4)));
}
