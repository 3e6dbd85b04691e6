using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Interop.Export;

namespace Parley.Server.Api;

/// <summary>Takes a party's picture of a theater: only what it may see, and its conflicts with what it may not as disclosed cells.</summary>
internal static class PictureReads
{
    /// <summary>
    /// The zones and operations visible to <paramref name="party"/> that pass <paramref name="filter"/>, and for each of its
    /// own live operations that passes, the conflicts with items hidden from it, as <see cref="Disclosure"/> shows them.
    /// Call it inside a read of the theater.
    /// </summary>
    public static Picture Take(Theater theater, PartyId party, Disclosure disclosure, PictureFilter filter, DateTimeOffset now)
    {
        var zones = theater.Zones.Where(z => z.IsVisibleTo(party) && filter.Matches(z)).OrderBy(z => z.Id.Value, StringComparer.Ordinal).ToList();
        var operations = theater.Operations.Where(o => o.IsVisibleTo(party) && filter.Matches(o)).OrderBy(o => o.Id.Value, StringComparer.Ordinal).ToList();
        var cells = new List<ConflictView>();
        if (filter.Conflicts)
        {
            var seen = new HashSet<(string, string?)>();
            var own = theater.Operations.Where(o => o.Owner == party && Theater.IsLive(o.State) && (filter with { Operations = true }).Matches(o))
                .OrderBy(o => o.Id.Value, StringComparer.Ordinal);
            foreach (var operation in own)
            {
                foreach (var conflict in theater.FindConflictsFor(operation))
                {
                    var view = disclosure.View(conflict, party, theater.Agreement);
                    if (view.Redacted && view.Area is not null && seen.Add((view.Operation, view.Handle)))
                    {
                        cells.Add(view);
                    }
                }
            }
        }

        return new Picture(theater.Agreement.Id, party, now, zones, operations, cells);
    }
}
