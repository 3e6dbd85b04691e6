using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Parley.Benchmarks.Throughput;

/// <summary>
/// Closed-loop HTTP load: <c>clients</c> concurrent callers each send a signed submission, read the whole answer,
/// and send the next, until the time is up or the prepared writes run out. With several servers, caller i sends to
/// server i mod n.
/// </summary>
internal static class HttpLoad
{
    public static async Task<LoadResult> RunAsync(BenchTarget server, Scenario scenario, SignedWrite[] writes, int clients,
        TimeSpan warmup, TimeSpan measure, double window)
    {
        var nodeClients = server.Nodes.Select((_, node) => server.Client(node)).ToArray();
        var records = new RequestRecord[writes.Length];
        int next = -1, completed = 0;
        string? firstProblem = null;
        var counters = RunCounters.Start(server.Processes);
        long start = Stopwatch.GetTimestamp();
        long warmupEnd = start + Ticks(warmup), deadline = warmupEnd + Ticks(measure);

        async Task Caller(HttpClient client)
        {
            while (true)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= writes.Length || Stopwatch.GetTimestamp() >= deadline)
                {
                    return;
                }

                using var request = server.Request(writes[i], DecisionWorkload.OperationsPath);
                long t0 = Stopwatch.GetTimestamp();
                Outcome outcome;
                int size = 0;
                try
                {
                    using var response = await client.SendAsync(request);
                    byte[] body = await response.Content.ReadAsByteArrayAsync();
                    size = body.Length;
                    outcome = Classify((int)response.StatusCode, body);
                    if (outcome is not (Outcome.Accepted or Outcome.Awaiting))
                    {
                        Interlocked.CompareExchange(ref firstProblem, $"{(int)response.StatusCode} {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 400)))}", null);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    outcome = Outcome.Error;
                    Interlocked.CompareExchange(ref firstProblem, e.Message, null);
                }

                records[i] = new RequestRecord { Start = t0, End = Stopwatch.GetTimestamp(), Outcome = outcome, Size = size };
                Interlocked.Increment(ref completed);
            }
        }

        var all = Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => Caller(nodeClients[i % nodeClients.Length]))));
        await LiveProgress.WatchAsync(all, $"{server.Label} {LoadResult.ScenarioName(scenario)}", () => Volatile.Read(ref completed), start, warmupEnd, deadline);
        counters.Stop();
        foreach (var client in nodeClients)
        {
            client.Dispose();
        }

        if (firstProblem is not null)
        {
            Console.Error.WriteLine($"  first unexpected answer: {firstProblem}");
        }

        bool exhausted = Volatile.Read(ref next) >= writes.Length;
        long end = exhausted ? records.Where(r => r.Outcome != Outcome.None).Max(r => r.End) : deadline;
        return LoadResult.Build(server.Label, scenario, clients, records, start, warmupEnd, end, window,
            exhausted ? $"all {writes.Length:N0} prepared operations sent" : "time", counters, "answer bytes");
    }

    /// <summary>201 with its state read from the answer's top-level <c>state</c>; otherwise by status class.</summary>
    public static Outcome Classify(int status, byte[] body)
    {
        if (status != 201)
        {
            return status is >= 400 and < 500 ? Outcome.Refused : status >= 500 ? Outcome.Failed : Outcome.OtherState;
        }

        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("state"u8))
            {
                reader.Read();
                return reader.ValueTextEquals("accepted"u8) ? Outcome.Accepted
                    : reader.ValueTextEquals("awaiting-concurrence"u8) ? Outcome.Awaiting
                    : Outcome.OtherState;
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1)
            {
                reader.Skip();
            }
        }

        return Outcome.OtherState;
    }

    public static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}

/// <summary>Progress of a load on stderr every two seconds: decisions so far and the recent rate.</summary>
internal static class LiveProgress
{
    public static async Task WatchAsync(Task run, string what, Func<int> completed, long start, long warmupEnd, long deadline)
    {
        int last = 0;
        long lastAt = start;
        while (await Task.WhenAny(run, Task.Delay(2000)) != run)
        {
            long now = Stopwatch.GetTimestamp();
            int done = completed();
            double recent = (done - last) / ((now - lastAt) / (double)Stopwatch.Frequency);
            string phase = now < warmupEnd ? "warm-up" : "measuring";
            Console.Error.WriteLine($"  {what}: {done:N0} decisions, {recent:N0}/s over the last 2 s, {(now - start) / (double)Stopwatch.Frequency:F0} s of {(deadline - start) / (double)Stopwatch.Frequency:F0} ({phase})");
            (last, lastAt) = (done, now);
        }

        await run;
    }
}
