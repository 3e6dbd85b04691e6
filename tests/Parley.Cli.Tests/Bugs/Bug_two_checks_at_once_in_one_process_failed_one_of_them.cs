using System.Runtime;
using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests.Bugs;

/// <summary>
/// <c>parley check</c> asks the runtime for no collection while it reads and indexes, and that region is the whole
/// process's: a check started while another one in the same process (an embedding host, the tests) held it was refused
/// by the runtime, which ended the other's region too, and ended with exit 1 and "unexpected answer or state: The
/// NoGCRegion mode was already in progress". A check now asks only when the process is in no such region, one check
/// at a time, and otherwise runs with collections as usual.
/// </summary>
/// <remarks>Alone in the process while it runs: the region's budget counts every thread's allocations.</remarks>
[Collection(nameof(Bug_two_checks_at_once_in_one_process_failed_one_of_them))]
public sealed class Bug_two_checks_at_once_in_one_process_failed_one_of_them : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task a_check_runs_while_the_process_is_already_in_a_region_without_collections_and_leaves_that_region_alone()
    {
        bool held = GC.TryStartNoGCRegion(200L << 20);
        try
        {
            Assert.True(held);
            var result = await InProcess.RunAsync("check", "--zones", _dir.File("zones.geojson", Samples.Zones),
                "--operations", _dir.File("ops.geojson", Samples.Operations));

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(Samples.ExpectedJsonLines, result.Stdout);
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode); // the region is its holder's to end
        }
        finally
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }
    }

    [Fact]
    public async Task checks_run_at_once_in_one_process_all_answer_in_full()
    {
        string zones = _dir.File("zones.geojson", Samples.Zones), operations = _dir.File("ops.geojson", Samples.Operations);
        for (int round = 0; round < 20; round++)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => InProcess.RunAsync("check", "--zones", zones, "--operations", operations))));
            Assert.All(results, result => Assert.True(result.ExitCode == 0 && result.Stdout == Samples.ExpectedJsonLines, result.ToString()));
        }

        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode); // every check that held the region ended it
    }
}

[CollectionDefinition(nameof(Bug_two_checks_at_once_in_one_process_failed_one_of_them), DisableParallelization = true)]
public sealed class NoCollectionRegionCollection;
