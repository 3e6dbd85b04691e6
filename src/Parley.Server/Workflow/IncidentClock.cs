using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Workflow;
using Parley.Server.Configuration;
using Parley.Server.Theaters;

namespace Parley.Server.Workflow;

/// <summary>
/// Records, at each incident's reply deadline, the silence of every suspected party that has not replied: committed and
/// recorded like any other change, as silence (never as an admission, never as a denial).
/// </summary>
internal sealed class IncidentClock(TheaterRegistry registry, ParleyServerOptions options, TimeProvider time, ILogger<IncidentClock> log) : BackgroundService
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
                    await RecordAsync(registry, id, time.GetUtcNow(), stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The next tick tries again: nothing was applied unless it was committed.
                    log.LogWarning("recording silences failed: {Reason}", e.GetType().Name);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Records the silences due in one agreement; returns how many incidents it changed.</summary>
    /// <remarks>Looks first with a read, so a tick with nothing due opens no store write.</remarks>
    public static async Task<int> RecordAsync(TheaterRegistry registry, AgreementId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!await registry.ReadAsync(id, theater => IsDue(theater, now), cancellationToken))
        {
            return 0;
        }

        return await registry.WriteAsync(id, (theater, _) =>
        {
            if (!IsDue(theater, now))
            {
                return (null, 0);
            }

            var decision = IncidentLifecycle.RecordSilences(theater, now);
            return (decision, decision.State.Incidents.Length);
        }, cancellationToken);
    }

    private static bool IsDue(Theater theater, DateTimeOffset now) => theater.Incidents.NextDeadline is { } next && next <= now;
}
