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

    // The version most decisions ask for, at hand before the table is asked.
    private static CompiledTerms? s_last;

    private readonly Dictionary<(PartyId Party, string Kind), CompiledTerm[]> _byPartyAndKind = [];

    private CompiledTerms(Agreement agreement)
    {
        Agreement = agreement;
        int limits = 0;
        var compiled = agreement.Terms.Select(t => new CompiledTerm(t, t.Type == TermType.Limit ? limits++ : -1)).ToList();
        foreach (var term in compiled)
        {
            foreach (var party in term.Term.Parties)
            {
                foreach (var kind in term.Term.Kinds)
                {
                    var key = (party, kind);
                    _byPartyAndKind[key] = _byPartyAndKind.TryGetValue(key, out var list) ? (list.Contains(term) ? list : [.. list, term]) : [term];
                }
            }
        }

        HasLimits = limits > 0;
    }

    /// <summary>The agreement version.</summary>
    public Agreement Agreement { get; }

    /// <summary>Whether any term is a daily limit.</summary>
    public bool HasLimits { get; }

    /// <summary>The compiled terms of <paramref name="agreement"/>, made on first use.</summary>
    public static CompiledTerms Of(Agreement agreement)
    {
        var last = Volatile.Read(ref s_last);
        if (last is not null && ReferenceEquals(last.Agreement, agreement))
        {
            return last;
        }

        var made = Made.GetValue(agreement, a => new CompiledTerms(a));
        Volatile.Write(ref s_last, made);
        return made;
    }

    /// <summary>The terms whose parties and kinds include the operation's owner and kind (in the agreement's order).</summary>
    public CompiledTerm[] For(PartyId owner, string kind) =>
        _byPartyAndKind.TryGetValue((owner, kind), out var terms) ? terms : [];
}

/// <summary>One term, with what checking it needs made ready: its areas' unions, its area's touch test, its number among the limits.</summary>
internal sealed class CompiledTerm(Term term, int limit)
{
    // The union of the areas an operation may use depends on which areas contain its band and window: made once per set,
    // the set of them all kept at hand.
    private readonly ConcurrentDictionary<ulong, CoverArea> _coversBySet = new();
    private readonly ConcurrentDictionary<string, CoverArea> _coversByKey = new(StringComparer.Ordinal);
    private CoverArea? _coverOfAll;

    public Term Term { get; } = term;

    /// <summary>For a limit, its place among the agreement's limits (the theater's counts are numbered so); else -1.</summary>
    public int Limit { get; } = limit;

    /// <summary>For a suspension or a limit with an area, the area's touch test.</summary>
    public TouchArea? Touch { get; } = term.Area is null || term.Type == TermType.DesignatedArea ? null : TouchArea.Of(term.Area);

    // Most terms bind at every time and altitude: then only the parties and kinds (known from the lookup) decide.
    private readonly bool _everywhen = term.Window == TermScope.Always && term.Altitude == TermScope.AnyAltitude;

    /// <summary>Whether the term binds an operation of one of its parties and kinds: its window and band meet the term's.</summary>
    public bool BindsScope(Operation operation) =>
        _everywhen || (Term.Window.Overlaps(operation.Volume.Time) && Term.Altitude.GapTo(operation.Volume.Altitude) == 0);

    /// <summary>Whether the operation lies within the union of the areas whose band and window contain its own.</summary>
    public bool WithinAreas(Operation operation) => WithinAreas(operation, operation.Volume.Footprint.CoveringBoxes());

    /// <summary>As <see cref="WithinAreas(Operation)"/>, with the footprint's covering boxes made by the caller.</summary>
    public bool WithinAreas(Operation operation, in GeoBoxPair footprintBoxes)
    {
        var areas = Term.Areas;
        if (areas.Count > 64)
        {
            return WithinManyAreas(operation);
        }

        var volume = operation.Volume;
        ulong set = 0;
        for (int i = 0; i < areas.Count; i++)
        {
            if (Usable(areas[i], volume))
            {
                set |= 1UL << i;
            }
        }

        if (set == 0)
        {
            return false;
        }

        CoverArea cover;
        if (set == (areas.Count == 64 ? ulong.MaxValue : (1UL << areas.Count) - 1))
        {
            cover = _coverOfAll ??= CoverArea.Of(areas.Select(a => a.Footprint));
        }
        else
        {
            cover = _coversBySet.GetOrAdd(set, s => CoverArea.Of(areas.Where((_, i) => (s & (1UL << i)) != 0).Select(a => a.Footprint)));
        }

        return cover.Covers(volume.Footprint, footprintBoxes);
    }

    private bool WithinManyAreas(Operation operation)
    {
        var volume = operation.Volume;
        var key = new char[Term.Areas.Count];
        bool any = false;
        for (int i = 0; i < Term.Areas.Count; i++)
        {
            bool usable = Usable(Term.Areas[i], volume);
            key[i] = usable ? '1' : '0';
            any |= usable;
        }

        if (!any)
        {
            return false;
        }

        var cover = _coversByKey.GetOrAdd(new string(key), k => CoverArea.Of(Term.Areas.Where((_, i) => k[i] == '1').Select(a => a.Footprint)));
        return cover.Covers(volume.Footprint);
    }

    private static bool Usable(Volume area, Volume volume) =>
        area.Altitude.MinMetres <= volume.Altitude.MinMetres && volume.Altitude.MaxMetres <= area.Altitude.MaxMetres &&
        area.Time.StartTicks <= volume.Time.StartTicks && volume.Time.EndTicks <= area.Time.EndTicks;
}
