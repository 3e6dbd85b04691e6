using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Parley.Server.Tests;

public sealed class RestartTests
{
    [Fact]
    public async Task zones_and_operations_come_back_after_the_server_restarts_on_the_same_data_folder()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var first = await RunningServer.StartAsync(data))
            {
                using var blue = first.Client("blue");
                var zone = Json.Zone("blue-new-1", "protected", Json.Box(20, 40, 20.1, 40.1), ",\"name\":\"Clinic\"");
                Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(zone), TestContext.Current.CancellationToken)).StatusCode);
                using var red = first.Client("red");
                var strike = Json.Operation("red-strike-9", "strike", Json.Box(20.05, 40.05, 20.2, 40.2));
                Assert.Equal(HttpStatusCode.Created, (await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(strike), TestContext.Current.CancellationToken)).StatusCode);
            }

            await using var second = await RunningServer.StartAsync(data);
            using var blueAgain = second.Client("blue");
            var clinic = await blueAgain.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/zones/blue-new-1", TestContext.Current.CancellationToken);
            Assert.Equal("Clinic", clinic.GetProperty("properties").GetProperty("name").GetString());
            using var redAgain = second.Client("red");
            var op = await redAgain.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/operations/red-strike-9", TestContext.Current.CancellationToken);
            Assert.Equal("awaiting-concurrence", op.GetProperty("state").GetString());
            Assert.Single(op.GetProperty("conflicts").EnumerateArray());

            // The demo is loaded once: restarting with --demo again does not duplicate or reset it.
            var zones = await blueAgain.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/zones", TestContext.Current.CancellationToken);
            Assert.Equal(1, zones.GetProperty("features").EnumerateArray().Count(f => f.GetProperty("id").GetString() == "blue-hospital-1"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
