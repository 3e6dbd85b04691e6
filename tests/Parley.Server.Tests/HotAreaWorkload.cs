using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Server.Security;

namespace Parley.Server.Tests;

/// <summary>
/// The workflow stress load: clients of three parties submit, modify, cancel, answer and declare zones in one small
/// hot area (about 1 km²) in random interleavings. Shared by the one-server stress tests and the multi-node ones.
/// </summary>
internal static class HotAreaWorkload
{
    /// <summary>The agreement's id.</summary>
    public const string AgreementId = "hot";

    /// <summary>Three member parties and a probing budget no load reaches.</summary>
    public const string Agreement = """
        {"id":"hot","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"}],
         "probing_budget":{"per_hour":1000000,"per_day":1000000}}
        """;

    public static readonly string[] Parties = ["blue", "red", "aid"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One random action of <paramref name="party"/> in the hot area; returns the answer's status.</summary>
    /// <param name="client">A client of the server for a party in a role (signing its writes); disposed here.</param>
    /// <param name="party">The acting party.</param>
    /// <param name="random">Chooses the action and its arguments.</param>
    /// <param name="tag">Makes the ids this action creates unique.</param>
    /// <param name="acknowledged">Where the writes the server acknowledged are recorded, if anywhere.</param>
    public static async Task<HttpStatusCode> ActAsync(Func<string, string, HttpClient> client, string party, Random random, string tag,
        AcknowledgedWrites? acknowledged = null)
    {
        using var operator_ = client(party, Roles.Operator);
        switch (random.Next(7))
        {
            case 0 or 1 or 2:
                {
                    string kind = random.Next(3) switch { 0 => "strike", 1 => "ground-movement", _ => "flight" };
                    string id = $"{party}-{tag}";
                    using var response = await operator_.PostAsync($"/v1/agreements/{AgreementId}/operations", RunningServer.GeoJson(Operation(id, kind, random)), Ct);
                    acknowledged?.Record(response, "operation", id);
                    return response.StatusCode;
                }

            case 3:
                return await OnOwnOperationAsync(operator_, party, random, async (id, etag) =>
                {
                    using var put = new HttpRequestMessage(HttpMethod.Put, $"/v1/agreements/{AgreementId}/operations/{id}") { Content = RunningServer.GeoJson(Operation(id, "flight", random)) };
                    put.Headers.TryAddWithoutValidation("If-Match", etag);
                    using var response = await operator_.SendAsync(put, Ct);
                    acknowledged?.Record(response, "operation", id);
                    return response.StatusCode;
                });
            case 4:
                return await OnOwnOperationAsync(operator_, party, random, async (id, etag) =>
                {
                    string action = random.Next(3) switch { 0 => "cancel", 1 => "activate", _ => "complete" };
                    using var post = new HttpRequestMessage(HttpMethod.Post, $"/v1/agreements/{AgreementId}/operations/{id}/{action}");
                    post.Headers.TryAddWithoutValidation("If-Match", etag);
                    using var response = await operator_.SendAsync(post, Ct);
                    acknowledged?.Record(response, "operation", id);
                    return response.StatusCode;
                });
            case 5:
                {
                    using var approver = client(party, Roles.Approver);
                    var open = (await approver.GetFromJsonAsync<JsonElement>($"/v1/agreements/{AgreementId}/requests?state=open&role=affected", Ct)).GetProperty("requests");
                    if (open.GetArrayLength() == 0)
                    {
                        return HttpStatusCode.NoContent;
                    }

                    var request = open[random.Next(open.GetArrayLength())];
                    string id = request.GetProperty("id").GetString()!;
                    string answer = random.Next(4) == 0 ? """{"answer":"refuse","reason":"not now"}""" : """{"answer":"concur"}""";
                    using var post = new HttpRequestMessage(HttpMethod.Post, $"/v1/agreements/{AgreementId}/requests/{id}/answer")
                    {
                        Content = new StringContent(answer, Encoding.UTF8, "application/json"),
                    };
                    post.Headers.TryAddWithoutValidation("If-Match", $"\"{request.GetProperty("version").GetInt64()}\"");
                    using var response = await approver.SendAsync(post, Ct);
                    acknowledged?.Record(response, "request", id);
                    return response.StatusCode;
                }

            default:
                {
                    var zones = (await operator_.GetFromJsonAsync<JsonElement>($"/v1/agreements/{AgreementId}/zones", Ct)).GetProperty("features").EnumerateArray()
                        .Where(f => f.GetProperty("properties").GetProperty("owner").GetString() == party).ToList();
                    if (zones.Count > 0 && random.Next(2) == 0)
                    {
                        string id = zones[random.Next(zones.Count)].GetProperty("id").GetString()!;
                        using var deleted = await operator_.DeleteIfMatchAsync($"/v1/agreements/{AgreementId}/zones/{id}", Ct);
                        acknowledged?.Record(deleted, "zone", id, deletion: true);
                        return deleted.StatusCode;
                    }

                    string zone = $"{party}-zone-{tag}";
                    using var response = await operator_.PostAsync($"/v1/agreements/{AgreementId}/zones",
                        RunningServer.GeoJson(Json.Zone(zone, random.Next(2) == 0 ? "protected" : "restricted", Box(random))), Ct);
                    acknowledged?.Record(response, "zone", zone);
                    return response.StatusCode;
                }
        }
    }

    private static async Task<HttpStatusCode> OnOwnOperationAsync(HttpClient client, string party, Random random, Func<string, string, Task<HttpStatusCode>> act)
    {
        var own = (await client.GetFromJsonAsync<JsonElement>($"/v1/agreements/{AgreementId}/operations", Ct)).GetProperty("features").EnumerateArray()
            .Where(f => f.GetProperty("properties").GetProperty("owner").GetString() == party).ToList();
        if (own.Count == 0)
        {
            return HttpStatusCode.NoContent;
        }

        string id = own[random.Next(own.Count)].GetProperty("id").GetString()!;
        using var current = await client.GetAsync($"/v1/agreements/{AgreementId}/operations/{id}", Ct);
        return current.StatusCode == HttpStatusCode.OK ? await act(id, current.Headers.ETag!.Tag) : current.StatusCode;
    }

    private static string Box(Random random)
    {
        double west = 20 + (random.Next(10) * 0.001), south = 50 + (random.Next(10) * 0.001);
        return Json.Box(west, south, west + 0.002 + (random.Next(4) * 0.001), south + 0.002 + (random.Next(4) * 0.001));
    }

    private static string Operation(string id, string kind, Random random)
    {
        int hour = 8 + random.Next(3);
        return Json.Feature(id, Box(random), string.Create(CultureInfo.InvariantCulture,
            $$"""{"kind":"{{kind}}","alt_min_m":{{random.Next(3) * 200}},"alt_max_m":1500,"start":"2026-12-01T{{hour:00}}:00:00Z","end":"2026-12-01T{{hour + 2:00}}:00:00Z"}"""));
    }
}

/// <summary>A write the server acknowledged with a 2xx answer: the item, the version the answer named, or its deletion.</summary>
internal sealed record AcknowledgedWrite(string Type, string Id, long Version, bool Deletion);

/// <summary>The writes acknowledged during a run; thread-safe.</summary>
internal sealed class AcknowledgedWrites
{
    private readonly ConcurrentQueue<AcknowledgedWrite> _writes = new();

    public IReadOnlyList<AcknowledgedWrite> All => [.. _writes];

    /// <summary>Records <paramref name="response"/> if it acknowledges a write (a 2xx answer); the version is its ETag's (1 when it has none).</summary>
    public void Record(HttpResponseMessage response, string type, string id, bool deletion = false)
    {
        if (!response.IsSuccessStatusCode)
        {
            return;
        }

        long version = response.Headers.ETag is { } etag && long.TryParse(etag.Tag.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : 1;
        _writes.Enqueue(new AcknowledgedWrite(type, id, version, deletion));
    }
}

/// <summary>An event received on a stream.</summary>
internal sealed record StreamEvent(long Id, string Type, JsonElement Data);

/// <summary>A party's event stream (<c>GET …/events</c>), read from a Last-Event-ID on until disposed.</summary>
/// <param name="client">Makes the client to read with (a monitor of the party).</param>
/// <param name="agreement">The agreement whose events are read.</param>
internal sealed class EventStream(Func<HttpClient> client, string agreement = HotAreaWorkload.AgreementId) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<StreamEvent> _received = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _reading;

    public IReadOnlyList<StreamEvent> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>The id of the last event received; 0 before any.</summary>
    public long Last
    {
        get
        {
            lock (_received)
            {
                return _received.Count == 0 ? 0 : _received[^1].Id;
            }
        }
    }

    /// <summary>Why the stream ended before it was disposed (the answer's status, or the error), if it did.</summary>
    public string? Ended { get; private set; }

    public void Start(long after) => _reading = Task.Run(() => ReadAsync(after));

    /// <summary>Waits up to 15 s for the event <paramref name="sequence"/>.</summary>
    public Task WaitForAsync(long sequence) => WaitForAsync(sequence, TimeSpan.FromSeconds(15));

    /// <summary>Waits up to <paramref name="within"/> for the event <paramref name="sequence"/>; whether it came.</summary>
    /// <remarks>Each event received wakes the waiter; the deadline bounds a server, often another process, that never sends it.</remarks>
    public async Task<bool> WaitForAsync(long sequence, TimeSpan within)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(within);
        while (true)
        {
            Task arrived;
            lock (_received)
            {
                if (_received.Count > 0 && _received[^1].Id >= sequence)
                {
                    return true;
                }

                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    private void Arrived()
    {
        TaskCompletionSource arrived;
        lock (_received)
        {
            arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        arrived.TrySetResult();
    }

    private async Task ReadAsync(long after)
    {
        using var http = client();
        http.Timeout = Timeout.InfiniteTimeSpan;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/agreements/{agreement}/events");
        if (after > 0)
        {
            request.Headers.Add("Last-Event-ID", after.ToString(CultureInfo.InvariantCulture));
        }

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Ended = $"answered {(int)response.StatusCode}";
                return;
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token));
            long id = 0;
            string type = "";
            var data = new StringBuilder();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0 && data.Length > 0)
                {
                    lock (_received)
                    {
                        _received.Add(new StreamEvent(id, type, JsonDocument.Parse(data.ToString()).RootElement.Clone()));
                    }

                    Arrived();
                    data.Clear();
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = long.Parse(line[4..], CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line[6..]);
                }
            }

            Ended = _stop.IsCancellationRequested ? null : "the server closed the stream";
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // The stream ends with the test or the server.
            Ended = _stop.IsCancellationRequested ? null : e.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_reading is not null)
        {
            await _reading;
        }

        _stop.Dispose();
    }
}
