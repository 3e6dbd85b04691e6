using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Workflow;

namespace Parley.Core.Ports;

/// <summary>Where an agreement's state is kept: its text, declarations, requests and subscriptions, read whole at start-up or as the changes of the commits a state missed, and changed only through a write (<see cref="BeginWriteAsync"/>).</summary>
/// <remarks>One role of the store (<see cref="IParleyStore"/>); implementations are safe to call from several threads.</remarks>
public interface IStateStore
{
    /// <summary>Every agreement's source text (JSON), by id.</summary>
    Task<IReadOnlyDictionary<AgreementId, string>> LoadAgreementsAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores (or replaces) an agreement's source text.</summary>
    Task SaveAgreementAsync(AgreementId id, string sourceJson, CancellationToken cancellationToken = default);

    /// <summary>Every zone of an agreement, read back under its rules.</summary>
    Task<IReadOnlyList<Zone>> LoadZonesAsync(Agreement agreement, CancellationToken cancellationToken = default);

    /// <summary>Every operation of an agreement, with state and version.</summary>
    Task<IReadOnlyList<Operation>> LoadOperationsAsync(Agreement agreement, CancellationToken cancellationToken = default);

    /// <summary>Every concurrence request of an agreement, in any state.</summary>
    Task<IReadOnlyList<ConcurrenceRequest>> LoadRequestsAsync(AgreementId agreement, CancellationToken cancellationToken = default);

    /// <summary>Every incident of an agreement, with its replies, grades and silences, read back under its rules.</summary>
    Task<IReadOnlyList<Incident>> LoadIncidentsAsync(Agreement agreement, CancellationToken cancellationToken = default);

    /// <summary>Every subscription of an agreement, oldest first.</summary>
    Task<IReadOnlyList<Subscription>> LoadSubscriptionsAsync(AgreementId agreement, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a write on the agreement: waits until no other write on it runs, in any process, and holds that until the
    /// write is committed or disposed.
    /// </summary>
    Task<IAgreementWrite> BeginWriteAsync(AgreementId agreement, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="IAgreementWrite.ReadChangesAsync"/>, without holding writes off: what it reads may already include
    /// changes of commits after the head it reports (a later catch-up from that head brings the rest), so it serves
    /// reads, and a write still catches up inside its own store write before deciding.
    /// </summary>
    Task<CommittedChanges?> ReadChangesAsync(Agreement agreement, long since, CancellationToken cancellationToken = default);

    /// <summary>How many commits the agreement has had (see <see cref="IAgreementWrite.Head"/>).</summary>
    Task<long> ReadHeadAsync(AgreementId agreement, CancellationToken cancellationToken = default);
}
