using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parley.Cli.Client;
using Parley.Core.Model;
using Parley.Ledger;
using Parley.Cli.Terminal;

namespace Parley.Cli.Ledger;

/// <summary>What a verification established, for the summary and <c>--json</c>.</summary>
internal sealed class AuditReport
{
    public required string Source { get; init; }

    public required VerifiedCheckpoint Checkpoint { get; init; }

    public required VerifierKey Key { get; init; }

    public VerifiedCheckpoint? Previous { get; set; }

    public long Entries { get; set; }

    public int InclusionProofs { get; set; }

    public int HashTiles { get; set; }

    public int EntryBundles { get; set; }

    public long Openings { get; set; }

    public int? Zones { get; set; }

    public int? Operations { get; set; }

    public string? StateNotCompared { get; set; }

    public string? StateFile { get; set; }
}

/// <summary>Progress on standard error for long runs: at most one line a second, none for runs shorter than that.</summary>
internal sealed class ProgressLine(TextWriter error)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private TimeSpan _next = TimeSpan.FromSeconds(1);

    public void Report(string what, long done, long total)
    {
        lock (_gate)
        {
            if (_clock.Elapsed < _next)
            {
                return;
            }

            _next = _clock.Elapsed + TimeSpan.FromSeconds(1);
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parley: {what} {done:N0}/{total:N0}"));
        }
    }
}

/// <summary>
/// <c>parley ledger verify --server</c>: checks a center's ledger of one agreement as one party, against the
/// center's key and the last checkpoint this party verified.
/// </summary>
internal sealed class ServerAudit(LedgerClient client, VerifierKey key, string? statePath, PartyId party, ProgressLine progress)
{
    private const int Parallelism = 8;
    private const int InclusionSamples = 32;

    public async Task<AuditReport> RunAsync(CancellationToken cancellationToken)
    {
        var previous = StateFile.Load(statePath, key);
        var (checkpoint, zones, operations) = await SnapshotAsync(cancellationToken);
        var report = new AuditReport { Source = client.Server.ToString(), Checkpoint = checkpoint, Key = key, Previous = previous, StateFile = statePath };
        if (previous is not null)
        {
            await StateFile.CheckConsistencyAsync(previous, checkpoint, statePath!, (m, n) => ConsistencyProofAsync(m, n, cancellationToken));
        }

        long size = checkpoint.Size;
        var entries = await FetchEntriesAsync(size, report, cancellationToken);
        var tree = new MerkleTree();
        foreach (var entry in entries)
        {
            tree.Append(entry);
        }

        report.Entries = size;
        if (!CryptographicOperations.FixedTimeEquals(tree.Root(size), checkpoint.RootHash))
        {
            await LocateAsync(entries, checkpoint, cancellationToken);
        }

        await CheckInclusionSampleAsync(tree, checkpoint, report, cancellationToken);
        await CheckHashTilesAsync(tree, size, report, cancellationToken);

        var replay = new VisibleReplay(client.Agreement, party);
        var closed = Enumerable.Range(0, entries.Length).Where(i => VisibleReplay.HasClosedItems(entries[i])).ToList();
        var served = await FetchOpeningsAsync(closed, cancellationToken);
        for (int i = 0; i < entries.Length; i++)
        {
            replay.Apply(i, entries[i], served.GetValueOrDefault(i) ?? []);
            progress.Report("replayed", i + 1, entries.Length);
        }

        report.Openings = replay.Openings;
        if (zones is not null && operations is not null)
        {
            (report.Zones, report.Operations) = replay.Compare(party, zones, operations);
        }
        else
        {
            report.StateNotCompared = "the log kept growing while it was read, so the state reported could not be tied to one checkpoint";
        }

        return report;
    }

    /// <summary>
    /// The latest checkpoint and the caller's zones and operations as of exactly that checkpoint: no entry beyond
    /// it exists before and after the state is read. A checkpoint follows new entries within a second, so a moving
    /// log is retried a few times.
    /// </summary>
    private async Task<(VerifiedCheckpoint Checkpoint, string? Zones, string? Operations)> SnapshotAsync(CancellationToken cancellationToken)
    {
        VerifiedCheckpoint? checkpoint = null;
        for (int attempt = 0; attempt < 6; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1200), cancellationToken);
            }

            var note = Encoding.UTF8.GetString(await client.LedgerAsync("checkpoint", cancellationToken));
            checkpoint = VerifiedCheckpoint.Verify(note, key, $"{client.Server}");
            string next = $"entries/{checkpoint.Size}";
            if (await client.TryLedgerAsync(next, cancellationToken) is not null)
            {
                continue;
            }

            string zones = await client.AgreementTextAsync("zones", cancellationToken);
            string operations = await client.AgreementTextAsync("operations", cancellationToken);
            if (await client.TryLedgerAsync(next, cancellationToken) is null)
            {
                return (checkpoint, zones, operations);
            }
        }

        return (checkpoint!, null, null);
    }

    private async Task<IReadOnlyList<byte[]>> ConsistencyProofAsync(long from, long to, CancellationToken cancellationToken)
    {
        byte[]? body;
        try
        {
            body = await client.TryLedgerAsync($"proof/consistency?from={from}&to={to}", cancellationToken);
        }
        catch (CliException e)
        {
            throw new ProofException($"the server gives no consistency proof from {from} to {to} ({e.Message})");
        }

        return body is null ? throw new ProofException($"the server gives no consistency proof from {from} to {to}") : Hashes(body);
    }

    private async Task<byte[][]> FetchEntriesAsync(long size, AuditReport report, CancellationToken cancellationToken)
    {
        var entries = new byte[size][];
        var bundles = Tiles.EntryBundlesFor(size).ToList();
        long done = 0;
        await Parallel.ForEachAsync(bundles, Options(cancellationToken), async (bundle, ct) =>
        {
            long first = Tiles.FirstEntry(bundle);
            var bytes = await client.TryLedgerAsync(bundle.Path, ct);
            if (bytes is null)
            {
                // No bundle (e.g. an entry too long for one): read its entries one by one.
                for (int k = 0; k < bundle.Width; k++)
                {
                    entries[first + k] = await client.TryLedgerAsync($"entries/{first + k}", ct)
                        ?? throw new VerificationFailedException($"entry {first + k} is covered by the checkpoint but the server does not serve it", first + k);
                }
            }
            else
            {
                List<byte[]> read;
                try
                {
                    read = Tiles.ReadEntryBundle(bytes, bundle.Width);
                }
                catch (EntryBundleException e)
                {
                    throw new VerificationFailedException(
                        $"entry {first + e.Position}: the server's entry bundle {bundle.Path} does not read: {e.Reason}", first + e.Position);
                }

                read.CopyTo(entries, (int)first);
            }

            progress.Report("entries fetched", Interlocked.Add(ref done, bundle.Width), size);
        });
        report.EntryBundles = bundles.Count;
        return entries;
    }

    /// <summary>The entries do not rebuild the checkpoint's root: the first one whose inclusion proof fails is named.</summary>
    private async Task LocateAsync(byte[][] entries, VerifiedCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        for (long i = 0; i < entries.Length; i++)
        {
            string? failure = await InclusionFailureAsync(i, Merkle.LeafHash(entries[i]), checkpoint, cancellationToken);
            if (failure is not null)
            {
                throw new VerificationFailedException(
                    $"entry {i} is not in the tree of the checkpoint ({checkpoint.Describe()}): {failure}", i);
            }

            progress.Report("locating the failing entry", i + 1, entries.Length);
        }

        throw new VerificationFailedException(
            $"the entries served do not rebuild the checkpoint's root ({checkpoint.Describe()}), though every inclusion proof verifies: " +
            "the server's proofs contradict its entries");
    }

    private async Task CheckInclusionSampleAsync(MerkleTree tree, VerifiedCheckpoint checkpoint, AuditReport report, CancellationToken cancellationToken)
    {
        long size = checkpoint.Size;
        var sample = new SortedSet<long>();
        for (long k = 0; k < Math.Min(size, InclusionSamples); k++)
        {
            sample.Add(size <= InclusionSamples ? k : k * (size - 1) / (InclusionSamples - 1));
        }

        var failures = new System.Collections.Concurrent.ConcurrentBag<(long Index, string Message)>();
        await Parallel.ForEachAsync(sample, Options(cancellationToken), async (i, ct) =>
        {
            if (await InclusionFailureAsync(i, tree.LeafHash(i), checkpoint, ct) is { } failure)
            {
                failures.Add((i, failure));
            }
        });

        if (!failures.IsEmpty)
        {
            var (index, message) = failures.MinBy(f => f.Index);
            throw new VerificationFailedException($"entry {index}: the server's inclusion proof for it does not verify: {message}", index);
        }

        report.InclusionProofs = sample.Count;
    }

    private async Task<string?> InclusionFailureAsync(long index, byte[] leafHash, VerifiedCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        byte[]? body;
        try
        {
            body = await client.TryLedgerAsync($"proof/inclusion?index={index}&size={checkpoint.Size}", cancellationToken);
        }
        catch (CliException e)
        {
            return $"the server gives no inclusion proof ({e.Message})";
        }

        if (body is null)
        {
            return "the server gives no inclusion proof";
        }

        try
        {
            ProofVerifier.VerifyInclusion((ulong)index, (ulong)checkpoint.Size, leafHash, Hashes(body), checkpoint.RootHash);
            return null;
        }
        catch (ProofException e)
        {
            return e.Message;
        }
    }

    private async Task CheckHashTilesAsync(MerkleTree tree, long size, AuditReport report, CancellationToken cancellationToken)
    {
        var tiles = Tiles.HashTilesFor(size).ToList();
        var failures = new System.Collections.Concurrent.ConcurrentBag<(long Order, VerificationFailedException Failure)>();
        int done = 0;
        await Parallel.ForEachAsync(tiles, Options(cancellationToken), async (tile, ct) =>
        {
            var served = await client.TryLedgerAsync(tile.Path, ct);
            var failure = TileFailure(tile, served, Tiles.HashTile(tree, tile), "the server's");
            if (failure is not null)
            {
                failures.Add((failure.Entry ?? long.MaxValue, failure));
            }

            progress.Report("hash tiles checked", Interlocked.Increment(ref done), tiles.Count);
        });

        if (!failures.IsEmpty)
        {
            throw failures.MinBy(f => f.Order).Failure;
        }

        report.HashTiles = tiles.Count;
    }

    /// <summary>Why a tile differs from the one the verified entries give, naming the entry for a level-0 tile; null when equal.</summary>
    internal static VerificationFailedException? TileFailure(TileId tile, byte[]? actual, byte[] expected, string whose)
    {
        if (actual is null)
        {
            return new VerificationFailedException($"{whose} tile {tile.Path} is missing, though the checkpoint's size needs it");
        }

        if (actual.AsSpan().SequenceEqual(expected))
        {
            return null;
        }

        if (actual.Length != expected.Length)
        {
            return new VerificationFailedException($"{whose} tile {tile.Path} is {actual.Length} bytes, not {expected.Length}");
        }

        int position = 0;
        while (actual.AsSpan(position * Merkle.HashSize, Merkle.HashSize).SequenceEqual(expected.AsSpan(position * Merkle.HashSize, Merkle.HashSize)))
        {
            position++;
        }

        if (tile.Level == 0)
        {
            long entry = Tiles.FirstEntry(tile) + position;
            return new VerificationFailedException(
                $"entry {entry}: {whose} tile {tile.Path} holds another leaf hash for it than its bytes hash to", entry);
        }

        return new VerificationFailedException($"{whose} tile {tile.Path} does not match the entries at its hash {position}");
    }

    private async Task<Dictionary<long, List<(int, byte[])>>> FetchOpeningsAsync(List<int> indexes, CancellationToken cancellationToken)
    {
        var result = new System.Collections.Concurrent.ConcurrentDictionary<long, List<(int, byte[])>>();
        int done = 0;
        await Parallel.ForEachAsync(indexes, Options(cancellationToken), async (i, ct) =>
        {
            var body = await client.TryLedgerAsync($"openings/{i}", ct)
                ?? throw new VerificationFailedException($"entry {i}: the server does not serve its openings", i);
            using var document = JsonDocument.Parse(body);
            var openings = new List<(int, byte[])>();
            foreach (var view in document.RootElement.GetProperty("openings").EnumerateArray())
            {
                openings.Add((view.GetProperty("item").GetInt32(), Encoding.UTF8.GetBytes(view.GetProperty("opening").GetRawText())));
            }

            result[i] = openings;
            progress.Report("openings fetched", Interlocked.Increment(ref done), indexes.Count);
        });
        return new Dictionary<long, List<(int, byte[])>>(result);
    }

    private static List<byte[]> Hashes(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString() ?? ""))];
    }

    private static ParallelOptions Options(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
}

/// <summary>
/// <c>parley ledger verify --dir</c>: audits an exported tlog-tiles folder with no server: the checkpoint's
/// signature, the entry bundles against the level-0 tiles and the root, every hash tile, and the state file.
/// </summary>
internal sealed class FolderAudit(string directory, VerifierKey key, string? statePath, TextWriter error, ProgressLine progress)
{
    public async Task<AuditReport> RunAsync(CancellationToken cancellationToken)
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

        var checkpoint = VerifiedCheckpoint.Verify(await File.ReadAllTextAsync(checkpointPath, cancellationToken), key, $"folder {directory}");
        string vkeyPath = Path.Combine(directory, "vkey");
        if (File.Exists(vkeyPath) && (await File.ReadAllTextAsync(vkeyPath, cancellationToken)).Trim() != key.ToString())
        {
            await error.WriteLineAsync($"parley: warning: the folder's vkey differs from --key; only --key is trusted");
        }

        var previous = StateFile.Load(statePath, key);
        var report = new AuditReport { Source = directory, Checkpoint = checkpoint, Key = key, Previous = previous, StateFile = statePath };
        long size = checkpoint.Size;

        var entries = new List<byte[]>((int)Math.Min(size, int.MaxValue));
        var bundleOf = new List<TileId>();
        foreach (var bundle in Tiles.EntryBundlesFor(size))
        {
            long first = Tiles.FirstEntry(bundle);
            var bytes = await ReadAsync(bundle, cancellationToken)
                ?? throw new VerificationFailedException(
                    $"entry {first}: the entry bundle {bundle.Path} (entries {first} to {first + bundle.Width - 1}) is missing from the folder", first);
            try
            {
                entries.AddRange(Tiles.ReadEntryBundle(bytes, bundle.Width));
            }
            catch (EntryBundleException e)
            {
                throw new VerificationFailedException($"entry {first + e.Position}: the entry bundle {bundle.Path} does not read: {e.Reason}", first + e.Position);
            }

            bundleOf.Add(bundle);
            progress.Report("entries read", entries.Count, size);
        }

        report.EntryBundles = bundleOf.Count;
        report.Entries = size;
        var tree = new MerkleTree();
        foreach (var entry in entries)
        {
            tree.Append(entry);
        }

        // Level 0 first: a changed entry shows as a leaf hash that its tile no longer holds, which names it.
        var tiles = Tiles.HashTilesFor(size).OrderBy(t => t.Level).ToList();
        var tileBytes = new Dictionary<TileId, byte[]>();
        foreach (var tile in tiles)
        {
            var bytes = await ReadAsync(tile, cancellationToken);
            if (ServerAudit.TileFailure(tile, bytes, Tiles.HashTile(tree, tile), "the folder's") is { } failure)
            {
                if (tile.Level > 0 && !CryptographicOperations.FixedTimeEquals(tree.Root(size), checkpoint.RootHash))
                {
                    break; // the root check below says more
                }

                throw failure;
            }

            tileBytes[tile] = bytes!;
        }

        if (!CryptographicOperations.FixedTimeEquals(tree.Root(size), checkpoint.RootHash))
        {
            throw new VerificationFailedException(
                $"the folder's entries do not rebuild the checkpoint's root ({checkpoint.Describe()}): entries were changed together " +
                "with their tiles, or added, removed or reordered");
        }

        var tiled = new TiledTree(size, tile => tileBytes[tile]);
        if (!CryptographicOperations.FixedTimeEquals(tiled.Root(), checkpoint.RootHash))
        {
            throw new VerificationFailedException($"the folder's hash tiles do not lead to the checkpoint's root ({checkpoint.Describe()})");
        }

        report.HashTiles = tiles.Count;
        var replay = new VisibleReplay(AgreementOf(checkpoint));
        for (int i = 0; i < entries.Count; i++)
        {
            replay.Apply(i, entries[i], []);
        }

        report.Openings = replay.Openings;
        report.StateNotCompared = "offline: the folder holds the public openings only";
        if (previous is not null)
        {
            await StateFile.CheckConsistencyAsync(previous, checkpoint, statePath!,
                (m, _) => Task.FromResult<IReadOnlyList<byte[]>>(tiled.ConsistencyProof(m)));
        }

        return report;
    }

    /// <summary>The agreement id of a Parley log: its origin is <c>&lt;center name&gt;/&lt;agreement id&gt;</c>.</summary>
    private static string AgreementOf(VerifiedCheckpoint checkpoint)
    {
        string origin = checkpoint.Body.Origin;
        int slash = origin.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? origin : origin[(slash + 1)..];
    }

    private async Task<byte[]?> ReadAsync(TileId tile, CancellationToken cancellationToken)
    {
        string path = Path.Combine(directory, tile.Path.Replace('/', Path.DirectorySeparatorChar));
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken) : null;
    }
}

/// <summary><c>parley ledger export</c>: the checkpoint, hash tiles, entry bundles and verifier key of a log, in the tlog-tiles layout.</summary>
internal static class LedgerExport
{
    public static async Task<(Checkpoint Checkpoint, int HashTiles, int EntryBundles, long Openings)> RunAsync(LedgerClient client, string directory, ProgressLine progress,
        CancellationToken cancellationToken)
    {
        string note = Encoding.UTF8.GetString(await client.LedgerAsync("checkpoint", cancellationToken));
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Parse(SignedNote.Parse(note).Text);
        }
        catch (FormatException e)
        {
            throw new CliException(ExitCodes.Failure, $"the server's checkpoint is malformed: {e.Message}");
        }

        string vkey = Encoding.UTF8.GetString(await client.LedgerAsync("key", cancellationToken));
        var tiles = Tiles.HashTilesFor(checkpoint.Size).Concat(Tiles.EntryBundlesFor(checkpoint.Size)).ToList();
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"{directory}: {e.Message}");
        }

        int done = 0;
        await Parallel.ForEachAsync(tiles, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (tile, ct) =>
        {
            var bytes = await client.TryLedgerAsync(tile.Path, ct)
                ?? throw new CliException(ExitCodes.Failure,
                    $"the server does not serve {tile.Path}, which the checkpoint of size {checkpoint.Size} needs" +
                    (tile.IsEntryBundle ? $" (an entry longer than {Tiles.MaxEntryLength} bytes cannot be bundled)" : ""));
            string path = Path.Combine(directory, tile.Path.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes, ct);
            progress.Report("tiles exported", Interlocked.Increment(ref done), tiles.Count);
        });

        long openings = await ExportOpeningsAsync(client, directory, checkpoint.Size, progress, cancellationToken);

        // The checkpoint last: a folder with a checkpoint holds everything the checkpoint needs.
        await File.WriteAllTextAsync(Path.Combine(directory, "vkey"), vkey.EndsWith('\n') ? vkey : vkey + "\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "checkpoint"), note, cancellationToken);
        int hashTiles = tiles.Count(t => !t.IsEntryBundle);
        return (checkpoint, hashTiles, tiles.Count - hashTiles, openings);
    }

    /// <summary>The file of the openings the caller may see, beside the tiles: one JSON line per entry.</summary>
    public const string OpeningsFile = "openings.jsonl";

    /// <summary>
    /// Writes <see cref="OpeningsFile"/>: for each entry up to <paramref name="size"/>, a line <c>{"index":…,"openings":[{"item":…,
    /// "opening":…}]}</c> with the openings the caller may see (an administrator's token sees them all). Returns how many.
    /// </summary>
    private static async Task<long> ExportOpeningsAsync(LedgerClient client, string directory, long size, ProgressLine progress, CancellationToken cancellationToken)
    {
        const int Page = 1000;
        long count = 0;
        string path = Path.Combine(directory, OpeningsFile);
        await using (var file = new StreamWriter(path + ".tmp", append: false, new System.Text.UTF8Encoding(false)))
        {
            file.NewLine = "\n";
            for (long from = 0; from < size; from += Page)
            {
                int n = (int)Math.Min(Page, size - from);
                using var page = JsonDocument.Parse(await client.LedgerAsync($"openings?from={from}&count={n}", cancellationToken));
                foreach (var entry in page.RootElement.GetProperty("entries").EnumerateArray())
                {
                    if (entry.GetProperty("index").GetInt64() >= size)
                    {
                        break;
                    }

                    count += entry.GetProperty("openings").GetArrayLength();
                    await file.WriteLineAsync(entry.GetRawText());
                }

                progress.Report("openings exported", Math.Min(from + n, size), size);
            }
        }

        File.Move(path + ".tmp", path, overwrite: true);
        return count;
    }
}
