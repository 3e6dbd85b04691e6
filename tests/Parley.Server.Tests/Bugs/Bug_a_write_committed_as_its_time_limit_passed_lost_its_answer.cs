using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Data.Sqlite;
using Parley.Storage.Sqlite;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// A write taken by a batch is decided and committed whatever its request's time limit does, but its answer was written
/// with the request's token, which the time limit had cancelled: the answer's first write was aborted and Kestrel reset
/// the connection under it (seen once in a dozen runs of four 10 MiB declarations on two cores), or, not yet begun, the
/// answer became a 503 saying nothing was changed. A party told nothing, or told a falsehood, about a write in the
/// ledger. The time limit now ends once the write is decided; its answer is written on the connection's own token.
/// </summary>
/// <remarks>
/// The time limit is ASP.NET Core's own timer, which no clock of the test drives. The commit is held past it by
/// another connection holding the store's write lock, as a slow disk or a long checkpoint would.
/// </remarks>
[Collection(nameof(WallClockCollection))]
public sealed class Bug_a_write_committed_as_its_time_limit_passed_lost_its_answer
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(500);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_declaration_committed_after_the_limit_is_answered_201_with_what_was_done()
    {
        var logs = new SlowClient.Warnings();
        await using var server = await RunningServer.StartAsync(configure: o => o with
        {
            RequestTimeout = Limit, RateLimitPerSecond = 1000, RateLimitBurst = 1000,
        }, configureLogging: l => l.AddProvider(logs));
        using var blue = server.Client("blue");

        // The store's write lock, held from outside the server: the write is taken and decided, then waits to commit.
        await using var holder = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(server.DataDirectory, SqliteStore.DefaultFileName), Pooling = false,
        }.ToString());
        await holder.OpenAsync(Ct);
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE;";
            await begin.ExecuteNonQueryAsync(Ct);
        }

        var sent = blue.PostAsync("/v1/agreements/demo/zones",
            RunningServer.GeoJson(Json.Zone("late-commit-1", "protected", Json.Box(4, 4, 4.1, 4.1))), Ct);
        await Task.Delay(Limit * 4, Ct);
        Assert.False(sent.IsCompleted, "the write was answered while the store was locked");
        await using (var rollback = holder.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync(Ct);
        }

        using var answer = await sent;
        string body = await answer.Content.ReadAsStringAsync(Ct);
        Assert.True(answer.StatusCode == HttpStatusCode.Created, $"{(int)answer.StatusCode}: {body}");
        Assert.Contains("late-commit-1", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await blue.GetAsync("/v1/agreements/demo/zones/late-commit-1", Ct)).StatusCode);
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }
}
