using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Server.Theaters;

namespace Parley.Server.Demo;

/// <summary>The fictional <c>demo</c> agreement: three parties, protected sites, restricted airspace and operations.</summary>
public static class DemoAgreement
{
    /// <summary>The demo agreement id.</summary>
    public const string Id = "demo";

    /// <summary>
    /// Loads the demo agreement with its zones and operations the first time; afterwards the demo is whatever
    /// its parties made of it (a withdrawn demo zone stays withdrawn).
    /// </summary>
    public static async Task LoadAsync(TheaterRegistry registry, CancellationToken cancellationToken = default)
    {
        if (registry.Find(new AgreementId(Id)) is not null)
        {
            return;
        }

        var agreement = await registry.PutAgreementAsync(Resource("agreement.json"), cancellationToken);
        using var zones = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(Resource("zones.geojson")));
        using var operations = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(Resource("operations.geojson")));
        var zoneList = FeatureReader.ReadZones(zones.RootElement, agreement);
        var operationList = FeatureReader.ReadOperations(operations.RootElement, agreement);
        foreach (var owned in zoneList.GroupBy(z => z.Owner))
        {
            // Each party declares its own zones, as it would through the API.
            await registry.WriteAsync(agreement.Id, (theater, now) =>
            {
                var fresh = owned.Where(z => theater.FindZone(z.Id) is null).ToList();
                return (fresh.Count == 0 ? null : Lifecycle.DeclareZones(theater, owned.Key, fresh, now), 0);
            }, cancellationToken);
        }

        foreach (var operation in operationList)
        {
            // Decided like any submission: its conflicts ask the parties concerned.
            await registry.WriteAsync(agreement.Id, (theater, now) =>
                (theater.FindOperation(operation.Id) is null ? Lifecycle.Submit(theater, operation, now).Decision : null, 0), cancellationToken);
        }

        // Some operations are under way or over, so that the demo shows more of the lifecycle than decisions.
        foreach (var (id, complete) in Progressed)
        {
            foreach (bool finish in complete ? new[] { false, true } : [false])
            {
                await registry.WriteAsync(agreement.Id, (theater, now) =>
                {
                    var current = theater.FindOperation(new OperationId(id));
                    return (current?.State, finish) switch
                    {
                        (OperationState.Accepted or OperationState.Concurred, false) => (Lifecycle.Activate(theater, current!, now), 0),
                        (OperationState.Active, true) => (Lifecycle.Complete(theater, current!, now), 0),
                        _ => ((Parley.Core.Decisions.Decision?)null, 0),
                    };
                }, cancellationToken);
            }
        }

        // An amendment proposed by red (its signature) that waits for blue's, open for a week from the demo's start.
        await registry.WriteAsync(agreement.Id, (theater, now) =>
        {
            string proposal = PendingAmendment.Replace("{0}", FeatureWriter.Time(now.AddDays(7)), StringComparison.Ordinal);
            return (theater.Amendments.All.Any() ? null : Lifecycle.Propose(theater, new PartyId("red"), proposal, now).Decision, 0);
        }, cancellationToken);

        await LoadIncidentsAsync(registry, agreement, cancellationToken);
    }

    // Red's proposal that waits for blue's signature: the grounding lifted a day early.
    private const string PendingAmendment = """
        {"reason":"Red asks to lift the grounding over the Sartène district a day early: its convoys need air cover on 9 December.",
         "replace_terms":[{"id":"red-flights-grounded-south","type":"suspension","name":"Red's air force grounded over the Sartène district for 24 hours",
           "parties":["red"],"kinds":["flight"],
           "area":{"type":"Polygon","coordinates":[[[8.75,41.45],[9.3,41.45],[9.3,41.75],[8.75,41.75],[8.75,41.45]]]},
           "start":"2026-12-08T00:00:00Z","end":"2026-12-09T00:00:00Z","on_breach":"refuse"}],
         "signing_deadline":"{0}"}
        """;

    /// <summary>
    /// Incidents in different states: one at blue's field hospital denied by red and graded fair by the monitors, an
    /// overflight red explains by its declared patrol, an obstruction of aid's convoy blue admits (confirmed), and a
    /// shelling still awaiting red's reply. Their windows spread over the week before today's demo date.
    /// </summary>
    private static async Task LoadIncidentsAsync(TheaterRegistry registry, Agreement agreement, CancellationToken cancellationToken)
    {
        using var incidents = System.Text.Json.JsonDocument.Parse(Resource("incidents.geojson"));
        foreach (var feature in incidents.RootElement.GetProperty("features").EnumerateArray())
        {
            var reporter = new PartyId(feature.GetProperty("properties").GetProperty("reporter").GetString()!);
            var report = IncidentReader.Read(feature, agreement, reporter);
            await registry.WriteAsync(agreement.Id, (theater, now) =>
                (theater.Incidents.Find(report.Id) is null ? IncidentLifecycle.Report(theater, report, now).Decision : null, 0), cancellationToken);
        }

        foreach (var (id, party, reply, reason, operation) in Replies)
        {
            await registry.WriteAsync(agreement.Id, (theater, now) =>
                theater.Incidents.Find(new IncidentId(id)) is { } incident && incident.Replies.All(r => r.Party.Value != party)
                    ? (IncidentLifecycle.Reply(theater, incident, new PartyId(party), reply, reason, operation is null ? null : new OperationId(operation), now).Decision, 0)
                    : ((Parley.Core.Decisions.Decision?)null, 0), cancellationToken);
        }

        foreach (var (id, grade, reason) in Grades)
        {
            await registry.WriteAsync(agreement.Id, (theater, now) =>
                theater.Incidents.Find(new IncidentId(id)) is { } incident && incident.Grades.Count == 0
                    ? (IncidentLifecycle.Grade(theater, incident, new PartyId("unmo"), grade, reason, now).Decision, 0)
                    : ((Parley.Core.Decisions.Decision?)null, 0), cancellationToken);
        }
    }

    private static readonly (string Id, string Party, ReplyKind Reply, string? Reason, string? Operation)[] Replies =
    [
        ("inc-demo-hospital", "red", ReplyKind.Deny, "no red aircraft or artillery was tasked in that area that morning", null),
        ("inc-demo-overflight", "red", ReplyKind.Explain, "the declared air patrol NE", "red-patrol-4"),
        ("inc-demo-convoy", "blue", ReplyKind.Admit, "a checkpoint held the convoy against standing orders", null),
    ];

    private static readonly (string Id, IncidentGrade Grade, string Reason)[] Grades =
    [
        ("inc-demo-hospital", IncidentGrade.Fair, "two independent staff accounts and fresh craters seen by a patrol; the attacker is not established"),
    ];

    // Demo operations moved on after their decision: activated, and completed when true.
    private static readonly (string Id, bool Complete)[] Progressed = [("blue-recon-5", false), ("red-patrol-4", true)];

    private static string Resource(string name)
    {
        using var stream = typeof(DemoAgreement).Assembly.GetManifestResourceStream($"Parley.Server.Demo.{name}")
            ?? throw new InvalidOperationException($"missing demo resource {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
