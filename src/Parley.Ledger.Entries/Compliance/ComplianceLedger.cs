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

        Add(CheckedEntry.Check(index, entry.ToArray(), openings));
    }

    /// <summary>Adds an entry checked beforehand (<see cref="CheckedEntry.Check"/>, on any thread): entries must come in order.</summary>
    /// <exception cref="InvalidDataException">The entry is not the next one, or its check refused it.</exception>
    public void Add(CheckedEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Index != Size)
        {
            throw new InvalidDataException($"ledger entry {entry.Index} comes where entry {Size} was expected");
        }

        if (entry.Error is { } error)
        {
            throw error;
        }

        foreach (var fact in entry.Facts)
        {
            Count(fact);
        }

        Size = entry.Index + 1;
        LastEntry = entry.Time;
    }

    // Names are numbered in the order the facts name them, as they arrive.
    private void Count(ReadFact fact)
    {
        switch (fact)
        {
            case AgreementRead read:
                Agreement = read.Agreement;
                foreach (var party in Agreement.Parties)
                {
                    Party(party.Id.Value);
                }

                break;
            case OperationRead read:
                Operations.Add(new OperationFact(Party(read.Owner), read.From, read.To, read.At, Audience(read.Audience)));
                break;
            case RequestRead read:
                {
                    var request = new RequestFact(Party(read.Submitter), Party(read.Affected), read.Opened, read.Deadline, read.State, read.Closed, Audience(read.Audience));
                    if (RequestIndex.TryGetValue(read.Id, out int at))
                    {
                        // The latest state of the request is what counts, but an answer stays given: a concurrence
                        // withdrawn later, when its operation changed or ended, was still answered, and when.
                        if (!(read.State == (byte)RequestState.Withdrawn && IsAnswer(Requests[at].State)))
                        {
                            Requests[at] = request;
                        }
                    }
                    else
                    {
                        RequestIndex[read.Id] = Requests.Count;
                        Requests.Add(request);
                    }

                    break;
                }

            case IncidentRead read:
                {
                    int reporter = Party(read.Reporter);
                    int[] suspected = [.. read.Suspected.Select(Party)];
                    int[] owners = [.. read.SiteOwners.Select(Party)];
                    IncidentIndex[read.Id] = Incidents.Count;
                    Incidents.Add(new IncidentFact
                    {
                        Reporter = reporter, Suspected = suspected, Reported = read.Reported, Deadline = read.Deadline, SiteOwners = owners,
                        Audience = Audience(read.Audience),
                    });
                    break;
                }

            case ReplyRead read:
                IncidentOf(read.Incident).Replies.Add((Party(read.Party), read.Kind, read.At));
                break;
            case GradeRead read:
                IncidentOf(read.Incident).Grade = read.Grade;
                break;
            case SilenceRead read:
                IncidentOf(read.Incident).Silent.Add(Party(read.Party));
                break;
        }
    }

    /// <summary>The incident an item names; one whose fact the holder may not open (it cannot happen within one audience) is skipped.</summary>
    private IncidentFact IncidentOf(string incident) =>
        IncidentIndex.TryGetValue(incident, out int at) ? Incidents[at] : Detached;

    // Replies, grades and silences of an incident whose fact was not opened land here, and count nowhere.
    private static IncidentFact Detached => new() { Audience = -1 };

    private static bool IsAnswer(byte state) =>
        (RequestState)state is RequestState.Concurred or RequestState.Refused or RequestState.CounterProposed;

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

    private int Audience(FactAudience audience)
    {
        if (!_audiences.TryGetValue(audience, out int index))
        {
            index = _audienceList.Count;
            _audiences[audience] = index;
            _audienceList.Add(audience);
        }

        return index;
    }
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
