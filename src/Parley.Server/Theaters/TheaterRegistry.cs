using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Server.Theaters;

/// <summary>
/// The agreements this server serves, each with its in-memory theater rebuilt from the store.
/// Every change goes through <see cref="WriteAsync{T}"/>: decide on the current state, commit, then apply.
/// </summary>
/// <remarks>
/// One lock per agreement serialises access to its theater: the decision and the commit that records it
/// happen with no other change in between, so two conflicting operations cannot both be accepted.
/// </remarks>
public sealed class TheaterRegistry(IParleyStore store)
{
    private readonly Dictionary<AgreementId, Entry> _entries = [];
    private readonly Lock _gate = new();

    private sealed class Entry(Agreement agreement)
    {
        public Theater Theater { get; set; } = new(agreement);

        public SemaphoreSlim Lock { get; } = new(1, 1);
    }

    /// <summary>The store behind the registry.</summary>
    public IParleyStore Store { get; } = store;

    /// <summary>Initialises the store and rebuilds every agreement's theater from it.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await Store.InitializeAsync(cancellationToken);
        foreach (var (_, source) in await Store.LoadAgreementsAsync(cancellationToken))
        {
            await LoadAsync(AgreementReader.Parse(source), cancellationToken);
        }
    }

    /// <summary>Adds or updates an agreement from its source text and stores it.</summary>
    public async Task<Agreement> PutAgreementAsync(string source, CancellationToken cancellationToken = default)
    {
        var agreement = AgreementReader.Parse(source);
        await Store.SaveAgreementAsync(agreement.Id, source, cancellationToken);
        await LoadAsync(agreement, cancellationToken);
        return agreement;
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

    /// <summary>Runs a read on the agreement's theater, with no write in between.</summary>
    public async Task<T> ReadAsync<T>(AgreementId id, Func<Theater, T> read, CancellationToken cancellationToken = default)
    {
        var entry = Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            return read(entry.Theater);
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
    public async Task<T> WriteAsync<T>(AgreementId id, Func<Theater, (ChangeSet Changes, T Result)> decide, CancellationToken cancellationToken = default)
    {
        var entry = Get(id);
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            var (changes, result) = decide(entry.Theater);
            if (!changes.IsEmpty)
            {
                // Once the commit starts, finish it: an acknowledged write must not depend on the client staying.
                await Store.CommitAsync(id, changes, CancellationToken.None);
                Apply(entry.Theater, changes);
            }

            return result;
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    private static void Apply(Theater theater, ChangeSet changes)
    {
        foreach (var zone in changes.DeleteZones)
        {
            theater.Remove(zone);
        }

        foreach (var zone in changes.UpsertZones)
        {
            theater.Upsert(zone);
        }

        foreach (var operation in changes.UpsertOperations)
        {
            theater.Upsert(operation);
        }
    }

    private Entry Get(AgreementId id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(id, out var e) ? e : throw new DomainException(DomainError.NotFound, $"unknown agreement '{id}'");
        }
    }

    private async Task LoadAsync(Agreement agreement, CancellationToken cancellationToken)
    {
        var theater = new Theater(agreement);
        foreach (var zone in await Store.LoadZonesAsync(agreement, cancellationToken))
        {
            theater.Upsert(zone);
        }

        foreach (var operation in await Store.LoadOperationsAsync(agreement, cancellationToken))
        {
            theater.Upsert(operation);
        }

        lock (_gate)
        {
            if (_entries.TryGetValue(agreement.Id, out var existing))
            {
                existing.Theater = theater;
            }
            else
            {
                _entries[agreement.Id] = new Entry(agreement) { Theater = theater };
            }
        }
    }
}
