using System.Text.Json;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Tests.Sqlite;
using Parley.Tests.Support;

namespace Parley.Storage.Tests.Conformance;

/// <summary>
/// Incidents: what a commit writes of one loads back whole (the report, the center's correlation, the replies, grades and
/// silences, the version), a later change replaces it, and another instance catches up on exactly the incidents it missed.
/// </summary>
public abstract class IncidentConformance(IStoreBackend backend) : ConformanceTest(backend)
{
    private static readonly AgreementId Agreement = Samples.Agreement.Id;
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly PartyId Blue = new("blue"), Red = new("red"), Aid = new("aid");

    private static Incident Reported(string id)
    {
        using var report = JsonDocument.Parse($$$"""
            {"type":"Feature","id":"{{{id}}}","geometry":{"type":"LineString","coordinates":[[179.9,10],[-179.9,10.1]]},
             "properties":{"kind":"obstruction","uncertainty_m":250,"time_precision":"week","at":"2026-12-09","suspected":["red","aid"],
              "description":"the convoy was held \"for inspection\" — 6 h","sources":[{"type":"witness","count":3,"ref":"driver",
              "sha256":["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]}],"visibility":"parties","shared_with":["aid"]}}
            """);
        return new Incident
        {
            Report = IncidentReader.Read(report.RootElement, Samples.Agreement, Blue),
            Reported = Now,
            ReplyDeadline = Now.AddHours(72),
            Audience = [Aid, Blue, Red],
            Correlation = new IncidentCorrelation(
                [new SiteAffected(new ZoneId("blue-camp"), Blue, ZoneKind.Protected, Visibility.Private, [], Exact: true, Named: false, new GeoBox(179.9, 9.9, 180, 10))],
                [new DeclarationMatched(new OperationId("red-patrol"), Red, "ground-movement", OperationState.Active, Visibility.Parties, [Aid], new GeoBox(-180, 10, -179.9, 10.1))],
                []),
        };
    }

    private static CommitBuilder Write(params Incident[] incidents)
    {
        var changes = new CommitBuilder { Submitter = Blue };
        changes.UpsertIncidents.AddRange(incidents);
        return changes;
    }

    private static string Text(Incident incident) => IncidentWriter.RecordJson(incident);

    [Fact]
    public async Task an_incident_loads_back_whole_after_a_restart_and_a_later_change_replaces_it()
    {
        var first = Reported("inc-1");
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync(Agreement, Write(first, Reported("inc-2")), Ct);
        }

        var replied = first with
        {
            Replies = [new IncidentReply(Red, ReplyKind.Deny, "not ours", null, Now.AddHours(1))],
            Grades = [new IncidentGrading(new PartyId("unmo"), IncidentGrade.Contested, "two accounts", Now.AddHours(2))],
            Silences = [new IncidentSilence(Aid, Now.AddHours(72))],
            Version = 4,
        };
        await using (var store = await OpenAsync())
        {
            Assert.Equal([Text(first), Text(Reported("inc-2"))], (await store.LoadIncidentsAsync(Samples.Agreement, Ct)).Select(Text));
            await store.CommitAsync(Agreement, Write(replied), Ct);
        }

        await using (var store = await OpenAsync())
        {
            var loaded = await store.LoadIncidentsAsync(Samples.Agreement, Ct);
            Assert.Equal([Text(replied), Text(Reported("inc-2"))], loaded.Select(Text));
            Assert.Equal(replied, loaded[0]);
        }
    }

    [Fact]
    public async Task another_instance_catches_up_on_exactly_the_incidents_it_missed()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await first.CommitAsync(Agreement, Write(Reported("old")), Ct);
        long seen = await second.ReadHeadAsync(Agreement, Ct);
        var graded = Reported("old") with { Grades = [new IncidentGrading(new PartyId("unmo"), IncidentGrade.Weak, "one source", Now)], Version = 2 };
        await first.CommitAsync(Agreement, Write(Reported("new"), graded), Ct);

        await using var write = await second.BeginWriteAsync(Agreement, Ct);
        var changes = await write.ReadChangesAsync(Samples.Agreement, seen, Ct);
        Assert.NotNull(changes);
        Assert.Equal(new[] { Text(Reported("new")), Text(graded) }.Order(StringComparer.Ordinal), changes.State.Incidents.Select(Text).Order(StringComparer.Ordinal));
        var unlocked = await second.ReadChangesAsync(Samples.Agreement, seen, Ct);
        Assert.Equal(changes.State.Incidents.Select(Text).Order(StringComparer.Ordinal), unlocked!.State.Incidents.Select(Text).Order(StringComparer.Ordinal));
    }
}
