using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Parley.Benchmarks.Throughput;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Ledger.Entries;
using Parley.Server.Security;
using Parley.Tests.Reference;

namespace Parley.Benchmarks;

/// <summary>
/// The ledger entry of one spread operation's signed submission (the phase table's "ledger entry" step, which runs
/// under the agreement's lock), written by the first implementation (the reference model its tests hold it equal
/// to) and by the current one. A private operation commits to its opening; a public one also carries it inline.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class LedgerEntryBenchmarks
{
    private static readonly AgreementId Agreement = new(DecisionWorkload.AgreementId);
    private static readonly DateTimeOffset Now = new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private Commit _changes = null!;
    private Theater _theater = null!;

    [Params(Visibility.Private, Visibility.Public)]
    public Visibility Visibility { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var submission = DecisionWorkload.Operations(Scenario.Spread, 1, 1, "bdn")[0];
        var operation = DecisionWorkload.Parse([submission])[0] with { Visibility = Visibility };
        _theater = new Theater(DecisionWorkload.Agreement);
        string nonce = SignedRequests.NewNonce();
        byte[] message = SignedRequests.Message(DecisionWorkload.AgreementId, "POST", DecisionWorkload.OperationsPath,
            SignedRequests.Timestamp(Now), nonce, Encoding.UTF8.GetBytes(submission.Feature));
        _changes = new Commit(Lifecycle.Submit(_theater, operation, Now).Decision, [],
            new SignedSubmission("ed25519:" + Convert.ToBase64String(new byte[32]), nonce, Now, new byte[64], message));
    }

    [Benchmark(Baseline = true)]
    public List<LedgerAppend> FirstImplementation() =>
        LedgerEntriesReference.Build(0, Agreement, _changes, _theater, Now, () => RandomNumberGenerator.GetBytes(16));

    [Benchmark]
    public List<LedgerAppend> Current() => LedgerEntries.Build(0, Agreement, _changes.Decision, _changes.Submission, _theater, Now);
}
