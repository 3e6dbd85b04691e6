using System.Data.Common;

namespace Parley.Storage.Rows;

/// <summary>Reads a result's rows into values, one mapper per kind of row, the same way in every store.</summary>
internal static class RowReader
{
    /// <summary>Every row of the reader's current result, each mapped by <paramref name="map"/>.</summary>
    public static async Task<IReadOnlyList<T>> ReadAllAsync<T>(DbDataReader reader, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        var result = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(map(reader));
        }

        return result;
    }
}
