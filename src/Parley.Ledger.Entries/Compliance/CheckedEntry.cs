using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Ledger;

namespace Parley.Ledger.Entries.Compliance;

/// <summary>
/// One ledger entry read and checked on its own, before it is added to a <see cref="ComplianceLedger"/>: its time, every
/// opening given checked against its item's commitment, and the compliance facts those openings carry, read but not yet
/// counted. Checking touches no ledger, so entries may be checked on several threads and then added in order.
/// </summary>
public sealed class CheckedEntry
{
    private CheckedEntry(long index)
    {
        Index = index;
    }

    /// <summary>The entry's index in the ledger.</summary>
    public long Index { get; }

    /// <summary>The entry's time.</summary>
    internal DateTimeOffset Time { get; private set; }

    /// <summary>The facts of its openings, in the order they are counted.</summary>
    internal List<ReadFact> Facts { get; } = [];

    /// <summary>Why the entry is refused, if it is: thrown when it is added, so that the first refused entry is named.</summary>
    internal InvalidDataException? Error { get; private set; }

    /// <summary>Options for every JSON text read: a repeated member name is refused rather than one of its values taken.</summary>
    internal static JsonDocumentOptions Strict => new() { AllowDuplicateProperties = false };

    /// <summary>
    /// Reads entry <paramref name="index"/> with the openings at hand, by item, each checked against its item's commitment
    /// (an opening inline in the entry too); an opening given in another JSON form than the canonical one is checked, and
    /// read, in its canonical form. Openings known by their SHA-256 alone (<paramref name="hashed"/>, openings that
    /// <see cref="MayStateFact"/> says state no fact, hashed in canonical form) are checked against their commitments too.
    /// Never throws for bad input: the error is kept until the entry is added.
    /// </summary>
    public static CheckedEntry Check(long index, ReadOnlyMemory<byte> entry, IReadOnlyList<(int Item, byte[] Opening)> openings,
        IReadOnlyList<(int Item, byte[] Hash)>? hashed = null)
    {
        var result = new CheckedEntry(index);
        try
        {
            result.Read(entry, openings, hashed ?? []);
        }
        catch (InvalidDataException e)
        {
            result.Error = e;
            result.Facts.Clear();
        }

        return result;
    }

    private void Read(ReadOnlyMemory<byte> entry, IReadOnlyList<(int Item, byte[] Opening)> openings, IReadOnlyList<(int Item, byte[] Hash)> hashed)
    {
        List<string> commitments;
        List<(int Item, byte[] Opening)>? inline;
        try
        {
            (commitments, inline) = ReadItems(entry.Span);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"ledger entry {Index} does not read: {e.Message}", e);
        }

        foreach (var (item, known) in hashed)
        {
            if (item < 0 || item >= commitments.Count)
            {
                throw new InvalidDataException($"ledger entry {Index} has no item {item} to open");
            }

            if (!Matches(known, commitments[item]))
            {
                throw new InvalidDataException($"ledger entry {Index}: the opening of item {item} does not match its commitment");
            }
        }

        // Every opening given is checked, an inline one too; each item counts once.
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        ulong seenSmall = 0;
        HashSet<int>? seen = null;
        int given = openings.Count, all = given + (inline?.Count ?? 0);
        for (int k = 0; k < all; k++)
        {
            var (item, opening) = k < given ? openings[k] : inline![k - given];
            if (item < 0 || item >= commitments.Count)
            {
                throw new InvalidDataException($"ledger entry {Index} has no item {item} to open");
            }

            SHA256.HashData(opening, hash);
            if (!Matches(hash, commitments[item]))
            {
                // Given in another form than the canonical one its commitment hashes: it is that form that must match.
                opening = CanonicalOrNull(opening) is { } canonical && Matches(SHA256.HashData(canonical), commitments[item])
                    ? canonical
                    : throw new InvalidDataException($"ledger entry {Index}: the opening of item {item} does not match its commitment");
            }

            bool first = item < 64 ? (seenSmall & (1UL << item)) == 0 : (seen ??= []).Add(item);
            seenSmall |= item < 64 ? 1UL << item : 0;
            if (!first)
            {
                continue;
            }

            try
            {
                if (ReadFact.Of(opening) is { } fact)
                {
                    Facts.Add(fact);
                }
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException or Parley.Core.InputRejectedException)
            {
                throw new InvalidDataException($"ledger entry {Index}: item {item} does not read as a compliance fact: {e.Message}", e);
            }
        }
    }

    /// <summary>The canonical bytes of a parsed opening, which its commitment hashes.</summary>
    internal static byte[] Canonical(JsonElement opening)
    {
        var output = new ArrayBufferWriter<byte>(256);
        CanonicalJson.Write(output, opening);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Whether an opening, in canonical form, may state a compliance fact: when not, its facts are none.</summary>
    public static bool MayStateFact(ReadOnlySpan<byte> opening) => ReadFact.MayState(opening);

    /// <summary>
    /// The entry's time, its items' commitments and the openings it holds inline, in one pass of a JSON reader. A member
    /// read here that is repeated is refused rather than one of its values taken; the members not read are only skipped.
    /// </summary>
    private (List<string> Commitments, List<(int Item, byte[] Opening)>? Inline) ReadItems(ReadOnlySpan<byte> entry)
    {
        var reader = new Utf8JsonReader(entry);
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "an entry is a JSON object");
        string? time = null;
        List<string>? commitments = null;
        List<(int Item, byte[] Opening)>? inline = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("time"u8))
            {
                Expect(time is null, "\"time\" is given twice");
                Expect(reader.Read() && reader.TokenType == JsonTokenType.String, "\"time\" is not a string");
                time = reader.GetString()!;
            }
            else if (reader.ValueTextEquals("items"u8))
            {
                Expect(commitments is null, "\"items\" is given twice");
                Expect(reader.Read() && reader.TokenType == JsonTokenType.StartArray, "\"items\" is not an array");
                commitments = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    Expect(reader.TokenType == JsonTokenType.StartObject, "an item is not an object");
                    string? commitment = null;
                    bool opened = false;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("commitment"u8))
                        {
                            Expect(commitment is null, "\"commitment\" is given twice");
                            Expect(reader.Read() && reader.TokenType == JsonTokenType.String, "\"commitment\" is not a string");
                            commitment = reader.GetString()!;
                        }
                        else if (reader.ValueTextEquals("opening"u8))
                        {
                            Expect(!opened, "\"opening\" is given twice");
                            opened = true;
                            reader.Read();
                            int start = (int)reader.TokenStartIndex;
                            reader.Skip();

                            // An entry is canonical JSON, so an opening in it is too, as it stands (checked against its commitment all the same).
                            (inline ??= []).Add((commitments.Count, entry[start..(int)reader.BytesConsumed].ToArray()));
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }

                    commitments.Add(commitment ?? throw new KeyNotFoundException("an item has no \"commitment\""));
                }
            }
            else
            {
                reader.Skip();
            }
        }

        Expect(!reader.Read(), "the entry holds more than one JSON value");
        Time = LedgerTime.Parse(time ?? throw new KeyNotFoundException("no \"time\""), assumeUniversal: false);
        return (commitments ?? throw new KeyNotFoundException("no \"items\""), inline);
    }

    private static void Expect(bool holds, string otherwise)
    {
        if (!holds)
        {
            throw new JsonException(otherwise);
        }
    }

    /// <summary>The canonical form of an opening given as JSON text in any form, or null when it is not JSON.</summary>
    private static byte[]? CanonicalOrNull(byte[] opening)
    {
        try
        {
            using var document = JsonDocument.Parse(opening, Strict);
            return Canonical(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="hash"/> is the commitment written as <paramref name="commitment"/> (base64, as the entry writes it).</summary>
    private static bool Matches(ReadOnlySpan<byte> hash, string commitment)
    {
        Span<char> text = stackalloc char[44];
        return Convert.TryToBase64Chars(hash, text, out int written) && commitment.AsSpan().SequenceEqual(text[..written]);
    }
}

/// <summary>A compliance fact as an opening states it, names not yet numbered: what <see cref="ComplianceLedger"/> counts.</summary>
internal abstract record ReadFact
{
    // Openings that are not facts are skipped before any JSON is read: the markers below are how every fact type's
    // name is written in canonical JSON.
    private static ReadOnlySpan<byte> FactMarker => "-fact\""u8;

    private static ReadOnlySpan<byte> IncidentMarker => "\"type\":\"incident-"u8;

    private static ReadOnlySpan<byte> AgreementMarker => "\"type\":\"agreement\""u8;

    /// <summary>Whether an opening in canonical form may state a fact: one that does not is none.</summary>
    public static bool MayState(ReadOnlySpan<byte> opening) =>
        opening.IndexOf(FactMarker) >= 0 || opening.IndexOf(IncidentMarker) >= 0 || opening.IndexOf(AgreementMarker) >= 0;

    /// <summary>The fact an opening states, or null when it states none.</summary>
    public static ReadFact? Of(byte[] opening)
    {
        if (!MayState(opening))
        {
            return null;
        }

        if (StateFact.TryRead(opening) is { } state)
        {
            return state;
        }

        // The opening matched its commitment, so it is canonical JSON, which never repeats a name: no check for one.
        using var document = JsonDocument.Parse(opening);
        var content = document.RootElement.GetProperty("content");
        switch (content.GetProperty("type").GetString())
        {
            case "agreement":
                return new AgreementRead(AgreementReader.Parse(content.GetProperty("source").GetString()!));
            case ComplianceFacts.OperationType:
                return new OperationRead(
                    content.GetProperty("owner").GetString()!,
                    content.GetProperty("from").ValueKind == JsonValueKind.String ? (sbyte)OperationStates.Parse(content.GetProperty("from").GetString()!) : (sbyte)-1,
                    (sbyte)OperationStates.Parse(content.GetProperty("state").GetString()!),
                    Time(content.GetProperty("at")).UtcTicks,
                    AudienceOf(content));
            case ComplianceFacts.RequestType:
                return new RequestRead(
                    content.GetProperty("id").GetString()!,
                    content.GetProperty("submitter").GetString()!, content.GetProperty("affected").GetString()!,
                    Time(content.GetProperty("opened")).UtcTicks, Time(content.GetProperty("deadline")).UtcTicks,
                    (byte)RequestStates.Parse(content.GetProperty("state").GetString()!),
                    content.GetProperty("closed").ValueKind == JsonValueKind.String ? Time(content.GetProperty("closed")).UtcTicks : long.MaxValue,
                    AudienceOf(content));
            case IncidentRecords.FactType:
                return new IncidentRead(
                    content.GetProperty("incident").GetString()!,
                    content.GetProperty("reporter").GetString()!,
                    [.. content.GetProperty("suspected").EnumerateArray().Select(p => p.GetString()!)],
                    Time(content.GetProperty("reported")).UtcTicks,
                    Time(content.GetProperty("reply_deadline")).UtcTicks,
                    [.. content.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("owner").GetString()!).Distinct(StringComparer.Ordinal)],
                    AudienceOf(content));
            case IncidentRecords.ReplyType:
                {
                    string incident = content.GetProperty("incident").GetString()!;
                    var reply = content.GetProperty("reply");
                    if (!IncidentNames.TryParse(reply.GetProperty("reply").GetString(), out ReplyKind kind))
                    {
                        throw new FormatException("an unknown reply");
                    }

                    return new ReplyRead(incident, reply.GetProperty("party").GetString()!, kind, Time(reply.GetProperty("at")).UtcTicks);
                }

            case IncidentRecords.GradeType:
                {
                    string incident = content.GetProperty("incident").GetString()!;
                    return IncidentNames.TryParse(content.GetProperty("grade").GetString(), out IncidentGrade grade)
                        ? new GradeRead(incident, grade)
                        : throw new FormatException("an unknown grade");
                }

            case IncidentRecords.SilenceType:
                return new SilenceRead(content.GetProperty("incident").GetString()!, content.GetProperty("party").GetString()!);
            default:
                return null;
        }
    }

    private static FactAudience AudienceOf(JsonElement content) => new(
        content.GetProperty("owner").GetString()!,
        content.GetProperty("visibility").GetString() == "public",
        content.TryGetProperty("shared_with", out var shared) ? [.. shared.EnumerateArray().Select(p => p.GetString()!)] : []);

    private static DateTimeOffset Time(JsonElement text) => LedgerTime.Parse(text.GetString()!, assumeUniversal: true);
}

/// <summary>The agreement's text, as read.</summary>
internal sealed record AgreementRead(Agreement Agreement) : ReadFact;

/// <summary>An operation's change of state.</summary>
internal sealed record OperationRead(string Owner, sbyte From, sbyte To, long At, FactAudience Audience) : ReadFact;

/// <summary>A concurrence request's state.</summary>
internal sealed record RequestRead(string Id, string Submitter, string Affected, long Opened, long Deadline, byte State, long Closed, FactAudience Audience) : ReadFact;

/// <summary>An incident's report.</summary>
internal sealed record IncidentRead(string Id, string Reporter, string[] Suspected, long Reported, long Deadline, string[] SiteOwners, FactAudience Audience) : ReadFact;

/// <summary>A reply to an incident.</summary>
internal sealed record ReplyRead(string Incident, string Party, ReplyKind Kind, long At) : ReadFact;

/// <summary>An incident's grade.</summary>
internal sealed record GradeRead(string Incident, IncidentGrade Grade) : ReadFact;

/// <summary>A suspected party's silence past its deadline.</summary>
internal sealed record SilenceRead(string Incident, string Party) : ReadFact;
