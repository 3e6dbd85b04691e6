using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Parley.Core.Model;
using Parley.Core.Probing;
using Parley.Server.Theaters;
using Parley.Storage.Sqlite;

namespace Parley.Benchmarks;

/// <summary>
/// Start-up with a large outbox: an agreement whose store holds N events (a few of them probing alerts of the last
/// hour), loaded by a new registry. Compares the read start-up makes now (the alerts of the last hour, through the
/// index on type and time) with the read it made before (every event, a page at a time), in the same run.
/// </summary>
internal static class StartupRun
{
    private const string AgreementText = """{"id":"busy","parties":[{"id":"blue"},{"id":"red"}]}""";

    public static int Run(int events, int repeats)
    {
        Console.Error.WriteLine($"# startup — {Machine.Describe()}");
        string folder = Path.Combine(Path.GetTempPath(), "parley-startup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string file = Path.Combine(folder, SqliteStore.DefaultFileName);
        try
        {
            var now = DateTimeOffset.UtcNow;
            var registry = new TheaterRegistry(new SqliteStore(file), Parley.Ledger.NoteSigner.NewSeed(), "parley.local", TimeProvider.System);
            registry.InitializeAsync().GetAwaiter().GetResult();
            registry.PutAgreementAsync(AgreementText).GetAwaiter().GetResult();
            Fill(file, events, now);
            SqliteConnection.ClearAllPools();
            Console.Error.WriteLine($"{events:N0} events stored ({new FileInfo(file).Length / 1e6:F0} MB)");

            var startups = new List<double>();
            var windowReads = new List<double>();
            var fullScans = new List<double>();
            int alerts = 0;
            for (int i = 0; i < repeats; i++)
            {
                // A new registry on the store, as a restarted server makes: its start-up as a whole.
                var clock = Stopwatch.StartNew();
                var store = new SqliteStore(file);
                var fresh = new TheaterRegistry(store, Parley.Ledger.NoteSigner.NewSeed(), "parley.local", TimeProvider.System);
                fresh.InitializeAsync().GetAwaiter().GetResult();
                startups.Add(clock.Elapsed.TotalMilliseconds);

                // The two reads of the alerts, alone: the recent window now, every event before.
                clock.Restart();
                alerts = store.ReadEventsSinceAsync(new AgreementId("busy"), ProbingAlert.EventType, now - ProbingWatch.Hour).GetAwaiter().GetResult().Count;
                windowReads.Add(clock.Elapsed.TotalMilliseconds);

                clock.Restart();
                long read = 0;
                for (long after = 0; ;)
                {
                    var page = store.ReadEventsAsync(new AgreementId("busy"), null, after, 1000).GetAwaiter().GetResult();
                    read += page.Count;
                    if (page.Count < 1000)
                    {
                        break;
                    }

                    after = page[^1].Sequence;
                }

                fullScans.Add(clock.Elapsed.TotalMilliseconds);
                if (read != events)
                {
                    throw new InvalidOperationException($"the full scan read {read} events of {events}");
                }

                store.DisposeAsync().AsTask().GetAwaiter().GetResult();
                SqliteConnection.ClearAllPools();
            }

            static string Median(List<double> ms) => ms.Order().ElementAt(ms.Count / 2).ToString("N0", CultureInfo.InvariantCulture) + " ms";
            Console.WriteLine($"start-up with {events:N0} events in the outbox (SQLite, median of {repeats}): registry loaded in {Median(startups)}; " +
                $"the alerts of the last hour ({alerts}) read in {Median(windowReads)}, against {Median(fullScans)} to read every event as start-up did before");
            Console.WriteLine($"load: {Machine.LoadAverage()}");
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Appends <paramref name="count"/> events, old ones first and 20 alerts of the last hour at the end, in one transaction.</summary>
    private static void Fill(string file, int count, DateTimeOffset now)
    {
        using var connection = new SqliteConnection($"Data Source={file}");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO events (agreement_id, seq, recipient, type, payload, created_ticks) VALUES ('busy', $seq, $recipient, $type, $payload, $created);";
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var recipient = insert.Parameters.Add("$recipient", SqliteType.Text);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var payload = insert.Parameters.Add("$payload", SqliteType.Text);
        var created = insert.Parameters.Add("$created", SqliteType.Integer);
        insert.Prepare();
        var start = now - TimeSpan.FromDays(365);
        for (int i = 1; i <= count; i++)
        {
            bool alert = i > count - 20;
            var at = alert ? now - TimeSpan.FromMinutes(count - i + 1) : start + TimeSpan.FromSeconds(i * 20.0);
            seq.Value = i;
            recipient.Value = i % 2 == 0 ? "blue" : "red";
            type.Value = alert ? ProbingAlert.EventType : "zone.changed";
            payload.Value = alert
                ? $$"""{"requester":"blue","zone":"z{{i}}","count":5,"from":"{{at.AddMinutes(-10):yyyy-MM-ddTHH:mm:ssZ}}","to":"{{at:yyyy-MM-ddTHH:mm:ssZ}}","window_minutes":60}"""
                : $$"""{"id":"z{{i % 5000}}","owner":"red","kind":"protected","version":{{(i / 5000) + 1}},"state":"declared"}""";
            created.Value = at.UtcTicks;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
