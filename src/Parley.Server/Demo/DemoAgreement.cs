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
    /// Loads the demo agreement the first time, with a week of history before the day it is loaded (zones declared, flights
    /// asked, answered and flown, incidents reported, answered and graded, each at its own instant: <see cref="DemoHistory"/>),
    /// then the day's operations and red's amendment at the server's time. Afterwards the demo is whatever its parties made
    /// of it (a withdrawn demo zone stays withdrawn).
    /// </summary>
    public static async Task LoadAsync(TheaterRegistry registry, DemoClock clock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(clock);
        if (registry.Find(new AgreementId(Id)) is not null)
        {
            return;
        }

        // The week starts with the agreement and every party's zones, seven days before the day the demo is loaded.
        clock.Hold(new DateTimeOffset(clock.RealNow.UtcDateTime.Date, TimeSpan.Zero).AddDays(-7).AddHours(8));
        Agreement agreement;
        List<Operation> operationList;
        try
        {
            agreement = await registry.PutAgreementAsync(Resource("agreement.json"), cancellationToken);
            using var zones = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(Resource("zones.geojson")));
            using var operations = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(Resource("operations.geojson")));
            var zoneList = FeatureReader.ReadZones(zones.RootElement, agreement);
            operationList = [.. FeatureReader.ReadOperations(operations.RootElement, agreement)];
            foreach (var owned in zoneList.GroupBy(z => z.Owner))
            {
                // Each party declares its own zones, as it would through the API.
                await registry.WriteAsync(agreement.Id, (theater, now) =>
                {
                    var fresh = owned.Where(z => theater.FindZone(z.Id) is null).ToList();
                    return (fresh.Count == 0 ? null : Lifecycle.DeclareZones(theater, owned.Key, fresh, now), 0);
                }, cancellationToken);
            }
        }
        catch
        {
            clock.Release();
            throw;
        }

        using (var incidents = System.Text.Json.JsonDocument.Parse(Resource("incidents.geojson")))
        {
            await new DemoHistory(registry, clock, agreement, operationList, cancellationToken).WriteAsync(incidents);
        }

        foreach (var operation in operationList.Where(o => !DemoHistory.Declared.Contains(o.Id.Value)))
        {
            // Decided like any submission: its conflicts ask the parties concerned, today.
            await registry.WriteAsync(agreement.Id, (theater, now) =>
                (theater.FindOperation(operation.Id) is null ? Lifecycle.Submit(theater, operation, now).Decision : null, 0), cancellationToken);
        }

        // An amendment proposed by red (its signature) that waits for blue's, open for a week from the demo's start.
        await registry.WriteAsync(agreement.Id, (theater, now) =>
        {
            string proposal = PendingAmendment.Replace("{0}", FeatureWriter.Time(now.AddDays(7)), StringComparison.Ordinal);
            return (theater.Amendments.All.Any() ? null : Lifecycle.Propose(theater, new PartyId("red"), proposal, now).Decision, 0);
        }, cancellationToken);
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

    private static string Resource(string name)
    {
        using var stream = typeof(DemoAgreement).Assembly.GetManifestResourceStream($"Parley.Server.Demo.{name}")
            ?? throw new InvalidOperationException($"missing demo resource {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
