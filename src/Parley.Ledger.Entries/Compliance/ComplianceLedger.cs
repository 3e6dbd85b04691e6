using System.Security.Cryptography;
using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Ledger.Entries.Compliance;

/// <summary>Who may open a fact's item: its owner, the parties it is shared with, or every party when it is public.</summary>
/// <param name="Owner">The item's owner.</param>
/// <param name="Public">Whether every party may open it.</param>
/// <param name="SharedWith">The parties it is shared with, in ordinal order.</param>
public sealed record FactAudience(string Owner, bool Public, IReadOnlyList<string> SharedWith)
{
    /// <summary>Whether <paramref name="party"/> may open the item (as the ledger's openings route decides).</summary>
    public bool Admits(string party) => Public || Owner == party || SharedWith.Contains(party, StringComparer.Ordinal);

    /// <summary>Audiences are equal when their fields are, the parties compared in order.</summary>
    public bool Equals(FactAudience? other) =>
        other is not null && Owner == other.Owner && Public == other.Public && SharedWith.SequenceEqual(other.SharedWith, StringComparer.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Owner, Public, SharedWith.Count);
}

/// <summary>
/// The compliance facts of one agreement's ledger, kept as they arrive: entries are added in order, each with the openings
/// at hand (all of them at the center; those a party holds in its export), and every fact keeps who may open it, so that
/// one ledger answers for the center and for each party alike (<see cref="ComplianceReport"/>).
/// </summary>
/// <remarks>
/// What it keeps per fact is small and fixed: operations' state changes, each concurrence request's latest state, each
/// incident's report, replies, grades and silences. Adding an entry costs only the parsing of its fact items (found by a
/// byte search before any JSON is read), so the aggregates grow with commits. Not thread-safe: one writer, and reads
/// (reports) under the same lock.
/// </remarks>
[Parley.Core.Mutable("grows with every ledger entry added")]
public sealed class ComplianceLedger
{
    private readonly Dictionary<string, int> _parties = new(StringComparer.Ordinal);
    private readonly List<string> _partyNames = [];
    private readonly Dictionary<FactAudience, int> _audiences = [];
    private readonly List<FactAudience> _audienceList = [];

    internal List<OperationFact> Operations { get; } = [];

    internal List<RequestFact> Requests { get; } = [];

    internal Dictionary<string, int> RequestIndex { get; } = new(StringComparer.Ordinal);

    internal List<IncidentFact> Incidents { get; } = [];

    internal Dictionary<string, int> IncidentIndex { get; } = new(StringComparer.Ordinal);

    /// <summary>The agreement as the last agreement entry put it (null before one).</summary>
    public Agreement? Agreement { get; private set; }

    /// <summary>How many entries were added: the ledger size the figures are of.</summary>
    public long Size { get; private set; }

    /// <summary>The time of the last entry added.</summary>
    public DateTimeOffset? LastEntry { get; private set; }

    /// <summary>The parties that facts name, by index.</summary>
    internal IReadOnlyList<string> PartyNames => _partyNames;

    /// <summary>The audiences of the facts, by index.</summary>
    internal IReadOnlyList<FactAudience> Audiences => _audienceList;

    /// <summary>
    /// Adds entry <paramref name="index"/> (the next one) with the openings at hand, by item; an opening is checked against
    /// its item's commitment first.
    /// </summary>
    /// <exception cref="InvalidDataException">The entry is not the next one, is malformed, or an opening does not match its commitment.</exception>
    public void Add(long index, ReadOnlySpan<byte> entry, IReadOnlyList<(int Item, byte[] Opening)> openings)
    {
        if (index != Size)
        {
            throw new InvalidDataException($"ledger entry {index} comes where entry {Size} was expected");
        }

        string[] commitments;
        DateTimeOffset time;
        var inline = new List<(int Item, byte[] Opening)>();
        try
        {
            using var document = JsonDocument.Parse(entry.ToArray());
            var root = document.RootElement;
            time = DateTimeOffset.Parse(root.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var items = root.GetProperty("items");
            commitments = new string[items.GetArrayLength()];
            int i = 0;
            foreach (var item in items.EnumerateArray())
            {
                commitments[i] = item.GetProperty("commitment").GetString()!;
                if (item.TryGetProperty("opening", out var opening))
                {
                    inline.Add((i, CanonicalJson.Canonicalize(System.Text.Encoding.UTF8.GetBytes(opening.GetRawText()))));
                }

                i++;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException($"ledger entry {index} does not read: {e.Message}", e);
        }

        // Every opening given is checked, an inline one too; each item counts once.
        var seen = new HashSet<int>();
        foreach (var (item, opening) in openings.Concat(inline))
        {
            if (item < 0 || item >= commitments.Length)
            {
                throw new InvalidDataException($"ledger entry {index} has no item {item} to open");
            }

            if (Convert.ToBase64String(SHA256.HashData(opening)) != commitments[item])
            {
                throw new InvalidDataException($"ledger entry {index}: the opening of item {item} does not match its commitment");
            }

            if (!seen.Add(item))
            {
                continue;
            }

            try
            {
                AddOpening(opening);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException or Parley.Core.InputRejectedException)
            {
                throw new InvalidDataException($"ledger entry {index}: item {item} does not read as a compliance fact: {e.Message}", e);
            }
        }

        Size = index + 1;
        LastEntry = time;
    }

    // Openings that are not facts are skipped before any JSON is read: the markers below are how every fact type's
    // name is written in canonical JSON.
    private static ReadOnlySpan<byte> FactMarker => "-fact\""u8;

    private static ReadOnlySpan<byte> IncidentMarker => "\"type\":\"incident-"u8;

    private static ReadOnlySpan<byte> AgreementMarker => "\"type\":\"agreement\""u8;

    private void AddOpening(byte[] opening)
    {
        var span = opening.AsSpan();
        bool isFact = span.IndexOf(FactMarker) >= 0, isIncident = span.IndexOf(IncidentMarker) >= 0, isAgreement = span.IndexOf(AgreementMarker) >= 0;
        if (!isFact && !isIncident && !isAgreement)
        {
            return;
        }

        using var document = JsonDocument.Parse(opening);
        var content = document.RootElement.GetProperty("content");
        string? type = content.GetProperty("type").GetString();
        switch (type)
        {
            case "agreement":
                Agreement = AgreementReader.Parse(content.GetProperty("source").GetString()!);
                foreach (var party in Agreement.Parties)
                {
                    Party(party.Id.Value);
                }

                break;
            case ComplianceFacts.OperationType:
                Operations.Add(new OperationFact(
                    Party(content.GetProperty("owner").GetString()!),
                    content.GetProperty("from").ValueKind == JsonValueKind.String ? (sbyte)OperationStates.Parse(content.GetProperty("from").GetString()!) : (sbyte)-1,
                    (sbyte)OperationStates.Parse(content.GetProperty("state").GetString()!),
                    Time(content.GetProperty("at")).UtcTicks,
                    Audience(content)));
                break;
            case ComplianceFacts.RequestType:
                {
                    string id = content.GetProperty("id").GetString()!;
                    var request = new RequestFact(
                        Party(content.GetProperty("submitter").GetString()!), Party(content.GetProperty("affected").GetString()!),
                        Time(content.GetProperty("opened")).UtcTicks, Time(content.GetProperty("deadline")).UtcTicks,
                        (byte)RequestStates.Parse(content.GetProperty("state").GetString()!),
                        content.GetProperty("closed").ValueKind == JsonValueKind.String ? Time(content.GetProperty("closed")).UtcTicks : long.MaxValue,
                        Audience(content));
                    if (RequestIndex.TryGetValue(id, out int at))
                    {
                        Requests[at] = request; // the latest state of the request is what counts
                    }
                    else
                    {
                        RequestIndex[id] = Requests.Count;
                        Requests.Add(request);
                    }

                    break;
                }

            case IncidentRecords.FactType:
                {
                    string id = content.GetProperty("incident").GetString()!;
                    var incident = new IncidentFact
                    {
                        Reporter = Party(content.GetProperty("reporter").GetString()!),
                        Suspected = [.. content.GetProperty("suspected").EnumerateArray().Select(p => Party(p.GetString()!))],
                        Reported = Time(content.GetProperty("reported")).UtcTicks,
                        Deadline = Time(content.GetProperty("reply_deadline")).UtcTicks,
                        SiteOwners = [.. content.GetProperty("sites").EnumerateArray().Select(s => Party(s.GetProperty("owner").GetString()!)).Distinct()],
                        Audience = Audience(content),
                    };
                    IncidentIndex[id] = Incidents.Count;
                    Incidents.Add(incident);
                    break;
                }

            case IncidentRecords.ReplyType:
                {
                    var incident = IncidentOf(content);
                    var reply = content.GetProperty("reply");
                    if (!IncidentNames.TryParse(reply.GetProperty("reply").GetString(), out ReplyKind kind))
                    {
                        throw new FormatException("an unknown reply");
                    }

                    incident.Replies.Add((Party(reply.GetProperty("party").GetString()!), kind, Time(reply.GetProperty("at")).UtcTicks));
                    break;
                }

            case IncidentRecords.GradeType:
                {
                    var incident = IncidentOf(content);
                    if (!IncidentNames.TryParse(content.GetProperty("grade").GetString(), out IncidentGrade grade))
                    {
                        throw new FormatException("an unknown grade");
                    }

                    incident.Grade = grade;
                    break;
                }

            case IncidentRecords.SilenceType:
                IncidentOf(content).Silent.Add(Party(content.GetProperty("party").GetString()!));
                break;
        }
    }

    /// <summary>The incident an item names; one whose fact the holder may not open (it cannot happen within one audience) is skipped.</summary>
    private IncidentFact IncidentOf(JsonElement content) =>
        IncidentIndex.TryGetValue(content.GetProperty("incident").GetString()!, out int at) ? Incidents[at] : Detached;

    // Replies, grades and silences of an incident whose fact was not opened land here, and count nowhere.
    private static IncidentFact Detached => new() { Audience = -1 };

    private int Party(string name)
    {
        if (!_parties.TryGetValue(name, out int index))
        {
            index = _partyNames.Count;
            _parties[name] = index;
            _partyNames.Add(name);
        }

        return index;
    }

    private int Audience(JsonElement content)
    {
        var audience = new FactAudience(
            content.GetProperty("owner").GetString()!,
            content.GetProperty("visibility").GetString() == "public",
            content.TryGetProperty("shared_with", out var shared) ? [.. shared.EnumerateArray().Select(p => p.GetString()!)] : []);
        if (!_audiences.TryGetValue(audience, out int index))
        {
            index = _audienceList.Count;
            _audiences[audience] = index;
            _audienceList.Add(audience);
        }

        return index;
    }

    private static DateTimeOffset Time(JsonElement text) =>
        DateTimeOffset.Parse(text.GetString()!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
}

/// <summary>One operation's change of state: its owner, the state before (-1: new) and after, when, and who may open it.</summary>
internal readonly record struct OperationFact(int Owner, sbyte From, sbyte To, long At, int Audience);

/// <summary>A concurrence request's latest state: its parties, times, state and who may open it.</summary>
internal readonly record struct RequestFact(int Submitter, int Affected, long Opened, long Deadline, byte State, long Closed, int Audience);

/// <summary>An incident as its facts tell it: who reported it, whom it names, when, whose sites it affects, and what came since.</summary>
internal sealed class IncidentFact
{
    public int Reporter { get; init; }

    public int[] Suspected { get; init; } = [];

    public long Reported { get; init; }

    public long Deadline { get; init; }

    public int[] SiteOwners { get; init; } = [];

    public int Audience { get; init; }

    public List<(int Party, ReplyKind Kind, long At)> Replies { get; } = [];

    public IncidentGrade? Grade { get; set; }

    public List<int> Silent { get; } = [];
}
