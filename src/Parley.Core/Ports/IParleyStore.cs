using Parley.Core.Agreements;
using Parley.Core.Model;

namespace Parley.Core.Ports;

/// <summary>A set of changes to one agreement's state that is committed atomically, or not at all.</summary>
public sealed class ChangeSet
{
    /// <summary>Zones to insert or replace.</summary>
    public List<Zone> UpsertZones { get; } = [];

    /// <summary>Zones to delete.</summary>
    public List<ZoneId> DeleteZones { get; } = [];

    /// <summary>Operations to insert or replace.</summary>
    public List<Operation> UpsertOperations { get; } = [];

    /// <summary>Whether there is nothing to commit.</summary>
    public bool IsEmpty => UpsertZones.Count == 0 && DeleteZones.Count == 0 && UpsertOperations.Count == 0;
}

/// <summary>
/// Where Parley keeps its state. Implementations: SQLite (embedded default) and, later, PostgreSQL.
/// </summary>
/// <remarks>
/// Contract: <see cref="CommitAsync"/> is atomic and durable when it returns (a crash right after loses
/// nothing); a failed commit changes nothing. Loads return what the last commits left, across restarts.
/// Implementations are safe to call from several threads.
/// </remarks>
public interface IParleyStore : IAsyncDisposable
{
    /// <summary>Creates or migrates the schema.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Every agreement's source text (JSON), by id.</summary>
    Task<IReadOnlyDictionary<AgreementId, string>> LoadAgreementsAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores (or replaces) an agreement's source text.</summary>
    Task SaveAgreementAsync(AgreementId id, string sourceJson, CancellationToken cancellationToken = default);

    /// <summary>Every zone of an agreement, read back under its rules.</summary>
    Task<IReadOnlyList<Zone>> LoadZonesAsync(Agreement agreement, CancellationToken cancellationToken = default);

    /// <summary>Every operation of an agreement, with state and version.</summary>
    Task<IReadOnlyList<Operation>> LoadOperationsAsync(Agreement agreement, CancellationToken cancellationToken = default);

    /// <summary>Commits a change set atomically and durably.</summary>
    Task CommitAsync(AgreementId agreement, ChangeSet changes, CancellationToken cancellationToken = default);
}
