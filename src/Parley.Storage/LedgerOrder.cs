using Parley.Core.Ports;

namespace Parley.Storage;

/// <summary>
/// The order of a ledger, the same in every store: a batch's entries are consecutive and start at the ledger's size as
/// stored when the write began, under the agreement's write. Anything else means another writer appended first (or the
/// caller lost count), and the store refuses the whole batch before it writes a row of it.
/// </summary>
internal static class LedgerOrder
{
    /// <summary>Checks that <paramref name="entries"/> are the next ones after a ledger of <paramref name="size"/> entries.</summary>
    /// <exception cref="InvalidOperationException">An entry is not the next index.</exception>
    public static void EnsureNext(IEnumerable<LedgerAppend> entries, long size)
    {
        long expected = size;
        foreach (var entry in entries)
        {
            if (entry.Index != expected)
            {
                throw new InvalidOperationException($"ledger entry {entry.Index} is not the next one ({expected}): another writer appended first");
            }

            expected++;
        }
    }
}
