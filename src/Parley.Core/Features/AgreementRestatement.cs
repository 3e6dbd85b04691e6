using Parley.Core.Agreements;

namespace Parley.Core.Features;

/// <summary>How a stored agreement meets a changed text of it given again (an agreement file at start-up).</summary>
public enum RestatementKind
{
    /// <summary>The same version as stored, the pact unchanged (names, keys, identities may differ): the text replaces the stored one.</summary>
    Restated,

    /// <summary>The version in force, exactly: nothing changes.</summary>
    InForce,

    /// <summary>A change of the pact, or another version: refused; the pact changes by amendment.</summary>
    Refused,
}

/// <summary>
/// The rule for agreement texts given again: a pact changes only by amendment, so a changed text may restate the stored
/// version (its terms, rules, minima, deadline, budget and signatories unchanged) or be the version in force as it is;
/// anything else is refused, saying to amend instead.
/// </summary>
public static class AgreementRestatement
{
    /// <summary>How <paramref name="given"/> meets <paramref name="stored"/> (the stored text) and <paramref name="inForce"/>, with the reason when refused.</summary>
    public static (RestatementKind Kind, string? Reason) Judge(Agreement stored, Agreement given, Agreement inForce)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(inForce);
        if (given.Version == stored.Version && AgreementWriter.GovernedJson(given) == AgreementWriter.GovernedJson(stored))
        {
            return (RestatementKind.Restated, null);
        }

        if (inForce.Version != stored.Version && given.Version == inForce.Version &&
            AgreementWriter.ToJson(given) == AgreementWriter.ToJson(inForce) && given.Parties.SequenceEqual(inForce.Parties))
        {
            return (RestatementKind.InForce, null);
        }

        string amended = inForce.Version == stored.Version ? "" : $" (version {stored.Version} as given, amended since)";
        return (RestatementKind.Refused,
            $"agreement '{stored.Id}' is at version {inForce.Version}{amended}: a changed text may restate version {stored.Version} " +
            "with the same terms, rules, separation, concurrence deadline, probing budget and signatories (names, keys and identities may change), " +
            $"or be version {inForce.Version} as it is in force; to change the pact, propose an amendment (POST /v1/agreements/{stored.Id}/agreement/amendments, parley agreement propose)");
    }
}
