using System.Collections.Concurrent;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger.Entries.Compliance;
using Parley.Server.Theaters;

namespace Parley.Server.Compliance;

/// <summary>
/// Each agreement's compliance facts, kept as its ledger grows: a report first reads the entries committed since the last
/// one (usually a few), then counts from what is kept. The same facts and the same counting as a party's recomputation
/// from its export (<see cref="ComplianceLedger"/>, <see cref="ComplianceReport"/>), filtered by what the caller may open.
/// </summary>
/// <remarks>Thread-safe: each agreement's facts are read and grown under their own lock.</remarks>
internal sealed class ComplianceBooks(ILedgerStore ledgers, TimeProvider time)
{
    private readonly ConcurrentDictionary<AgreementId, Book> _books = new();

    /// <summary>The report of <paramref name="agreement"/> for <paramref name="period"/> and the bounds, as a viewer who may open what <paramref name="admits"/> accepts sees it.</summary>
    /// <exception cref="Parley.Core.InputRejectedException">The bounds are reversed or too far apart.</exception>
    public async Task<byte[]> ReportAsync(AgreementId agreement, CompliancePeriod period, DateTimeOffset? from, DateTimeOffset? to,
        Func<FactAudience, bool> admits, CancellationToken cancellationToken)
    {
        var book = _books.GetOrAdd(agreement, _ => new Book());
        await book.Gate.WaitAsync(cancellationToken);
        try
        {
            await CatchUpAsync(book, agreement, cancellationToken);
            var query = ComplianceQuery.For(period, from, to, book.Ledger.LastEntry);
            return ComplianceReport.Write(book.Ledger, query, admits, time.GetUtcNow());
        }
        finally
        {
            book.Gate.Release();
        }
    }

    /// <summary>Reads what the agreement's ledger holds beyond what is kept (the whole ledger the first time).</summary>
    public async Task WarmAsync(AgreementId agreement, CancellationToken cancellationToken)
    {
        var book = _books.GetOrAdd(agreement, _ => new Book());
        await book.Gate.WaitAsync(cancellationToken);
        try
        {
            await CatchUpAsync(book, agreement, cancellationToken);
        }
        finally
        {
            book.Gate.Release();
        }
    }

    private async Task CatchUpAsync(Book book, AgreementId agreement, CancellationToken cancellationToken)
    {
        await foreach (var record in ledgers.ReadLedgerAsync(agreement, book.Ledger.Size, cancellationToken))
        {
            book.Ledger.Add(record.Index, record.Entry, [.. record.Openings.Select((opening, item) => (item, opening))]);
        }
    }

    private sealed class Book
    {
        public ComplianceLedger Ledger { get; } = new();

        public SemaphoreSlim Gate { get; } = new(1, 1);
    }
}

/// <summary>Reads every agreement's ledger into its compliance facts once the server starts, so that the first report need not.</summary>
internal sealed class ComplianceWarmup(ComplianceBooks books, TheaterRegistry registry, ILogger<ComplianceWarmup> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var agreement in registry.AgreementIds)
        {
            try
            {
                await books.WarmAsync(agreement, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The first report reads it instead (and says what is wrong, if anything is).
                log.LogWarning("reading the compliance facts of an agreement failed: {Reason}", e.GetType().Name);
            }
        }
    }
}
