using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Workflow;
using Parley.Server.Theaters;
using Parley.Server.Configuration;

namespace Parley.Server.Workflow;

/// <summary>
/// Expires concurrence requests at their deadline: an unanswered request is a refusal (silence is never consent),
/// committed and recorded like any other change. On the same tick, amendments lapse or come into force when due, and
/// incidents record the silences of parties that did not reply by their deadline (<see cref="IncidentClock"/>).
/// </summary>
internal sealed class ConcurrenceClock(TheaterRegistry registry, ParleyServerOptions options, TimeProvider time, ILogger<ConcurrenceClock> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ConcurrenceTickInterval, time);
        do
        {
            foreach (var id in registry.AgreementIds)
            {
                try
                {
                    await ExpireAsync(registry, id, time.GetUtcNow(), stoppingToken);
                    await AmendmentClock.DueAsync(registry, id, time.GetUtcNow(), stoppingToken);
                    await IncidentClock.RecordAsync(registry, id, time.GetUtcNow(), stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next tick tries again: nothing was applied unless it was committed.
                    log.LogWarning("the deadlines' tick failed: {Reason}", e.GetType().Name);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Expires what is due in one agreement; returns how many requests expired.</summary>
    /// <remarks>Looks first with a read, so a tick with nothing due opens no store write (on a shared store, no lock across nodes).</remarks>
    public static async Task<int> ExpireAsync(TheaterRegistry registry, AgreementId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!await registry.ReadAsync(id, theater => IsDue(theater, now), cancellationToken))
        {
            return 0;
        }

        return await registry.WriteAsync(id, (theater, _) =>
        {
            if (!IsDue(theater, now))
            {
                return (null, 0); // expired meanwhile through another write
            }

            var decision = Lifecycle.ExpireDue(theater, now);
            return (decision, decision.State.Requests.Count(r => r.State == RequestState.Expired));
        }, cancellationToken);
    }

    private static bool IsDue(Theater theater, DateTimeOffset now) => theater.Requests.NextDeadline is { } next && next <= now;
}
