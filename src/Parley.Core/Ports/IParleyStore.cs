namespace Parley.Core.Ports;

/// <summary>
/// Where Parley keeps its state. Implementations: SQLite (embedded default) and PostgreSQL + PostGIS (several server processes).
/// </summary>
/// <remarks>
/// Contract: <see cref="IAgreementWrite.CommitAsync"/> is atomic and durable when it returns (a crash right after loses
/// nothing); a failed commit changes nothing. Loads return what the last commits left, across restarts.
/// Implementations are safe to call from several threads.
/// </remarks>
public interface IParleyStore : IStateStore, IAmendmentStore, ICommitFeed, ISubmissionStore, ILedgerStore, IProbingStore, IEventStore, IWebhookStore, IAsyncDisposable
{
    /// <summary>Creates or migrates the schema.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);
}
