using System.Security.Cryptography;
using System.Text.Json;
using Parley.Cli.Terminal;
using Parley.Ledger;
using Parley.Ledger.Entries.Compliance;

namespace Parley.Cli.Ledger;

/// <summary>
/// A folder written by <c>parley ledger export</c>, read into compliance facts with no server: its entries (which must
/// rebuild the checkpoint's root, and the checkpoint carry the center's signature when a key is given) and the openings it
/// holds (each checked against its item's commitment).
/// </summary>
internal static class ExportedLedger
{
    /// <summary>The facts of the folder's ledger up to its checkpoint.</summary>
    /// <exception cref="CliException">The folder is not an export, or does not hold together (the message names the file or the entry).</exception>
    public static async Task<ComplianceLedger> ReadAsync(string directory, VerifierKey? key, ProgressLine progress, CancellationToken cancellationToken)
    {
        string checkpointPath = Path.Combine(directory, "checkpoint");
        if (!Directory.Exists(directory))
        {
            throw new CliException(ExitCodes.InvalidInput, $"{directory}: no such folder");
        }

        if (!File.Exists(checkpointPath))
        {
            throw new CliException(ExitCodes.InvalidInput, $"{directory} has no checkpoint: is it a folder written by 'parley ledger export'?");
        }

        string note = await File.ReadAllTextAsync(checkpointPath, cancellationToken);
        Checkpoint checkpoint;
        try
        {
            checkpoint = key is null ? Checkpoint.Parse(SignedNote.Parse(note).Text) : VerifiedCheckpoint.Verify(note, key, $"folder {directory}").Body;
        }
        catch (FormatException e)
        {
            throw new CliException(ExitCodes.InvalidInput, $"{checkpointPath}: {e.Message}");
        }
        catch (VerificationFailedException e)
        {
            throw new CliException(ExitCodes.Failure, $"{checkpointPath}: {e.Message}");
        }

        var openings = await ReadOpeningsAsync(directory, checkpoint.Size, cancellationToken);
        var ledger = new ComplianceLedger();
        var tree = new MerkleTree();
        foreach (var bundle in Tiles.EntryBundlesFor(checkpoint.Size))
        {
            long first = Tiles.FirstEntry(bundle);
            string path = Path.Combine(directory, bundle.Path.Replace('/', Path.DirectorySeparatorChar));
            if (!File.Exists(path))
            {
                throw new CliException(ExitCodes.InvalidInput, $"{path} is missing: entries {first} to {first + bundle.Width - 1} of the checkpoint's {checkpoint.Size:N0}");
            }

            IReadOnlyList<byte[]> entries;
            try
            {
                entries = Tiles.ReadEntryBundle(await File.ReadAllBytesAsync(path, cancellationToken), bundle.Width);
            }
            catch (EntryBundleException e)
            {
                throw new CliException(ExitCodes.Failure, $"{path}: entry {first + e.Position} does not read: {e.Reason}");
            }

            for (int i = 0; i < entries.Count; i++)
            {
                long index = first + i;
                tree.Append(entries[i]);
                try
                {
                    ledger.Add(index, entries[i], openings.GetValueOrDefault(index) ?? []);
                }
                catch (InvalidDataException e)
                {
                    throw new CliException(ExitCodes.Failure, $"{directory}: {e.Message}");
                }
            }

            progress.Report("entries read", first + entries.Count, checkpoint.Size);
        }

        if (!CryptographicOperations.FixedTimeEquals(tree.Root(checkpoint.Size), checkpoint.RootHash))
        {
            throw new CliException(ExitCodes.Failure, $"{directory}: the entries do not rebuild the checkpoint's root (size {checkpoint.Size:N0}): the folder was changed");
        }

        return ledger;
    }

    private static async Task<Dictionary<long, List<(int Item, byte[] Opening)>>> ReadOpeningsAsync(string directory, long size, CancellationToken cancellationToken)
    {
        var result = new Dictionary<long, List<(int, byte[])>>();
        string path = Path.Combine(directory, LedgerExport.OpeningsFile);
        if (!File.Exists(path))
        {
            return result; // a folder exported before openings were: its public openings only
        }

        int line = 0;
        await foreach (var text in File.ReadLinesAsync(path, cancellationToken))
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(text);
                long index = document.RootElement.GetProperty("index").GetInt64();
                if (index < 0 || index >= size)
                {
                    continue; // beyond the checkpoint
                }

                var openings = new List<(int, byte[])>();
                foreach (var view in document.RootElement.GetProperty("openings").EnumerateArray())
                {
                    openings.Add((view.GetProperty("item").GetInt32(),
                        CanonicalJson.Canonicalize(System.Text.Encoding.UTF8.GetBytes(view.GetProperty("opening").GetRawText()))));
                }

                result[index] = openings;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new CliException(ExitCodes.InvalidInput, $"{path}, line {line}: not an entry's openings ({e.GetType().Name})");
            }
        }

        return result;
    }
}
