using Parley.Core.Model;

namespace Parley.Core.Agreements;

/// <summary>
/// What an amendment changes in an agreement: terms added, replaced (by id) or removed, and the rules, separation minima,
/// concurrence deadline and probing budget it sets anew (null: left as they are).
/// </summary>
/// <remarks>Immutable.</remarks>
public sealed record AgreementChange
{
    /// <summary>Terms added (their ids are new to the agreement).</summary>
    public IReadOnlyList<Term> AddTerms { get; init; } = [];

    /// <summary>Terms that replace the agreement's terms of the same ids, each in its place.</summary>
    public IReadOnlyList<Term> ReplaceTerms { get; init; } = [];

    /// <summary>Ids of terms removed.</summary>
    public IReadOnlyList<string> RemoveTerms { get; init; } = [];

    /// <summary>The rules that replace the agreement's rules, if it sets them.</summary>
    public IReadOnlyList<ZoneRule>? Rules { get; init; }

    /// <summary>The separation minima it sets, if any.</summary>
    public SeparationMinima? Separation { get; init; }

    /// <summary>The concurrence deadline it sets, if any.</summary>
    public TimeSpan? ConcurrenceDeadline { get; init; }

    /// <summary>The probing budget it sets, if any.</summary>
    public ProbingBudget? ProbingBudget { get; init; }

    /// <summary>Whether it changes nothing.</summary>
    public bool IsEmpty => AddTerms.Count == 0 && ReplaceTerms.Count == 0 && RemoveTerms.Count == 0 &&
        Rules is null && Separation is null && ConcurrenceDeadline is null && ProbingBudget is null;

    /// <summary>The ids of the terms it adds, replaces or removes.</summary>
    public IEnumerable<string> TermsTouched => AddTerms.Select(t => t.Id).Concat(ReplaceTerms.Select(t => t.Id)).Concat(RemoveTerms);

    /// <summary>
    /// <paramref name="agreement"/> with this change made, as version <paramref name="version"/>: removed terms go, replaced
    /// ones keep their place, added ones come last.
    /// </summary>
    public Agreement ApplyTo(Agreement agreement, int version)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        var terms = agreement.Terms
            .Where(t => !RemoveTerms.Contains(t.Id))
            .Select(t => ReplaceTerms.FirstOrDefault(r => r.Id == t.Id) ?? t)
            .Concat(AddTerms)
            .ToList();
        return agreement with
        {
            Version = version,
            Terms = terms,
            ZoneRules = Rules ?? agreement.ZoneRules,
            Separation = Separation ?? agreement.Separation,
            ConcurrenceDeadline = ConcurrenceDeadline ?? agreement.ConcurrenceDeadline,
            ProbingBudget = ProbingBudget ?? agreement.ProbingBudget,
        };
    }
}
