using System.Data.Common;
using Parley.Core.Model;
using Parley.Core.Workflow;
using static Parley.Storage.Rows.StoredTime;

namespace Parley.Storage.Rows;

/// <summary>Concurrence requests as every store reads them back: the columns to select, in order, and the request a row gives.</summary>
internal static class RequestRows
{
    /// <summary>The columns <see cref="Read"/> reads, in its order.</summary>
    public const string Columns = """
        id, operation_id, operation_version, submitter, affected, target_type, target_id, opened_ticks, deadline_ticks,
        state, closed_ticks, reason, counter_proposal, version
        """;

    /// <summary>The request on the reader's current row, as selected by <see cref="Columns"/>.</summary>
    public static ConcurrenceRequest Read(DbDataReader reader) => new()
    {
        Id = reader.GetString(0), Operation = new OperationId(reader.GetString(1)), OperationVersion = reader.GetInt64(2),
        Submitter = new PartyId(reader.GetString(3)), Affected = new PartyId(reader.GetString(4)), TargetType = reader.GetString(5),
        TargetId = reader.GetString(6), Opened = Time(reader.GetInt64(7)), Deadline = Time(reader.GetInt64(8)),
        State = RequestStates.Parse(reader.GetString(9)), Closed = reader.IsDBNull(10) ? null : Time(reader.GetInt64(10)),
        Reason = reader.IsDBNull(11) ? null : reader.GetString(11),
        CounterProposal = reader.IsDBNull(12) ? null : new OperationId(reader.GetString(12)), Version = reader.GetInt64(13),
    };
}
