using Parley.Tests.Support;
using System.Diagnostics;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Sqlite;

namespace Parley.Storage.Tests.Sqlite;

/// <summary>
/// Kills a process that is committing and checks that every commit it had acknowledged is in the file, and
/// that no commit is there in part.
/// </summary>
/// <remarks>
/// The writer is this test assembly itself, started as a child process that runs only the explicit test of
/// <see cref="CrashTestWriter"/>; an ordinary test run skips it.
/// </remarks>
[Trait("Lane", "Slow")]
public sealed class CrashTests : IDisposable
{
    internal const string DatabaseVariable = "PARLEY_CRASH_TEST_DB";
    internal const string AcknowledgementsVariable = "PARLEY_CRASH_TEST_ACKS";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task every_acknowledged_commit_survives_killing_the_writing_process()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = _folder.File("data", SqliteStore.DefaultFileName);
        var acknowledgements = _folder.File("acknowledged.txt");
        var testAssembly = typeof(CrashTests).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList =
            {
                "exec", testAssembly, "-method", $"{typeof(CrashTestWriter).FullName}.{nameof(CrashTestWriter.writer_process_commits_until_it_is_killed)}",
                "-explicit", "only", "-noLogo",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { [DatabaseVariable] = database, [AcknowledgementsVariable] = acknowledgements },
        };

        using var writer = Process.Start(start)!;
        writer.BeginOutputReadLine();
        writer.BeginErrorReadLine();
        try
        {
            // Polls with a deadline: the acknowledgements come from another process, which no clock of this one drives.
            var deadline = Stopwatch.StartNew();
            while (AcknowledgedIds(acknowledgements).Count < 40)
            {
                Assert.False(writer.HasExited, "the writer process ended before it was killed");
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the writer process acknowledged too few commits in time");
                await Task.Delay(50, ct);
            }
        }
        finally
        {
            writer.Kill(entireProcessTree: true);
            await writer.WaitForExitAsync(ct);
        }

        var acknowledged = AcknowledgedIds(acknowledgements);
        await using var store = new SqliteStore(database);
        await store.InitializeAsync(ct);
        var stored = (await store.LoadZonesAsync(Samples.Agreement, ct)).Select(z => z.Id.Value).ToHashSet();

        Assert.All(acknowledged, id =>
        {
            Assert.Contains(id + "-a", stored);
            Assert.Contains(id + "-b", stored);
        });

        // Each commit holds a pair: a lone half would be a torn commit.
        Assert.All(stored, id => Assert.Contains(id[..^1] + (id.EndsWith('a') ? 'b' : 'a'), stored));
    }

    private static List<string> AcknowledgedIds(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        // The last line may be half-written when the process dies; only whole lines count.
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        return [.. lines.Take(lines.Length - 1).Where(l => l.Length > 0)];
    }
}

/// <summary>The process that <see cref="CrashTests"/> kills; a class of its own so that it leaves no temp folder behind.</summary>
public sealed class CrashTestWriter
{
    [Fact(Explicit = true)]
    public async Task writer_process_commits_until_it_is_killed()
    {
        var database = Environment.GetEnvironmentVariable(CrashTests.DatabaseVariable);
        var acknowledgements = Environment.GetEnvironmentVariable(CrashTests.AcknowledgementsVariable);
        if (string.IsNullOrEmpty(database) || string.IsNullOrEmpty(acknowledgements))
        {
            Assert.Fail("run by the crash test only");
            return;
        }

        await using var store = new SqliteStore(database);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        for (int i = 0; i < 100_000; i++)
        {
            var changes = new CommitBuilder();
            changes.UpsertZones.Add(Samples.Square($"c{i}-a", lon: i % 170));
            changes.UpsertZones.Add(Samples.Square($"c{i}-b", lon: i % 170, lat: 1));
            await store.CommitAsync(Samples.Agreement.Id, changes, TestContext.Current.CancellationToken);

            // Acknowledged only after CommitAsync returned, as the server answers a request only then.
            await File.AppendAllTextAsync(acknowledgements, $"c{i}\n", TestContext.Current.CancellationToken);
        }
    }
}
