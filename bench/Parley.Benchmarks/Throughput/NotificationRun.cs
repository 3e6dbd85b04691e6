using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Benchmarks.Throughput;

/// <summary>One event as the subscriber received it.</summary>
/// <param name="ArrivalTicks">Stopwatch ticks when its closing blank line was read.</param>
/// <param name="ArrivalUtc">The wall clock at the same moment (the server's clock: same process, same system clock).</param>
internal sealed record ReceivedEvent(long ArrivalTicks, DateTimeOffset ArrivalUtc, string? Id, string Type, string Data);

/// <summary>
/// Which writes raise which events, for measuring delivery: the writes to send in order, the write expected to raise
/// each event, and how to read an event's key and the time it carries.
/// </summary>
/// <remarks>
/// Works with any event type: a workload names the type, a key that ties an event to the write that raised it,
/// and (optionally) a field holding the server's time of the change, used as the start of the measurement.
/// </remarks>
internal sealed record EventWorkload(
    string Description,
    string EventType,
    string Subscriber,
    IReadOnlyList<(int Party, string Body)> Writes,
    IReadOnlyDictionary<string, int> RaisingWrite,
    Func<JsonObject, string?> Key,
    Func<JsonObject, DateTimeOffset?> Time,
    IReadOnlyList<(int Party, string Body)> Setup,
    IReadOnlyList<(int Party, string Body)> Zones);

/// <summary>
/// Delivery latency from a committed write to the event on a subscriber's server-sent event stream, with writes
/// sent open-loop at a fixed rate.
/// </summary>
internal static class NotificationRun
{
    /// <summary>
    /// The stand-in while only probing alerts exist: <c>probing.suspected</c> goes to a zone's owner when one
    /// requester has touched it, hidden, with five distinct small operations within the hour. Red declares one
    /// private protected zone per disclosure cell; blue submits ground movements inside those cells, and every
    /// fifth write is the fifth probe of a zone whose four earlier probes went out about two seconds before it
    /// (the first zones are probed before the run). So every write is a real decided, committed submission and
    /// one in five raises an event, keyed by the zone it names and timed by its <c>to</c> (the decision time).
    /// </summary>
    public static EventWorkload ProbingAlerts(int rate, int seconds)
    {
        int writes = rate * seconds / 5 * 5;
        int lead = Math.Max(1, rate / 5 * 2); // zones primed two seconds ahead of their fifth probe
        int zones = (writes / 5) + lead;
        var start = new DateTimeOffset(2027, 1, 1, 8, 0, 0, TimeSpan.Zero);
        (double Lon, double Lat) Centre(int k) => DecisionWorkload.CellCentre(30.05 + (0.2 * (k % 50)), 30.05 + (0.2 * (k / 50)));
        string ZoneId(int k) => $"z{k:D6}";
        (int, string) Probe(int k, int p)
        {
            var (lon, lat) = Centre(k);
            return (0, DecisionWorkload.Feature($"p{k:D6}-{p}", "ground-movement", DecisionWorkload.Box(lon + ((p - 2) * 0.003), lat, 0.001, 0.001),
                0, 100, start + TimeSpan.FromMinutes(p), start + TimeSpan.FromHours(1)));
        }

        var zoneBodies = new List<(int, string)>();
        for (int first = 0; first < zones; first += 100)
        {
            var features = Enumerable.Range(first, Math.Min(100, zones - first)).Select(k =>
            {
                var (lon, lat) = Centre(k);
                return $$$"""{"type":"Feature","id":"{{{ZoneId(k)}}}","geometry":{{{DecisionWorkload.Box(lon, lat, 0.001, 0.001)}}},"properties":{"kind":"protected","start":"2026-01-01T00:00:00Z","visibility":"private"}}""";
            });
            zoneBodies.Add((1, $$"""{"type":"FeatureCollection","features":[{{string.Join(',', features)}}]}"""));
        }

        var setup = new List<(int, string)>();
        for (int k = 0; k < lead; k++)
        {
            for (int p = 0; p < 4; p++)
            {
                setup.Add(Probe(k, p));
            }
        }

        var sequence = new List<(int, string)>(writes);
        var raising = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int j = 0; j < writes; j++)
        {
            int zone = j / 5, p = j % 5;
            if (p == 4)
            {
                sequence.Add(Probe(zone, 4));
                raising[ZoneId(zone)] = j;
            }
            else
            {
                sequence.Add(Probe(zone + lead, p));
            }
        }

        return new EventWorkload(
            $"probing.suspected stand-in: {writes:N0} submissions at {rate}/s, one in five raising an alert to the zone owner",
            "probing.suspected", "red", sequence, raising,
            data => (string?)data["zone"],
            data => DateTimeOffset.TryParse((string?)data["to"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null,
            setup, zoneBodies);
    }

    /// <summary>
    /// Lifecycle events: every write opens a concurrence request, and <c>request.opened</c> goes to the party asked. Red
    /// declares one protected zone per write, shared with blue; blue's write <c>j</c> is a ground movement inside zone
    /// <c>j</c>, so each raises exactly one event to red, keyed by the zone it names and timed by its <c>opened</c> (the
    /// decision time).
    /// </summary>
    public static EventWorkload RequestsOpened(int rate, int seconds)
    {
        int writes = rate * seconds;
        var start = new DateTimeOffset(2027, 1, 1, 8, 0, 0, TimeSpan.Zero);
        (double Lon, double Lat) Place(int k) => (30.05 + (0.02 * (k % 500)), 30.05 + (0.02 * (k / 500)));
        string ZoneId(int k) => $"z{k:D6}";
        var zoneBodies = new List<(int, string)>();
        for (int first = 0; first < writes; first += 100)
        {
            var features = Enumerable.Range(first, Math.Min(100, writes - first)).Select(k =>
            {
                var (lon, lat) = Place(k);
                return $$$"""{"type":"Feature","id":"{{{ZoneId(k)}}}","geometry":{{{DecisionWorkload.Box(lon, lat, 0.002, 0.002)}}},"properties":{"kind":"protected","start":"2026-01-01T00:00:00Z","visibility":"parties","shared_with":["blue"]}}""";
            });
            zoneBodies.Add((1, $$"""{"type":"FeatureCollection","features":[{{string.Join(',', features)}}]}"""));
        }

        var sequence = new List<(int, string)>(writes);
        var raising = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int j = 0; j < writes; j++)
        {
            var (lon, lat) = Place(j);
            sequence.Add((0, DecisionWorkload.Feature($"m{j:D6}", "ground-movement", DecisionWorkload.Box(lon, lat, 0.001, 0.001), 0, 100, start, start + TimeSpan.FromHours(1))));
            raising[ZoneId(j)] = j;
        }

        return new EventWorkload(
            $"request.opened: {writes:N0} submissions at {rate}/s, each opening one concurrence request with the zone's owner",
            "request.opened", "red", sequence, raising,
            data => (string?)data["target_id"],
            data => DateTimeOffset.TryParse((string?)data["opened"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null,
            [], zoneBodies);
    }

    public static async Task<NotificationResult> RunAsync(EventWorkload workload, int rate, TimeSpan warmup)
    {
        await using var server = await BenchServer.StartAsync();
        using var client = server.Client();

        // Setup: the subscriber's zones, then the writes that must come before the measured ones.
        Console.Error.WriteLine($"  notification: {workload.Zones.Count:N0} zone declarations, {workload.Setup.Count:N0} setup writes, {workload.Writes.Count:N0} writes at {rate}/s");
        foreach (var write in server.Sign(workload.Zones, DecisionWorkload.ZonesPath))
        {
            using var request = server.Request(write, DecisionWorkload.ZonesPath);
            using var response = await client.SendAsync(request);
            if ((int)response.StatusCode != 201)
            {
                throw new InvalidOperationException($"zone declaration answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        var setup = workload.Setup.Count == 0 ? [] : server.Sign(workload.Setup, DecisionWorkload.OperationsPath);
        int nextSetup = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref nextSetup); i < setup.Length; i = Interlocked.Increment(ref nextSetup))
            {
                using var request = server.Request(setup[i], DecisionWorkload.OperationsPath);
                using var response = await client.SendAsync(request);
                if ((int)response.StatusCode != 201)
                {
                    throw new InvalidOperationException($"setup write answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        })));

        var writes = server.Sign(workload.Writes, DecisionWorkload.OperationsPath);

        // The subscriber's stream, open before the first write.
        using var streamClient = new HttpClient { BaseAddress = server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var stop = new CancellationTokenSource();
        var received = new List<ReceivedEvent>();
        int subscriber = Array.IndexOf(DecisionWorkload.Parties, workload.Subscriber);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(() => ReadStreamAsync(streamClient, server.Tokens[subscriber], received, connected, stop.Token));
        await connected.Task;

        // Open loop: write j is due at start + j / rate, whatever the answers to earlier ones.
        var records = new RequestRecord[writes.Length];
        int completed = 0;
        var counters = RunCounters.Start();
        long period = Stopwatch.Frequency / rate;
        long start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 100);
        long warmupEnd = start + HttpLoad.Ticks(warmup), end = start + (period * writes.Length);
        long maxLag = 0;

        async Task SendAsync(int j)
        {
            using var request = server.Request(writes[j], DecisionWorkload.OperationsPath);
            long t0 = Stopwatch.GetTimestamp();
            Outcome outcome;
            try
            {
                using var response = await client.SendAsync(request);
                byte[] body = await response.Content.ReadAsByteArrayAsync();
                outcome = HttpLoad.Classify((int)response.StatusCode, body);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                outcome = Outcome.Error;
            }

            records[j] = new RequestRecord { Start = t0, End = Stopwatch.GetTimestamp(), Outcome = outcome };
            Interlocked.Increment(ref completed);
        }

        var sending = Task.Run(async () =>
        {
            var inFlight = new List<Task>(writes.Length);
            for (int j = 0; j < writes.Length; j++)
            {
                long due = start + (j * period);
                long wait = due - Stopwatch.GetTimestamp();
                if (wait > Stopwatch.Frequency / 1000)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
                }

                maxLag = Math.Max(maxLag, Stopwatch.GetTimestamp() - due);
                inFlight.Add(SendAsync(j));
            }

            await Task.WhenAll(inFlight);
        });
        await LiveProgress.WatchAsync(sending, "notification writes", () => Volatile.Read(ref completed), start, warmupEnd, end);

        // Let the last events arrive: until all are in, or none came for five seconds.
        int expected = workload.RaisingWrite.Count;
        long answered = Stopwatch.GetTimestamp();
        for (int seen = Count(received), quiet = 0; seen < expected && quiet < 100; quiet++)
        {
            await Task.Delay(50);
            if (Count(received) != seen)
            {
                (seen, quiet) = (Count(received), 0);
            }
        }

        var keys = Snapshot(received).Where(e => e.Type == workload.EventType)
            .Select(e => workload.Key(JsonNode.Parse(e.Data)!.AsObject())).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var missing = workload.RaisingWrite.Keys.Where(k => !keys.Contains(k)).Order(StringComparer.Ordinal).ToList();
        Console.Error.WriteLine($"  notification: {keys.Count:N0} of {expected:N0} expected events received, the last {Stopwatch.GetElapsedTime(answered).TotalSeconds:F1} s after the last answer" +
            (missing.Count > 0 ? $"; missing {missing.Count:N0}, e.g. {string.Join(", ", missing.Take(5))}" : ""));

        counters.Stop();
        await stop.CancelAsync();
        List<double> closes = [];
        try
        {
            closes = await reading;
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
        {
            // The stream ends with the run.
        }

        return NotificationResult.Build(workload, rate, records, Snapshot(received), start, warmupEnd, maxLag, counters) with { StreamCloses = closes };
    }

    private static int Count(List<ReceivedEvent> received)
    {
        lock (received)
        {
            return received.Count;
        }
    }

    private static List<ReceivedEvent> Snapshot(List<ReceivedEvent> received)
    {
        lock (received)
        {
            return [.. received];
        }
    }

    /// <summary>
    /// Reads <c>text/event-stream</c>: fields until a blank line, then one event; comment lines are ignored. When the
    /// server ends the stream, reconnects at once with <c>Last-Event-ID</c>, as an EventSource client does.
    /// </summary>
    /// <returns>The times the server ended the stream, in seconds after it was opened.</returns>
    private static async Task<List<double>> ReadStreamAsync(HttpClient client, string token, List<ReceivedEvent> received, TaskCompletionSource connected, CancellationToken ct)
    {
        var closes = new List<double>();
        string? lastId = null;
        while (!ct.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/v1/agreements/{DecisionWorkload.AgreementId}/events", UriKind.Relative));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (lastId is not null)
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", lastId);
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            response.EnsureSuccessStatusCode();
            connected.TrySetResult();
            long opened = Stopwatch.GetTimestamp();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
            string? id = null, type = null;
            var data = new StringBuilder();
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.Length == 0)
                {
                    if (type is not null || data.Length > 0)
                    {
                        var e = new ReceivedEvent(Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow, id, type ?? "message", data.ToString());
                        lock (received)
                        {
                            received.Add(e);
                        }

                        lastId = id ?? lastId;
                    }

                    (id, type) = (null, null);
                    data.Clear();
                }
                else if (line.StartsWith("id:", StringComparison.Ordinal))
                {
                    id = line[3..].TrimStart();
                }
                else if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    type = line[6..].TrimStart();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(data.Length > 0 ? "\n" : "").Append(line[5..].TrimStart());
                }
            }

            closes.Add(Stopwatch.GetElapsedTime(opened).TotalSeconds);
            Console.Error.WriteLine($"  notification: the server closed the event stream after {closes[^1]:F1} s; reconnecting after event {lastId ?? "none"}");
        }

        return closes;
    }
}

/// <summary>The figures of a notification run.</summary>
internal sealed record NotificationResult(
    string Description, int Rate, int Writes, double AchievedRate, double AnsweredRate, double MaxSendLagMs, LatencySummary WriteLatency,
    IReadOnlyDictionary<Outcome, int> Outcomes, int ExpectedEvents, int ReceivedEvents, int MeasuredEvents,
    LatencySummary? FromEventTime, LatencySummary? FromResponse, int EventsBeforeResponse, double CpuCores)
{
    /// <summary>When the server ended the subscriber's stream (seconds after each connection opened); the reader reconnected each time.</summary>
    public IReadOnlyList<double> StreamCloses { get; init; } = [];

    public static NotificationResult Build(EventWorkload workload, int rate, RequestRecord[] records, List<ReceivedEvent> received,
        long start, long warmupEnd, long maxLag, RunCounters counters)
    {
        var sent = records.Where(r => r.Outcome != Outcome.None).ToArray();
        var writeLatency = new LatencySample(Math.Max(1, sent.Length));
        foreach (var r in sent.Where(r => r.Start >= warmupEnd))
        {
            writeLatency.Add(r.End - r.Start);
        }

        if (writeLatency.Count == 0)
        {
            writeLatency.Add(0);
        }

        var fromTime = new List<double>();
        var fromResponse = new List<double>();
        int before = 0, matched = 0;
        foreach (var e in received.Where(e => e.Type == workload.EventType))
        {
            var data = JsonNode.Parse(e.Data)!.AsObject();
            if (workload.Key(data) is not { } key || !workload.RaisingWrite.TryGetValue(key, out int j) || records[j].Start < warmupEnd)
            {
                continue;
            }

            matched++;
            if (workload.Time(data) is { } time)
            {
                fromTime.Add((e.ArrivalUtc - time).TotalMicroseconds);
            }

            if (records[j].End != 0)
            {
                double us = (e.ArrivalTicks - records[j].End) * 1e6 / Stopwatch.Frequency;
                fromResponse.Add(us);
                before += us < 0 ? 1 : 0;
            }
        }

        double span = sent.Length < 2 ? 1 : (sent.Max(r => r.Start) - sent.Min(r => r.Start)) / (double)Stopwatch.Frequency;
        double answered = sent.Length < 2 ? 1 : (sent.Max(r => r.End) - sent.Min(r => r.Start)) / (double)Stopwatch.Frequency;
        return new NotificationResult(workload.Description, rate, sent.Length, (sent.Length - 1) / span, sent.Length / answered, maxLag * 1e3 / Stopwatch.Frequency,
            writeLatency.Summarise(), sent.GroupBy(r => r.Outcome).ToDictionary(g => g.Key, g => g.Count()),
            workload.RaisingWrite.Count, received.Count(e => e.Type == workload.EventType), matched,
            Summarise(fromTime), Summarise(fromResponse), before, counters.CpuSeconds / counters.WallSeconds);
    }

    /// <summary>Percentiles of signed microsecond values (nearest rank); a negative value means the event came first.</summary>
    private static LatencySummary? Summarise(List<double> micros)
    {
        if (micros.Count == 0)
        {
            return null;
        }

        var sorted = micros.Order().ToArray();
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencySummary(At(50), At(90), At(99), At(99.9), sorted[^1], sorted.Average(), sorted.Sum() / 1e6);
    }

    public JsonObject ToJson()
    {
        static JsonNode? Ms(LatencySummary? s) => s is null ? null : new JsonObject
        {
            ["p50"] = LoadResult.Round(s.P50 / 1e3), ["p90"] = LoadResult.Round(s.P90 / 1e3), ["p99"] = LoadResult.Round(s.P99 / 1e3),
            ["max"] = LoadResult.Round(s.Max / 1e3), ["mean"] = LoadResult.Round(s.Mean / 1e3),
        };
        return new JsonObject
        {
            ["workload"] = Description,
            ["target_writes_per_s"] = Rate,
            ["writes"] = Writes,
            ["sent_writes_per_s"] = LoadResult.Round(AchievedRate),
            ["answered_writes_per_s"] = LoadResult.Round(AnsweredRate),
            ["max_send_lag_ms"] = LoadResult.Round(MaxSendLagMs),
            ["write_latency_ms"] = Ms(WriteLatency),
            ["outcomes"] = new JsonObject([.. Outcomes.OrderBy(o => o.Key).Select(o => KeyValuePair.Create(LoadResult.Name(o.Key), (JsonNode?)o.Value))]),
            ["events_expected"] = ExpectedEvents,
            ["events_received"] = ReceivedEvents,
            ["events_measured"] = MeasuredEvents,
            ["delivery_ms_from_event_time"] = Ms(FromEventTime),
            ["delivery_ms_from_response"] = Ms(FromResponse),
            ["events_before_response"] = EventsBeforeResponse,
            ["cpu_cores_busy"] = LoadResult.Round(CpuCores),
            ["stream_closed_by_server_after_s"] = new JsonArray([.. StreamCloses.Select(c => (JsonNode)LoadResult.Round(c))]),
        };
    }
}
