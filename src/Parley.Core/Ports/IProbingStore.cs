using Parley.Core.Model;
using Parley.Core.Probing;

namespace Parley.Core.Ports;

/// <summary>How often one requester touched one zone.</summary>
public sealed record ZoneTouchCount(ZoneId Zone, long Count);

/// <summary>How often one requesting party touched one owner's hidden zones, and when.</summary>
/// <param name="Requester">The requesting party.</param>
/// <param name="LastHour">Touches in the hour before the report.</param>
/// <param name="LastDay">Touches in the day before the report.</param>
/// <param name="Total">Touches ever.</param>
/// <param name="First">The first touch.</param>
/// <param name="Last">The last touch.</param>
/// <param name="Zones">Touches per zone, by zone id.</param>
public sealed record TouchSummary(PartyId Requester, long LastHour, long LastDay, long Total, DateTimeOffset First, DateTimeOffset Last, IReadOnlyList<ZoneTouchCount> Zones);

/// <summary>Touches of hidden zones: the probing budget and the owners' reports.</summary>
/// <remarks>One role of the store (<see cref="IParleyStore"/>); implementations are safe to call from several threads.</remarks>
public interface IProbingStore
{
    /// <summary>Every touch recorded at or after <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<ProbeTouch>> LoadTouchesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>
    /// Per requesting party, how often the zones of <paramref name="zoneOwner"/> were touched: in the hour and
    /// the day before <paramref name="now"/>, ever, first and last, and per zone; by requester.
    /// </summary>
    Task<IReadOnlyList<TouchSummary>> SummarizeTouchesAsync(AgreementId agreement, PartyId zoneOwner, DateTimeOffset now, CancellationToken cancellationToken = default);
}
