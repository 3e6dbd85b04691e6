using System.Data.Common;
using Parley.Core.Model;
using Parley.Core.Ports;
using static Parley.Storage.Rows.StoredTime;

namespace Parley.Storage.Rows;

/// <summary>Spent nonces and kept answers as every store reads them back: the columns to select, in order, and the values they give.</summary>
internal static class SubmissionRows
{
    /// <summary>The columns <see cref="Nonce"/> reads, in its order.</summary>
    public const string NonceColumns = "party, nonce, timestamp_ticks";

    /// <summary>The columns <see cref="ReadAnswerAsync"/> reads, in its order.</summary>
    public const string AnswerColumns = "fingerprint, record, created_ticks";

    /// <summary>The spent nonce on the reader's current row, as selected by <see cref="NonceColumns"/>.</summary>
    public static (PartyId Party, string Nonce, DateTimeOffset Signed) Nonce(DbDataReader reader) =>
        (new PartyId(reader.GetString(0)), reader.GetString(1), Time(reader.GetInt64(2)));

    /// <summary>The answer kept for <paramref name="party"/>'s <paramref name="key"/>, from the first row selected by <see cref="AnswerColumns"/>; null when none.</summary>
    public static async Task<KeptAnswer?> ReadAnswerAsync(DbDataReader reader, PartyId party, string key, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken)
            ? new KeptAnswer(party, key, reader.GetFieldValue<byte[]>(0), reader.GetFieldValue<byte[]>(1), Time(reader.GetInt64(2)))
            : null;
}
