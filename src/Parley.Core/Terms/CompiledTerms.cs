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

    private readonly Dictionary<(PartyId Party, string Kind), TermSet> _byPartyAndKind = [];

    private CompiledTerms(Agreement agreement)
    {
        Agreement = agreement;
        int limits = 0;
        var compiled = agreement.Terms.Select((t, i) => new CompiledTerm(t, i, t.Type == TermType.Limit ? limits++ : -1)).ToList();
        var lists = new Dictionary<(PartyId Party, string Kind), List<CompiledTerm>>();
        foreach (var term in compiled)
        {
            foreach (var party in term.Term.Parties)
            {
                foreach (var kind in term.Term.Kinds)
                {
                    var key = (party, kind);
                    if (!lists.TryGetValue(key, out var list))
                    {
                        lists[key] = list = [];
                    }

                    if (!list.Contains(term))
                    {
                        list.Add(term);
                    }
                }
            }
        }

        // Terms binding the same parties and kinds share their sets: one set, one set of envelopes.
        var sets = new Dictionary<string, TermSet>(StringComparer.Ordinal);
        foreach (var (key, list) in lists)
        {
            string members = string.Join(",", list.Select(t => compiled.IndexOf(t)));
            _byPartyAndKind[key] = sets.TryGetValue(members, out var set) ? set : sets[members] = new TermSet([.. list]);
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
    public TermSet For(PartyId owner, string kind) =>
        _byPartyAndKind.TryGetValue((owner, kind), out var terms) ? terms : TermSet.Empty;
}

/// <summary>
/// The terms that bind one party's operations of one kind, in the agreement's order, with envelopes that clear a whole
/// type of them at once: an operation whose covering box lies within every designated area's inner rectangle (and whose
/// band and window every area holds) breaches none of them; one whose covering box meets no suspended area's box
/// touches none; one with a vertex in every limit area's inner rectangle touches them all.
/// </summary>
/// <remarks>Each envelope answers only where it is certain; else the terms are checked one by one. Made on first use, thread-safe.</remarks>
internal sealed class TermSet
{
    public static readonly TermSet Empty = new([]);

    private SetEnvelopes? _envelopes;

    public TermSet(CompiledTerm[] terms)
    {
        Terms = terms;
        Designated = [.. terms.Where(t => t.Term.Type == TermType.DesignatedArea)];
        Suspensions = [.. terms.Where(t => t.Term.Type == TermType.Suspension)];
        Limits = [.. terms.Where(t => t.Term.Type == TermType.Limit)];
        var limits = Limits;
        _limitNumbers = [.. limits.Select(t => t.Limit)];
        _limitMaxima = [.. limits.Select(t => t.Term.MaxPerDay)];
    }

    public CompiledTerm[] Terms { get; }

    /// <summary>Its designated areas, in the agreement's order.</summary>
    public CompiledTerm[] Designated { get; }

    /// <summary>Its suspensions, in the agreement's order.</summary>
    public CompiledTerm[] Suspensions { get; }

    /// <summary>Its limits, in the agreement's order.</summary>
    public CompiledTerm[] Limits { get; }

    // The set's limits: their numbers in the theater's counts, and how many a day each allows.
    private readonly int[] _limitNumbers, _limitMaxima;

    /// <summary>Whether the set has limits.</summary>
    public bool HasLimits => _limitNumbers.Length > 0;

    /// <summary>
    /// Whether no limit of the set can be exceeded by one more operation on a day with these counts (null: none counted):
    /// each allows at least one more than it counts. A count never exceeds one more than the day's when the decision
    /// changes nothing else (the operation's own stored version only comes out of it).
    /// </summary>
    public bool RoomUnderEveryLimit(int[]? perLimit)
    {
        for (int i = 0; i < _limitNumbers.Length; i++)
        {
            if (1 + (perLimit?[_limitNumbers[i]] ?? 0) > _limitMaxima[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The envelopes of the set, made on first use (each designated area's union is made then, as a check would).</summary>
    public SetEnvelopes Envelopes() => Volatile.Read(ref _envelopes) ?? (Interlocked.CompareExchange(ref _envelopes, new SetEnvelopes(Terms), null) ?? _envelopes!);

    /// <summary>The envelopes of the terms of one set.</summary>
    internal sealed class SetEnvelopes
    {
        private readonly GeoBox? _designatedInner;
        private readonly long _areaStartMax, _areaEndMin;
        private readonly double _areaFloorMax, _areaCeilingMin;
        private readonly GeoBox? _suspendedBox;
        private readonly bool _anySuspension;
        private readonly GeoBox? _limitInner;

        public SetEnvelopes(CompiledTerm[] terms)
        {
            var designated = terms.Where(t => t.Term.Type == TermType.DesignatedArea).ToList();
            if (designated.Count > 0 && designated.All(t => t.Term.Areas.Count > 0))
            {
                var areas = designated.SelectMany(t => t.Term.Areas).ToList();
                _areaStartMax = areas.Max(a => a.Time.StartTicks);
                _areaEndMin = areas.Min(a => a.Time.EndTicks);
                _areaFloorMax = areas.Max(a => a.Altitude.MinMetres);
                _areaCeilingMin = areas.Min(a => a.Altitude.MaxMetres);
                _designatedInner = Intersection(designated.Select(t => t.CoverOfAll().Inner));
            }

            var suspensions = terms.Where(t => t.Term.Type == TermType.Suspension).ToList();
            _anySuspension = suspensions.Count > 0;
            if (_anySuspension && suspensions.All(t => t.Touch?.Box is not null))
            {
                var boxes = suspensions.Select(t => t.Touch!.Box!.Value).ToList();
                _suspendedBox = new GeoBox(boxes.Min(b => b.MinX), boxes.Min(b => b.MinY), boxes.Max(b => b.MaxX), boxes.Max(b => b.MaxY));
            }

            var limitAreas = terms.Where(t => t.Term.Type == TermType.Limit && t.Touch is not null).ToList();
            if (limitAreas.Count > 0)
            {
                _limitInner = Intersection(limitAreas.Select(t => t.Touch!.Inner));
            }
        }

        /// <summary>Whether no designated area of the set is breached by the operation: it lies within them all, with their every area usable.</summary>
        public bool WithinEveryDesignatedArea(in TermProbe probe) =>
            _designatedInner is { } inner && probe.Boxes.Second is null && Inside(probe.Boxes.First, inner) && AreaGrid.InOpenWorld(probe.Boxes.First) &&
            _areaFloorMax <= probe.AltitudeMin && probe.AltitudeMax <= _areaCeilingMin && _areaStartMax <= probe.Start && probe.End <= _areaEndMin;

        /// <summary>Whether the operation touches no suspended area of the set (there is one at least, and each has an area).</summary>
        public bool AwayFromEverySuspension(in TermProbe probe) =>
            _suspendedBox is { } box && !box.Intersects(probe.Boxes.First) && (probe.Boxes.Second is not { } second || !box.Intersects(second));

        /// <summary>Whether the operation touches every limit area of the set: its first vertex lies in each one's inner rectangle.</summary>
        public bool TouchesEveryLimitArea(in TermProbe probe)
        {
            if (_limitInner is not { } inner)
            {
                return false;
            }

            var first = probe.Footprint.PathArray[0];
            var point = new GeoBox(first[0], first[1], first[0], first[1]);
            return Inside(point, inner) && AreaGrid.InOpenWorld(point);
        }

        private static bool Inside(in GeoBox box, in GeoBox inner) =>
            inner.MinX <= box.MinX && box.MaxX <= inner.MaxX && inner.MinY <= box.MinY && box.MaxY <= inner.MaxY;

        /// <summary>The common part of the rectangles, or null when one is missing or they share nothing.</summary>
        private static GeoBox? Intersection(IEnumerable<GeoBox?> boxes)
        {
            double minX = double.NegativeInfinity, minY = double.NegativeInfinity, maxX = double.PositiveInfinity, maxY = double.PositiveInfinity;
            foreach (var b in boxes)
            {
                if (b is not { } box)
                {
                    return null;
                }

                minX = Math.Max(minX, box.MinX);
                minY = Math.Max(minY, box.MinY);
                maxX = Math.Min(maxX, box.MaxX);
                maxY = Math.Min(maxY, box.MaxY);
            }

            return minX <= maxX && minY <= maxY ? new GeoBox(minX, minY, maxX, maxY) : null;
        }
    }
}

/// <summary>What every term asks of the operation decided, read from it once per decision.</summary>
/// <remarks>Fields, not properties: the loop over the terms reads them in place, never copying the boxes.</remarks>
internal readonly struct TermProbe
{
    public readonly Operation Operation;
    public readonly Shape Footprint;

    /// <summary>The footprint's covering boxes, buffer included.</summary>
    public readonly GeoBoxPair Boxes;

    public readonly long Start;
    public readonly long End;
    public readonly double AltitudeMin;
    public readonly double AltitudeMax;

    public TermProbe(Operation operation)
    {
        Operation = operation;
        Footprint = operation.Volume.Footprint;
        Boxes = Footprint.CoveringBoxes();
        Start = operation.Volume.Time.StartTicks;
        End = operation.Volume.Time.EndTicks;
        AltitudeMin = operation.Volume.Altitude.MinMetres;
        AltitudeMax = operation.Volume.Altitude.MaxMetres;
    }
}

/// <summary>One term, with what checking it needs made ready: its areas' unions, its area's touch test, its number among the limits.</summary>
internal sealed class CompiledTerm
{
    // The union of the areas an operation may use depends on which areas contain its band and window: made once per set,
    // the set of them all kept at hand.
    private readonly ConcurrentDictionary<ulong, CoverArea> _coversBySet = new();
    private readonly ConcurrentDictionary<string, CoverArea> _coversByKey = new(StringComparer.Ordinal);
    private CoverArea? _coverOfAll;

    // The term's scope and its areas' bands and windows, as plain numbers for the loop every decision runs.
    private readonly bool _everywhen;
    private readonly long _start, _end;
    private readonly double _altitudeMin, _altitudeMax;
    private readonly long[] _areaStart, _areaEnd;
    private readonly double[] _areaMin, _areaMax;

    public CompiledTerm(Term term, int order, int limit)
    {
        Term = term;
        Order = order;
        Limit = limit;
        Touch = term.Area is null || term.Type == TermType.DesignatedArea ? null : TouchArea.Of(term.Area);

        // Most terms bind at every time and altitude: then only the parties and kinds (known from the lookup) decide.
        _everywhen = term.Window == TermScope.Always && term.Altitude == TermScope.AnyAltitude;
        _start = term.Window.StartTicks;
        _end = term.Window.EndTicks;
        _altitudeMin = term.Altitude.MinMetres;
        _altitudeMax = term.Altitude.MaxMetres;
        _areaStart = [.. term.Areas.Select(a => a.Time.StartTicks)];
        _areaEnd = [.. term.Areas.Select(a => a.Time.EndTicks)];
        _areaMin = [.. term.Areas.Select(a => a.Altitude.MinMetres)];
        _areaMax = [.. term.Areas.Select(a => a.Altitude.MaxMetres)];
    }

    public Term Term { get; }

    /// <summary>Its place in the agreement's terms.</summary>
    public int Order { get; }

    /// <summary>For a limit, its place among the agreement's limits (the theater's counts are numbered so); else -1.</summary>
    public int Limit { get; }

    /// <summary>For a suspension or a limit with an area, the area's touch test.</summary>
    public TouchArea? Touch { get; }

    /// <summary>
    /// Whether the term binds an operation of one of its parties and kinds: its window and band meet the term's
    /// (<see cref="Term.Binds"/> without the parties and kinds).
    /// </summary>
    public bool BindsScope(in TermProbe probe) =>
        _everywhen || (_start < probe.End && probe.Start < _end && Math.Max(0, Math.Max(probe.AltitudeMin - _altitudeMax, _altitudeMin - probe.AltitudeMax)) == 0);

    /// <summary>Whether the operation lies within the union of the areas whose band and window contain its own.</summary>
    public bool WithinAreas(Operation operation) => WithinAreas(new TermProbe(operation));

    /// <summary>As <see cref="WithinAreas(Operation)"/>, for the operation of a decision.</summary>
    public bool WithinAreas(in TermProbe probe)
    {
        int count = _areaStart.Length;
        if (count > 64)
        {
            return WithinManyAreas(probe);
        }

        ulong set = 0;
        for (int i = 0; i < count; i++)
        {
            if (Usable(i, probe))
            {
                set |= 1UL << i;
            }
        }

        if (set == 0)
        {
            return false;
        }

        CoverArea cover;
        if (set == (count == 64 ? ulong.MaxValue : (1UL << count) - 1))
        {
            cover = CoverOfAll();
        }
        else
        {
            cover = _coversBySet.GetOrAdd(set, s => CoverArea.Of(Term.Areas.Where((_, i) => (s & (1UL << i)) != 0).Select(a => a.Footprint)));
        }

        return cover.Covers(probe.Footprint, probe.Boxes);
    }

    /// <summary>The union of every area of a designated area, made on first use.</summary>
    public CoverArea CoverOfAll() => _coverOfAll ??= CoverArea.Of(Term.Areas.Select(a => a.Footprint));

    private bool WithinManyAreas(in TermProbe probe)
    {
        var key = new char[_areaStart.Length];
        bool any = false;
        for (int i = 0; i < key.Length; i++)
        {
            bool usable = Usable(i, probe);
            key[i] = usable ? '1' : '0';
            any |= usable;
        }

        if (!any)
        {
            return false;
        }

        var cover = _coversByKey.GetOrAdd(new string(key), k => CoverArea.Of(Term.Areas.Where((_, i) => k[i] == '1').Select(a => a.Footprint)));
        return cover.Covers(probe.Footprint, probe.Boxes);
    }

    /// <summary>Whether area <paramref name="i"/>'s band and window contain the operation's.</summary>
    private bool Usable(int i, in TermProbe probe) =>
        _areaMin[i] <= probe.AltitudeMin && probe.AltitudeMax <= _areaMax[i] && _areaStart[i] <= probe.Start && probe.End <= _areaEnd[i];
}
