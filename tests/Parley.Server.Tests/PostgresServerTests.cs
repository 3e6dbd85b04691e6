using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Storage.Tests.Conformance;
using Parley.Server.Configuration;

namespace Parley.Server.Tests;

/// <summary>The server on the PostgreSQL store: the same API, the state kept in the database across restarts.</summary>
[Trait("Lane", "Slow")]
public sealed class PostgresServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_server_on_postgres_decides_asks_and_keeps_its_state_across_a_restart()
    {
        var cluster = await PostgresTestCluster.SharedAsync();
        string connection = await cluster.CreateSchemaAsync("server_" + Guid.NewGuid().ToString("N")[..12], Ct);
        string data = Path.Combine(Path.GetTempPath(), "parley-pg-server-" + Guid.NewGuid().ToString("N"));
        try
        {
            string request;
            await using (var first = await RunningServer.StartAsync(data, configure: o => o with { Store = "postgres", ConnectionString = connection }))
            {
                Assert.False(File.Exists(Path.Combine(data, ParleyApp.DatabaseFileName)));
                using var red = first.Client("red");
                var strike = Json.Operation("pg-strike-1", "strike", Json.Box(9.149, 42.145, 9.155, 42.151));
                var response = await red.PostAsync("/v1/agreements/demo/operations", RunningServer.GeoJson(strike), Ct);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
                Assert.Equal("awaiting-concurrence", answer.GetProperty("state").GetString());
                request = answer.GetProperty("requests")[0].GetProperty("id").GetString()!;
            }

            await using var second = await RunningServer.StartAsync(data, configure: o => o with { Store = "postgres", ConnectionString = connection });
            using var blue = second.Client("blue", Parley.Server.Security.Roles.Approver);
            var asked = await blue.GetFromJsonAsync<JsonElement>($"/v1/agreements/demo/requests/{request}", Ct);
            Assert.Equal("open", asked.GetProperty("state").GetString());
            Assert.Equal("blue-hospital-1", asked.GetProperty("target_id").GetString());
            var zones = await blue.GetFromJsonAsync<JsonElement>("/v1/agreements/demo/zones", Ct);
            Assert.Equal(1, zones.GetProperty("features").EnumerateArray().Count(f => f.GetProperty("id").GetString() == "blue-hospital-1"));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void the_postgres_store_needs_a_connection_string_and_an_unknown_store_is_refused()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-pg-options-" + Guid.NewGuid().ToString("N"));
        try
        {
            var missing = Assert.Throws<ArgumentException>(() => ParleyApp.Build(new ParleyServerOptions { DataDirectory = data, Store = "postgres", ConsoleLogging = false })
                .Services.GetService(typeof(Parley.Core.Ports.IParleyStore)));
            Assert.Contains("connection string", missing.Message, StringComparison.Ordinal);
            var unknown = Assert.Throws<ArgumentException>(() => ParleyApp.Build(new ParleyServerOptions { DataDirectory = data, Store = "oracle", ConsoleLogging = false })
                .Services.GetService(typeof(Parley.Core.Ports.IParleyStore)));
            Assert.Contains("unknown store", unknown.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
