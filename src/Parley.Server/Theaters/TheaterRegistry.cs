using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Decisions;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Server.Writes;

namespace Parley.Server.Theaters;

/// <summary>
/// The agreements this server serves, each with its in-memory state rebuilt from the store. Every read runs on a
/// current state (<see cref="ReadAsync{T}"/>); every change goes through <see cref="WriteAsync{T}"/>,
/// <see cref="WriteAsync(AgreementId, WriteCommand, CancellationToken)"/> or <see cref="ProbeAsync"/>: decided on the
/// current state, committed, then answered.
/// </summary>
/// <remarks>
/// A façade: loading (<see cref="StateLoader"/>), keeping in step with other nodes (<see cref="NodeSync"/>), batching and
/// committing writes (<see cref="GroupCommitter"/>) and signing checkpoints (<see cref="CheckpointSigner"/>) each live in
/// a class of their own. The store stays behind it.
/// </remarks>
public sealed class TheaterRegistry
{
    /// <summary>How long an answer is kept for retries under its idempotency key.</summary>
    public static readonly TimeSpan AnswerRetention = TimeSpan.FromHours(24);

    private readonly Dictionary<AgreementId, AgreementSlot> _slots = [];
    private readonly Lock _gate = new();
    private readonly IParleyStore _store;
    private readonly StateLoader _loader;
    private readonly NodeSync _sync;
    private readonly GroupCommitter _committer;
    private readonly CheckpointSigner _checkpoints;
    private readonly Action<Agreement> _validate;

    /// <summary>A registry over <paramref name="store"/>; call <see cref="InitializeAsync"/> before use.</summary>
    /// <param name="store">Where the state is kept.</param>
    /// <param name="ledgerSeed">The center's checkpoint signing key (Ed25519 seed).</param>
    /// <param name="centerName">The center name that prefixes every ledger origin.</param>
    /// <param name="time">The clock.</param>
    /// <param name="validate">Checks an agreement before it is stored (e.g. that its parties' token keys read); throws to refuse it.</param>
    public TheaterRegistry(IParleyStore store, byte[] ledgerSeed, string centerName, TimeProvider time, Action<Agreement>? validate = null)
    {
        _store = store;
        _loader = new StateLoader(store, ledgerSeed, centerName, time);
        _sync = new NodeSync(store, _loader, Signals, time);
        _committer = new GroupCommitter(store, _sync, _loader, Signals, time);
        _checkpoints = new CheckpointSigner(store, _sync);
        _validate = validate ?? (_ => { });
    }

    /// <summary>Wake-ups after commits, for event streams and webhook delivery.</summary>
    public CommitSignals Signals { get; } = new();

    /// <summary>The ids of the agreements served.</summary>
    public IReadOnlyList<AgreementId> AgreementIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _slots.Keys];
            }
        }
    }

    /// <summary>The agreement with this id (the version in force here), if served.</summary>
    public Agreement? Find(AgreementId id)
    {
        lock (_gate)
        {
            return _slots.TryGetValue(id, out var slot) ? slot.Theater.Agreement : null;
        }
    }

    /// <summary>Initialises the store and rebuilds every agreement's state from it.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _store.InitializeAsync(cancellationToken);
        foreach (var (id, source) in await _store.LoadAgreementsAsync(cancellationToken))
        {
            await LoadAsync(AgreementReader.Parse(source), cancellationToken);
            if (await ReadLedgerAsync(id, l => l.Tree.Size, cancellationToken) == 0)
            {
                // Stored before its ledger entry landed (a crash between the two): record it now.
                await RecordAgreementAsync(id, source, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Adds an agreement from its source text, or restates a stored one (see <see cref="AgreementRestatement"/>: the same
    /// version with the same pact, or the version in force as it is), stores it and records it in its ledger.
    /// </summary>
    /// <returns>The agreement version in force.</returns>
    /// <exception cref="InputRejectedException">
    /// The agreement is invalid, refused by the validation, or changes a stored pact (which changes only by amendment);
    /// nothing is stored.
    /// </exception>
    public async Task<Agreement> PutAgreementAsync(string source, CancellationToken cancellationToken = default)
    {
        var agreement = AgreementReader.Parse(source);
        _validate(agreement);
        var stored = await _store.LoadAgreementsAsync(cancellationToken);
        if (stored.TryGetValue(agreement.Id, out var existing) && existing == source && Find(agreement.Id) is { } served)
        {
            return served;
        }

        if (existing is not null && existing != source)
        {
            var text = AgreementReader.Parse(existing);
            var inForce = Find(agreement.Id) ?? AmendmentReader.InForce(text, await _store.LoadAmendmentsAsync(agreement.Id, cancellationToken));
            var (kind, reason) = AgreementRestatement.Judge(text, agreement, inForce);
            if (kind == RestatementKind.Refused)
            {
                throw new InputRejectedException(new InputError(null, "version", reason!));
            }

            if (kind == RestatementKind.InForce)
            {
                return inForce;
            }
        }

        await _store.SaveAgreementAsync(agreement.Id, source, cancellationToken);
        await LoadAsync(agreement, cancellationToken);
        await RecordAgreementAsync(agreement.Id, source, cancellationToken);
        return Find(agreement.Id) ?? agreement;
    }

    private Task<int> RecordAgreementAsync(AgreementId id, string source, CancellationToken cancellationToken) =>
        WriteAsync(id, (_, _) => (Decision.ForAgreement(source), 0), cancellationToken);

    /// <summary>Runs a read on the agreement's current state, with no write in between.</summary>
    public async Task<T> ReadAsync<T>(AgreementId id, Func<Theater, T> read, CancellationToken cancellationToken = default)
    {
        using var span = Telemetry.ParleyTelemetry.Source.StartActivity("read");
        return await UnderLockAsync(id, slot => read(slot.Theater), cancellationToken);
    }

    /// <summary>Runs a read on the agreement's ledger, with no write in between.</summary>
    public Task<T> ReadLedgerAsync<T>(AgreementId id, Func<AgreementLedger, T> read, CancellationToken cancellationToken = default) =>
        UnderLockAsync(id, slot => read(slot.Ledger), cancellationToken);

    /// <summary>A write the center decides on its own (expiries, agreement texts): decided on the current state and time, committed, then answered.</summary>
    /// <remarks>If the decision throws or the commit fails, nothing changes.</remarks>
    public Task<T> WriteAsync<T>(AgreementId id, Func<Theater, DateTimeOffset, (Decision? Decision, T Result)> decide, CancellationToken cancellationToken = default) =>
        _committer.SubmitAsync(Get(id), new CenterJob<T>(decide), cancellationToken);

    /// <summary>
    /// A party's write: a retry already answered is answered again, a spent nonce refused; otherwise decided on the
    /// current state, committed with its signed request (and, under an idempotency key, its answer), then answered.
    /// </summary>
    public Task<WriteResult> WriteAsync(AgreementId id, WriteCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        return _committer.SubmitAsync(Get(id), new PartyJob(command, _store, AnswerRetention), cancellationToken);
    }

    /// <summary>
    /// A check or submission of <see cref="WriteCommand.Probe"/>, as <see cref="WriteAsync(AgreementId, WriteCommand, CancellationToken)"/>
    /// under the probing budget: refused before anything is decided when the budget is spent (so the refusal says
    /// nothing about where zones are); otherwise its touches of zones hidden from the party are committed with it.
    /// </summary>
    public Task<WriteResult> ProbeAsync(AgreementId id, WriteCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Probe is null)
        {
            throw new ArgumentException("a probe names the operation checked or submitted", nameof(command));
        }

        return WriteAsync(id, command, cancellationToken);
    }

    /// <summary>Signs and stores a checkpoint for every agreement whose log grew since its last one.</summary>
    public Task SignCheckpointsAsync(CancellationToken cancellationToken = default)
    {
        List<AgreementSlot> slots;
        lock (_gate)
        {
            slots = [.. _slots.Values];
        }

        return _checkpoints.SignAsync(slots, cancellationToken);
    }

    /// <summary>The store commits the agreement's state has applied, if it is served (unsynchronised: a hint).</summary>
    public long? HeadOf(AgreementId id)
    {
        lock (_gate)
        {
            return _slots.TryGetValue(id, out var slot) ? slot.Head : null;
        }
    }

    /// <summary>Brings the agreement's state up to the store (commits other nodes made) and wakes the readers if it moved.</summary>
    public Task CatchUpAsync(AgreementId id, CancellationToken cancellationToken = default) =>
        UnderLockAsync(id, _ => 0, cancellationToken);

    /// <summary>
    /// Tells the registry that another node committed on <paramref name="id"/> (on any agreement when null): a batch
    /// waiting for that agreement's lock catches up meanwhile.
    /// </summary>
    public void ReportCommit(AgreementId? id)
    {
        AgreementSlot[] slots;
        lock (_gate)
        {
            slots = id is { } one ? (_slots.TryGetValue(one, out var s) ? [s] : []) : [.. _slots.Values];
        }

        foreach (var slot in slots)
        {
            slot.CommitsReported.Notify();
        }
    }

    private async Task<T> UnderLockAsync<T>(AgreementId id, Func<AgreementSlot, T> read, CancellationToken cancellationToken)
    {
        var slot = Get(id);
        await slot.Lock.WaitAsync(cancellationToken);
        try
        {
            await _sync.EnsureCurrentAsync(slot, cancellationToken);
            return read(slot);
        }
        finally
        {
            slot.Lock.Release();
        }
    }

    private AgreementSlot Get(AgreementId id)
    {
        lock (_gate)
        {
            return _slots.TryGetValue(id, out var slot) ? slot : throw new DomainException(DomainError.NotFound, $"unknown agreement '{id}'");
        }
    }

    private async Task LoadAsync(Agreement agreement, CancellationToken cancellationToken)
    {
        AgreementState state;
        await using (var write = await _store.BeginWriteAsync(agreement.Id, cancellationToken))
        {
            state = await _loader.ReadAsync(agreement, write, cancellationToken);
        }

        lock (_gate)
        {
            if (_slots.TryGetValue(agreement.Id, out var existing))
            {
                existing.Set(state);
            }
            else
            {
                _slots[agreement.Id] = new AgreementSlot(state);
            }
        }

        Signals.SubscriptionsChanged.Notify();
    }
}
