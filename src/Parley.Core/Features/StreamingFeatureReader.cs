using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Parley.Core.Agreements;
using Parley.Core.Model;

namespace Parley.Core.Features;

/// <summary>
/// Reads zones and operations from GeoJSON UTF-8 text as <see cref="FeatureReader"/> does — the same items, the
/// same refusals, the same errors — without a document tree: a FeatureCollection's features are read straight
/// into zones or operations, in parallel over chunks of the features array.
/// </summary>
/// <remarks>
/// <para>
/// The result is, by contract, that of <see cref="FeatureReader.ParseJson"/> followed by
/// <see cref="FeatureReader.ReadZones"/> or <see cref="FeatureReader.ReadOperations"/>. A valid feature is read by
/// <see cref="FeatureParser"/>; any other is read by <see cref="FeatureReader.ReadOne"/> from its own bytes, so
/// that its errors are the reference's own; and a document that is not well-formed JSON (or not a collection of
/// features at all) is read by the reference whole, which gives the exact syntax error with its line and byte.
/// </para>
/// <para>
/// Chunks: each worker starts at a guess (the first <c>{</c> after a comma past its share of the bytes) and reads
/// features until it passes the next worker's share. The guesses are then checked in order: a chunk counts only
/// when it starts exactly where the chunk before it ended (the first starts at the array's first element); one
/// that does not is read again from there. So a guess inside a string costs time, never a wrong answer.
/// </para>
/// </remarks>
public static class StreamingFeatureReader
{
    /// <summary>The depth the document parser allows (<see cref="FeatureReader.ParseJson"/>).</summary>
    private const int DocumentDepth = 64;

    /// <summary>The depth left to an element of the root object's <c>features</c> array.</summary>
    private const int ElementDepth = DocumentDepth - 2;

    /// <summary>Below this many bytes a document is read on the calling thread, in one chunk.</summary>
    internal const int DefaultChunkBytes = 1 << 20;

    private const int MaxErrors = 100;

    /// <summary>An element whose reading decoded a string holding a lone UTF-16 surrogate: the reference refuses the whole input there.</summary>
    private static readonly object Abort = new();

    /// <summary>Reads zones; <paramref name="caller"/>, when given, is the owner of features that name none.</summary>
    /// <param name="utf8">The GeoJSON text.</param>
    /// <param name="agreement">The rules: parties, operation kinds, the vertex limit.</param>
    /// <param name="caller">The owner of features that name none, if any.</param>
    /// <param name="progress">Optional: features read so far, and the total expected.</param>
    /// <param name="maxFeatures">
    /// The most elements a root <c>features</c> array may hold: one more is refused (field <c>features</c>) once the JSON
    /// is known to be well-formed, before any feature is validated.
    /// </param>
    /// <param name="guard">Bounds the work: its cancellation is observed between features, its budget charged per feature.</param>
    /// <exception cref="InputRejectedException">What <see cref="FeatureReader"/> refuses, with its errors.</exception>
    /// <exception cref="OperationCanceledException">The guard's cancellation came first.</exception>
    public static IReadOnlyList<Zone> ReadZones(ReadOnlyMemory<byte> utf8, Agreement agreement, PartyId? caller = null,
        IProgress<(int Done, int Total)>? progress = null, int maxFeatures = int.MaxValue, ReadGuard? guard = null) =>
        Read<Zone>(utf8, agreement, caller, isZone: true, progress, DefaultChunkBytes, maxFeatures, guard);

    /// <summary>Reads operations (state <see cref="OperationState.Proposed"/>), as <see cref="ReadZones"/> reads zones.</summary>
    /// <param name="utf8">The GeoJSON text.</param>
    /// <param name="agreement">The rules: parties, operation kinds, the vertex limit.</param>
    /// <param name="caller">The owner of features that name none, if any.</param>
    /// <param name="progress">Optional: features read so far, and the total expected.</param>
    /// <param name="maxFeatures">The most elements a root <c>features</c> array may hold (see <see cref="ReadZones"/>).</param>
    /// <param name="guard">Bounds the work (see <see cref="ReadZones"/>).</param>
    /// <exception cref="InputRejectedException">What <see cref="FeatureReader"/> refuses, with its errors.</exception>
    /// <exception cref="OperationCanceledException">The guard's cancellation came first.</exception>
    public static IReadOnlyList<Operation> ReadOperations(ReadOnlyMemory<byte> utf8, Agreement agreement, PartyId? caller = null,
        IProgress<(int Done, int Total)>? progress = null, int maxFeatures = int.MaxValue, ReadGuard? guard = null) =>
        Read<Operation>(utf8, agreement, caller, isZone: false, progress, DefaultChunkBytes, maxFeatures, guard);

    /// <summary>
    /// The root object's <c>type</c> when it is a plain string, found without reading the features (the other
    /// members are skipped, not validated); null otherwise. Lets a route that takes one Feature refuse a collection
    /// before it costs anything.
    /// </summary>
    public static string? PeekType(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var r = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = DocumentDepth });
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                bool isType = r.ValueTextEquals("type"u8);
                r.Read();
                if (isType && r.TokenType == JsonTokenType.String)
                {
                    return r.GetString();
                }

                r.Skip();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Malformed: the reading proper says where.
        }

        return null;
    }

    /// <summary>The refusal of a request with more than <paramref name="maxFeatures"/> features.</summary>
    internal static InputRejectedException TooMany(int maxFeatures) =>
        new(new InputError(null, "features", $"more than {maxFeatures} features in one request: split it"));

    /// <summary>The reading itself; <paramref name="chunkBytes"/> sets the share of each chunk (tests make it small).</summary>
    internal static List<T> Read<T>(ReadOnlyMemory<byte> utf8, Agreement agreement, PartyId? caller, bool isZone,
        IProgress<(int Done, int Total)>? progress, int chunkBytes, int maxFeatures = int.MaxValue, ReadGuard? guard = null)
        where T : Declaration
    {
        ArgumentNullException.ThrowIfNull(agreement);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxFeatures);
        var context = new Context(utf8, agreement, caller, isZone, progress, chunkBytes, maxFeatures, guard ?? ReadGuard.None);
        if (!IsValidUtf8(utf8, chunkBytes))
        {
            return Reference<T>(context);
        }

        var document = Scan(context);
        if (document is null)
        {
            return Reference<T>(context);
        }

        if (document.Features is { } elements && elements.Sum(c => c.Entries.Count) > maxFeatures)
        {
            throw TooMany(maxFeatures);
        }

        if (document.Type == RootType.FeatureCollection && document.Features is { } features)
        {
            return Merge<T>(context, features);
        }

        if (document.Type == RootType.Feature)
        {
            return Single<T>(context);
        }

        return Reference<T>(context);
    }

    /// <summary>Whether the text is valid UTF-8, a large text checked in parts in parallel (cut where no character is).</summary>
    private static bool IsValidUtf8(ReadOnlyMemory<byte> utf8, int chunkBytes)
    {
        int parts = utf8.Length < 4L * chunkBytes ? 1 : Environment.ProcessorCount;
        if (parts == 1)
        {
            return Utf8.IsValid(utf8.Span);
        }

        var cuts = new int[parts + 1];
        cuts[parts] = utf8.Length;
        var span = utf8.Span;
        for (int k = 1; k < parts; k++)
        {
            int cut = (int)((long)utf8.Length * k / parts);
            for (int step = 0; step < 4 && cut < span.Length && (span[cut] & 0xC0) == 0x80; step++)
            {
                cut++; // past continuation bytes: a valid text is then valid in both parts, and an invalid one in either
            }

            cuts[k] = Math.Max(cut, cuts[k - 1]);
        }

        bool valid = true;
        Parallel.For(0, parts, (k, state) =>
        {
            if (!Utf8.IsValid(utf8.Span[cuts[k]..cuts[k + 1]]))
            {
                valid = false;
                state.Stop();
            }
        });
        return valid;
    }

    private enum RootType
    {
        Other,
        Feature,
        FeatureCollection,
    }

    private sealed record Document(RootType Type, List<Chunk>? Features);

    private sealed class Context(ReadOnlyMemory<byte> utf8, Agreement agreement, PartyId? caller, bool isZone,
        IProgress<(int Done, int Total)>? progress, int chunkBytes, int maxFeatures, ReadGuard guard)
    {
        public int MaxFeatures { get; } = maxFeatures;

        public ReadGuard Guard { get; } = guard;

        public ReadOnlyMemory<byte> Utf8 { get; } = utf8;

        public Agreement Agreement { get; } = agreement;

        public PartyId? Caller { get; } = caller;

        public bool IsZone { get; } = isZone;

        public IProgress<(int Done, int Total)>? Progress { get; } = progress;

        public int ChunkBytes { get; } = chunkBytes;

        public FeatureParser NewParser() => new(Agreement, Caller, IsZone, Guard);
    }

    /// <summary>The features read from one share of the array's bytes.</summary>
    private sealed class Chunk(int guess, int limit)
    {
        /// <summary>Where this chunk's share begins.</summary>
        public int Guess { get; } = guess;

        /// <summary>Features that start before this belong here; the next chunk's share begins here.</summary>
        public int Limit { get; } = limit;

        /// <summary>Where the first element read starts; -1 when none was found.</summary>
        public int Start { get; set; } = -1;

        /// <summary>Where the element after the last one read starts, or the array's <c>]</c> when <see cref="ReachedEnd"/>.</summary>
        public int Next { get; set; }

        /// <summary>Whether the array ended in this chunk.</summary>
        public bool ReachedEnd { get; set; }

        /// <summary>Whether the text is not well-formed here (meaningful only when the chunk started where it should).</summary>
        public bool Trouble { get; set; }

        /// <summary>Per element: a zone or operation, the list of its errors (fields relative to the element), or <see cref="Abort"/>.</summary>
        public List<object> Entries { get; } = [];
    }

    /// <summary>
    /// Checks the root object and every value in it but the features, which are read in chunks as soon as their
    /// array is met; null when the reference must read the document (malformed, a repeated or escaped root name, an
    /// escaped or missing type).
    /// </summary>
    private static Document? Scan(Context context)
    {
        var span = context.Utf8.Span;
        var names = new List<byte[]>();
        var scratch = new List<(int Start, int Length)>();
        var type = RootType.Other;
        List<Chunk>? features = null;
        int offset = 0; // of the reader's text in the document
        try
        {
            var r = new Utf8JsonReader(span, new JsonReaderOptions { MaxDepth = DocumentDepth });
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueIsEscaped || Repeats(names, r.ValueSpan))
                {
                    return null;
                }

                names.Add(r.ValueSpan.ToArray());
                bool isType = r.ValueSpan.SequenceEqual("type"u8), isFeatures = r.ValueSpan.SequenceEqual("features"u8);
                r.Read();
                if (isType && r.TokenType == JsonTokenType.String)
                {
                    if (r.ValueIsEscaped)
                    {
                        return null;
                    }

                    type = r.ValueSpan.SequenceEqual("FeatureCollection"u8) ? RootType.FeatureCollection
                        : r.ValueSpan.SequenceEqual("Feature"u8) ? RootType.Feature
                        : RootType.Other;
                }
                else if (isFeatures && r.TokenType == JsonTokenType.StartArray)
                {
                    // The array is read in chunks; the root reader then goes on from its ']' in the state it had after '['.
                    var state = r.CurrentState;
                    int arrayEnd;
                    (features, arrayEnd) = ReadArray(context, offset + (int)r.BytesConsumed);
                    if (features is null)
                    {
                        return null;
                    }

                    offset = arrayEnd;
                    r = new Utf8JsonReader(span[offset..], isFinalBlock: true, state);
                    r.Read();
                }
                else if (!FeatureParser.SkipChecked(ref r, span, offset, scratch))
                {
                    return null;
                }
            }

            while (r.Read())
            {
                // Anything after the root object but white space throws.
            }
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        return new Document(type, features);
    }

    private static bool Repeats(List<byte[]> names, ReadOnlySpan<byte> name)
    {
        foreach (var seen in names)
        {
            if (name.SequenceEqual(seen))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The elements of the array whose first byte after '[' is at <paramref name="first"/>, in chunks, with the position of its ']'; null when malformed.</summary>
    private static (List<Chunk>? Chunks, int End) ReadArray(Context context, int first)
    {
        var span = context.Utf8.Span;
        first = SkipBlanks(span, first);
        if (first >= span.Length)
        {
            return (null, 0);
        }

        if (span[first] == ']')
        {
            return ([], first);
        }

        int length = span.Length - first;
        int count = context.Guard.MaxParallelism == 1 ? 1 : Math.Max(1, length / context.ChunkBytes);
        var chunks = new List<Chunk>(count);
        for (int k = 0; k < count; k++)
        {
            int guess = first + (int)((long)length * k / count);
            int limit = k == count - 1 ? span.Length : first + (int)((long)length * (k + 1) / count);
            chunks.Add(new Chunk(guess, limit));
        }

        int done = 0;
        long bytesDone = 0;
        void Run(Chunk chunk, FeatureParser parser)
        {
            chunk.Start = chunk.Guess == first ? first : FindStart(context.Utf8.Span, chunk.Guess, chunk.Limit);
            if (chunk.Start >= 0)
            {
                ReadChunk(context, chunk, parser);
            }

            if (context.Progress is { } progress)
            {
                int features = Interlocked.Add(ref done, chunk.Entries.Count);
                long bytes = Interlocked.Add(ref bytesDone, chunk.Limit - chunk.Guess);
                progress.Report((features, (int)Math.Max(features, (long)features * length / Math.Max(1, bytes))));
            }
        }

        if (count == 1)
        {
            Run(chunks[0], context.NewParser());
        }
        else
        {
            try
            {
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = context.Guard.MaxParallelism > 0 ? context.Guard.MaxParallelism : -1 };
                Parallel.For(0, count, parallel, context.NewParser, (k, _, parser) =>
                {
                    Run(chunks[k], parser);
                    return parser;
                }, _ => { });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // A worker's cancellation or spent budget, as the single-threaded reading would throw it.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
        }

        // Keep the chunks that start where the one before ended; read the others again from there.
        var verified = new List<Chunk>(count);
        int expected = first;
        FeatureParser? catchUp = null;
        foreach (var guessed in chunks)
        {
            var chunk = guessed;
            if (chunk.Start != expected)
            {
                chunk = new Chunk(expected, guessed.Limit) { Start = expected };
                ReadChunk(context, chunk, catchUp ??= context.NewParser());
            }

            if (chunk.Trouble)
            {
                return (null, 0);
            }

            verified.Add(chunk);
            if (chunk.ReachedEnd)
            {
                return (verified, chunk.Next);
            }

            expected = chunk.Next;
        }

        return (null, 0); // the last chunk reaches the end of the text: an array that never closes
    }

    /// <summary>Reads elements from <see cref="Chunk.Start"/> until one starts at or past the chunk's limit, or the array ends.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadChunk(Context context, Chunk chunk, FeatureParser parser)
    {
        var span = context.Utf8.Span;
        int at = chunk.Start;
        while (at < chunk.Limit)
        {
            context.Guard.Vertices(0);
            var entry = ReadElement(context, at, parser, out int end);
            if (entry is null)
            {
                chunk.Trouble = true;
                return;
            }

            chunk.Entries.Add(entry);
            int p = SkipBlanks(span, end);
            if (p < span.Length && span[p] == ',')
            {
                p = SkipBlanks(span, p + 1);
                if (p >= span.Length || span[p] == ']')
                {
                    chunk.Trouble = true; // a trailing comma
                    return;
                }

                at = p;
            }
            else if (p < span.Length && span[p] == ']')
            {
                chunk.Next = p;
                chunk.ReachedEnd = true;
                return;
            }
            else
            {
                chunk.Trouble = true;
                return;
            }
        }

        chunk.Next = at;
    }

    /// <summary>
    /// The element starting at <paramref name="at"/>, read: a zone or operation, the list of its errors, or
    /// <see cref="Abort"/>; null when the text is not well-formed there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static object? ReadElement(Context context, int at, FeatureParser parser, out int end)
    {
        var text = context.Utf8.Span[at..];
        var r = new Utf8JsonReader(text, isFinalBlock: true, new JsonReaderState(new JsonReaderOptions { MaxDepth = ElementDepth }));
        end = at;
        try
        {
            r.Read();
            Declaration? item = null;
            bool fast = false, tried = r.TokenType == JsonTokenType.StartObject;
            if (tried)
            {
                try
                {
                    fast = parser.TryRead(ref r, text, out item);
                }
                catch (InvalidOperationException)
                {
                    fast = false; // a string with a lone surrogate escape: the reference says where it stops
                }
            }

            if (!fast)
            {
                Finish(ref r);
            }

            end = at + (tried ? parser.Offset : 0) + (int)r.BytesConsumed;
            return fast ? item : Slow(context, context.Utf8.Slice(at, end - at));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads on to the end of the value the reader is in (whose first token it has read).</summary>
    private static void Finish(ref Utf8JsonReader r)
    {
        if (r.CurrentDepth == 0 && r.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return; // a scalar, or the value's own end
        }

        while (r.Read())
        {
            if (r.CurrentDepth == 0 && r.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                return;
            }
        }
    }

    /// <summary>An element read by the reference from its own bytes; null when they are not well-formed JSON.</summary>
    private static object? Slow(Context context, ReadOnlyMemory<byte> element)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(element, new JsonDocumentOptions { MaxDepth = ElementDepth, AllowDuplicateProperties = false });
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }

        using (document)
        {
            var errors = new List<InputError>();
            try
            {
                var parsed = FeatureReader.ReadOne(document.RootElement, "", context.Agreement, context.Caller, context.IsZone, errors, guard: context.Guard);
                return parsed is null ? errors : context.IsZone ? FeatureReader.ZoneOf(parsed) : FeatureReader.OperationOf(parsed);
            }
            catch (InvalidOperationException)
            {
                return Abort;
            }
        }
    }

    /// <summary>The first '{' in [from, to) whose previous byte but blanks is a comma: likely an element's start.</summary>
    private static int FindStart(ReadOnlySpan<byte> span, int from, int to)
    {
        while (from < to)
        {
            int found = span[from..to].IndexOf((byte)'{');
            if (found < 0)
            {
                return -1;
            }

            int brace = from + found, before = brace - 1;
            while (before >= 0 && IsBlank(span[before]))
            {
                before--;
            }

            if (before >= 0 && span[before] == ',')
            {
                return brace;
            }

            from = brace + 1;
        }

        return -1;
    }

    private static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static int SkipBlanks(ReadOnlySpan<byte> span, int at)
    {
        while (at < span.Length && IsBlank(span[at]))
        {
            at++;
        }

        return at;
    }

    /// <summary>What the reference's collection reading does with the elements, in order: ids checked, errors gathered, at most 100.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<T> Merge<T>(Context context, List<Chunk> chunks)
        where T : Declaration
    {
        int total = chunks.Sum(c => c.Entries.Count);
        var result = new List<T>(total);
        var errors = new List<InputError>();
        var seen = new HashSet<string>(total, StringComparer.Ordinal);
        int i = 0;
        foreach (var chunk in chunks)
        {
            foreach (var entry in chunk.Entries)
            {
                switch (entry)
                {
                    case T item:
                        string id = IdOf(item);
                        if (seen.Add(id))
                        {
                            result.Add(item);
                        }
                        else
                        {
                            errors.Add(new InputError(id, $"features[{i}].id", FeatureReader.DuplicateIdMessage));
                        }

                        break;
                    case List<InputError> found:
                        foreach (var error in found)
                        {
                            errors.Add(error with { Field = $"features[{i}]" + (error.Field.Length > 0 ? "." + error.Field : "") });
                        }

                        break;
                    default:
                        throw new InputRejectedException(new InputError(null, "$", FeatureReader.LoneSurrogateMessage));
                }

                i++;
                if (errors.Count >= MaxErrors)
                {
                    throw new InputRejectedException(errors);
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new InputRejectedException(errors);
        }

        context.Progress?.Report((total, total));
        return result;
    }

    /// <summary>A root Feature: read fast when valid, by the reference otherwise.</summary>
    private static List<T> Single<T>(Context context)
        where T : Declaration
    {
        var text = context.Utf8.Span;
        var r = new Utf8JsonReader(text, new JsonReaderOptions { MaxDepth = DocumentDepth });
        try
        {
            r.Read();
            if (context.NewParser().TryRead(ref r, text, out var item) && item is T read)
            {
                return [read];
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // The reference says what is wrong.
        }

        return Reference<T>(context);
    }

    private static List<T> Reference<T>(Context context)
        where T : Declaration
    {
        using var document = FeatureReader.ParseJson(context.Utf8);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("features", out var features) &&
            features.ValueKind == JsonValueKind.Array && features.GetArrayLength() > context.MaxFeatures)
        {
            throw TooMany(context.MaxFeatures);
        }

        var read = context.IsZone
            ? FeatureReader.ReadZonesGuarded(document.RootElement, context.Agreement, context.Caller, context.Guard).Cast<T>()
            : FeatureReader.ReadOperationsGuarded(document.RootElement, context.Agreement, context.Caller, context.Guard).Cast<T>();
        return [.. read];
    }

    private static string IdOf(Declaration item) => item switch
    {
        Zone z => z.Id.Value,
        Operation o => o.Id.Value,
        _ => throw new ArgumentException("neither a zone nor an operation", nameof(item)),
    };
}
