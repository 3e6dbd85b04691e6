using System.Threading.Channels;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Server.Theaters;

/// <summary>
/// On a store that several nodes share: brings this node's theaters up to commits made through other nodes as soon as
/// the store reports them (so event streams and webhooks here wake at once), and checks every agreement now and then
/// in case a report was missed.
/// </summary>
internal sealed class CommitWatcher(TheaterRegistry registry, ICommitFeed feed, ILogger<CommitWatcher> log) : BackgroundService
{
    // How often every agreement is checked even without a report.
    private static readonly TimeSpan Sweep = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!feed.IsShared)
        {
            return;
        }

        var reports = Channel.CreateUnbounded<AgreementId?>(new UnboundedChannelOptions { SingleReader = true });
        var watch = feed.WatchCommitsAsync(
            c =>
            {
                // Commits this node made itself are already applied: only a head ahead of the theater's is news.
                if (c is not { } commit || registry.HeadOf(commit.Agreement) is not { } known || known < commit.Head)
                {
                    registry.ReportCommit(c?.Agreement);
                    reports.Writer.TryWrite(c?.Agreement);
                }
            },
            stoppingToken);
        using var sweep = new PeriodicTimer(Sweep);
        var ticks = Task.Run(async () =>
        {
            while (await sweep.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                reports.Writer.TryWrite(null);
            }
        }, stoppingToken);

        try
        {
            await foreach (var report in reports.Reader.ReadAllAsync(stoppingToken))
            {
                foreach (var id in report is { } one ? [one] : registry.AgreementIds)
                {
                    try
                    {
                        await registry.CatchUpAsync(id, stoppingToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // The next report or sweep tries again; reads and writes catch up on their own meanwhile.
                        log.LogWarning("catching up with the store failed: {Reason}", e.GetType().Name);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await ticks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
