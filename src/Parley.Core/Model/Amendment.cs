namespace Parley.Core.Model;

/// <summary>Where a proposed amendment of the agreement is.</summary>
public enum AmendmentState
{
    /// <summary>Waiting for the signatories' signatures, until its signing deadline.</summary>
    Proposed,

    /// <summary>Every signatory signed; it comes into force at its effective time.</summary>
    Signed,

    /// <summary>In force: the agreement version it made is the one decisions apply (or was, until a later amendment).</summary>
    InForce,

    /// <summary>It will not come into force: a signatory refused it, its signing deadline passed, or the agreement it amends changed first.</summary>
    Lapsed,
}

/// <summary>A signatory's signature of an amendment: a signed write of the party's approver.</summary>
/// <param name="Party">The signatory.</param>
/// <param name="Signed">When the center recorded it.</param>
public sealed record AmendmentSignature(PartyId Party, DateTimeOffset Signed);

/// <summary>
/// A proposed change of the agreement (terms, rules, separation minima, the concurrence deadline, the probing budget), in
/// force only once every signatory has signed it. It amends one version of the agreement and, in force, makes the next.
/// </summary>
/// <remarks>Immutable. Public to every party of the agreement, like the agreement itself.</remarks>
public sealed record Amendment
{
    /// <summary>The amendment id: <c>am-</c> and a number, unique in the agreement.</summary>
    public required string Id { get; init; }

    /// <summary>The member party whose approver proposed it.</summary>
    public required PartyId Proposer { get; init; }

    /// <summary>What it changes, as canonical JSON (the fields of a proposal that change the agreement).</summary>
    public required string Changes { get; init; }

    /// <summary>Why, as the proposer wrote it.</summary>
    public required string Reason { get; init; }

    /// <summary>The agreement version it amends; in force, it makes the version after it.</summary>
    public required int BaseVersion { get; init; }

    /// <summary>When it was proposed.</summary>
    public required DateTimeOffset Proposed { get; init; }

    /// <summary>The time by which every signatory must have signed, or it lapses.</summary>
    public required DateTimeOffset SigningDeadline { get; init; }

    /// <summary>When it comes into force once signed; null: as soon as the last signature is given.</summary>
    public DateTimeOffset? Effective { get; init; }

    /// <summary>The parties whose signatures it needs: the agreement's signatories when it was proposed.</summary>
    public required IReadOnlyList<PartyId> Signatories { get; init; }

    /// <summary>The signatures given, in order.</summary>
    public IReadOnlyList<AmendmentSignature> Signatures { get; init; } = [];

    /// <summary>Where it is.</summary>
    public AmendmentState State { get; init; } = AmendmentState.Proposed;

    /// <summary>When it came into force or lapsed.</summary>
    public DateTimeOffset? Closed { get; init; }

    /// <summary>The signatory that refused it, if one did.</summary>
    public PartyId? RefusedBy { get; init; }

    /// <summary>Why it lapsed: the refusal's reason, a passed deadline, or a change of the agreement it amends.</summary>
    public string? LapseReason { get; init; }

    /// <summary>Raised by every change (the ETag).</summary>
    public long Revision { get; init; } = 1;

    /// <summary>The agreement version it makes in force.</summary>
    public int Version => BaseVersion + 1;

    /// <summary>Whether it still waits for something: signatures, or its effective time.</summary>
    public bool IsPending => State is AmendmentState.Proposed or AmendmentState.Signed;

    /// <summary>Whether <paramref name="party"/> has signed it.</summary>
    public bool IsSignedBy(PartyId party) => Signatures.Any(s => s.Party == party);

    /// <summary>Whether every signatory has signed it.</summary>
    public bool IsFullySigned => Signatories.All(IsSignedBy);
}

/// <summary>Wire names of amendment states.</summary>
public static class AmendmentStates
{
    /// <summary><c>proposed</c>, <c>signed</c>, <c>in-force</c> or <c>lapsed</c>.</summary>
    public static string Name(AmendmentState state) => state switch
    {
        AmendmentState.Proposed => "proposed",
        AmendmentState.Signed => "signed",
        AmendmentState.InForce => "in-force",
        _ => "lapsed",
    };

    /// <summary>Parses a wire name.</summary>
    public static AmendmentState Parse(string name) => name switch
    {
        "proposed" => AmendmentState.Proposed,
        "signed" => AmendmentState.Signed,
        "in-force" => AmendmentState.InForce,
        "lapsed" => AmendmentState.Lapsed,
        _ => throw new FormatException($"unknown amendment state '{name}'"),
    };
}
