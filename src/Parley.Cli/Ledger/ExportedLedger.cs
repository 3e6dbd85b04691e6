using System.Buffers;
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
    public static Task<ComplianceLedger> ReadAsync(string directory, VerifierKey? key, ProgressLine progress, CancellationToken cancellationToken) =>
        ReadAsync(directory, key, progress, OpeningsBlockBytes, cancellationToken);

    /// <summary>As <see cref="ReadAsync(string, VerifierKey?, ProgressLine, CancellationToken)"/>, the openings file read <paramref name="openingsBlock"/> bytes at a time.</summary>
    internal static async Task<ComplianceLedger> ReadAsync(string directory, VerifierKey? key, ProgressLine progress, int openingsBlock, CancellationToken cancellationToken)
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

        await using var openings = new OpeningsCursor(Path.Combine(directory, LedgerExport.OpeningsFile), checkpoint.Size, openingsBlock, cancellationToken);
        var ledger = new ComplianceLedger();
        var tree = new MerkleTree();

        // Each bundle is read and its entries checked on the thread pool, a few bundles ahead; they are added to the tree
        // and the facts in order, so the first entry at fault is the one named, as when they are read one by one.
        var ahead = new Queue<Task<(CheckedEntry[] Entries, byte[][] Leaves)>>();
        using var bundles = Tiles.EntryBundlesFor(checkpoint.Size).GetEnumerator();
        bool more = true;
        while (more || ahead.Count > 0)
        {
            while (more && ahead.Count < BundlesAhead)
            {
                more = bundles.MoveNext();
                if (more)
                {
                    // The openings file is in entry order, as the export writes it: each bundle takes the lines of its entries.
                    var bundle = bundles.Current;
                    var own = await openings.TakeUntilAsync(Tiles.FirstEntry(bundle) + bundle.Width);
                    ahead.Enqueue(Task.Run(() => CheckBundleAsync(directory, bundle, checkpoint.Size, own, cancellationToken), cancellationToken));
                }
            }

            if (ahead.Count == 0)
            {
                break;
            }

            var (entries, leaves) = await ahead.Dequeue();
            for (int i = 0; i < entries.Length; i++)
            {
                tree.AppendLeafHash(leaves[i]);
                try
                {
                    ledger.Add(entries[i]);
                }
                catch (InvalidDataException e)
                {
                    throw new CliException(ExitCodes.Failure, $"{directory}: {e.Message}");
                }
            }

            progress.Report("entries read", ledger.Size, checkpoint.Size);
        }

        await openings.TakeUntilAsync(long.MaxValue); // the rest of the file read too: a line at fault there is named as well

        if (!CryptographicOperations.FixedTimeEquals(tree.Root(checkpoint.Size), checkpoint.RootHash))
        {
            throw new CliException(ExitCodes.Failure, $"{directory}: the entries do not rebuild the checkpoint's root (size {checkpoint.Size:N0}): the folder was changed");
        }

        return ledger;
    }

    // Bundles read and checked ahead of the one being added: enough to keep both cores busy, few enough to hold little.
    private const int BundlesAhead = 8;

    // Lines of the openings file read at once, and blocks of them in hand.
    private const int OpeningsBlockBytes = 4 << 20;

    private const int OpeningsAhead = 4;

    // The most a bundle file can hold: a full bundle of the longest entries, each with its length.
    private const long MaxBundleBytes = (long)Tiles.Width * (Tiles.MaxEntryLength + 2);

    /// <summary>An entry bundle read, its entries' leaf hashes computed and each entry checked with its openings.</summary>
    private static async Task<(CheckedEntry[] Entries, byte[][] Leaves)> CheckBundleAsync(string directory, TileId bundle, long size,
        Dictionary<long, OpeningsLine> openings, CancellationToken cancellationToken)
    {
        long first = Tiles.FirstEntry(bundle);
        string path = Path.Combine(directory, bundle.Path.Replace('/', Path.DirectorySeparatorChar));
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.InvalidInput, $"{path} is missing: entries {first} to {first + bundle.Width - 1} of the checkpoint's {size:N0}");
        }

        List<byte[]> entries;
        byte[] data;
        int length;
        using (var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous))
        {
            // Pooled, as the openings' blocks are: a bundle is a large object.
            long fileLength = RandomAccess.GetLength(file);
            if (fileLength > MaxBundleBytes)
            {
                throw new CliException(ExitCodes.Failure, $"{path}: {fileLength:N0} bytes is more than a bundle of {bundle.Width} entries holds");
            }

            data = ArrayPool<byte>.Shared.Rent((int)fileLength);
            length = 0;
            int read;
            while (length < fileLength && (read = await RandomAccess.ReadAsync(file, data.AsMemory(length, (int)fileLength - length), length, cancellationToken)) > 0)
            {
                length += read;
            }
        }

        try
        {
            entries = Tiles.ReadEntryBundle(data.AsSpan(0, length), bundle.Width);
        }
        catch (EntryBundleException e)
        {
            throw new CliException(ExitCodes.Failure, $"{path}: entry {first + e.Position} does not read: {e.Reason}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data); // the entries are copies
        }

        var checkedEntries = new CheckedEntry[entries.Count];
        var leaves = new byte[entries.Count][];
        for (int i = 0; i < entries.Count; i++)
        {
            leaves[i] = Merkle.LeafHash(entries[i]);
            checkedEntries[i] = openings.TryGetValue(first + i, out var line)
                ? CheckedEntry.Check(first + i, entries[i], line.Openings, line.Hashed)
                : CheckedEntry.Check(first + i, entries[i], []);
        }

        return (checkedEntries, leaves);
    }

    /// <summary>
    /// The openings file read in entry order: its lines are read in blocks, each block parsed on the thread pool (every
    /// opening put in its canonical form, which its commitment hashes) a few blocks ahead, and the lines handed out in
    /// order, entry range by entry range, so that the openings of a million entries are never all in memory. A later line
    /// for an entry still in hand replaces an earlier one; a line for an entry already handed out is refused, by line.
    /// </summary>
    private sealed class OpeningsCursor(string path, long size, int blockBytes, CancellationToken cancellationToken) : IAsyncDisposable
    {
        private readonly Queue<Task<OpeningsBlock>> _ahead = new();
        private readonly FileStream? _file = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true)
            : null; // a folder exported before openings were: its public openings only
        private byte[] _carry = [];
        private int _line = 1;
        private bool _end, _start = true;
        private OpeningsBlock? _block;
        private int _next;
        private long _handedOut;

        /// <summary>The openings of every entry before <paramref name="end"/> not handed out yet, by entry.</summary>
        public async Task<Dictionary<long, OpeningsLine>> TakeUntilAsync(long end)
        {
            var taken = new Dictionary<long, OpeningsLine>();
            while (await PeekAsync() is { } line)
            {
                if (line.Index >= end)
                {
                    break;
                }

                if (line.Index < _handedOut)
                {
                    throw new CliException(ExitCodes.InvalidInput,
                        $"{path}, line {line.Line}: the openings of entry {line.Index} come after those of later entries (the file is in entry order, as 'parley ledger export' writes it)");
                }

                taken[line.Index] = line;
                _next++;
            }

            _handedOut = end;
            return taken;
        }

        private async Task<OpeningsLine?> PeekAsync()
        {
            while (_block is null || _next == _block.Lines.Count)
            {
                if (_block?.Fault is { } fault)
                {
                    throw new CliException(ExitCodes.InvalidInput, $"{path}, line {fault.Line}: not an entry's openings ({fault.Error})");
                }

                await FillAsync();
                if (_ahead.Count == 0)
                {
                    return null;
                }

                _block = await _ahead.Dequeue();
                _next = 0;
            }

            return _block.Lines[_next];
        }

        private async Task FillAsync()
        {
            while (_file is not null && !_end && _ahead.Count < OpeningsAhead)
            {
                // Blocks are pooled: a fresh one per block would be a large object each, and a full collection soon after.
                int length = _carry.Length + blockBytes;
                var buffer = ArrayPool<byte>.Shared.Rent(length);
                _carry.CopyTo(buffer, 0);
                int filled = _carry.Length, read;
                while (filled < length && (read = await _file.ReadAsync(buffer.AsMemory(filled, length - filled), cancellationToken)) > 0)
                {
                    filled += read;
                }

                _end = filled < length;
                int cut = _end ? filled : buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
                if (cut == 0)
                {
                    // A line longer than a block: read on until it ends.
                    _carry = buffer[..filled];
                    ArrayPool<byte>.Shared.Return(buffer);
                    continue;
                }

                _carry = buffer[cut..filled];
                var block = new ReadOnlyMemory<byte>(buffer, 0, cut);
                if (_start && block.Span.StartsWith(Utf8Bom))
                {
                    block = block[Utf8Bom.Length..];
                }

                _start = false;
                int firstLine = _line;
                _line += block.Span.Count((byte)'\n');
                _ahead.Enqueue(Task.Run(() =>
                {
                    try
                    {
                        return ParseOpenings(block, firstLine, size);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer); // every opening kept is a copy
                    }
                }, cancellationToken));
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_file is not null)
            {
                await _file.DisposeAsync();
            }
        }
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// A line of the openings file: the entry it opens, the openings by item, and where it is. Openings that cannot state a
    /// compliance fact, in a line of the export's own layout, are kept as their hash alone (<see cref="OpeningsLineLayout"/>).
    /// </summary>
    private sealed record OpeningsLine(long Index, List<(int Item, byte[] Opening)> Openings, List<(int Item, byte[] Hash)>? Hashed, int Line);

    /// <summary>A block of lines of the openings file, parsed up to its first line at fault.</summary>
    private sealed record OpeningsBlock(List<OpeningsLine> Lines, (int Line, string Error)? Fault);

    private static OpeningsBlock ParseOpenings(ReadOnlyMemory<byte> block, int line, long size)
    {
        var entries = new List<OpeningsLine>();
        var scratch = new System.Buffers.ArrayBufferWriter<byte>(1024);
        for (var rest = block; rest.Length > 0; line++)
        {
            int newline = rest.Span.IndexOf((byte)'\n');
            var text = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? ReadOnlyMemory<byte>.Empty : rest[(newline + 1)..];
            if (text.Span.EndsWith("\r"u8))
            {
                text = text[..^1];
            }

            if (text.Length == 0)
            {
                continue;
            }

            try
            {
                var (index, openings, hashed) = OpeningsLineLayout.TryRead(text.Span, scratch, out long at, out var taken, out var hashes)
                    ? (at, taken, hashes)
                    : ReadLine(text.Span, scratch);
                if (index >= 0 && index < size) // else beyond the checkpoint
                {
                    entries.Add(new OpeningsLine(index, openings, hashed, line));
                }
            }
            catch (JsonException e)
            {
                return new OpeningsBlock(entries, (line, e.Message));
            }
        }

        return new OpeningsBlock(entries, null);
    }

    /// <summary>
    /// A line <c>{"index": n, "openings": [{"item": i, "opening": {…}}, …]}</c>, members in any order, read in one pass:
    /// each opening as its text with <see cref="CanonicalJson.TryWriteAsRead"/>'s escapes, which is its canonical form when
    /// the opening is as the export writes it (<see cref="CheckedEntry"/> puts any other form in canonical form before it gives up on it).
    /// </summary>
    /// <exception cref="JsonException">The line is not JSON, or not of that shape (the message says what is wrong).</exception>
    private static (long Index, List<(int Item, byte[] Opening)> Openings, List<(int Item, byte[] Hash)>? Hashed) ReadLine(ReadOnlySpan<byte> text, System.Buffers.ArrayBufferWriter<byte> scratch)
    {
        var reader = new Utf8JsonReader(text);
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "a line is a JSON object");
        long? index = null;
        List<(int Item, byte[] Opening)>? openings = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                Expect(index is null, "\"index\" is given twice");
                Expect(reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value), "\"index\" is not an integer");
                index = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("openings"u8))
            {
                Expect(openings is null, "\"openings\" is given twice");
                Expect(reader.Read() && reader.TokenType == JsonTokenType.StartArray, "\"openings\" is not an array");
                openings = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    openings.Add(ReadOpening(ref reader, text, scratch));
                }
            }
            else
            {
                reader.Skip();
            }
        }

        Expect(reader.TokenType == JsonTokenType.EndObject, "the line's object does not close");
        Expect(!reader.Read(), "the line holds more than one JSON value");
        return (index ?? throw new JsonException("no \"index\""), openings ?? throw new JsonException("no \"openings\""), null);
    }

    private static (int Item, byte[] Opening) ReadOpening(ref Utf8JsonReader reader, ReadOnlySpan<byte> text, System.Buffers.ArrayBufferWriter<byte> scratch)
    {
        Expect(reader.TokenType == JsonTokenType.StartObject, "an element of \"openings\" is not an object");
        int? item = null;
        byte[]? opening = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("item"u8))
            {
                Expect(item is null, "\"item\" is given twice");
                Expect(reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out _), "\"item\" is not an integer");
                item = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("opening"u8))
            {
                Expect(opening is null, "\"opening\" is given twice");
                Expect(reader.Read(), "\"opening\" has no value");
                int start = (int)reader.TokenStartIndex;
                reader.Skip();
                var value = text[start..(int)reader.BytesConsumed];
                scratch.ResetWrittenCount();
                opening = CanonicalJson.TryWriteAsRead(value, scratch) ? scratch.WrittenSpan.ToArray() : value.ToArray();
            }
            else
            {
                reader.Skip();
            }
        }

        return (item ?? throw new JsonException("an opening has no \"item\""), opening ?? throw new JsonException("an item has no \"opening\""));
    }

    private static void Expect(bool holds, string otherwise)
    {
        if (!holds)
        {
            throw new JsonException(otherwise);
        }
    }
}
