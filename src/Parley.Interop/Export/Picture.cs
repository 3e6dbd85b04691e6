using Parley.Core.Conflicts;
using Parley.Core.Model;

namespace Parley.Interop.Export;

/// <summary>
/// What one party may see of a theater at one time: the zones and operations visible to it, and the conflicts of its own
/// operations with items hidden from it, as their disclosed cells (owner, kind, handle and coarse area, never geometry).
/// </summary>
/// <param name="Agreement">The agreement.</param>
/// <param name="Viewer">The party the picture is for.</param>
/// <param name="AsOf">When it was taken.</param>
/// <param name="Zones">Visible zones, in id order.</param>
/// <param name="Operations">Visible operations, in id order.</param>
/// <param name="Cells">Redacted conflicts (each with its area), in operation then handle order.</param>
public sealed record Picture(
    AgreementId Agreement,
    PartyId Viewer,
    DateTimeOffset AsOf,
    IReadOnlyList<Zone> Zones,
    IReadOnlyList<Operation> Operations,
    IReadOnlyList<ConflictView> Cells);
