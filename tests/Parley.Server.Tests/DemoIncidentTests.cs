using System.Net.Http.Json;
using System.Text.Json;
using Parley.Server.Security;

namespace Parley.Server.Tests;

/// <summary>The demo carries a monitoring mission and incidents in different states, each party seeing what it may.</summary>
public sealed class DemoIncidentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task the_demo_shows_incidents_denied_explained_admitted_and_awaiting_to_those_who_may_see_them()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-demo-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = await RunningServer.StartAsync(data);
            using var monitor = server.Client("unmo", Roles.Monitor);
            var listed = await monitor.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/incidents", Ct);
            var byId = listed.GetProperty("incidents").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!);
            Assert.Equal(
                ["inc-demo-ambulance", "inc-demo-convoy", "inc-demo-drone", "inc-demo-hospital", "inc-demo-mortar", "inc-demo-overflight", "inc-demo-shelling"],
                byId.Keys.Order(StringComparer.Ordinal));

            // Confirmed only by blue's own admission; a denial graded fair or contested stays a candidate; red's silence on
            // the ambulance is recorded as silence, the shelling's deadline has not passed; a request for information is a reply.
            Assert.Equal(("blue", "confirmed", "replied"), Candidate(byId["inc-demo-convoy"]));
            Assert.Equal(("red", "fair", "replied"), Candidate(byId["inc-demo-hospital"]));
            Assert.Equal(("red", "ungraded", "replied"), Candidate(byId["inc-demo-overflight"]));
            Assert.Equal(("red", "ungraded", "awaited"), Candidate(byId["inc-demo-shelling"]));
            Assert.Equal(("red", "weak", "silent"), Candidate(byId["inc-demo-ambulance"]));
            Assert.Equal(("red", "contested", "replied"), Candidate(byId["inc-demo-drone"]));
            Assert.Equal(("blue", "ungraded", "replied"), Candidate(byId["inc-demo-mortar"]));

            // The overflight matches red's declared patrol, which red names in its explanation.
            using var red = server.Client("red");
            var overflight = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/incidents/inc-demo-overflight", Ct);
            Assert.Contains(overflight.GetProperty("declarations").EnumerateArray(), d => d.TryGetProperty("operation", out var o) && o.GetString() == "red-patrol-4");
            Assert.Equal("red-patrol-4", overflight.GetProperty("replies")[0].GetProperty("operation").GetString());

            // Blue's private field hospital, which blue's report names: blue sees that the area touches it; red learns the id
            // the report gives and its cell, never whether the exact area touches it, nor its name or place.
            using var blue = server.Client("blue");
            var own = await blue.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/incidents/inc-demo-hospital", Ct);
            var ownSite = Assert.Single(own.GetProperty("sites").EnumerateArray(), s => s.GetProperty("owner").GetString() == "blue");
            Assert.Equal(("blue-hospital-1", true), (ownSite.GetProperty("zone").GetString(), ownSite.GetProperty("exact").GetBoolean()));
            var seenByRed = await red.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/incidents/inc-demo-hospital", Ct);
            var site = Assert.Single(seenByRed.GetProperty("sites").EnumerateArray(), s => s.GetProperty("owner").GetString() == "blue");
            Assert.False(site.TryGetProperty("exact", out _));
            Assert.True(site.TryGetProperty("cell", out _));
            Assert.DoesNotContain("Field hospital Alder", seenByRed.GetRawText(), StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static (string?, string?, string?) Candidate(JsonElement incident)
    {
        var candidate = Assert.Single(incident.GetProperty("candidates").EnumerateArray());
        return (candidate.GetProperty("party").GetString(), candidate.GetProperty("status").GetString(), candidate.GetProperty("reply").GetString());
    }
}
