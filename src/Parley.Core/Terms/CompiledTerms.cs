using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Parley.Core.Agreements;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Terms;

/// <summary>
/// An agreement's terms made ready for checking, once per agreement version: by (party, kind), so that an operation no
/// term binds costs one lookup, and each designated area's unions made once per set of areas an operation may use.
/// </summary>
/// <remarks>Thread-safe: checks may run concurrently.</remarks>
internal sealed class CompiledTerms
{
    private static readonly ConditionalWeakTable<Agreement, CompiledTerms> Made = [];

    private readonly Dictionary<(PartyId Party, string Kind), CompiledTerm[]> _byPartyAndKind = [];

    private CompiledTerms(Agreement agreement)
    {
        var compiled = agreement.Terms.Select(t => new CompiledTerm(t)).ToList();
        foreach (var term in compiled)
        {
            foreach (var party in term.Term.Parties)
            {
                foreach (var kind in term.Term.Kinds)
                {
                    var key = (party, kind);
                    _byPartyAndKind[key] = _byPartyAndKind.TryGetValue(key, out var list) ? [.. list, term] : [term];
                }
            }
        }

        HasLimits = compiled.Any(t => t.Term.Type == TermType.Limit);
    }

    /// <summary>Whether any term is a daily limit.</summary>
    public bool HasLimits { get; }

    /// <summary>The compiled terms of <paramref name="agreement"/>, made on first use.</summary>
    public static CompiledTerms Of(Agreement agreement) => Made.GetValue(agreement, a => new CompiledTerms(a));

    /// <summary>The terms whose parties and kinds include the operation's owner and kind (in the agreement's order).</summary>
    public IReadOnlyList<CompiledTerm> For(PartyId owner, string kind) =>
        _byPartyAndKind.TryGetValue((owner, kind), out var terms) ? terms : [];
}

/// <summary>One term, with what checking it needs made ready.</summary>
internal sealed class CompiledTerm(Term term)
{
    // The union of the areas an operation may use depends on which areas contain its band and window: made once per set.
    private readonly ConcurrentDictionary<string, CoverArea> _covers = new(StringComparer.Ordinal);

    public Term Term { get; } = term;

    /// <summary>Whether the operation lies within the union of the areas whose band and window contain its own.</summary>
    public bool WithinAreas(Operation operation)
    {
        var volume = operation.Volume;
        Span<char> key = Term.Areas.Count <= 256 ? stackalloc char[Term.Areas.Count] : new char[Term.Areas.Count];
        bool any = false;
        for (int i = 0; i < Term.Areas.Count; i++)
        {
            var area = Term.Areas[i];
            bool usable = area.Altitude.MinMetres <= volume.Altitude.MinMetres && volume.Altitude.MaxMetres <= area.Altitude.MaxMetres &&
                area.Time.StartTicks <= volume.Time.StartTicks && volume.Time.EndTicks <= area.Time.EndTicks;
            key[i] = usable ? '1' : '0';
            any |= usable;
        }

        if (!any)
        {
            return false;
        }

        var cover = _covers.GetOrAdd(new string(key), k => CoverArea.Of(Term.Areas.Where((_, i) => k[i] == '1').Select(a => a.Footprint)));
        return cover.Covers(volume.Footprint);
    }
}
