using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Server.Ledger;
using Parley.Server.Security;

namespace Parley.Server.Theaters;

/// <summary>
/// The agreements this server serves, each with its in-memory theater rebuilt from the store.
/// Every change goes through <c>WriteAsync</c>: decide on the current state, commit, then apply.
/// </summary>
/// <remarks>
/// One lock per agreement serialises access to its theater: the decision and the commit that records it
/// happen with no other change in between, so two conflicting operations cannot both be accepted.
/// </remarks>
public sealed class TheaterRegistry(IParleyStore store, byte[] ledgerSeed, string centerName, TimeProvider time)
{
    private readonly Dictionary<AgreementId, Entry> _entries = [];
    private readonly Lock _gate = new();

    private sealed class Entry(Theater theater, AgreementLedger ledger, PartyTokenKeys tokenKeys)
    {
        public Theater Theater { get; set; } = theater;

        /// <summary>The token keys of the agreement version the theater runs under; replaced with it.</summary>
        public PartyTokenKeys TokenKeys { get; set; } = tokenKeys;

        public AgreementLedger Ledger { get; set; } = ledger;

        public SemaphoreSlim Lock { get; } = new(1, 1);
    }

    /// <summary>The center name that prefixes every ledger origin.</summary>
    public string CenterName { get; } = centerName;

    /// <summary>The store behind the registry.</summary>
    public IParleyStore Store { get; } = store;

    /// <summary>Initialises the store and rebuilds every agreement's theater from it.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await Store.InitializeAsync(cancellationToken);
        foreach (var (id, source) in await Store.LoadAgreementsAsync(cancellationToken))
        {
            var stored = AgreementReader.Parse(source);
            await LoadAsync(stored, PartyTokenKeys.Load(stored), cancellationToken);
            if (await ReadLedgerAsync(id, l => l.Tree.Size, cancellationToken) == 0)
            {
                // Stored before its ledger entry landed (a crash between the two): record it now.
                await WriteCoreAsync(id, _ => (new ChangeSet { Command = "agreement.put" }, 0), cancellationToken, agreementSource: source, hooks: null);
            }
        }
    }

    /// <summary>Adds or updates an agreement from its source text, stores it and records it in its ledger.</summary>
    /// <exception cref="InputRejectedException">The agreement is invalid or its parties' token keys cannot be read; nothing is stored.</exception>
    public async Task<Agreement> PutAgreementAsync(string source, CancellationToken cancellationToken = default)
    {
        var agreement = AgreementReader.Parse(source);
        var tokenKeys = PartyTokenKeys.Load(agreement);
        var stored = await Store.LoadAgreementsAsync(cancellationToken);
        if (stored.TryGetValue(agreement.Id, out var existing) && existing == source && Find(agreement.Id) is not null)
        {
            return agreement;
        }

        await Store.SaveAgreementAsync(agreement.Id, source, cancellationToken);
        await LoadAsync(agreement, tokenKeys, cancellationToken);
        await WriteCoreAsync(agreement.Id, _ => (new ChangeSet { Command = "agreement.put" }, 0), cancellationToken, agreementSource: source, hooks: null);
        return agreement;
    }

    /// <summary>Runs a read on the agreement's ledger, with no write in between.</summary>
    public Task<T> ReadLedgerAsync<T>(AgreementId id, Func<AgreementLedger, T> read, CancellationToken cancellationToken = default) =>
        UnderLockAsync(id, entry => read(entry.Ledger), cancellationToken);

    /// <summary>Signs and stores a checkpoint for every agreement whose log grew since its last one.</summary>
    public async Task SignCheckpointsAsync(CancellationToken cancellationToken = default)
    {
        foreach (var id in AgreementIds)
        {
            var entry = Get(id);
            await entry.Lock.WaitAsync(cancellationToken);
            try
            {
                if (entry.Ledger.SignIfBehind() is { } signed)
                {
                    await Store.SaveCheckpointAsync(id, signed.Size, signed.SignedNote, CancellationToken.None);
                    entry.Ledger.Published(signed);
                }
            }
            finally
            {
                entry.Lock.Release();
            }
        }
    }

    /// <summary>The ids of the agreements served.</summary>
    public IReadOnlyList<AgreementId> AgreementIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries.Keys];
            }
        }
    }

    /// <summary>The agreement with this id, if served.</summary>
    public Agreement? Find(AgreementId id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var e) ? e.Theater.Agreement : null;
        }
    }

    /// <summary>The agreement with this id and its parties' token keys, read together, if served.</summary>
    public (Agreement Agreement, PartyTokenKeys Keys)? FindTokenKeys(AgreementId id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var e) ? (e.Theater.Agreement, e.TokenKeys) : null;
        }
    }

    /// <summary>Runs a read on the agreement's theater, with no write in between.</summary>
    public Task<T> ReadAsync<T>(AgreementId id, Func<Theater, T> read, CancellationToken cancellationToken = default) =>
        UnderLockAsync(id, entry => read(entry.Theater), cancellationToken);

    private async Task<T> UnderLockAsync<T>(AgreementId id, Func<Entry, T> read, CancellationToken cancellationToken)
    {
        var entry = Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            return read(entry);
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    /// <summary>
    /// Decides a change on the current state, commits it durably, then applies it to the theater.
    /// If the decision throws or the commit fails, nothing changes.
    /// </summary>
    public Task<T> WriteAsync<T>(AgreementId id, Func<Theater, (ChangeSet Changes, T Result)> decide, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(id, decide, cancellationToken, agreementSource: null, hooks: null);

    /// <summary>
    /// As the other <c>WriteAsync</c>, with
    /// steps that run under the agreement's lock: <see cref="WriteHooks{T}.Answered"/> before deciding (an answer
    /// already given ends the write), <see cref="WriteHooks{T}.Accepting"/> once a change is decided, to add to it
    /// what must be committed with it and to shape the result.
    /// </summary>
    public Task<T> WriteAsync<T>(AgreementId id, Func<Theater, (ChangeSet Changes, T Result)> decide, WriteHooks<T> hooks, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(id, decide, cancellationToken, agreementSource: null, hooks);

    private async Task<T> WriteCoreAsync<T>(AgreementId id, Func<Theater, (ChangeSet Changes, T Result)> decide, CancellationToken cancellationToken,
        string? agreementSource, WriteHooks<T>? hooks)
    {
        var entry = Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (hooks?.Answered is { } answered && await answered(cancellationToken) is { } earlier)
            {
                return earlier;
            }

            var (changes, result) = decide(entry.Theater);
            if (!changes.IsEmpty && hooks?.Accepting is { } accepting)
            {
                result = await accepting(changes, result, cancellationToken);
            }

            if (!changes.IsEmpty || agreementSource is not null)
            {
                // The entry that records the change is committed with it, in one transaction.
                long index = entry.Ledger.Tree.Size;
                changes.Ledger.AddRange(agreementSource is not null
                    ? LedgerEntries.ForAgreement(index, id, agreementSource, time.GetUtcNow())
                    : LedgerEntries.Build(index, id, changes, entry.Theater, time.GetUtcNow()));

                // Once the commit starts, finish it: an acknowledged write must not depend on the client staying.
                try
                {
                    await Store.CommitAsync(id, changes, CancellationToken.None);
                }
                catch
                {
                    // The commit may have landed before it failed (a flush that reported an error, a dropped
                    // connection): take the state back from the store so memory never drifts from it.
                    (entry.Theater, entry.Ledger) = await ReadStateAsync(entry.Theater.Agreement, CancellationToken.None);
                    throw;
                }

                foreach (var append in changes.Ledger)
                {
                    entry.Ledger.Tree.Append(append.Entry);
                }
                entry.Theater.Apply(changes);
            }

            return result;
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    private Entry Get(AgreementId id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var e) ? e : throw new DomainException(DomainError.NotFound, $"unknown agreement '{id}'");
        }
    }

    private async Task LoadAsync(Agreement agreement, PartyTokenKeys tokenKeys, CancellationToken cancellationToken)
    {
        var (theater, ledger) = await ReadStateAsync(agreement, cancellationToken);
        lock (_gate)
        {
            if (_entries.TryGetValue(agreement.Id, out var existing))
            {
                existing.Theater = theater;
                existing.Ledger = ledger;
                existing.TokenKeys = tokenKeys;
            }
            else
            {
                _entries[agreement.Id] = new Entry(theater, ledger, tokenKeys);
            }
        }
    }

    /// <summary>The agreement's theater and ledger as the store holds them (the snapshot and its log).</summary>
    private async Task<(Theater Theater, AgreementLedger Ledger)> ReadStateAsync(Agreement agreement, CancellationToken cancellationToken)
    {
        var ledger = await AgreementLedger.LoadAsync(Store, agreement.Id, CenterName, ledgerSeed, cancellationToken);
        var theater = new Theater(agreement);
        foreach (var zone in await Store.LoadZonesAsync(agreement, cancellationToken))
        {
            theater.Upsert(zone);
        }

        foreach (var operation in await Store.LoadOperationsAsync(agreement, cancellationToken))
        {
            theater.Upsert(operation);
        }

        return (theater, ledger);
    }
}

/// <summary>Steps of a write that run under its agreement's lock, around the decision.</summary>
/// <param name="Answered">Before deciding: an answer already given to this request (a retry), or null to go on.</param>
/// <param name="Accepting">Once a change is decided and before it is committed: adds what must be committed with it, returns the result to give.</param>
public sealed record WriteHooks<T>(
    Func<CancellationToken, Task<T?>>? Answered = null,
    Func<ChangeSet, T, CancellationToken, Task<T>>? Accepting = null);
