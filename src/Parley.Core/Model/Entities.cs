namespace Parley.Core.Model;

/// <summary>What a zone protects or closes.</summary>
public enum ZoneKind
{
    /// <summary>Do not strike or enter: hospitals, schools, aid convoys, partner forces.</summary>
    Protected,

    /// <summary>Airspace or ground closed to some operation kinds.</summary>
    Restricted,

    /// <summary>An area jointly agreed for some kind of operation.</summary>
    Designated,
}

/// <summary>Who may see a zone's or an operation's geometry and details.</summary>
public enum Visibility
{
    /// <summary>Only the owner and the center.</summary>
    Private,

    /// <summary>The owner and the named parties.</summary>
    Parties,

    /// <summary>Every party of the agreement.</summary>
    Public,
}

/// <summary>Where an operation is in its lifecycle.</summary>
public enum OperationState
{
    /// <summary>Submitted, not yet decided.</summary>
    Proposed,

    /// <summary>No conflict: accepted without concurrence.</summary>
    Accepted,

    /// <summary>Conflicts found: waiting for the affected parties.</summary>
    AwaitingConcurrence,

    /// <summary>Every affected party concurred.</summary>
    Concurred,

    /// <summary>An affected party refused.</summary>
    Refused,

    /// <summary>A concurrence request reached its deadline unanswered (silence is never consent).</summary>
    Expired,

    /// <summary>Under way.</summary>
    Active,

    /// <summary>Finished.</summary>
    Completed,

    /// <summary>Withdrawn by its owner.</summary>
    Cancelled,
}

/// <summary>Fields shared by zones and operations, as declared in a GeoJSON Feature.</summary>
public abstract record Declaration
{
    /// <summary>The declaring party.</summary>
    public required PartyId Owner { get; init; }

    /// <summary>Where and when.</summary>
    public required Volume Volume { get; init; }

    /// <summary>Version of this declaration, starting at 1 and raised by every accepted change (the ETag).</summary>
    public long Version { get; init; } = 1;

    /// <summary>Optional human-readable name.</summary>
    public string? Name { get; init; }

    /// <summary>Who may see the geometry.</summary>
    public Visibility Visibility { get; init; } = Visibility.Private;

    /// <summary>The parties that may see it when <see cref="Visibility"/> is <see cref="Visibility.Parties"/>.</summary>
    public IReadOnlyList<PartyId> SharedWith { get; init; } = [];

    /// <summary>Whether <paramref name="party"/> may see the full declaration.</summary>
    public bool IsVisibleTo(PartyId party) => party == Owner || Visibility switch
    {
        Visibility.Public => true,
        Visibility.Parties => SharedWith.Contains(party),
        _ => false,
    };
}

/// <summary>A zone declared by its owner.</summary>
public sealed record Zone : Declaration
{
    /// <summary>The zone id (unique within the agreement).</summary>
    public required ZoneId Id { get; init; }

    /// <summary>What the zone is.</summary>
    public required ZoneKind Kind { get; init; }
}

/// <summary>A planned operation of a party.</summary>
public sealed record Operation : Declaration
{
    /// <summary>The operation id (unique within the agreement).</summary>
    public required OperationId Id { get; init; }

    /// <summary>The operation kind (<c>flight</c>, <c>strike</c>, … or an agreement-defined kind).</summary>
    public required string Kind { get; init; }

    /// <summary>The lifecycle state.</summary>
    public OperationState State { get; init; } = OperationState.Proposed;

    /// <summary>
    /// The terms in force this operation breaches without the concurrence they ask for, found when an amendment brought
    /// them into force (empty: none): it cannot be activated until it is modified to comply or the breach ends.
    /// </summary>
    public IReadOnlyList<string> InBreach { get; init; } = [];
}
