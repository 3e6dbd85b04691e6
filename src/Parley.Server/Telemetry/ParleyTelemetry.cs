using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Parley.Server.Telemetry;

/// <summary>
/// Parley's own metrics and traces: one meter and one activity source named <c>Parley</c>, read by OpenTelemetry when the
/// server is built. Labels carry agreement ids, outcomes, reasons and kinds of work, never geometry, zone or operation
/// ids, or names.
/// </summary>
/// <remarks>
/// Static, so that the write path records without carrying them along: recording costs a few lock-free updates and no
/// allocation (tags are passed as key-value pairs on the stack), and nothing at all while no listener is attached. An
/// activity is started only when a tracer listens (OTLP configured), so traces are free when off. Thread-safe.
/// </remarks>
internal static class ParleyTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "Parley";

    /// <summary>Seconds: from 100 µs to 10 s, for decisions, commits and lock holds.</summary>
    private static readonly IReadOnlyList<double> Seconds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Writes per batch: powers of two up to the largest batch.</summary>
    private static readonly IReadOnlyList<int> BatchSizes = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    public static readonly Meter Meter = new(Name);

    public static readonly ActivitySource Source = new(Name);

    /// <summary>Writes decided under an agreement's lock: <c>agreement</c>, <c>outcome</c> (committed, answered, failed).</summary>
    public static readonly Counter<long> Decisions = Meter.CreateCounter<long>("parley.decisions", "{decision}",
        "Writes decided, by agreement and outcome: committed (a change), answered (no change: a kept answer, a refusal decided under the lock, a check touching nothing), failed (refused by the core or by the store).");

    public static readonly Histogram<double> DecisionDuration = Meter.CreateHistogram("parley.decision.duration", "s",
        "Time to decide one write on the agreement's state, under its lock.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Seconds });

    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram("parley.commit.duration", "s",
        "Time to commit one batch of writes to the store (one transaction).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Seconds });

    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram("parley.batch.size", "{write}",
        "Writes decided and committed together in one batch.", advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchSizes });

    public static readonly Histogram<double> LockHold = Meter.CreateHistogram("parley.lock.hold", "s",
        "Time a writer held an agreement's lock to run its batches.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Seconds });

    /// <summary>Catch-ups with commits other nodes made: <c>agreement</c>, <c>kind</c> (applied, reloaded).</summary>
    public static readonly Counter<long> CatchUps = Meter.CreateCounter<long>("parley.catchup.reads", "{read}",
        "Reads of commits made by other nodes: applied from the journal, or the whole state reloaded.");

    public static readonly UpDownCounter<long> EventStreams = Meter.CreateUpDownCounter<long>("parley.event_streams.open", "{stream}",
        "Event streams (server-sent events) open now.");

    /// <summary>Webhook attempts: <c>agreement</c>, <c>outcome</c> (delivered, failed).</summary>
    public static readonly Counter<long> WebhookAttempts = Meter.CreateCounter<long>("parley.webhook.attempts", "{attempt}",
        "Webhook delivery attempts, by outcome.");

    public static readonly UpDownCounter<long> WebhookBacklog = Meter.CreateUpDownCounter<long>("parley.webhook.backlog", "{event}",
        "Events read from the outbox for a webhook and not yet acknowledged by its endpoint.");

    /// <summary>Requests refused for load: <c>reason</c> (rate-limited, probing-budget).</summary>
    public static readonly Counter<long> Refusals = Meter.CreateCounter<long>("parley.requests.refused", "{request}",
        "Requests answered 429, by reason.");

    /// <summary>Failures of the store: <c>operation</c> (request, begin, catch-up, commit).</summary>
    public static readonly Counter<long> StoreErrors = Meter.CreateCounter<long>("parley.store.errors", "{error}",
        "Store calls that failed: a request answered 503, a write that could not begin, catch up or commit.");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, LedgerFigure> Ledgers = new(StringComparer.Ordinal);

    public static readonly ObservableGauge<long> LedgerSize = Meter.CreateObservableGauge("parley.ledger.size",
        () => Ledgers.Select(l => new Measurement<long>(l.Value.Size, Agreement(l.Key))), "{entry}", "Entries in each agreement's ledger.");

    public static readonly ObservableGauge<double> CheckpointAge = Meter.CreateObservableGauge("parley.checkpoint.age",
        () => Ledgers.Select(l => new Measurement<double>(l.Value.Age(Stopwatch.GetTimestamp()), Agreement(l.Key))), "s",
        "How long the oldest ledger entry not covered by a signed checkpoint has waited; 0 when the latest checkpoint covers the log.");

    /// <summary>What the checkpoint signer saw of an agreement's log: its size, the size its latest checkpoint covers, and since when entries wait.</summary>
    private readonly record struct LedgerFigure(long Size, long Covered, long WaitingSince)
    {
        public double Age(long now) => Covered >= Size ? 0 : Stopwatch.GetElapsedTime(WaitingSince, now).TotalSeconds;
    }

    /// <summary>Records the size of an agreement's log and the size its latest signed checkpoint covers.</summary>
    public static void Ledger(string agreement, long size, long covered)
    {
        long now = Stopwatch.GetTimestamp();
        Ledgers.AddOrUpdate(agreement, _ => new LedgerFigure(size, covered, now),
            (_, was) => new LedgerFigure(size, covered, was.Covered >= was.Size ? now : was.WaitingSince));
    }

    /// <summary>Seconds elapsed since <paramref name="start"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public static double Since(long start) => Stopwatch.GetElapsedTime(start).TotalSeconds;

    public static KeyValuePair<string, object?> Agreement(string id) => new("agreement", id);

    /// <summary>Ends a span that may not be current here, leaving what is current as it was (stopping makes a span's predecessor current).</summary>
    public static void Stop(Activity? span)
    {
        if (span is not null && !span.IsStopped)
        {
            var current = Activity.Current;
            span.Stop();
            Activity.Current = current == span ? span.Parent : current;
        }
    }
}

/// <summary>Runs an action once when disposed: the other half of an up-down count.</summary>
internal sealed class Closing(Action close) : IDisposable
{
    private Action? _close = close;

    public void Dispose() => Interlocked.Exchange(ref _close, null)?.Invoke();
}
