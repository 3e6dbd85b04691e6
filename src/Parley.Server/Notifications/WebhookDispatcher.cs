using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Server.Theaters;
using Parley.Server.Configuration;

namespace Parley.Server.Notifications;

/// <summary>
/// Delivers each party's events to the webhooks of its subscriptions: every event of the party from the agreement's
/// outbox (not only its subscription matches), in sequence order, one at a time per subscription, until the endpoint
/// answers 2xx; then the subscription's cursor is stored, so a restart resumes after the last acknowledged event.
/// </summary>
/// <remarks>
/// <para>
/// At least once, no gaps: an event is sent again only when an attempt failed (or the center stopped before storing
/// the acknowledgement). Only committed events are sent, since only they are in the outbox. Failures are retried with
/// exponential backoff and jitter (<see cref="ParleyServerOptions.WebhookRetryInitial"/> doubling up to
/// <see cref="ParleyServerOptions.WebhookRetryMax"/>); a non-2xx answer, a redirect (never followed), a timeout or a
/// refused connection all count as failures.
/// </para>
/// <para>
/// Each subscription has its own worker, so a failing endpoint holds back only itself; no worker takes an agreement's
/// lock, so the API never waits on delivery. Nothing about an endpoint's address or an event's content is logged.
/// </para>
/// </remarks>
internal sealed class WebhookDispatcher(
    TheaterRegistry registry, IWebhookStore webhooks, IEventStore outbox, WebhookSigner signer, WebhookAddresses addresses, ParleyServerOptions options, TimeProvider time,
    ILogger<WebhookDispatcher> log) : BackgroundService
{
    /// <summary>The header naming the event (its sequence number), for the receiver to drop a repeat.</summary>
    public const string EventIdHeader = "Parley-Event-Id";

    /// <summary>The header naming the subscription whose webhook this is.</summary>
    public const string SubscriptionHeader = "Parley-Subscription";

    /// <summary>The header counting the attempts at this event (1 for the first).</summary>
    public const string AttemptHeader = "Parley-Delivery-Attempt";

    // Events read from the outbox per round trip of a worker.
    private const int Page = 100;

    // Consecutive failures after which a worker says so in the log (once per run of failures).
    private const int FailuresWorthAWarning = 5;

    // The lease that makes one node of several the one that delivers, and this process's name in it.
    private const string LeaseName = "webhook-delivery";
    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    private readonly Dictionary<(AgreementId Agreement, SubscriptionId Subscription), Worker> _workers = [];

    private sealed record Worker(CancellationTokenSource Stop, Task Run);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var http = new WebhookClients(addresses, options.WebhookTimeout);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Take the wake-up before looking, so that a subscription made in between is not missed.
                var changed = registry.Signals.SubscriptionsChanged.Next;
                try
                {
                    // Of several nodes on one store, the lease holder alone delivers; another takes over once it lapses.
                    if (await webhooks.HoldLeaseAsync(LeaseName, _holder, 3 * options.WebhookPollInterval, stoppingToken))
                    {
                        await ReconcileAsync(http, stoppingToken);
                    }
                    else
                    {
                        await StopAllAsync();
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next round tries again; a failure here must not stop the server (nor delivery already under way).
                    log.LogWarning("webhook delivery could not list subscriptions: {Reason}", e.GetType().Name);
                }

                await WaitAsync(changed, options.WebhookPollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The server is stopping.
        }
        finally
        {
            await StopAllAsync();
        }
    }

    private async Task StopAllAsync()
    {
        foreach (var worker in _workers.Values)
        {
            await worker.Stop.CancelAsync();
        }

        await Task.WhenAll(_workers.Values.Select(w => w.Run));
        foreach (var worker in _workers.Values)
        {
            worker.Stop.Dispose();
        }

        _workers.Clear();
    }

    /// <summary>Starts a worker for every subscription with a webhook that has none, stops those whose subscription is gone.</summary>
    private async Task ReconcileAsync(WebhookClients http, CancellationToken stoppingToken)
    {
        var wanted = new Dictionary<(AgreementId, SubscriptionId), Subscription>();
        foreach (var agreement in registry.AgreementIds)
        {
            var subscriptions = await registry.ReadAsync(agreement, t => t.Subscriptions.All.Where(s => s.Webhook is not null).ToList(), stoppingToken);
            foreach (var subscription in subscriptions)
            {
                wanted[(agreement, subscription.Id)] = subscription;
            }
        }

        foreach (var (key, worker) in _workers.Where(w => !wanted.ContainsKey(w.Key) || w.Value.Run.IsCompleted).ToList())
        {
            await worker.Stop.CancelAsync();
            await worker.Run;
            worker.Stop.Dispose();
            _workers.Remove(key);
        }

        foreach (var (key, subscription) in wanted.Where(w => !_workers.ContainsKey(w.Key)))
        {
            var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _workers[key] = new Worker(stop, Task.Run(() => DeliverAllAsync(http, key.Item1, subscription, stop.Token), CancellationToken.None));
        }
    }

    /// <summary>One subscription's delivery loop: from its stored cursor on, every event of its party, in order.</summary>
    private async Task DeliverAllAsync(WebhookClients clients, AgreementId agreement, Subscription subscription, CancellationToken stop)
    {
        long? cursor = null;
        int failures = 0;
        bool paused = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (paused)
                {
                    paused = false;
                    await Task.Delay(options.WebhookPollInterval, time, stop);
                }

                cursor ??= await webhooks.ReadWebhookCursorAsync(agreement, subscription.Id, stop);
                if (cursor is null)
                {
                    return; // deleted since
                }

                var wake = registry.Signals.Events.Next;
                var events = await outbox.ReadEventsAsync(agreement, subscription.Party, cursor.Value, Page, stop);
                if (events.Count == 0)
                {
                    await WaitAsync(wake, options.WebhookPollInterval, stop);
                    continue;
                }

                // The party's allowed networks as the agreement now says: each connection is checked against them.
                var http = clients.For(registry.Find(agreement)?.FindParty(subscription.Party)?.WebhookNetworks ?? []);
                var label = Telemetry.ParleyTelemetry.Agreement(agreement.Value);
                int delivered = 0;
                Telemetry.ParleyTelemetry.WebhookBacklog.Add(events.Count, label);
                using var drained = new Telemetry.Closing(() => Telemetry.ParleyTelemetry.WebhookBacklog.Add(-(events.Count - delivered), label));
                foreach (var e in events)
                {
                    byte[] body = Body(agreement, e);
                    string signature = signer.Sign(agreement, body);
                    for (int attempt = 1; !await PostAsync(http, subscription, e, body, signature, attempt, stop); attempt++)
                    {
                        Telemetry.ParleyTelemetry.WebhookAttempts.Add(1, label, new KeyValuePair<string, object?>("outcome", "failed"));
                        failures++;
                        if (failures == FailuresWorthAWarning)
                        {
                            log.LogWarning("webhook of subscription {Subscription} in {Agreement}: {Failures} failed attempts in a row; retrying with backoff",
                                subscription.Id.Value, agreement.Value, failures);
                        }

                        await Task.Delay(Backoff(attempt), time, stop);
                    }

                    failures = 0;
                    Telemetry.ParleyTelemetry.WebhookAttempts.Add(1, label, new KeyValuePair<string, object?>("outcome", "delivered"));
                    await webhooks.SaveWebhookCursorAsync(agreement, subscription.Id, e.Sequence, CancellationToken.None);
                    cursor = e.Sequence;
                    delivered++;
                    Telemetry.ParleyTelemetry.WebhookBacklog.Add(-1, label);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The store failed: read the cursor again and go on; what was acknowledged but not stored is sent again.
                log.LogWarning("webhook delivery of subscription {Subscription} in {Agreement} paused: {Reason}", subscription.Id.Value, agreement.Value, e.GetType().Name);
                cursor = null;
                paused = true;
            }
        }
    }

    /// <summary>One attempt: true when the endpoint answered 2xx.</summary>
    private async Task<bool> PostAsync(HttpClient http, Subscription subscription, StoredEvent e, byte[] body, string signature, int attempt, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Webhook) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(EventIdHeader, e.Sequence.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSigner.SignatureHeader, signature);
        request.Headers.Add(SubscriptionHeader, subscription.Id.Value);
        request.Headers.Add(AttemptHeader, attempt.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
            return (int)response.StatusCode is >= 200 and < 300;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return false; // timed out
        }
        catch (HttpRequestException)
        {
            return false; // refused, reset, unresolvable, bad TLS
        }
    }

    /// <summary>
    /// The delay before attempt <paramref name="failed"/> + 1: the initial delay doubled per failure up to the maximum,
    /// of which a random half is taken off, so that endpoints that failed together are not retried together.
    /// </summary>
    internal TimeSpan Backoff(int failed)
    {
        double initial = options.WebhookRetryInitial.TotalMilliseconds, max = options.WebhookRetryMax.TotalMilliseconds;
        double full = Math.Min(max, initial * Math.Pow(2, Math.Min(failed - 1, 30)));
        return TimeSpan.FromMilliseconds((full / 2) + (Random.Shared.NextDouble() * full / 2));
    }

    /// <summary>The body sent: <c>{"agreement","id","type","data","created"}</c>, <c>data</c> being the event's payload as committed.</summary>
    internal static byte[] Body(AgreementId agreement, StoredEvent e)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("agreement", agreement.Value);
            w.WriteNumber("id", e.Sequence);
            w.WriteString("type", e.Type);
            w.WritePropertyName("data");
            w.WriteRawValue(e.Payload, skipInputValidation: false);
            w.WriteString("created", FeatureWriter.Time(e.Created));
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    private async Task WaitAsync(Task wake, TimeSpan most, CancellationToken stop)
    {
        try
        {
            await wake.WaitAsync(most, time, stop);
        }
        catch (TimeoutException)
        {
            // Nothing signalled: look anyway (another process may share the store).
        }
    }
}
