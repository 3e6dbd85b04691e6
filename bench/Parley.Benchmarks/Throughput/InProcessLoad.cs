using Parley.Core.Workflow;
using System.Diagnostics;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Server.Theaters;
using Parley.Server.Writes;
using Parley.Storage.Sqlite;

namespace Parley.Benchmarks.Throughput;

/// <summary>
/// The same load without HTTP: concurrent callers submit parsed operations straight to the registry with
/// <see cref="Lifecycle.Submit"/>, as the operations route does once the request is read, authenticated and verified.
/// </summary>
/// <remarks>
/// With <c>submissions</c>, each write is a party's write (<see cref="WriteCommand"/>) and takes the steps the route's
/// writes take under the lock: the spent-nonce check before deciding and the signed submission committed (and
/// committed to in the ledger entry) with the change. Not included either way: rendering the answer (done after the
/// lock for a write without an idempotency key) and the probing budget check (no zone is hidden in these scenarios,
/// so it records nothing).
/// </remarks>
internal static class InProcessLoad
{
    public static async Task<LoadResult> RunAsync(Scenario scenario, Operation[] operations, SignedSubmission[]? submissions, int callers,
        TimeSpan warmup, TimeSpan measure, double window, string label = "")
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
                    OperationVerdict? verdict = null;
                    Decision Decide(Theater theater, DateTimeOffset now)
                    {
                        long t = Stopwatch.GetTimestamp();
                        if (theater.FindOperation(operation.Id) is not null)
                        {
                            throw new InvalidOperationException($"operation '{operation.Id}' exists already");
                        }

                        var (decision, decided) = Lifecycle.Submit(theater, operation, now);
                        clock.Decided(t, Stopwatch.GetTimestamp());
                        verdict = decided;
                        return decision;
                    }

                    long t0 = Stopwatch.GetTimestamp();
                    Outcome outcome;
                    int conflicts = 0;
                    try
                    {
                        if (submissions is null)
                        {
                            await registry.WriteAsync(agreement, (theater, now) => (Decide(theater, now), 0));
                        }
                        else
                        {
                            var command = new WriteCommand(operation.Owner, submissions[i], null, null,
                                (theater, now) => new WriteOutcome(Decide(theater, now), Answer.Empty(201)));
                            if (await registry.WriteAsync(agreement, command) is not WriteResult.Decided)
                            {
                                throw new InvalidOperationException("nonce spent");
                            }
                        }

                        conflicts = verdict!.Conflicts.Count;
                        outcome = verdict.Operation.State switch
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

            string path = (submissions is null ? "in-process" : "in-process + route steps") + label;
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
}
