using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Workflow;
using Parley.Server.Theaters;

namespace Parley.Server.Workflow;

/// <summary>
/// Records, at each incident's reply deadline, the silence of every suspected party that has not replied: committed and
/// recorded like any other change, as silence (never as an admission, never as a denial). Run on the
/// <see cref="ConcurrenceClock"/>'s tick, with every other deadline.
/// </summary>
internal static class IncidentClock
{
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
