using Parley.Core.Model;

namespace Parley.Core.Agreements;

/// <summary>What a party is in an agreement.</summary>
public enum PartyRole
{
    /// <summary>Declares zones and operations.</summary>
    Member,

    /// <summary>Reports incidents and reads compliance.</summary>
    Observer,

    /// <summary>Administers the center.</summary>
    Administrator,
}

/// <summary>A party of an agreement.</summary>
/// <param name="Id">The party id.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Role">Member, observer or administrator.</param>
/// <param name="WitnessKey">The party's ledger witness key (a C2SP vkey of type 0x04), if it cosigns checkpoints.</param>
/// <param name="Identity">The party's own identity provider; without one the party uses the center's development tokens.</param>
public sealed record Party(PartyId Id, string Name, PartyRole Role, string? WitnessKey = null, PartyIdentity? Identity = null)
{
    /// <summary>
    /// The party's submission keys (<c>ed25519:</c> and the base64 of the 32-byte public key): every write it
    /// makes is signed by one of them. None listed: the center's development key for the party is used.
    /// </summary>
    public IReadOnlyList<string> SigningKeys { get; init; } = [];

    /// <summary>
    /// Private networks (CIDR prefixes, e.g. <c>10.20.0.0/16</c>) the party's webhooks may reach besides public
    /// addresses: its own receivers inside the center's network. None: public addresses only.
    /// </summary>
    public IReadOnlyList<string> WebhookNetworks { get; init; } = [];

    /// <summary>Parties are equal when every field is, the keys and networks compared in order.</summary>
    public bool Equals(Party? other) =>
        other is not null && Id == other.Id && Name == other.Name && Role == other.Role && WitnessKey == other.WitnessKey &&
        Identity == other.Identity && SigningKeys.SequenceEqual(other.SigningKeys) && WebhookNetworks.SequenceEqual(other.WebhookNetworks);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, Name, Role, WitnessKey, Identity, SigningKeys.Count);
}

/// <summary>The identity provider that issues a party's bearer tokens: its issuer, audience and public keys.</summary>
/// <param name="Issuer">The <c>iss</c> the party's tokens must carry.</param>
/// <param name="Audience">The <c>aud</c> they must carry; <see langword="null"/> means the agreement's <see cref="Agreement.TokenAudience"/>.</param>
/// <param name="JwksJson">The provider's keys as an inline JWKS (<c>{"keys":[...]}</c>), or <see langword="null"/> when <paramref name="JwksFile"/> is given.</param>
/// <param name="JwksFile">A JWKS file the server reads when it loads the agreement, or <see langword="null"/> when <paramref name="JwksJson"/> is given.</param>
/// <remarks>Exactly one of <paramref name="JwksJson"/> and <paramref name="JwksFile"/> is set.</remarks>
public sealed record PartyIdentity(string Issuer, string? Audience, string? JwksJson, string? JwksFile);

/// <summary>An operation kind conflicts with other parties' zones of these kinds.</summary>
public sealed record ZoneRule(string OperationKind, IReadOnlyList<ZoneKind> ZoneKinds);

/// <summary>Least distances that two operations of different parties must keep (both must be broken to conflict).</summary>
public sealed record SeparationMinima(double LateralMetres, double VerticalMetres);

/// <summary>
/// How many checks and submissions that touch other parties' hidden zones one party may make: a request
/// is refused (429) once the party's touching requests in the last hour reach <paramref name="PerHour"/> or
/// those in the last day reach <paramref name="PerDay"/>.
/// </summary>
public sealed record ProbingBudget(int PerHour, int PerDay);

/// <summary>
/// The pact a theater runs under: its parties, which operation kinds conflict with which zone kinds,
/// separation minima, limits and deadlines, its terms, and who signs its amendments.
/// </summary>
/// <remarks>Immutable. An agreement with no parties listed accepts any owner (the offline checker's default).</remarks>
public sealed record Agreement
{
    /// <summary>The built-in operation kinds.</summary>
    public static readonly IReadOnlyList<string> StandardOperationKinds = ["flight", "strike", "ground-movement", "humanitarian-movement"];

    /// <summary>The agreement id.</summary>
    public required AgreementId Id { get; init; }

    /// <summary>Human-readable name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Version of the agreement text; each change is a new version.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The parties; empty means any owner is accepted.</summary>
    public IReadOnlyList<Party> Parties { get; init; } = [];

    /// <summary>Operation kinds that may be declared.</summary>
    public IReadOnlyList<string> OperationKinds { get; init; } = StandardOperationKinds;

    /// <summary>Operation kinds that are airborne and keep separation from each other.</summary>
    public IReadOnlyList<string> AirborneKinds { get; init; } = ["flight", "strike"];

    /// <summary>Which operation kinds conflict with which zone kinds of another party.</summary>
    public IReadOnlyList<ZoneRule> ZoneRules { get; init; } =
    [
        new("strike", [ZoneKind.Protected, ZoneKind.Restricted]),
        new("flight", [ZoneKind.Restricted]),
        new("ground-movement", [ZoneKind.Protected, ZoneKind.Restricted]),
    ];

    /// <summary>Separation minima between airborne operations of different parties.</summary>
    public SeparationMinima Separation { get; init; } = new(9260, 300);

    /// <summary>Most vertices a single feature may have.</summary>
    public int MaxVerticesPerFeature { get; init; } = 10_000;

    /// <summary>How long an affected party has to answer a concurrence request.</summary>
    public TimeSpan ConcurrenceDeadline { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a party suspected in an incident report is given to reply before its silence is recorded.</summary>
    public TimeSpan IncidentReplyDeadline { get; init; } = TimeSpan.FromHours(72);

    /// <summary>How far a signed submission's timestamp may lie from the center's clock.</summary>
    public TimeSpan SignatureWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Side of the coarse cell in which a hidden zone's conflict is disclosed, in metres.</summary>
    public double DisclosureResolutionMetres { get; init; } = 10_000;

    /// <summary>The audience that parties' tokens carry unless a party's identity names another.</summary>
    public string TokenAudience { get; init; } = "parley";

    /// <summary>How far a token's expiry and not-before may be off the server's clock.</summary>
    public TimeSpan TokenClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Length of the time slots (aligned to the Unix epoch) in which a hidden zone's time window is disclosed:
    /// an operation and a zone the requester may not see meet in time when their windows touch a common slot.
    /// </summary>
    public TimeSpan DisclosureTimeResolution { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Each party's budget of checks and submissions that touch other parties' hidden zones.</summary>
    public ProbingBudget ProbingBudget { get; init; } = new(30, 200);

    /// <summary>
    /// The member parties whose signatures an amendment needs; the reader makes it every member party when the text names
    /// none.
    /// </summary>
    public IReadOnlyList<PartyId> Signatories { get; init; } = [];

    /// <summary>The terms of the pact: designated areas, suspensions and limits, each binding some parties and kinds.</summary>
    public IReadOnlyList<Term> Terms { get; init; } = [];

    /// <summary>The default agreement: the standard rules, any party.</summary>
    public static Agreement Default(string id = "default") => new() { Id = new AgreementId(id), Name = "Default rules" };

    /// <summary>Whether the agreement accepts <paramref name="party"/> as an owner.</summary>
    public bool HasParty(PartyId party) => Parties.Count == 0 || Parties.Any(p => p.Id == party);

    /// <summary>The listed party with this id, if any.</summary>
    public Party? FindParty(PartyId party)
    {
        foreach (var p in Parties)
        {
            if (p.Id == party)
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>The member parties (those that declare, operate and answer), in the order listed.</summary>
    public IEnumerable<PartyId> Members => Parties.Where(p => p.Role == PartyRole.Member).Select(p => p.Id);

    /// <summary>The term with this id, if any.</summary>
    public Term? FindTerm(string id)
    {
        foreach (var term in Terms)
        {
            if (term.Id == id)
            {
                return term;
            }
        }

        return null;
    }

    /// <summary>The parties whose role is <paramref name="role"/>, in the agreement's order.</summary>
    public IEnumerable<PartyId> PartiesOf(PartyRole role) => Parties.Where(p => p.Role == role).Select(p => p.Id);

    /// <summary>Whether operations of <paramref name="kind"/> may be declared.</summary>
    public bool HasOperationKind(string kind) => OperationKinds.Contains(kind);

    /// <summary>Whether an operation of <paramref name="operationKind"/> conflicts with a zone of <paramref name="zoneKind"/>.</summary>
    public bool Forbids(string operationKind, ZoneKind zoneKind)
    {
        foreach (var rule in ZoneRules)
        {
            if (rule.OperationKind == operationKind && rule.ZoneKinds.Contains(zoneKind))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether operations of this kind keep separation from other parties' airborne operations.</summary>
    public bool IsAirborne(string operationKind) => AirborneKinds.Contains(operationKind);
}
