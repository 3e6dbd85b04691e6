using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Workflow;
using Parley.Server.Theaters;

namespace Parley.Server.Workflow;

/// <summary>What time alone does to amendments, on the concurrence clock's tick: lapses at the signing deadline, entry into force at the effective time.</summary>
internal static class AmendmentClock
{
    /// <summary>Lapses and brings into force what is due in one agreement; returns how many amendments changed.</summary>
    /// <remarks>Looks first with a read, so a tick with nothing due opens no store write.</remarks>
    public static async Task<int> DueAsync(TheaterRegistry registry, AgreementId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!await registry.ReadAsync(id, theater => IsDue(theater, now), cancellationToken))
        {
            return 0;
        }

        return await registry.WriteAsync(id, (theater, _) =>
        {
            if (!IsDue(theater, now))
            {
                return (null, 0); // decided meanwhile through another write
            }

            var decision = Lifecycle.AmendmentsDue(theater, now);
            return (decision, decision.State.Amendments.Length);
        }, cancellationToken);
    }

    private static bool IsDue(Theater theater, DateTimeOffset now) => theater.Amendments.NextDue is { } next && next <= now;
}
