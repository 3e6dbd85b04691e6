using System.Data.Common;

namespace Parley.Storage.Rows;

/// <summary>Signed checkpoints and their cosignatures as every store reads them back.</summary>
internal static class CheckpointRows
{
    /// <summary>The checkpoint on the reader's current row of (size, signed note).</summary>
    public static (long Size, string SignedNote) Checkpoint(DbDataReader reader) => (reader.GetInt64(0), reader.GetString(1));

    /// <summary>The cosignature line on the reader's current row.</summary>
    public static string Cosignature(DbDataReader reader) => reader.GetString(0);
}
