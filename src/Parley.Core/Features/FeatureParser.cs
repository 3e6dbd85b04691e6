using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Features;

/// <summary>
/// Reads one GeoJSON Feature from UTF-8 tokens straight into a zone or an operation: no document, no string per
/// coordinate. It answers only for a valid feature, and then exactly as <see cref="FeatureReader"/> would; for
/// anything else (an error, or a form it does not read: escaped names, an escaped type) it says no, and the
/// caller reads that feature with <see cref="FeatureReader"/>, which says what is wrong.
/// </summary>
/// <remarks>
/// Every test of <see cref="FeatureReader.ReadOne"/> and <see cref="GeometryReader"/> is made here too, in whatever
/// order the members come. Repeated names are caught in every object it reads, skipped values included, so that
/// it never accepts what the document parser would refuse. Not thread-safe: one per thread, its buffers reused.
/// Its hot methods are compiled optimised at once: a batch reads a million features in one short-lived process,
/// which would otherwise spend its first second in unoptimised and instrumented code.
/// </remarks>
internal sealed class FeatureParser
{
    private enum GeometryType
    {
        None,
        Point,
        LineString,
        MultiLineString,
        Polygon,
        MultiPolygon,
    }

    /// <summary>What the members of one feature said, before the tests that need them all.</summary>
    private struct Fields
    {
        public string? Id;
        public int KindStart;
        public int KindLength;
        public string? KindEscaped;
        public bool HasKind;
        public int OwnerStart;
        public int OwnerLength;
        public bool HasOwner;
        public double? AltMin;
        public double? AltMax;
        public DateTimeOffset? Start;
        public DateTimeOffset? End;
        public double? Radius;
        public double? Corridor;
        public string? Name;
        public Visibility Visibility;
        public IReadOnlyList<PartyId>? SharedWith;
        public GeometryType Geometry;
        public int Depth; // of the coordinates: 1 a position, 2 a list of positions, 3 a list of lists, 4 one more
    }

    private const int MaxCached = 32;
    private static readonly IReadOnlyList<PartyId> NoParties = [];

    private readonly Agreement _agreement;
    private readonly ReadGuard _guard;
    private readonly PartyId? _caller;
    private readonly bool _isZone;
    private readonly int _maxVertices;
    private readonly (byte[] Utf8, string Kind)[] _operationKinds;
    private readonly List<(byte[] Utf8, PartyId Party, bool Known)> _parties = [];
    private readonly List<(int Start, int Length)> _names = []; // member names of the objects being read, innermost last
    private readonly List<int> _pathLengths = []; // positions per list of positions, in order
    private readonly List<int> _polygonLengths = []; // lists per list of lists, in order
    private readonly List<PartyId> _shared = [];
    private double[] _xy = new double[64];
    private int _positions;
    private int _offset; // where the reader's text begins in the feature's: a new reader takes over after coordinates scanned without it

    /// <summary>Creates a parser for zones (<paramref name="isZone"/>) or operations under <paramref name="agreement"/>.</summary>
    public FeatureParser(Agreement agreement, PartyId? caller, bool isZone, ReadGuard? guard = null)
    {
        _agreement = agreement;
        _guard = guard ?? ReadGuard.None;
        _caller = caller;
        _isZone = isZone;
        _maxVertices = agreement.MaxVerticesPerFeature;
        _operationKinds = [.. agreement.OperationKinds.Select(k => (Encoding.UTF8.GetBytes(k), k))];
    }

    /// <summary>
    /// Where the text of the reader last given to <see cref="TryRead"/> now begins in the feature's text (the reader
    /// is replaced after a feature's coordinates, which are scanned without it): its end is this plus its bytes consumed.
    /// </summary>
    public int Offset => _offset;

    /// <summary>
    /// Reads the feature whose <c>{</c> the reader has just read, to its <c>}</c>. True with the item when the
    /// feature is valid; false, the reader anywhere inside it, otherwise.
    /// </summary>
    /// <param name="r">The reader, on the feature's start; <paramref name="buffer"/> is the text it reads.</param>
    /// <param name="buffer">The reader's text (its token indexes point into it).</param>
    /// <param name="item">The zone or operation.</param>
    /// <exception cref="JsonException">The JSON text is malformed.</exception>
    /// <exception cref="InvalidOperationException">A string holds a lone UTF-16 surrogate escape.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(ref Utf8JsonReader r, ReadOnlySpan<byte> buffer, out Declaration? item)
    {
        item = null;
        var f = default(Fields);
        _offset = 0;
        _positions = 0;
        _pathLengths.Clear();
        _polygonLengths.Clear();
        _names.Clear();
        int seen = 0;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped)
            {
                return false;
            }

            var name = r.ValueSpan;
            int member;
            if (name.SequenceEqual("type"u8))
            {
                member = 1;
                r.Read();
                if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped || !r.ValueSpan.SequenceEqual("Feature"u8))
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("id"u8))
            {
                member = 2;
                r.Read();
                f.Id = r.TokenType switch
                {
                    JsonTokenType.String => r.ValueIsEscaped ? r.GetString() : Encoding.UTF8.GetString(r.ValueSpan),
                    JsonTokenType.Number => Encoding.UTF8.GetString(r.ValueSpan), // its text, as written
                    _ => null,
                };
                if (f.Id is null)
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("geometry"u8))
            {
                member = 4;
                r.Read();
                if (r.TokenType != JsonTokenType.StartObject || !TryGeometry(ref r, buffer, ref f))
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("properties"u8))
            {
                member = 8;
                r.Read();
                if (r.TokenType != JsonTokenType.StartObject || !TryProperties(ref r, buffer, ref f))
                {
                    return false;
                }
            }
            else
            {
                member = 0;
                if (!AddName(ref r, buffer, 0))
                {
                    return false;
                }

                r.Read();
                if (!SkipChecked(ref r, buffer, _offset, _names))
                {
                    return false;
                }
            }

            if ((seen & member) != 0)
            {
                return false; // a repeated member: the document parser refuses it
            }

            seen |= member;
        }

        return seen == 15 && TryBuild(ref f, buffer, out item);
    }

    /// <summary>
    /// Skips the value the reader is on, failing on a repeated name in any object inside it or on an escaped name
    /// (which only the document parser compares as it should).
    /// </summary>
    /// <param name="r">The reader, on the value's first token.</param>
    /// <param name="buffer">The text whose part from <paramref name="offset"/> on the reader reads.</param>
    /// <param name="offset">Where the reader's text begins in <paramref name="buffer"/>.</param>
    /// <param name="names">Names of the enclosing objects (kept as they were) and room for those inside.</param>
    internal static bool SkipChecked(ref Utf8JsonReader r, ReadOnlySpan<byte> buffer, int offset, List<(int Start, int Length)> names)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartArray:
                while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                {
                    if (!SkipChecked(ref r, buffer, offset, names))
                    {
                        return false;
                    }
                }

                return true;
            case JsonTokenType.StartObject:
                int mark = names.Count;
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (!AddName(ref r, buffer, offset, names, mark))
                    {
                        return false;
                    }

                    r.Read();
                    if (!SkipChecked(ref r, buffer, offset, names))
                    {
                        return false;
                    }
                }

                names.RemoveRange(mark, names.Count - mark);
                return true;
            default:
                return true;
        }
    }

    /// <summary>Notes the name the reader is on among those of its object (from <paramref name="mark"/>); false when it repeats one or is escaped.</summary>
    internal static bool AddName(ref Utf8JsonReader r, ReadOnlySpan<byte> buffer, int offset, List<(int Start, int Length)> names, int mark)
    {
        if (r.ValueIsEscaped)
        {
            return false;
        }

        var name = r.ValueSpan;
        for (int i = mark; i < names.Count; i++)
        {
            if (buffer.Slice(names[i].Start, names[i].Length).SequenceEqual(name))
            {
                return false;
            }
        }

        names.Add((offset + (int)r.TokenStartIndex + 1, name.Length)); // a name's token starts at its opening quote
        return true;
    }

    private bool AddName(ref Utf8JsonReader r, ReadOnlySpan<byte> buffer, int mark) => AddName(ref r, buffer, _offset, _names, mark);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryGeometry(ref Utf8JsonReader r, ReadOnlySpan<byte> buffer, ref Fields f)
    {
        int mark = _names.Count;
        int seen = 0;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped)
            {
                return false;
            }

            var name = r.ValueSpan;
            int member;
            if (name.SequenceEqual("type"u8))
            {
                member = 1;
                r.Read();
                if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped)
                {
                    return false;
                }

                var type = r.ValueSpan;
                f.Geometry = type.SequenceEqual("Polygon"u8) ? GeometryType.Polygon
                    : type.SequenceEqual("Point"u8) ? GeometryType.Point
                    : type.SequenceEqual("LineString"u8) ? GeometryType.LineString
                    : type.SequenceEqual("MultiPolygon"u8) ? GeometryType.MultiPolygon
                    : type.SequenceEqual("MultiLineString"u8) ? GeometryType.MultiLineString
                    : GeometryType.None;
                if (f.Geometry == GeometryType.None)
                {
                    return false;
                }
            }
            else if (name.SequenceEqual("coordinates"u8))
            {
                member = 2;
                r.Read();
                if (r.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                f.Depth = ScanCoordinates(ref r, buffer);
                if (f.Depth < 0)
                {
                    f.Depth = ReadArray(ref r, 1);
                }

                if (f.Depth < 0)
                {
                    return false;
                }
            }
            else
            {
                member = 0;
                if (!AddName(ref r, buffer, mark))
                {
                    return false;
                }

                r.Read();
                if (!SkipChecked(ref r, buffer, _offset, _names))
                {
                    return false;
                }
            }

            if ((seen & member) != 0)
            {
                return false;
            }

            seen |= member;
        }

        _names.RemoveRange(mark, _names.Count - mark);
        return seen == 3;
    }

    /// <summary>
    /// Reads the coordinates whose <c>[</c> the reader is on straight from the bytes, for the common form (nested
    /// arrays of plain decimal numbers): their depth, the reader then replaced by one on their <c>]</c> in the state it
    /// had after <c>[</c>. -1, the reader and the buffers left as they were, for any other form, which
    /// <see cref="ReadArray"/> then reads token by token (and a malformed one, which its reader refuses).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ScanCoordinates(ref Utf8JsonReader r, ReadOnlySpan<byte> text)
    {
        int positions = _positions, paths = _pathLengths.Count, polygons = _polygonLengths.Count;
        int at = _offset + (int)r.BytesConsumed;
        int depth = ScanArray(text, ref at, 1);
        if (depth < 0)
        {
            _positions = positions;
            _pathLengths.RemoveRange(paths, _pathLengths.Count - paths);
            _polygonLengths.RemoveRange(polygons, _polygonLengths.Count - polygons);
            return -1;
        }

        var state = r.CurrentState;
        _offset = at - 1;
        r = new Utf8JsonReader(text[_offset..], isFinalBlock: true, state);
        r.Read(); // the ']'
        return depth;
    }

    /// <summary>An array of coordinates from just after its <c>[</c> to just after its <c>]</c>: its depth, or -1 (see <see cref="ReadArray"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ScanArray(ReadOnlySpan<byte> text, ref int at, int level)
    {
        if (level > 4)
        {
            return -1;
        }

        at = SkipBlanks(text, at);
        if (at >= text.Length)
        {
            return -1;
        }

        if (text[at] != '[')
        {
            return ScanPosition(text, ref at) ? 1 : -1;
        }

        at++;
        int child = ScanArray(text, ref at, level + 1);
        if (child < 0)
        {
            return -1;
        }

        int count = 1;
        while (true)
        {
            at = SkipBlanks(text, at);
            if (at >= text.Length)
            {
                return -1;
            }

            if (text[at] == ']')
            {
                at++;
                break;
            }

            if (text[at] != ',')
            {
                return -1;
            }

            at = SkipBlanks(text, at + 1);
            if (at >= text.Length || text[at] != '[')
            {
                return -1;
            }

            at++;
            if (ScanArray(text, ref at, level + 1) != child)
            {
                return -1;
            }

            count++;
        }

        NoteLength(child, count);
        return child + 1;
    }

    /// <summary>A position from its first number to just after its <c>]</c>, as <see cref="ReadPosition"/> takes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ScanPosition(ReadOnlySpan<byte> text, ref int at)
    {
        if (_positions >= _maxVertices + _pathLengths.Count + 1 || !ScanNumber(text, ref at, out double x) || !ScanSeparator(text, ref at, (byte)',') ||
            !ScanNumber(text, ref at, out double y))
        {
            return false;
        }

        at = SkipBlanks(text, at);
        if (at < text.Length && text[at] == ',')
        {
            at = SkipBlanks(text, at + 1);
            if (!ScanNumber(text, ref at, out _))
            {
                return false;
            }

            at = SkipBlanks(text, at);
        }

        if (at >= text.Length || text[at] != ']' || x is < -180 or > 180 || y is < -90 or > 90)
        {
            return false;
        }

        at++;
        if (2 * (_positions + 1) > _xy.Length)
        {
            Array.Resize(ref _xy, _xy.Length * 2);
        }

        _xy[2 * _positions] = x;
        _xy[(2 * _positions) + 1] = y;
        _positions++;
        return true;
    }

    private static bool ScanSeparator(ReadOnlySpan<byte> text, ref int at, byte separator)
    {
        at = SkipBlanks(text, at);
        if (at >= text.Length || text[at] != separator)
        {
            return false;
        }

        at = SkipBlanks(text, at + 1);
        return true;
    }

    /// <summary>
    /// A JSON number of the form <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?</c> followed by a blank, a comma or a <c>]</c>, read in
    /// the one pass that checks it, with the value <see cref="Utf8Values.TryParseDecimal"/> gives (at most 19 digits, the
    /// integer they make at most 2^53, at most 22 decimals). False for anything else (an exponent, more digits, a
    /// malformed number), which the reader then reads or refuses.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool ScanNumber(ReadOnlySpan<byte> text, ref int at, out double value)
    {
        unchecked
        {
            value = 0;
            int p = at;
            bool negative = p < text.Length && text[p] == '-';
            if (negative)
            {
                p++;
            }

            if (p >= text.Length || !IsDigit(text[p]))
            {
                return false;
            }

            ulong mantissa = 0;
            int digits = 0;
            if (text[p] == '0')
            {
                p++;
                digits = 1;
                if (p < text.Length && IsDigit(text[p]))
                {
                    return false; // a leading zero
                }
            }
            else
            {
                while (p < text.Length && IsDigit(text[p]))
                {
                    mantissa = (mantissa * 10) + (uint)(text[p++] - '0');
                    if (++digits > MaxDigits)
                    {
                        return false;
                    }
                }
            }

            int decimals = 0;
            if (p < text.Length && text[p] == '.')
            {
                p++;

                // Eight bytes at a time while eight are there: how many digits lead, and their value (Lemire's eight-digit parse).
                while (p + 8 <= text.Length)
                {
                    ulong chunk = BinaryPrimitives.ReadUInt64LittleEndian(text[p..]);
                    int n = LeadingDigits(chunk);
                    if (n == 0 || digits + n > MaxDigits)
                    {
                        break;
                    }

                    mantissa = (mantissa * PowersOfTen[n]) + EightDigits(chunk, n);
                    digits += n;
                    decimals += n;
                    p += n;
                    if (n < 8)
                    {
                        break;
                    }
                }

                while (p < text.Length && IsDigit(text[p]))
                {
                    mantissa = (mantissa * 10) + (uint)(text[p++] - '0');
                    decimals++;
                    if (++digits > MaxDigits)
                    {
                        return false;
                    }
                }

                if (decimals == 0)
                {
                    return false;
                }
            }

            if (p >= text.Length || !(text[p] is (byte)',' or (byte)']' || IsBlank(text[p])) ||
                mantissa > ExactMantissa || decimals >= PowersOfTenD.Length)
            {
                return false;
            }

            double magnitude = decimals == 0 ? mantissa : mantissa / PowersOfTenD[decimals];
            value = negative ? -magnitude : magnitude;
            at = p;
            return true;
        }
    }

    private const int MaxDigits = 19;
    private const ulong ExactMantissa = 1UL << 53;
    private static readonly ulong[] PowersOfTen = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];
    private static readonly double[] PowersOfTenD =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>How many of the eight bytes (the first in the lowest) are ASCII digits before the first that is not.</summary>
    private static int LeadingDigits(ulong chunk)
    {
        unchecked
        {
            // Bytes before the first non-digit neither borrow nor carry, so that one's high bit shows in t or u.
            ulong t = chunk - 0x3030303030303030UL;
            ulong u = t + 0x7676767676767676UL;
            ulong nonDigits = (t | u) & 0x8080808080808080UL;
            return System.Numerics.BitOperations.TrailingZeroCount(nonDigits) >> 3;
        }
    }

    /// <summary>The value of the first <paramref name="n"/> (1–8) bytes of <paramref name="chunk"/>, ASCII digits, the first the most significant.</summary>
    private static ulong EightDigits(ulong chunk, int n)
    {
        unchecked
        {
            ulong digits = chunk & 0x0F0F0F0F0F0F0F0FUL;
            digits <<= 8 * (8 - n); // the n digits last, zeros before them
            digits = (digits * 2561) >> 8;
            digits = ((digits & 0x00FF00FF00FF00FFUL) * 6553601) >> 16;
            return ((digits & 0x0000FFFF0000FFFFUL) * 42949672960001) >> 32;
        }
    }

    private static bool IsDigit(byte b) => unchecked((uint)(b - '0')) <= 9;

    private static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static int SkipBlanks(ReadOnlySpan<byte> text, int at)
    {
        while (at < text.Length && IsBlank(text[at]))
        {
            at++;
        }

        return at;
    }

    /// <summary>
    /// Reads an array of coordinates whose <c>[</c> the reader is on, to its <c>]</c>: its depth (1 a position, 2 a
    /// list of positions, and so on), or -1 for anything but evenly nested, non-empty arrays of valid positions.
    /// </summary>
    private int ReadArray(ref Utf8JsonReader r, int level)
    {
        if (level > 4)
        {
            return -1;
        }

        r.Read();
        if (r.TokenType == JsonTokenType.Number)
        {
            return ReadPosition(ref r) ? 1 : -1;
        }

        if (r.TokenType != JsonTokenType.StartArray)
        {
            return -1; // empty, or not coordinates: an error
        }

        int child = ReadArray(ref r, level + 1);
        if (child < 0)
        {
            return -1;
        }

        int count = 1;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartArray || ReadArray(ref r, level + 1) != child)
            {
                return -1;
            }

            count++;
        }

        NoteLength(child, count);
        return child + 1;
    }

    // A path's positions and a polygon's rings are counted as they are read, for the shape's packed arrays.
    private void NoteLength(int child, int count)
    {
        if (child == 1)
        {
            _pathLengths.Add(count);
        }
        else if (child == 2)
        {
            _polygonLengths.Add(count);
        }
    }

    /// <summary>A position whose first number the reader is on, to its <c>]</c>: two or three finite numbers, longitude and latitude in range.</summary>
    private bool ReadPosition(ref Utf8JsonReader r)
    {
        // A ring's closing position is not counted: the exact count is made once the paths are known (TryShape).
        if (_positions >= _maxVertices + _pathLengths.Count + 1 || !Number(ref r, out double x))
        {
            return false; // more vertices than the agreement allows: the reference names the limit
        }

        r.Read();
        if (r.TokenType != JsonTokenType.Number || !Number(ref r, out double y))
        {
            return false;
        }

        r.Read();
        if (r.TokenType == JsonTokenType.Number)
        {
            if (!Number(ref r, out _))
            {
                return false;
            }

            r.Read();
        }

        if (r.TokenType != JsonTokenType.EndArray || x is < -180 or > 180 || y is < -90 or > 90)
        {
            return false;
        }

        if (2 * (_positions + 1) > _xy.Length)
        {
            Array.Resize(ref _xy, _xy.Length * 2);
        }

        _xy[2 * _positions] = x;
        _xy[(2 * _positions) + 1] = y;
        _positions++;
        return true;
    }

    /// <summary>A finite number (as <see cref="JsonElement.TryGetDouble"/> reads it).</summary>
    private static bool Number(ref Utf8JsonReader r, out double value) =>
        (Utf8Values.TryParseDecimal(r.ValueSpan, out value) || r.TryGetDouble(out value)) && double.IsFinite(value);

    /// <summary>A number of metres as <see cref="FeatureReader.ReadNumber"/> accepts it, or null for JSON null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Metres(ref Utf8JsonReader r, out double? value)
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.Number || !Number(ref r, out double d) || Math.Abs(d) > 1e9)
        {
            return false;
        }

        value = d;
        return true;
    }

    /// <summary>A time as <see cref="FeatureReader.TryParseTime"/> accepts it, or null for JSON null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Time(ref Utf8JsonReader r, out DateTimeOffset? value)
    {
        value = null;
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.String)
        {
            return false;
        }

        if (!r.ValueIsEscaped && Utf8Values.TryParseUtcSeconds(r.ValueSpan, out var fast))
        {
            value = fast;
            return true;
        }

        if (!FeatureReader.TryParseTime(r.GetString(), out var time))
        {
            return false;
        }

        value = time;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryProperties(ref Utf8JsonReader r, ReadOnlySpan<byte> buffer, ref Fields f)
    {
        int mark = _names.Count;
        int seen = 0;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped)
            {
                return false;
            }

            var name = r.ValueSpan;
            int member = name.Length switch
            {
                3 when name.SequenceEqual("end"u8) => 1 << 0,
                4 when name.SequenceEqual("kind"u8) => 1 << 1,
                4 when name.SequenceEqual("name"u8) => 1 << 2,
                5 when name.SequenceEqual("owner"u8) => 1 << 3,
                5 when name.SequenceEqual("start"u8) => 1 << 4,
                8 when name.SequenceEqual("radius_m"u8) => 1 << 5,
                9 when name.SequenceEqual("alt_min_m"u8) => 1 << 6,
                9 when name.SequenceEqual("alt_max_m"u8) => 1 << 7,
                10 when name.SequenceEqual("corridor_m"u8) => 1 << 8,
                10 when name.SequenceEqual("visibility"u8) => 1 << 9,
                11 when name.SequenceEqual("shared_with"u8) => 1 << 10,
                _ => 0,
            };
            if (member == 0)
            {
                if (!AddName(ref r, buffer, mark))
                {
                    return false;
                }

                r.Read();
                if (!SkipChecked(ref r, buffer, _offset, _names))
                {
                    return false;
                }

                continue;
            }

            if ((seen & member) != 0)
            {
                return false;
            }

            seen |= member;
            r.Read();
            bool ok = member switch
            {
                1 << 0 => Time(ref r, out f.End),
                1 << 1 => ReadKind(ref r, ref f),
                1 << 2 => ReadName(ref r, ref f),
                1 << 3 => ReadOwner(ref r, ref f),
                1 << 4 => Time(ref r, out f.Start),
                1 << 5 => Metres(ref r, out f.Radius),
                1 << 6 => Metres(ref r, out f.AltMin),
                1 << 7 => Metres(ref r, out f.AltMax),
                1 << 8 => Metres(ref r, out f.Corridor),
                1 << 9 => ReadVisibility(ref r, ref f),
                _ => ReadSharedWith(ref r, ref f),
            };
            if (!ok)
            {
                return false;
            }
        }

        _names.RemoveRange(mark, _names.Count - mark);
        return true;
    }

    private bool ReadKind(ref Utf8JsonReader r, ref Fields f)
    {
        if (r.TokenType != JsonTokenType.String)
        {
            return false;
        }

        f.HasKind = true;
        if (r.ValueIsEscaped)
        {
            f.KindEscaped = r.GetString();
        }
        else
        {
            f.KindStart = _offset + (int)r.TokenStartIndex + 1;
            f.KindLength = r.ValueSpan.Length;
        }

        return true;
    }

    private static bool ReadName(ref Utf8JsonReader r, ref Fields f)
    {
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.String)
        {
            return false;
        }

        f.Name = r.ValueIsEscaped ? r.GetString() : Encoding.UTF8.GetString(r.ValueSpan);
        return f.Name!.Length <= FeatureReader.MaxNameCharacters || FeatureReader.CountCharacters(f.Name) <= FeatureReader.MaxNameCharacters;
    }

    private bool ReadOwner(ref Utf8JsonReader r, ref Fields f)
    {
        if (r.TokenType == JsonTokenType.Null)
        {
            return true; // as if absent: the caller owns it, if there is one
        }

        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped || r.ValueSpan.Length == 0)
        {
            return false;
        }

        f.HasOwner = true;
        f.OwnerStart = _offset + (int)r.TokenStartIndex + 1;
        f.OwnerLength = r.ValueSpan.Length;
        return true;
    }

    private static bool ReadVisibility(ref Utf8JsonReader r, ref Fields f)
    {
        if (r.TokenType == JsonTokenType.Null)
        {
            f.Visibility = Visibility.Private;
            return true;
        }

        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped)
        {
            return false;
        }

        var v = r.ValueSpan;
        f.Visibility = v.SequenceEqual("private"u8) ? Visibility.Private
            : v.SequenceEqual("parties"u8) ? Visibility.Parties
            : v.SequenceEqual("public"u8) ? Visibility.Public
            : (Visibility)(-1);
        return f.Visibility >= 0;
    }

    private bool ReadSharedWith(ref Utf8JsonReader r, ref Fields f)
    {
        if (r.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (r.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        _shared.Clear();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped || !TryParty(r.ValueSpan, out var party))
            {
                return false;
            }

            _shared.Add(party);
        }

        f.SharedWith = _shared.Count > 0 ? _shared.ToArray() : NoParties;
        return true;
    }

    /// <summary>The party named by these bytes when the agreement accepts it (a few are remembered, so that a million features share their ids).</summary>
    private bool TryParty(ReadOnlySpan<byte> utf8, out PartyId party)
    {
        foreach (var (bytes, known, ok) in _parties)
        {
            if (utf8.SequenceEqual(bytes))
            {
                party = known;
                return ok;
            }
        }

        party = new PartyId(Encoding.UTF8.GetString(utf8));
        bool accepted = _agreement.HasParty(party);
        if (_parties.Count < MaxCached)
        {
            _parties.Add((utf8.ToArray(), party, accepted));
        }

        return accepted;
    }

    private bool TryKind(ReadOnlySpan<byte> buffer, ref Fields f, out string kind, out ZoneKind zoneKind)
    {
        kind = "";
        zoneKind = default;
        if (f.KindEscaped is { } escaped)
        {
            kind = escaped;
            return _isZone ? ZoneKinds.TryParse(kind, out zoneKind) : _agreement.HasOperationKind(kind);
        }

        var utf8 = buffer.Slice(f.KindStart, f.KindLength);
        if (_isZone)
        {
            zoneKind = utf8.SequenceEqual("protected"u8) ? ZoneKind.Protected
                : utf8.SequenceEqual("restricted"u8) ? ZoneKind.Restricted
                : utf8.SequenceEqual("designated"u8) ? ZoneKind.Designated
                : (ZoneKind)(-1);
            kind = zoneKind >= 0 ? ZoneKinds.Name(zoneKind) : "";
            return zoneKind >= 0;
        }

        foreach (var (bytes, name) in _operationKinds)
        {
            if (utf8.SequenceEqual(bytes))
            {
                kind = name;
                return true;
            }
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryBuild(ref Fields f, ReadOnlySpan<byte> buffer, out Declaration? item)
    {
        item = null;
        string id = f.Id!;
        if (!IdGrammar.IsValid(id))
        {
            return false;
        }

        if (!f.HasKind || !TryKind(buffer, ref f, out string kind, out var zoneKind))
        {
            return false;
        }

        PartyId owner;
        if (f.HasOwner)
        {
            if (!TryParty(buffer.Slice(f.OwnerStart, f.OwnerLength), out owner))
            {
                return false;
            }
        }
        else if (_caller is { } caller)
        {
            owner = caller;
        }
        else
        {
            return false;
        }

        double altMin = f.AltMin ?? double.NegativeInfinity, altMax = f.AltMax ?? double.PositiveInfinity;
        if (altMin > altMax || f.Start is not { } start || (f.End is { } end && end <= start))
        {
            return false;
        }

        if (f.SharedWith is { Count: > 0 } ? f.Visibility != Visibility.Parties : f.Visibility == Visibility.Parties)
        {
            return false;
        }

        // Charged as the reference charges them (a ring's closing position is not a vertex), before the rings' checks.
        _guard.Vertices(f.Geometry is GeometryType.Polygon or GeometryType.MultiPolygon ? _positions - _pathLengths.Count : _positions);
        var shape = TryShape(ref f);
        if (shape is null)
        {
            return false;
        }

        // As FeatureReader.ZoneOf and OperationOf make them.
        var volume = new Volume(shape, new AltitudeBand(altMin, altMax), new TimeWindow(start, f.End));
        var sharedWith = f.SharedWith ?? NoParties;
        item = _isZone
            ? new Zone { Id = new ZoneId(id), Owner = owner, Kind = zoneKind, Volume = volume, Name = f.Name, Visibility = f.Visibility, SharedWith = sharedWith }
            : new Operation { Id = new OperationId(id), Owner = owner, Kind = kind, Volume = volume, Name = f.Name, Visibility = f.Visibility, SharedWith = sharedWith };
        return true;
    }

    /// <summary>The footprint, when the geometry and its buffer properties are valid together.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Shape? TryShape(ref Fields f)
    {
        bool point = f.Geometry == GeometryType.Point;
        bool line = f.Geometry is GeometryType.LineString or GeometryType.MultiLineString;
        if ((point ? f.Radius is not (> 0 and <= FeatureReader.MaxBufferMetres) : f.Radius is not null) ||
            (line ? f.Corridor is not (> 0 and <= FeatureReader.MaxBufferMetres) : f.Corridor is not null))
        {
            return null;
        }

        int vertices = f.Geometry is GeometryType.Polygon or GeometryType.MultiPolygon ? _positions - _pathLengths.Count : _positions;
        if (vertices > _maxVertices)
        {
            return null;
        }

        switch (f.Geometry)
        {
            case GeometryType.Point:
                return f.Depth == 1 ? Shape.Circle(_xy[0], _xy[1], f.Radius!.Value) : null;
            case GeometryType.LineString:
                return f.Depth == 2 && _positions >= 2 ? Shape.Corridor(_xy.AsSpan(0, 2 * _positions).ToArray(), f.Corridor!.Value) : null;
            case GeometryType.MultiLineString:
                {
                    if (f.Depth != 3)
                    {
                        return null;
                    }

                    var lines = new List<double[]>(_pathLengths.Count);
                    int at = 0;
                    foreach (int n in _pathLengths)
                    {
                        if (n < 2)
                        {
                            return null;
                        }

                        lines.Add(_xy.AsSpan(2 * at, 2 * n).ToArray());
                        at += n;
                    }

                    return Shape.Corridor(lines, f.Corridor!.Value);
                }

            case GeometryType.Polygon:
                {
                    if (f.Depth != 3)
                    {
                        return null;
                    }

                    if (_pathLengths.Count == 1)
                    {
                        var shell = Ring(_pathLengths[0], 0);
                        return shell is null || RingCheck.SelfIntersection(shell) is not null ? null : Shape.Polygon(shell);
                    }

                    int at = 0;
                    var rings = Rings(_pathLengths.Count, ref at, 0);
                    return rings is null ? null : Polygons([rings]);
                }

            default:
                {
                    if (f.Depth != 4)
                    {
                        return null;
                    }

                    var polygons = new List<IReadOnlyList<double[]>>(_polygonLengths.Count);
                    int at = 0, path = 0;
                    foreach (int count in _polygonLengths)
                    {
                        var rings = Rings(count, ref at, path);
                        if (rings is null)
                        {
                            return null;
                        }

                        polygons.Add(rings);
                        path += count;
                    }

                    return Polygons(polygons);
                }
        }
    }

    /// <summary>
    /// <paramref name="count"/> rings from path <paramref name="firstPath"/> on, starting at position <paramref name="at"/>:
    /// each of at least four positions, closed, with three distinct positions once repeats are dropped.
    /// </summary>
    private List<double[]>? Rings(int count, ref int at, int firstPath)
    {
        var rings = new List<double[]>(count);
        for (int k = firstPath; k < firstPath + count; k++)
        {
            int n = _pathLengths[k];
            var ring = Ring(n, at);
            if (ring is null)
            {
                return null;
            }

            at += n;
            rings.Add(ring);
        }

        return rings;
    }

    /// <summary>The ring of <paramref name="n"/> positions from position <paramref name="at"/>, when valid, without repeated positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double[]? Ring(int n, int at)
    {
        if (n < 4)
        {
            return null;
        }

        var packed = _xy.AsSpan(2 * at, 2 * n);
        if (packed[0] != packed[^2] || packed[1] != packed[^1])
        {
            return null;
        }

        var ring = GeometryReader.WithoutRepeats(packed.ToArray());
        return ring.Length < 8 ? null : ring;
    }

    private static Shape? Polygons(List<IReadOnlyList<double[]>> polygons)
    {
        foreach (var rings in polygons)
        {
            foreach (var ring in rings)
            {
                if (RingCheck.SelfIntersection(ring) is not null)
                {
                    return null;
                }
            }
        }

        if ((polygons.Count > 1 || polygons[0].Count > 1) && RingCheck.PolygonsError(polygons) is not null)
        {
            return null;
        }

        return Shape.Polygons(polygons);
    }
}
