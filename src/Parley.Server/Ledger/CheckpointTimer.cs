using Parley.Server.Theaters;
using Parley.Server.Configuration;

namespace Parley.Server.Ledger;

/// <summary>Signs a new checkpoint for every agreement whose log grew, within one interval of the entries.</summary>
internal sealed class CheckpointTimer(TheaterRegistry registry, ParleyServerOptions options, ILogger<CheckpointTimer> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CheckpointInterval);
        do
        {
            try
            {
                await registry.SignCheckpointsAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next tick tries again; the log itself is already durable.
                log.LogWarning("checkpoint signing failed: {Reason}", e.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
