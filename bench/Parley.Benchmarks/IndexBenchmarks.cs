using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Index;
using Parley.Core.Model;

namespace Parley.Benchmarks;

/// <summary>Building the zone index from scratch (one build per iteration).</summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class IndexBuildBenchmarks
{
    private Zone[] _zones = [];

    [Params(10_000, 100_000, 1_000_000)]
    public int Zones { get; set; }

    [GlobalSetup]
    public void Setup() => _zones = new TheaterGenerator().Zones(Zones).ToArray();

    [Benchmark]
    public SpatioTemporalIndex<Zone> BuildIndex()
    {
        var index = new SpatioTemporalIndex<Zone>();
        foreach (var z in _zones)
        {
            index.Upsert(z.Id.Value, z, z.Volume);
        }

        return index;
    }
}

/// <summary>
/// One conflict check of an operation against the zones (coarse grid filter, rules, exact geodesic
/// refinement), averaged over a batch of different operations.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class ConflictCheckBenchmarks
{
    private const int Batch = 1_000;

    private Theater _theater = null!;
    private SpatioTemporalIndex<Zone> _index = null!;
    private Operation[] _operations = [];
    private readonly List<Zone> _results = [];

    [Params(10_000, 100_000, 1_000_000)]
    public int Zones { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var generator = new TheaterGenerator();
        _theater = new Theater(Agreement.Default());
        _index = new SpatioTemporalIndex<Zone>();
        foreach (var z in generator.Zones(Zones))
        {
            _theater.Upsert(z);
            _index.Upsert(z.Id.Value, z, z.Volume);
        }

        _operations = generator.Operations(Batch).ToArray();
    }

    /// <summary>What a submission runs: <see cref="Theater.FindConflicts"/> with the default agreement's rules.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int FindConflicts()
    {
        int n = 0;
        foreach (var op in _operations)
        {
            n += _theater.FindConflicts(op).Count;
        }

        return n;
    }

    /// <summary>The index query with exact refinement and no rule (every zone the operation touches, any owner or kind).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int IndexQueryExact()
    {
        int n = 0;
        foreach (var op in _operations)
        {
            _results.Clear();
            _index.Query(op.Volume, 0, 0, null, _results);
            n += _results.Count;
        }

        return n;
    }

    /// <summary>The coarse filter alone: zones whose covering boxes meet the operation's.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int CoarseCandidates()
    {
        int n = 0;
        foreach (var op in _operations)
        {
            n += _index.CoarseCandidates(op.Volume.Footprint.CoveringBoxes()).Count;
        }

        return n;
    }
}
