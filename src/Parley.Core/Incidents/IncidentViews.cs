using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Model;

namespace Parley.Core.Incidents;

/// <summary>A notified site affected, as one viewer may see it.</summary>
/// <param name="Zone">The zone id: for its owner, for a party that may see the zone, and for the site the reporter named; else null.</param>
/// <param name="Owner">Its owner.</param>
/// <param name="Kind">Its zone kind.</param>
/// <param name="Handle">For a zone the viewer may not see: an opaque handle, stable for the viewer (as in its conflicts).</param>
/// <param name="Cell">For a zone the viewer may not see (and for the center): the disclosure cell where the incident and the zone meet.</param>
/// <param name="Exact">For the zone's owner and the center: whether the exact area and window touch it (else they only share a cell and slot).</param>
/// <param name="Named">Whether the reporter named it as its own site affected.</param>
public sealed record SiteView(string? Zone, string Owner, string Kind, string? Handle, CoarseCell? Cell, bool? Exact, bool Named);

/// <summary>A matching declaration, as one viewer may see it.</summary>
/// <param name="Operation">The operation id, when the viewer may see the operation.</param>
/// <param name="Owner">Its owner.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="State">Its state when the incident was reported, when the viewer may see the operation.</param>
/// <param name="Handle">For an operation the viewer may not see: an opaque handle, stable for the viewer.</param>
/// <param name="Cell">For an operation the viewer may not see: the disclosure cell where the two meet.</param>
public sealed record DeclarationView(string? Operation, string Owner, string Kind, string? State, string? Handle, CoarseCell? Cell);

/// <summary>Where one suspected party stands on an incident: a violation candidate until it admits it.</summary>
/// <param name="Party">The suspected party.</param>
/// <param name="Status"><c>confirmed</c> (it admitted), else the grade in force, else <c>ungraded</c>.</param>
/// <param name="Reply">awaited, replied, replied-late or silent.</param>
/// <param name="Deadline">Until when its reply is due (RFC 3339).</param>
public sealed record CandidateView(string Party, string Status, string Reply, string Deadline);

/// <summary>
/// What one viewer may learn of an incident's correlation: the disclosure policy of conflicts, applied to the sites and
/// declarations the center found. Pure.
/// </summary>
/// <remarks>
/// A viewer (any party that may see the incident) sees a site of its own exactly, with whether the exact area touches it;
/// a site it may see (shared with it, or public) by id, only where the exact area touches it; a site it may not see only
/// as the owner, the kind, a handle and the disclosure cell — whether or not the exact area touches it, which it never
/// learns. The site the reporter named is shown by the id the report gives, with its cell. Declarations likewise: by id
/// and state when the viewer may see them, else as owner, kind, handle and cell. The center (the administrator) sees all.
/// </remarks>
public static class IncidentViews
{
    /// <summary>The sites as <paramref name="viewer"/> (null: the center) may see them, in the correlation's order.</summary>
    public static IReadOnlyList<SiteView> Sites(Incident incident, PartyId? viewer, Disclosure disclosure, Parley.Core.Agreements.Agreement agreement)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(disclosure);
        ArgumentNullException.ThrowIfNull(agreement);
        double resolution = agreement.DisclosureResolutionMetres;
        var views = new List<SiteView>();
        foreach (var site in incident.Correlation.Sites)
        {
            string kind = Parley.Core.Agreements.ZoneKinds.Name(site.Kind);
            if (viewer is not { } v)
            {
                views.Add(new SiteView(site.Zone.Value, site.Owner.Value, kind, null, Cell(site.Cell, resolution), site.Exact, site.Named));
            }
            else if (site.Owner == v)
            {
                views.Add(new SiteView(site.Zone.Value, site.Owner.Value, kind, null, null, site.Exact, site.Named));
            }
            else if (site.IsVisibleTo(v))
            {
                if (site.Exact || site.Named)
                {
                    views.Add(new SiteView(site.Zone.Value, site.Owner.Value, kind, null, null, null, site.Named));
                }
            }
            else if (site.Named)
            {
                views.Add(new SiteView(site.Zone.Value, site.Owner.Value, kind, null, Cell(site.Cell, resolution), null, true));
            }
            else
            {
                views.Add(new SiteView(null, site.Owner.Value, kind, disclosure.Handle(v, "zone", site.Zone.Value), Cell(site.Cell, resolution), null, false));
            }
        }

        return views;
    }

    /// <summary>The declarations as <paramref name="viewer"/> (null: the center) may see them, in the correlation's order.</summary>
    public static IReadOnlyList<DeclarationView> Declarations(Incident incident, PartyId? viewer, Disclosure disclosure, Parley.Core.Agreements.Agreement agreement)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(disclosure);
        ArgumentNullException.ThrowIfNull(agreement);
        double resolution = agreement.DisclosureResolutionMetres;
        return [.. incident.Correlation.Declarations.Select(d => viewer is not { } v || d.IsVisibleTo(v)
            ? new DeclarationView(d.Operation.Value, d.Owner.Value, d.Kind, Features.OperationStates.Name(d.State), null, null)
            : new DeclarationView(null, d.Owner.Value, d.Kind, null, disclosure.Handle(v, "operation", d.Operation.Value), Cell(d.Cell, resolution)))];
    }

    /// <summary>Each suspected party's standing: confirmed only by its own admission, else the grade in force, else ungraded.</summary>
    public static IReadOnlyList<CandidateView> Candidates(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        return [.. incident.Report.Suspected.Select(p => new CandidateView(p.Value, StatusOf(incident, p),
            IncidentNames.Name(incident.StandingOf(p)), Features.FeatureWriter.Time(incident.ReplyDeadline)))];
    }

    /// <summary><c>confirmed</c> when <paramref name="party"/> admitted, else the grade in force, else <c>ungraded</c>.</summary>
    public static string StatusOf(Incident incident, PartyId party)
    {
        ArgumentNullException.ThrowIfNull(incident);
        return incident.IsConfirmedAgainst(party) ? "confirmed" : incident.Grade is { } grade ? IncidentNames.Name(grade) : "ungraded";
    }

    /// <summary>The zones hidden from <paramref name="viewer"/> that its view of the incident names by cell: the touches a report records.</summary>
    public static IEnumerable<ZoneId> HiddenFrom(IncidentCorrelation correlation, PartyId viewer)
    {
        ArgumentNullException.ThrowIfNull(correlation);
        return correlation.Sites.Where(s => !s.Named && !s.IsVisibleTo(viewer)).Select(s => s.Zone);
    }

    private static CoarseCell Cell(GeoBox box, double resolution) => new(box.MinX, box.MinY, box.MaxX, box.MaxY, resolution);
}
