using Parley.Core.Agreements;
using Parley.Core.Model;
using Parley.Core.Probing;

namespace Parley.Core.Ports;

/// <summary>One leaf of an agreement's ledger, as committed with the state change it records.</summary>
/// <param name="Index">Its position in the log (0-based); the store refuses anything but the next one.</param>
/// <param name="Entry">The exact bytes hashed for the leaf (RFC 8785 canonical JSON).</param>
/// <param name="Openings">The salted plaintexts behind the entry's commitments, kept by the center only.</param>
[Mutable("carries the entry and its openings as byte arrays, not copies: the bytes the store writes")]
public sealed record LedgerAppend(long Index, byte[] Entry, IReadOnlyList<byte[]> Openings);

/// <summary>A stored ledger entry with its openings.</summary>
[Mutable("carries the entry and its openings as byte arrays, not copies: the bytes the store read")]
public sealed record LedgerRecord(long Index, byte[] Entry, IReadOnlyList<byte[]> Openings);

/// <summary>A write as its submitter signed it, kept with the accepted record so that the submitter cannot deny it.</summary>
/// <param name="Key">The submission key that verified it (<c>ed25519:</c> base64).</param>
/// <param name="Nonce">The submitter's nonce: used once per party and agreement.</param>
/// <param name="Timestamp">The submitter's timestamp.</param>
/// <param name="Signature">The Ed25519 signature.</param>
/// <param name="Message">The signed bytes (RFC 8785 JSON of the agreement, method, path, body, timestamp and nonce).</param>
[Mutable("carries the signature and the signed message as byte arrays, not copies: the bytes the store writes")]
public sealed record SignedSubmission(string Key, string Nonce, DateTimeOffset Timestamp, byte[] Signature, byte[] Message);

/// <summary>The answer given to a write made under an <c>Idempotency-Key</c>, kept to answer its retries.</summary>
/// <param name="Party">The party whose key it is (keys are per party).</param>
/// <param name="Key">The client's key.</param>
/// <param name="Fingerprint">SHA-256 of the request (method, path, canonical body): a retry must match it.</param>
/// <param name="Status">The HTTP status answered.</param>
/// <param name="ContentType">The content type answered, if any.</param>
/// <param name="Body">The body answered.</param>
/// <param name="ETag">The ETag header answered, if any.</param>
/// <param name="Location">The Location header answered, if any.</param>
/// <param name="Created">When the write was accepted.</param>
[Mutable("carries the fingerprint and the answer as byte arrays, not copies: the bytes the store writes")]
public sealed record IdempotentAnswer(
    PartyId Party, string Key, byte[] Fingerprint, int Status, string? ContentType, byte[] Body, string? ETag, string? Location, DateTimeOffset Created);

/// <summary>An event for one party, appended to the agreement's outbox in the transaction of the change that raised it.</summary>
/// <param name="Recipient">The only party that may read it.</param>
/// <param name="Type">The event type, e.g. <c>probing.suspected</c>.</param>
/// <param name="Payload">The event as a JSON object; never anything the recipient may not see.</param>
/// <param name="Created">When it was raised.</param>
public sealed record EventAppend(PartyId Recipient, string Type, string Payload, DateTimeOffset Created);

/// <summary>A stored event with its sequence number (1, 2, … per agreement, in commit order).</summary>
public sealed record StoredEvent(long Sequence, PartyId Recipient, string Type, string Payload, DateTimeOffset Created);

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

/// <summary>A set of changes to one agreement's state that is committed atomically, or not at all.</summary>
/// <remarks>Operations are never deleted: they end cancelled or completed, and the ledger keeps them.</remarks>
[Mutable("the bag a write fills before it commits: the decision and then the server add to its lists, and the store reads them")]
public sealed class ChangeSet
{
    /// <summary>The command of a change that records an agreement's text (after which a state is loaded anew).</summary>
    public const string AgreementCommand = "agreement.put";

    /// <summary>What the change records, e.g. <c>zone.declare</c>; set by the caller for the ledger.</summary>
    public string Command { get; init; } = "change";

    /// <summary>The party whose request this is (or <c>center</c>).</summary>
    public PartyId Submitter { get; init; } = new("center");

    /// <summary>
    /// The ledger entries written in the same transaction, consecutive (a command whose items would not fit
    /// one leaf of the tlog-tiles format spans several).
    /// </summary>
    public List<LedgerAppend> Ledger { get; } = [];

    /// <summary>The signed request that asked for the change; its nonce is spent in the same transaction.</summary>
    public SignedSubmission? Submission { get; set; }

    /// <summary>The answer to keep for retries under the request's idempotency key, if it carried one.</summary>
    public IdempotentAnswer? Answer { get; set; }

    /// <summary>Zones to insert or replace.</summary>
    public List<Zone> UpsertZones { get; } = [];

    /// <summary>Zones to delete.</summary>
    public List<ZoneId> DeleteZones { get; } = [];

    /// <summary>Operations to insert or replace.</summary>
    public List<Operation> UpsertOperations { get; } = [];

    /// <summary>Concurrence requests to insert or replace (requests are never deleted: they close).</summary>
    public List<Parley.Core.Workflow.ConcurrenceRequest> UpsertRequests { get; } = [];

    /// <summary>Touches of hidden zones to record (the probing budget and the owners' reports).</summary>
    public List<ProbeTouch> Touches { get; } = [];

    /// <summary>Events to append to the agreement's outbox.</summary>
    public List<EventAppend> Events { get; } = [];

    /// <summary>Subscriptions to insert or replace (a new one's webhook starts after the last event committed before it).</summary>
    public List<Parley.Core.Notifications.Subscription> UpsertSubscriptions { get; } = [];

    /// <summary>Subscriptions to delete, with their webhook cursors.</summary>
    public List<Parley.Core.Notifications.SubscriptionId> DeleteSubscriptions { get; } = [];

    /// <summary>Whether zones, operations or requests change (what the ledger records; touches and events are not ledger entries).</summary>
    public bool HasDeclarations => UpsertZones.Count > 0 || DeleteZones.Count > 0 || UpsertOperations.Count > 0 || UpsertRequests.Count > 0;

    /// <summary>Whether subscriptions change.</summary>
    public bool HasSubscriptions => UpsertSubscriptions.Count > 0 || DeleteSubscriptions.Count > 0;

    /// <summary>
    /// Whether the change is a party's command that the ledger records with its signed request: declarations, or the
    /// party's subscriptions (whose content stays private to it, in the request's opening).
    /// </summary>
    public bool IsRecorded => HasDeclarations || HasSubscriptions;

    /// <summary>Whether there is nothing to commit.</summary>
    public bool IsEmpty => !IsRecorded && Ledger.Count == 0 && Touches.Count == 0 && Events.Count == 0;
}

/// <summary>
/// Where Parley keeps its state. Implementations: SQLite (embedded default) and PostgreSQL + PostGIS (several server processes).
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

    /// <summary>Every concurrence request of an agreement, in any state.</summary>
    Task<IReadOnlyList<Parley.Core.Workflow.ConcurrenceRequest>> LoadRequestsAsync(AgreementId agreement, CancellationToken cancellationToken = default);

    /// <summary>Whether other processes may write to the same store (each must then catch up before deciding or reading).</summary>
    bool IsShared { get; }

    /// <summary>
    /// Opens a write on the agreement: waits until no other write on it runs, in any process, and holds that until the
    /// write is committed or disposed.
    /// </summary>
    Task<IAgreementWrite> BeginWriteAsync(AgreementId agreement, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="committed"/> whenever another process (or this one) commits to an agreement, with the
    /// agreement and its new head, and with null when commits may have been missed (after a lost connection), until
    /// cancelled. A store no other process writes returns at once.
    /// </summary>
    Task WatchCommitsAsync(Action<(AgreementId Agreement, long Head)?> committed, CancellationToken cancellationToken);

    /// <summary>
    /// Takes or renews the lease <paramref name="name"/> for <paramref name="holder"/> until <paramref name="duration"/>
    /// from now: true when the holder has it (it was free, expired or already its own), false when another holds it.
    /// Lets one of several processes do a job that must run once (webhook delivery).
    /// </summary>
    Task<bool> HoldLeaseAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="IAgreementWrite.ReadChangesAsync"/>, without holding writes off: what it reads may already include
    /// changes of commits after the head it reports (a later catch-up from that head brings the rest), so it serves
    /// reads, and a write still catches up inside its own store write before deciding.
    /// </summary>
    Task<CommittedChanges?> ReadChangesAsync(Parley.Core.Agreements.Agreement agreement, long since, CancellationToken cancellationToken = default);

    /// <summary>How many commits the agreement has had (see <see cref="IAgreementWrite.Head"/>).</summary>
    Task<long> ReadHeadAsync(AgreementId agreement, CancellationToken cancellationToken = default);

    /// <summary>Commits a change set atomically and durably, its ledger entry included.</summary>
    /// <exception cref="InvalidOperationException">The ledger entry is not the next index (another writer appended first).</exception>
    Task CommitAsync(AgreementId agreement, ChangeSet changes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits several change sets, in order, in one atomic and durable transaction (group commit: one
    /// flush for many accepted commands). Their ledger entries must be consecutive.
    /// </summary>
    Task CommitBatchAsync(AgreementId agreement, IReadOnlyList<ChangeSet> batch, CancellationToken cancellationToken = default);

    /// <summary>Whether <paramref name="party"/> has already spent <paramref name="nonce"/> in an accepted write.</summary>
    Task<bool> IsNonceSpentAsync(AgreementId agreement, PartyId party, string nonce, CancellationToken cancellationToken = default);

    /// <summary>The nonces spent by accepted writes signed at or after <paramref name="since"/> (the ones a replay could still reuse).</summary>
    Task<IReadOnlyList<(PartyId Party, string Nonce, DateTimeOffset Signed)>> LoadNoncesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>The answer kept for <paramref name="party"/>'s idempotency key, or null when none (or only an older one than <paramref name="notBefore"/>).</summary>
    Task<IdempotentAnswer?> FindAnswerAsync(AgreementId agreement, PartyId party, string key, DateTimeOffset notBefore, CancellationToken cancellationToken = default);

    /// <summary>Every ledger entry from <paramref name="fromIndex"/> on, in order, with openings.</summary>
    IAsyncEnumerable<LedgerRecord> ReadLedgerAsync(AgreementId agreement, long fromIndex = 0, CancellationToken cancellationToken = default);

    /// <summary>The bytes of one ledger entry, or null past the end.</summary>
    Task<byte[]?> ReadLedgerEntryAsync(AgreementId agreement, long index, CancellationToken cancellationToken = default);

    /// <summary>Stores a signed checkpoint (a signed note) for a tree size.</summary>
    Task SaveCheckpointAsync(AgreementId agreement, long size, string signedNote, CancellationToken cancellationToken = default);

    /// <summary>Every stored checkpoint, by size, oldest first.</summary>
    Task<IReadOnlyList<(long Size, string SignedNote)>> LoadCheckpointsAsync(AgreementId agreement, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets a witness's cosignature line on the checkpoint of <paramref name="size"/>: one per signer (key name
    /// and key ID), a newer one replacing the older, so a checkpoint never carries more lines than witnesses.
    /// </summary>
    Task SetCosignatureAsync(AgreementId agreement, long size, string signer, string signatureLine, CancellationToken cancellationToken = default);

    /// <summary>The cosignature lines of the checkpoint of <paramref name="size"/>.</summary>
    Task<IReadOnlyList<string>> LoadCosignaturesAsync(AgreementId agreement, long size, CancellationToken cancellationToken = default);

    /// <summary>Every touch recorded at or after <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<ProbeTouch>> LoadTouchesAsync(AgreementId agreement, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>
    /// Per requesting party, how often the zones of <paramref name="zoneOwner"/> were touched: in the hour and
    /// the day before <paramref name="now"/>, ever, first and last, and per zone; by requester.
    /// </summary>
    Task<IReadOnlyList<TouchSummary>> SummarizeTouchesAsync(AgreementId agreement, PartyId zoneOwner, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> events after sequence number <paramref name="afterSequence"/>, in order: those
    /// of <paramref name="recipient"/>, or every party's when null (for the center itself).
    /// </summary>
    Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(AgreementId agreement, PartyId? recipient, long afterSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>Every subscription of an agreement, oldest first.</summary>
    Task<IReadOnlyList<Parley.Core.Notifications.Subscription>> LoadSubscriptionsAsync(AgreementId agreement, CancellationToken cancellationToken = default);

    /// <summary>
    /// The sequence number of the last event acknowledged by the subscription's webhook (when it was made: the last event
    /// committed before it), or null when the subscription does not exist.
    /// </summary>
    Task<long?> ReadWebhookCursorAsync(AgreementId agreement, Parley.Core.Notifications.SubscriptionId subscription, CancellationToken cancellationToken = default);

    /// <summary>
    /// Durably records that the subscription's webhook acknowledged every event up to <paramref name="sequence"/>. The
    /// cursor only moves forward; a subscription that no longer exists is left alone.
    /// </summary>
    Task SaveWebhookCursorAsync(AgreementId agreement, Parley.Core.Notifications.SubscriptionId subscription, long sequence, CancellationToken cancellationToken = default);
}
