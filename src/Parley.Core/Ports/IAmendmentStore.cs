using Parley.Core.Model;

namespace Parley.Core.Ports;

/// <summary>Where an agreement's amendments are kept: written with the commits that change them, read whole when a state loads.</summary>
/// <remarks>One role of the store (<see cref="IParleyStore"/>); implementations are safe to call from several threads.</remarks>
public interface IAmendmentStore
{
    /// <summary>Every amendment of an agreement, in any state, in the order proposed.</summary>
    Task<IReadOnlyList<Amendment>> LoadAmendmentsAsync(AgreementId agreement, CancellationToken cancellationToken = default);
}
