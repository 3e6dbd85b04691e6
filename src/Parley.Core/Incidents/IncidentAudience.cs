using Parley.Core.Agreements;
using Parley.Core.Model;

namespace Parley.Core.Incidents;

/// <summary>Who may see an incident: fixed when it is reported, from the report, its correlation and the agreement.</summary>
public static class IncidentAudience
{
    /// <summary>
    /// The parties concerned — the reporter, the suspected parties, the owners of the sites it affects exactly or that the
    /// reporter named, the agreement's observers (the monitors who grade it) and its administrators — and those its
    /// visibility adds: with <c>parties</c>, those it is shared with (or every party when it names none); with
    /// <c>public</c>, every party. By id, each once.
    /// </summary>
    public static IReadOnlyList<PartyId> Of(IncidentReport report, IncidentCorrelation correlation, Agreement agreement)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(correlation);
        ArgumentNullException.ThrowIfNull(agreement);
        var audience = new HashSet<PartyId> { report.Reporter };
        audience.UnionWith(report.Suspected);
        audience.UnionWith(correlation.Sites.Where(s => s.Exact || s.Named).Select(s => s.Owner));
        audience.UnionWith(agreement.PartiesOf(PartyRole.Observer));
        audience.UnionWith(agreement.PartiesOf(PartyRole.Administrator));
        var everyone = agreement.Parties.Select(p => p.Id);
        switch (report.Visibility)
        {
            case Visibility.Parties:
                audience.UnionWith(report.SharedWith.Count > 0 ? report.SharedWith : everyone);
                break;
            case Visibility.Public:
                audience.UnionWith(everyone);
                break;
        }

        return [.. audience.OrderBy(p => p.Value, StringComparer.Ordinal)];
    }
}
