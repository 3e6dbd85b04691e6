using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Incidents;
using Parley.Core.Model;
using Parley.Core.Tests.Support;

namespace Parley.Core.Tests.Incidents;

/// <summary>
/// The terms an incident would breach as reported: a strike on red's suspected side at 9.152° E 42.148° N (500 m of
/// uncertainty), 08:10–08:40 on 7 December 2026, against suspensions and designated areas that bind red or do not.
/// </summary>
public class IncidentTermTests
{
    private static readonly PartyId Blue = new("blue"), Red = new("red");
    private static readonly DateTimeOffset Day = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    private static IncidentCorrelation Correlate(string json, params Term[] terms)
    {
        var theater = new Theater(IncidentReaderTests.Pact with { Terms = terms });
        return IncidentCorrelator.Correlate(theater, IncidentReaderTests.Read(json));
    }

    private static Term Suspension(string id, Shape? area, PartyId party, TimeWindow? window = null) => new()
    {
        Id = id, Type = TermType.Suspension, Parties = [party], Kinds = ["strike"], Area = area, Window = window ?? TermScope.Always,
    };

    private static Term Designated(string id, Shape area, PartyId party) => new()
    {
        Id = id, Type = TermType.DesignatedArea, Parties = [party], Kinds = ["strike"],
        Areas = [new Volume(area, new AltitudeBand(0, 10_000), new TimeWindow(Day.AddDays(-30), Day.AddDays(30)))],
    };

    [Fact]
    public void a_strike_reported_in_a_suspended_area_during_the_suspension_names_the_term()
    {
        var found = Correlate(IncidentReaderTests.Example,
            Suspension("grounding", Fixtures.Box(9.1, 42.1, 9.2, 42.2), Red),
            Suspension("elsewhere", Fixtures.Box(10.1, 43.1, 10.2, 43.2), Red),
            Suspension("later", Fixtures.Box(9.1, 42.1, 9.2, 42.2), Red, new TimeWindow(Day.AddDays(1), Day.AddDays(2))),
            Suspension("blue-only", Fixtures.Box(9.1, 42.1, 9.2, 42.2), Blue),
            Suspension("everywhere", null, Red));

        Assert.Equal(["grounding", "everywhere"], found.Terms.Select(t => t.Term));
        Assert.All(found.Terms, t => Assert.Contains("red", t.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void the_uncertainty_of_the_place_counts_toward_touching_a_suspended_area()
    {
        // The point lies 0.002° (about 160 m) west of the area's edge; 500 m of uncertainty reach into it.
        var found = Correlate(IncidentReaderTests.Example, Suspension("near", Fixtures.Box(9.154, 42.1, 9.2, 42.2), Red));
        Assert.Equal("near", Assert.Single(found.Terms).Term);
    }

    [Fact]
    public void a_strike_outside_the_designated_areas_of_a_term_that_binds_the_suspected_party_names_the_term()
    {
        var outside = Correlate(IncidentReaderTests.Example, Designated("corridor", Fixtures.Box(10.0, 43.0, 11.0, 44.0), Red));
        Assert.Equal("corridor", Assert.Single(outside.Terms).Term);

        Assert.Empty(Correlate(IncidentReaderTests.Example, Designated("around", Fixtures.Box(9.0, 42.0, 9.3, 42.3), Red)).Terms);
        Assert.Empty(Correlate(IncidentReaderTests.Example, Designated("blue-corridor", Fixtures.Box(10.0, 43.0, 11.0, 44.0), Blue)).Terms);

        // An obstruction is no use of force: a designated area for strikes says nothing of it.
        var obstruction = IncidentReaderTests.Example.Replace("\"kind\": \"strike\"", "\"kind\": \"obstruction\"", StringComparison.Ordinal);
        Assert.Empty(Correlate(obstruction, Designated("corridor", Fixtures.Box(10.0, 43.0, 11.0, 44.0), Red)).Terms);
    }

    [Fact]
    public void a_report_that_suspects_no_party_breaches_no_term()
    {
        var nobody = IncidentReaderTests.Example.Replace("\"suspected\": [\"red\"], ", "", StringComparison.Ordinal);
        Assert.Empty(Correlate(nobody, Suspension("everywhere", null, Red)).Terms);
    }
}
