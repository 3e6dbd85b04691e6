using Parley.Core.Geometry;

namespace Parley.Core.Model;

/// <summary>Identifies an incident within an agreement (the GeoJSON Feature id of its report).</summary>
public readonly record struct IncidentId(string Value)
{
    /// <inheritdoc/>
    public override string ToString() => Value;
}

/// <summary>What was seen on the ground or in the air.</summary>
public enum IncidentKind
{
    /// <summary>An air or missile strike.</summary>
    Strike,

    /// <summary>Artillery, mortar or rocket fire.</summary>
    Shelling,

    /// <summary>An aircraft or drone over a place it should not be.</summary>
    Overflight,

    /// <summary>Ground forces where they should not be.</summary>
    GroundIncursion,

    /// <summary>A movement (a convoy, an evacuation) stopped or held up.</summary>
    Obstruction,

    /// <summary>Anything else.</summary>
    Other,
}

/// <summary>How precisely the time of an incident is known, as ACLED and UCDP code it.</summary>
public enum TimePrecision
{
    /// <summary>A window given by its start and end.</summary>
    Exact,

    /// <summary>Some time on a given UTC day.</summary>
    Day,

    /// <summary>Some time in the ISO week (Monday to Sunday, UTC) of a given day.</summary>
    Week,

    /// <summary>Some time in the calendar month (UTC) of a given day.</summary>
    Month,
}

/// <summary>How precisely the place of an incident is known.</summary>
public enum LocationPrecision
{
    /// <summary>A geometry with an uncertainty in metres given by the reporter.</summary>
    Exact,

    /// <summary>Somewhere in or near the town at the point given.</summary>
    Town,

    /// <summary>Somewhere in the district around the point given.</summary>
    District,

    /// <summary>Somewhere in the province around the point given.</summary>
    Province,
}

/// <summary>How a suspected party answers an incident.</summary>
public enum ReplyKind
{
    /// <summary>It admits the incident: the only way an incident becomes confirmed.</summary>
    Admit,

    /// <summary>It denies it, with a reason.</summary>
    Deny,

    /// <summary>It explains it by one of its own declared operations.</summary>
    Explain,

    /// <summary>It asks for more information before answering.</summary>
    RequestInformation,
}

/// <summary>How monitors grade an incident (as analysts of incident reports grade them); confirmed is not a grade, only an admission.</summary>
public enum IncidentGrade
{
    /// <summary>Single-source or thinly sourced.</summary>
    Weak,

    /// <summary>Reported by two or more credible sources, with a likely or confirmed attribution.</summary>
    Fair,

    /// <summary>Competing claims of responsibility, or the sources disagree.</summary>
    Contested,

    /// <summary>Shown not to be what it was reported as, or outside the agreement.</summary>
    Discounted,
}

/// <summary>One source of an incident report: what kind, how many independent ones, references and the hashes of evidence files.</summary>
/// <param name="Type">observer, witness, media, imagery, official, party or other.</param>
/// <param name="Count">How many independent sources of this type.</param>
/// <param name="Reference">A reference the reporter keeps (a patrol number, an article), if any.</param>
/// <param name="Evidence">SHA-256 of evidence files, lowercase hex: Parley keeps the hashes, never the files.</param>
public sealed record IncidentSource(string Type, int Count, string? Reference, IReadOnlyList<string> Evidence)
{
    /// <summary>Sources are equal when every field is, the hashes compared in order.</summary>
    public bool Equals(IncidentSource? other) =>
        other is not null && Type == other.Type && Count == other.Count && Reference == other.Reference && Evidence.SequenceEqual(other.Evidence);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, Count, Reference, Evidence.Count);
}

/// <summary>What a reporter says happened: a signed report, kept as it was given.</summary>
/// <remarks>
/// The place is an area of uncertainty: a point or a line with the reporter's uncertainty in metres as a geodesic buffer
/// (a circle, a corridor), or a polygon within which it happened. The time is a half-open window; a day, a week or a
/// month given instead of a window becomes that whole day, week or month.
/// </remarks>
public sealed record IncidentReport
{
    /// <summary>The incident id (unique within the agreement).</summary>
    public required IncidentId Id { get; init; }

    /// <summary>The reporting party (a member's operator or an observer's monitor).</summary>
    public required PartyId Reporter { get; init; }

    /// <summary>What was seen.</summary>
    public required IncidentKind Kind { get; init; }

    /// <summary>Where it happened, with its uncertainty: every point it may have happened at.</summary>
    public required Shape Area { get; init; }

    /// <summary>How the place was given.</summary>
    public LocationPrecision LocationPrecision { get; init; } = LocationPrecision.Exact;

    /// <summary>When it happened: every instant it may have happened at.</summary>
    public required TimeWindow Window { get; init; }

    /// <summary>How the time was given.</summary>
    public TimePrecision TimePrecision { get; init; } = TimePrecision.Exact;

    /// <summary>The parties the reporter suspects (none, one or several).</summary>
    public IReadOnlyList<PartyId> Suspected { get; init; } = [];

    /// <summary>The reporter's own zone affected, if it names one.</summary>
    public ZoneId? AffectedZone { get; init; }

    /// <summary>What happened, in the reporter's words.</summary>
    public string? Description { get; init; }

    /// <summary>The sources the report rests on.</summary>
    public IReadOnlyList<IncidentSource> Sources { get; init; } = [];

    /// <summary>Who may see the report beyond the parties it concerns.</summary>
    public Visibility Visibility { get; init; } = Visibility.Private;

    /// <summary>With <see cref="Visibility.Parties"/>: the parties it is shared with (empty: every party of the agreement).</summary>
    public IReadOnlyList<PartyId> SharedWith { get; init; } = [];

    /// <summary>Reports are equal when every field is, the lists compared in order and the areas coordinate by coordinate.</summary>
    public bool Equals(IncidentReport? other) =>
        other is not null && Id == other.Id && Reporter == other.Reporter && Kind == other.Kind && SameShape(Area, other.Area) &&
        LocationPrecision == other.LocationPrecision && Window == other.Window && TimePrecision == other.TimePrecision &&
        Suspected.SequenceEqual(other.Suspected) && AffectedZone == other.AffectedZone && Description == other.Description &&
        Sources.SequenceEqual(other.Sources) && Visibility == other.Visibility && SharedWith.SequenceEqual(other.SharedWith);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, Reporter, Kind, Window, Suspected.Count);

    private static bool SameShape(Shape a, Shape b) =>
        ReferenceEquals(a, b) || (a.Kind == b.Kind && a.BufferMetres.Equals(b.BufferMetres) && a.PolygonStarts.SequenceEqual(b.PolygonStarts) &&
                                  a.Paths.Count == b.Paths.Count && a.Paths.Zip(b.Paths).All(p => p.First.AsSpan().SequenceEqual(p.Second)));
}

/// <summary>A protected site (a zone) that an incident's area and window touch, as the center found it when the incident was reported.</summary>
/// <param name="Zone">The zone.</param>
/// <param name="Owner">Its owner.</param>
/// <param name="Kind">Its kind (protected, or the kind of the reporter's own site it named).</param>
/// <param name="Visibility">Its visibility then: who may learn exactly that it is affected.</param>
/// <param name="SharedWith">The parties it was shared with then.</param>
/// <param name="Exact">Whether the exact area and window touch it; false when they only share a disclosure cell and time slot with it.</param>
/// <param name="Named">Whether the reporter named it as its own site affected.</param>
/// <param name="Cell">The disclosure cell where the two meet (the southernmost, then westernmost, both touch): all a party that may not see the zone learns of its place.</param>
public sealed record SiteAffected(ZoneId Zone, PartyId Owner, ZoneKind Kind, Visibility Visibility, IReadOnlyList<PartyId> SharedWith, bool Exact, bool Named, GeoBox Cell)
{
    /// <summary>Whether <paramref name="party"/> could see the zone then (its owner, shared with it, or public).</summary>
    public bool IsVisibleTo(PartyId party) => party == Owner || Visibility switch
    {
        Visibility.Public => true,
        Visibility.Parties => SharedWith.Contains(party),
        _ => false,
    };

    /// <summary>Sites are equal when every field is, the parties compared in order.</summary>
    public bool Equals(SiteAffected? other) =>
        other is not null && Zone == other.Zone && Owner == other.Owner && Kind == other.Kind && Visibility == other.Visibility &&
        SharedWith.SequenceEqual(other.SharedWith) && Exact == other.Exact && Named == other.Named && Cell == other.Cell;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Zone, Owner, Exact, Named, Cell);
}

/// <summary>A declared operation whose volume meets an incident's area and window (at any altitude), as it stood when the incident was reported.</summary>
/// <param name="Operation">The operation.</param>
/// <param name="Owner">Its owner.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="State">Its state then.</param>
/// <param name="Visibility">Its visibility then.</param>
/// <param name="SharedWith">The parties it was shared with then.</param>
/// <param name="Cell">The disclosure cell of a point where the two meet: all a party that may not see the operation learns of its place.</param>
public sealed record DeclarationMatched(OperationId Operation, PartyId Owner, string Kind, OperationState State, Visibility Visibility, IReadOnlyList<PartyId> SharedWith, GeoBox Cell)
{
    /// <summary>Whether <paramref name="party"/> could see the operation then.</summary>
    public bool IsVisibleTo(PartyId party) => party == Owner || Visibility switch
    {
        Visibility.Public => true,
        Visibility.Parties => SharedWith.Contains(party),
        _ => false,
    };

    /// <summary>Matches are equal when every field is, the parties compared in order.</summary>
    public bool Equals(DeclarationMatched? other) =>
        other is not null && Operation == other.Operation && Owner == other.Owner && Kind == other.Kind && State == other.State &&
        Visibility == other.Visibility && SharedWith.SequenceEqual(other.SharedWith) && Cell == other.Cell;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Operation, Owner, Kind, State, Cell);
}

/// <summary>A term of the agreement that the incident, as reported, would breach.</summary>
/// <param name="Term">The term's id.</param>
/// <param name="Reason">Why, in a sentence.</param>
public sealed record TermBreached(string Term, string Reason);

/// <summary>
/// What the center found an incident touches when it was reported: notified sites affected, matching declarations and
/// terms breached. Complete, for the center; what each party may learn of it is decided by the incident's views.
/// </summary>
/// <param name="Sites">Protected sites whose zone the area and window touch, exactly or on disclosure cells and slots; by zone id.</param>
/// <param name="Declarations">Operations of every party whose volumes meet the area and window; by operation id.</param>
/// <param name="Terms">Terms breached.</param>
public sealed record IncidentCorrelation(IReadOnlyList<SiteAffected> Sites, IReadOnlyList<DeclarationMatched> Declarations, IReadOnlyList<TermBreached> Terms)
{
    /// <summary>Nothing found.</summary>
    public static readonly IncidentCorrelation None = new([], [], []);

    /// <summary>Correlations are equal when their lists are, in order.</summary>
    public bool Equals(IncidentCorrelation? other) =>
        other is not null && Sites.SequenceEqual(other.Sites) && Declarations.SequenceEqual(other.Declarations) && Terms.SequenceEqual(other.Terms);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Sites.Count, Declarations.Count, Terms.Count);
}

/// <summary>A suspected party's signed answer to an incident.</summary>
/// <param name="Party">The party answering.</param>
/// <param name="Kind">Admit, deny, explain or request information.</param>
/// <param name="Reason">Its reason (required to deny).</param>
/// <param name="Operation">Its own declared operation that explains the incident (required to explain).</param>
/// <param name="At">When the center received it.</param>
public sealed record IncidentReply(PartyId Party, ReplyKind Kind, string? Reason, OperationId? Operation, DateTimeOffset At);

/// <summary>A monitor's or the administrator's grade of an incident, with its reason.</summary>
/// <param name="By">The grading party.</param>
/// <param name="Grade">Weak, fair, contested or discounted.</param>
/// <param name="Reason">Why.</param>
/// <param name="At">When the center received it.</param>
public sealed record IncidentGrading(PartyId By, IncidentGrade Grade, string Reason, DateTimeOffset At);

/// <summary>A suspected party's silence: no reply had come when the deadline passed. Never an admission, never a denial.</summary>
/// <param name="Party">The silent party.</param>
/// <param name="Recorded">When the center recorded it (at or after the deadline).</param>
public sealed record IncidentSilence(PartyId Party, DateTimeOffset Recorded);

/// <summary>Where a suspected party stands on an incident: its answer, or the lack of one.</summary>
public enum ReplyStanding
{
    /// <summary>No reply yet, and the deadline has not passed (as far as the record goes).</summary>
    Awaited,

    /// <summary>Replied before the deadline.</summary>
    Replied,

    /// <summary>Replied, after the deadline.</summary>
    RepliedLate,

    /// <summary>The deadline passed with no reply: recorded as silence.</summary>
    Silent,
}

/// <summary>
/// An incident: the report, what the center found it touches, and everything that arrived since — replies, grades and
/// silences, in order. It stays live: information keeps arriving and every piece is a ledger entry.
/// </summary>
/// <remarks>
/// For each suspected party it is a <em>violation candidate</em>: an incident that needs an answer, never a finding. It is
/// <em>confirmed</em> against a party only by that party's own signed admission; monitors grade it otherwise.
/// </remarks>
public sealed record Incident
{
    /// <summary>The report as given.</summary>
    public required IncidentReport Report { get; init; }

    /// <summary>When the center received the report.</summary>
    public required DateTimeOffset Reported { get; init; }

    /// <summary>Until when each suspected party is asked to reply (the agreement's incident reply deadline after <see cref="Reported"/>).</summary>
    public required DateTimeOffset ReplyDeadline { get; init; }

    /// <summary>What the center found the incident touches, when it was reported.</summary>
    public IncidentCorrelation Correlation { get; init; } = IncidentCorrelation.None;

    /// <summary>
    /// The parties that may see the incident, fixed when it was reported: the reporter, the suspected parties, the owners of
    /// the sites it affects, the agreement's observers, and those the report's visibility adds. By id.
    /// </summary>
    public IReadOnlyList<PartyId> Audience { get; init; } = [];

    /// <summary>The replies, oldest first.</summary>
    public IReadOnlyList<IncidentReply> Replies { get; init; } = [];

    /// <summary>The grades, oldest first; the last is the one in force.</summary>
    public IReadOnlyList<IncidentGrading> Grades { get; init; } = [];

    /// <summary>The silences recorded, oldest first.</summary>
    public IReadOnlyList<IncidentSilence> Silences { get; init; } = [];

    /// <summary>Version of the incident, raised by every reply, grade and silence (the ETag).</summary>
    public long Version { get; init; } = 1;

    /// <summary>The incident id.</summary>
    public IncidentId Id => Report.Id;

    /// <summary>Whether <paramref name="party"/> may see the incident (the center sees every one).</summary>
    public bool IsVisibleTo(PartyId party) => Audience.Contains(party);

    /// <summary>Whether <paramref name="party"/> is suspected.</summary>
    public bool Suspects(PartyId party) => Report.Suspected.Contains(party);

    /// <summary>Whether <paramref name="party"/> admitted the incident: then, and only then, it is confirmed against it.</summary>
    public bool IsConfirmedAgainst(PartyId party) => Replies.Any(r => r.Party == party && r.Kind == ReplyKind.Admit);

    /// <summary>The grade in force (the last one given), if any.</summary>
    public IncidentGrade? Grade => Grades.Count == 0 ? null : Grades[^1].Grade;

    /// <summary>Where <paramref name="party"/> stands: replied (in time or late), silent, or awaited.</summary>
    public ReplyStanding StandingOf(PartyId party)
    {
        if (Replies.FirstOrDefault(r => r.Party == party) is { } first)
        {
            return first.At < ReplyDeadline ? ReplyStanding.Replied : ReplyStanding.RepliedLate;
        }

        return Silences.Any(s => s.Party == party) ? ReplyStanding.Silent : ReplyStanding.Awaited;
    }

    /// <summary>The suspected parties that have neither replied nor been recorded silent.</summary>
    public IEnumerable<PartyId> Awaiting => Report.Suspected.Where(p => StandingOf(p) == ReplyStanding.Awaited);

    /// <summary>Incidents are equal when every field is, the lists compared in order.</summary>
    public bool Equals(Incident? other) =>
        other is not null && Report.Equals(other.Report) && Reported == other.Reported && ReplyDeadline == other.ReplyDeadline &&
        Correlation.Equals(other.Correlation) && Audience.SequenceEqual(other.Audience) && Replies.SequenceEqual(other.Replies) &&
        Grades.SequenceEqual(other.Grades) && Silences.SequenceEqual(other.Silences) && Version == other.Version;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Report.Id, Reported, Version);
}
