using System.Data.Common;
using Parley.Core.Model;

namespace Parley.Storage.Rows;

/// <summary>Agreements as every store reads them back: each one's source text, by id.</summary>
internal static class AgreementRows
{
    /// <summary>The query that reads every agreement.</summary>
    public const string SelectAll = "SELECT id, source_json FROM agreements ORDER BY id;";

    /// <summary>Every row of the reader's current result, as selected by <see cref="SelectAll"/>.</summary>
    public static async Task<IReadOnlyDictionary<AgreementId, string>> ReadAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var result = new Dictionary<AgreementId, string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result[new AgreementId(reader.GetString(0))] = reader.GetString(1);
        }

        return result;
    }
}
