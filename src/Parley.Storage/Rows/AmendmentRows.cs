using System.Data.Common;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Storage.Rows;

/// <summary>Amendments as every store keeps them: one row each, the whole record as JSON text, replaced as it changes.</summary>
internal static class AmendmentRows
{
    /// <summary>The columns read, in order.</summary>
    public const string Columns = "id, record";

    /// <summary>Every row of the reader's current result; <paramref name="where"/> names the store in errors.</summary>
    /// <exception cref="InvalidDataException">A stored record does not read back.</exception>
    public static async Task<IReadOnlyList<Amendment>> ReadAsync(DbDataReader reader, AgreementId agreement, string where, CancellationToken cancellationToken)
    {
        var result = new List<Amendment>();
        while (await reader.ReadAsync(cancellationToken))
        {
            string id = reader.GetString(0);
            try
            {
                var amendment = AmendmentRecords.FromJson(reader.GetString(1));
                result.Add(amendment.Id == id ? amendment : throw new FormatException($"its record names '{amendment.Id}'"));
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"The stored amendment '{id}' of agreement '{agreement}' in {where} does not read back: {e.Message}", e);
            }
        }

        return result;
    }

    /// <summary>The order rows are read in: the order the amendments were proposed (by time, then number).</summary>
    public const string Order = "proposed_ticks, length(id), id";
}
