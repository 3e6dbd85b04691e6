using System.Collections.Concurrent;
using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Core.Terms;

namespace Parley.Core.Incidents;

/// <summary>
/// Correlates an incident report with the theater, with the semantics of conflicts (closed geodesic footprints, half-open
/// windows, the same indexes and disclosure grid): the protected sites it affects, the declared operations it matches.
/// Pure: it reads the theater, it changes nothing.
/// </summary>
/// <remarks>
/// <para>
/// A <em>notified site affected</em> is a protected zone (of any party) that the report's area and window touch. What the
/// center keeps is a superset, so that every party's view is a function of it alone: every protected zone that touches the
/// area and window exactly, and every one that is not public and shares a disclosure cell and time slot with them (a party
/// that may not see such a zone learns only that it lies in that cell, never whether the exact area touches it: no
/// sequence of reports locates a hidden site better than a cell). <see cref="SiteAffected.Exact"/> tells the two apart.
/// The reporter's own site it names is always listed, and marked named.
/// </para>
/// <para>
/// A <em>matching declaration</em> is an operation, of any party and in any state, whose volume meets the area and window
/// at any altitude (exactly, as separation conflicts between operations are).
/// </para>
/// <para>
/// A <em>term breached</em> is a term of the agreement in force that binds a suspected party and whose window the report's
/// meets: a suspension whose area (or the whole theater) the report's area touches, or a designated area outside whose
/// areas (at ground level, in the report's window) a strike, shelling, overflight or incursion was reported. Terms bind
/// declared operation kinds and an incident has none, so every bound kind is taken as possible: a breach found here is a
/// reason to ask the suspected party, never a finding.
/// </para>
/// <para>
/// With <c>cacheCells</c>, the protected zones touching each disclosure cell are found once and kept: for correlating many
/// reports against a theater that does not change meanwhile (a batch, a benchmark); it gives the same answers.
/// Thread-safe for concurrent correlations when nothing writes to the theater.
/// </para>
/// </remarks>
[Mutable("with cacheCells, it keeps the zones of each disclosure cell it has searched, filled as reports are correlated")]
public sealed class IncidentCorrelator(Theater theater, bool cacheCells = false)
{
    private static readonly AltitudeBand AnyAltitude = new(double.NegativeInfinity, double.PositiveInfinity);
    private static readonly TimeWindow AnyTime = new(DateTimeOffset.MinValue, null);

    private readonly ConcurrentDictionary<GridCell, Zone[]>? _cells = cacheCells ? new() : null;

    /// <summary>Correlates one report on <paramref name="theater"/> as it stands.</summary>
    public static IncidentCorrelation Correlate(Theater theater, IncidentReport report) => new IncidentCorrelator(theater).Correlate(report);

    /// <summary>The sites, declarations and terms the report touches.</summary>
    public IncidentCorrelation Correlate(IncidentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var grid = theater.Grid;
        var volume = new Volume(report.Area, AnyAltitude, report.Window);

        var exact = new List<Zone>();
        theater.ZonesMeeting(ZoneKind.Protected, volume, null, exact);
        // By reference: the index hands out the theater's one instance of each zone (no id to hash per zone of a cell).
        var exactZones = new HashSet<Zone>(exact, ReferenceEqualityComparer.Instance);

        // Cell by cell, south to north then west to east: the first cell a zone turns up in is the first both touch.
        var sites = new Dictionary<ZoneId, SiteAffected>();
        var slots = DisclosureSlots.Widen(report.Window, theater.Agreement.DisclosureTimeResolution);
        var found = new List<Zone>();
        foreach (var cell in grid.Cover(report.Area))
        {
            found.Clear();
            ZonesTouching(cell, slots, found);
            GeoBox? box = null;
            foreach (var zone in found)
            {
                if (zone.Visibility == Visibility.Public || !slots.Overlaps(zone.Volume.Time))
                {
                    continue; // every party sees a public zone: it is listed only where it is exactly touched
                }

                // One lookup: listed already (in an earlier cell), or listed now.
                ref var site = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(sites, zone.Id, out bool already);
                if (!already)
                {
                    box ??= Box(grid.Area(cell));
                    site = Site(zone, exactZones.Contains(zone), named: false, box.Value);
                }
            }
        }

        foreach (var zone in exact.Where(z => !sites.ContainsKey(z.Id)))
        {
            sites[zone.Id] = Site(zone, exact: true, named: false, CellOf(report.Area, zone.Volume.Footprint));
        }

        if (report.AffectedZone is { } named && theater.FindZone(named) is { } own)
        {
            sites[named] = sites.TryGetValue(named, out var site)
                ? site with { Named = true }
                : Site(own, ExactlyTouches(own, volume), named: true, CellOf(report.Area, own.Volume.Footprint));
        }

        var operations = new List<Operation>();
        theater.OperationsMeeting(volume, null, operations);
        var declarations = operations
            .DistinctBy(o => o.Id)
            .OrderBy(o => o.Id.Value, StringComparer.Ordinal)
            .Select(o => new DeclarationMatched(o.Id, o.Owner, o.Kind, o.State, o.Visibility, o.SharedWith,
                Box(Disclosure.MeetingCell(report.Area, o.Volume.Footprint, theater.Agreement))))
            .ToList();

        // By id, ordinal: a plain sort of the array (ids are unique) costs a fraction of an ordered query's.
        var listed = sites.Values.ToArray();
        Array.Sort(listed, static (a, b) => string.CompareOrdinal(a.Zone.Value, b.Zone.Value));
        return new IncidentCorrelation(listed, declarations, TermsBreached(report));
    }

    /// <summary>The terms in force the report, as reported, would breach (in the agreement's order).</summary>
    private List<TermBreached> TermsBreached(IncidentReport report)
    {
        var agreement = theater.Agreement;
        var found = new List<TermBreached>();
        if (agreement.Terms.Count == 0 || report.Suspected.Count == 0)
        {
            return found;
        }

        foreach (var term in agreement.Terms)
        {
            var bound = report.Suspected.Where(term.Parties.Contains).Select(p => p.Value).ToList();
            if (bound.Count == 0 || !term.Window.Overlaps(report.Window))
            {
                continue;
            }

            string parties = string.Join(", ", bound);
            string? reason = term.Type switch
            {
                TermType.Suspension when term.Area is null =>
                    $"reported during a suspension over the whole theater that binds {parties}",
                TermType.Suspension when ShapeRelations.WithinDistance(term.Area, report.Area) =>
                    $"reported in the suspended area during the suspension that binds {parties}",
                TermType.DesignatedArea when IsUseOfForce(report.Kind) && !WithinDesignatedAreas(term, report) =>
                    $"reported outside the designated areas of a term that binds {parties}",
                _ => null,
            };
            if (reason is not null)
            {
                found.Add(new TermBreached(term.Id, reason));
            }
        }

        return found;
    }

    private static bool IsUseOfForce(IncidentKind kind) =>
        kind is IncidentKind.Strike or IncidentKind.Shelling or IncidentKind.Overflight or IncidentKind.GroundIncursion;

    /// <summary>Whether the report's area lies within the term's areas as an operation on the ground in its window would.</summary>
    private bool WithinDesignatedAreas(Term term, IncidentReport report)
    {
        var compiled = CompiledTerms.Of(theater.Agreement).For(term.Parties[0], term.Kinds[0]).Terms.FirstOrDefault(c => c.Term.Id == term.Id);
        var onTheGround = new Operation
        {
            Id = new OperationId("incident"), Owner = term.Parties[0], Kind = term.Kinds[0],
            Volume = new Volume(report.Area, new AltitudeBand(0, 0), report.Window),
        };
        return compiled is not null && compiled.WithinAreas(onTheGround);
    }

    /// <summary>The protected zones, not public, whose footprints touch the cell (closed), in the window given or, cached, in any window.</summary>
    /// <remarks>
    /// The index is asked for the cell grown by a hair (as the grid's own regions are), then each candidate is tested
    /// against the cell itself with the grid's predicate: on the antimeridian and the poles the cell's edges are where
    /// rounding would otherwise decide.
    /// </remarks>
    private void ZonesTouching(GridCell cell, TimeWindow slots, List<Zone> into)
    {
        if (_cells is null)
        {
            Touching(cell, slots, into);
            return;
        }

        into.AddRange(_cells.GetOrAdd(cell, c =>
        {
            var zones = new List<Zone>();
            Touching(c, AnyTime, zones);
            return [.. zones];
        }));
    }

    private void Touching(GridCell cell, TimeWindow window, List<Zone> into)
    {
        var grid = theater.Grid;
        int start = into.Count;
        double west = grid.West(cell.Row, cell.Column), south = grid.South(cell.Row), east = grid.East(cell.Row, cell.Column), north = grid.North(cell.Row);
        var grown = Rectangle(Math.Max(-180, west - Hair), Math.Max(-90, south - Hair), Math.Min(180, east + Hair), Math.Min(90, north + Hair));

        theater.ZonesMeeting(ZoneKind.Protected, new Volume(grown, AnyAltitude, window), null, into);
        var exactCell = grid.CellShape(cell);
        int kept = start;
        for (int i = start; i < into.Count; i++)
        {
            // Public zones are listed only where the report's area touches them exactly: the cells leave them out.
            if (into[i].Visibility == Visibility.Public)
            {
                continue;
            }

            // A footprint with a vertex strictly inside the cell touches it: most do, and need no more geometry.
            var first = into[i].Volume.Footprint.PathArray[0];
            bool inside = west < first[0] && first[0] < east && south < first[1] && first[1] < north;
            if (inside || ShapeRelations.WithinDistance(into[i].Volume.Footprint, exactCell))
            {
                into[kept++] = into[i];
            }
        }

        into.RemoveRange(kept, into.Count - kept);
    }

    // As the disclosure grid pads its regions: enough that rounding never drops a candidate.
    private const double Hair = 1e-7;

    private static Shape Rectangle(double west, double south, double east, double north) =>
        Shape.Polygons([[new[] { west, south, east, south, east, north, west, north, west, south }]]);

    private static bool ExactlyTouches(Zone zone, Volume volume) =>
        zone.Volume.Time.Overlaps(volume.Time) && ShapeRelations.WithinDistance(zone.Volume.Footprint, volume.Footprint);

    private GeoBox CellOf(Shape area, Shape footprint) =>
        theater.Grid.FirstSharedCell(area, footprint) is { } shared
            ? Box(theater.Grid.Area(shared))
            : Box(Disclosure.MeetingCell(area, footprint, theater.Agreement));

    private static SiteAffected Site(Zone zone, bool exact, bool named, GeoBox cell) =>
        new(zone.Id, zone.Owner, zone.Kind, zone.Visibility, zone.SharedWith, exact, named, cell);

    private static GeoBox Box(CoarseCell cell) => new(cell.West, cell.South, cell.East, cell.North);
}
