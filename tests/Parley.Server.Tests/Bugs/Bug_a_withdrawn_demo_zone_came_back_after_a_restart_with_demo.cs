using System.Net;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// Every start with <c>--demo</c> loaded whichever of the demo's zones and operations were missing from the stored
/// state: a demo zone its owner had withdrawn was back after a restart. The demo is now loaded only the first time.
/// </summary>
public sealed class Bug_a_withdrawn_demo_zone_came_back_after_a_restart_with_demo
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_withdrawn_demo_zone_stays_withdrawn_after_a_restart_with_demo()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-demo-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var first = await RunningServer.StartAsync(data))
            {
                using var blue = first.Client("blue");
                Assert.Equal(HttpStatusCode.NoContent, (await blue.DeleteIfMatchAsync("/v1/agreements/demo/zones/blue-school-2", Ct)).StatusCode);
            }

            await using var second = await RunningServer.StartAsync(data);
            using var blueAgain = second.Client("blue");
            Assert.Equal(HttpStatusCode.NotFound, (await blueAgain.GetAsync("/v1/agreements/demo/zones/blue-school-2", Ct)).StatusCode);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
