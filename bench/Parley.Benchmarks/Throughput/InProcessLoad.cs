using Parley.Core.Workflow;
using System.Diagnostics;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Server.Theaters;
using Parley.Storage.Sqlite;

namespace Parley.Benchmarks.Throughput;

/// <summary>
/// The same load without HTTP: concurrent callers submit parsed operations straight to
/// <see cref="TheaterRegistry.WriteAsync{T}(AgreementId, Func{Theater, ValueTuple{ChangeSet, T}}, WriteHooks{T}, CancellationToken)"/>
/// with <see cref="Lifecycle.Submit"/>, as the operations route does once the request is read, authenticated and verified.
/// </summary>
/// <remarks>
/// With <c>submissions</c>, each write also takes the steps the route adds under the lock: the spent-nonce check
/// before deciding and the signed submission committed (and committed to in the ledger entry) with the change.
/// Not included either way: rendering the answer (which the route also does under the lock) and the probing
/// budget check (no zone is hidden in these scenarios, so it records nothing).
/// </remarks>
internal static class InProcessLoad
{
    public static async Task<LoadResult> RunAsync(Scenario scenario, Operation[] operations, SignedSubmission[]? submissions, int callers,
        TimeSpan warmup, TimeSpan measure, double window)
    {
        string folder = Path.Combine(Path.GetTempPath(), "parley-decisions-inproc-" + Guid.NewGuid().ToString("N"));
        var clock = new LockClock();
        var store = new TimedStore(new SqliteStore(Path.Combine(folder, "parley.db")), clock);
        try
        {
            var registry = new TheaterRegistry(store, Parley.Ledger.NoteSigner.NewSeed(), "parley.local", TimeProvider.System);
            await registry.InitializeAsync();
            await registry.PutAgreementAsync(DecisionWorkload.AgreementText);
            await DecisionWorkload.DeclareZonesAsync(registry, scenario);
            var agreement = new AgreementId(DecisionWorkload.AgreementId);

            var records = new RequestRecord[operations.Length];
            int next = -1, completed = 0;
            string? firstProblem = null;
            var counters = RunCounters.Start();
            long start = Stopwatch.GetTimestamp();
            long warmupEnd = start + HttpLoad.Ticks(warmup), deadline = warmupEnd + HttpLoad.Ticks(measure);

            async Task Caller()
            {
                while (true)
                {
                    int i = Interlocked.Increment(ref next);
                    if (i >= operations.Length || Stopwatch.GetTimestamp() >= deadline)
                    {
                        return;
                    }

                    var operation = operations[i];
                    (ChangeSet, WorkflowDecision) Decide(Theater theater)
                    {
                        long t = Stopwatch.GetTimestamp();
                        if (theater.FindOperation(operation.Id) is not null)
                        {
                            throw new InvalidOperationException($"operation '{operation.Id}' exists already");
                        }

                        var (changes, decision) = Lifecycle.Submit(theater, operation, DateTimeOffset.UtcNow);
                        clock.Decided(t, Stopwatch.GetTimestamp());
                        return (changes, decision);
                    }

                    long t0 = Stopwatch.GetTimestamp();
                    Outcome outcome;
                    int conflicts = 0;
                    try
                    {
                        var decision = submissions is null
                            ? await registry.WriteAsync(agreement, Decide)
                            : await registry.WriteAsync(agreement, Decide, RouteSteps(registry, clock, agreement, operation.Owner, submissions[i]));
                        conflicts = decision.Conflicts.Count;
                        outcome = decision.Operation.State switch
                        {
                            OperationState.Accepted => Outcome.Accepted,
                            OperationState.AwaitingConcurrence => Outcome.Awaiting,
                            _ => Outcome.OtherState,
                        };
                    }
                    catch (Exception e)
                    {
                        outcome = Outcome.Error;
                        Interlocked.CompareExchange(ref firstProblem, e.Message, null);
                    }

                    records[i] = new RequestRecord { Start = t0, End = Stopwatch.GetTimestamp(), Outcome = outcome, Size = conflicts };
                    Interlocked.Increment(ref completed);
                }
            }

            string path = submissions is null ? "in-process" : "in-process + route steps";
            var all = Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(Caller)));
            await LiveProgress.WatchAsync(all, $"{path} {LoadResult.ScenarioName(scenario)}", () => Volatile.Read(ref completed), start, warmupEnd, deadline);
            counters.Stop();
            if (firstProblem is not null)
            {
                Console.Error.WriteLine($"  first failure: {firstProblem}");
            }

            bool exhausted = Volatile.Read(ref next) >= operations.Length;
            long end = exhausted ? records.Where(r => r.Outcome != Outcome.None).Max(r => r.End) : deadline;
            return LoadResult.Build(path, scenario, callers, records, start, warmupEnd, end, window,
                exhausted ? $"all {operations.Length:N0} prepared operations submitted" : "time", counters, "conflicts per decision", clock.Phases);
        }
        finally
        {
            await store.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A handle still closing; the temporary folder is left for the OS to clean.
            }
        }
    }

    /// <summary>What the route's write hooks do in the batch for a signed write without an idempotency key.</summary>
    private static WriteHooks<WorkflowDecision> RouteSteps(TheaterRegistry registry, LockClock clock, AgreementId agreement, PartyId party, SignedSubmission submission) => new(
        Answered: _ =>
        {
            clock.Entered();
            long t = Stopwatch.GetTimestamp();
            bool spent = registry.IsNonceSpent(agreement, party, submission.Nonce);
            clock.NonceChecked(Stopwatch.GetTimestamp() - t);
            return spent ? throw new InvalidOperationException("nonce spent") : Task.FromResult<WorkflowDecision?>(null);
        },
        Accepting: (changes, result, _) =>
        {
            changes.Submission = submission;
            return Task.FromResult(result);
        });
}
