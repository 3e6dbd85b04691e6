using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Model;
using Parley.Server.Theaters;

namespace Parley.Server.Tests;

/// <summary>A changed, reordered or truncated stored log stops the server, naming where it was changed.</summary>
public sealed class LedgerTamperTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> DataWithSignedLogAsync()
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-tamper-" + Guid.NewGuid().ToString("N"));
        await using var server = await RunningServer.StartAsync(data);
        using var blue = server.Client("blue");
        for (int i = 0; i < 4; i++)
        {
            var zone = Json.Zone($"blue-t-{i}", "protected", Json.Box(20 + i, 10, 20.1 + i, 10.1));
            Assert.Equal(HttpStatusCode.Created, (await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(zone), Ct)).StatusCode);
        }

        // Make sure the center has signed the whole log before it stops.
        await server.App.Services.GetRequiredService<TheaterRegistry>().SignCheckpointsAsync(Ct);
        return data;
    }

    private static void Sql(string data, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, ParleyApp.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static async Task<string> RestartFailureAsync(string data)
    {
        try
        {
            var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await (await RunningServer.StartAsync(data)).DisposeAsync());
            return error.Message;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task one_changed_byte_in_a_stored_entry_is_detected_and_located()
    {
        string data = await DataWithSignedLogAsync();
        Sql(data, """
            UPDATE ledger_entries SET entry = CAST(replace(CAST(entry AS TEXT), '"submitter":"blue"', '"submitter":"blux"') AS BLOB)
            WHERE agreement_id = 'demo' AND idx = (SELECT MAX(idx) - 1 FROM ledger_entries WHERE agreement_id = 'demo');
            """);
        string message = await RestartFailureAsync(data);
        Assert.Contains("altered", message, StringComparison.Ordinal);
        Assert.Contains("'demo'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task two_entries_swapped_are_detected()
    {
        string data = await DataWithSignedLogAsync();
        Sql(data, """
            PRAGMA foreign_keys=OFF;
            UPDATE ledger_entries SET idx = 1000000 WHERE agreement_id = 'demo' AND idx = 2;
            UPDATE ledger_entries SET idx = 2 WHERE agreement_id = 'demo' AND idx = 3;
            UPDATE ledger_entries SET idx = 3 WHERE agreement_id = 'demo' AND idx = 1000000;
            """);
        Assert.Contains("altered", await RestartFailureAsync(data), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_truncated_log_is_detected()
    {
        string data = await DataWithSignedLogAsync();
        Sql(data, """
            DELETE FROM ledger_openings WHERE agreement_id = 'demo' AND idx = (SELECT MAX(idx) FROM ledger_entries WHERE agreement_id = 'demo');
            DELETE FROM ledger_entries WHERE agreement_id = 'demo' AND idx = (SELECT MAX(idx) FROM ledger_entries WHERE agreement_id = 'demo');
            """);
        Assert.Contains("truncated", await RestartFailureAsync(data), StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_untouched_log_restarts_and_keeps_growing_from_where_it_was()
    {
        string data = await DataWithSignedLogAsync();
        try
        {
            await using var server = await RunningServer.StartAsync(data);
            var registry = server.App.Services.GetRequiredService<TheaterRegistry>();
            long before = await registry.ReadLedgerAsync(new AgreementId("demo"), l => l.Tree.Size, Ct);
            using var blue = server.Client("blue");
            await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(Json.Zone("blue-t-9", "protected", Json.Box(30, 10, 30.1, 10.1))), Ct);
            Assert.Equal(before + 1, await registry.ReadLedgerAsync(new AgreementId("demo"), l => l.Tree.Size, Ct));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
