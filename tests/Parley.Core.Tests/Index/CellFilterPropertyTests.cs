using CsCheck;
using Parley.Core.Index;

namespace Parley.Core.Tests.Index;

/// <summary>
/// <see cref="CellFilter"/> against the dictionary it summarises: after random files and removals of cells (crowded
/// and scattered keys, growth past each rebuild, churn at a steady count), every cell the dictionary holds may be
/// held, and the filter still tells most empty cells apart.
/// </summary>
public class CellFilterPropertyTests
{
    private sealed record Step(bool Remove, long Key);

    private static readonly Gen<List<Step>> Steps = Gen.Int[1, 5_000].SelectMany(n =>
        Gen.Select(Gen.Int[0, 9], Gen.Long[0, 4_000], Gen.Long[0, long.MaxValue >> 6], (op, near, far) => new Step(op < 3, op == 9 ? far : near))
            .List[n]);

    [Fact]
    public void a_filed_cell_is_never_reported_empty()
    {
        Steps.Sample(steps =>
        {
            var cells = new Dictionary<long, int>();
            var filter = new CellFilter();
            foreach (var step in steps)
            {
                if (step.Remove)
                {
                    cells.Remove(step.Key);
                }
                else if (cells.TryAdd(step.Key, 1))
                {
                    filter.Added(step.Key, cells);
                }
            }

            foreach (long key in cells.Keys)
            {
                Assert.True(filter.MayHold(key), $"cell {key} is filed but reported empty");
            }
        }, iter: 200);
    }

    [Fact]
    public void most_empty_cells_are_told_apart_after_growth_and_churn()
    {
        var cells = new Dictionary<long, int>();
        var filter = new CellFilter();
        var random = new Random(7);
        for (long key = 0; key < 50_000; key++)
        {
            cells.Add(key * 3, 1);
            filter.Added(key * 3, cells);
        }

        // Churn at a steady count: every cell filed is soon emptied, so stale bits would pile up without rebuilds.
        for (int i = 0; i < 1_000_000; i++)
        {
            long key = (random.NextInt64(1L << 40) * 3) + 1_000_000_000;
            cells.Add(key, 1);
            filter.Added(key, cells);
            cells.Remove(key);
        }

        int said = 0;
        const int Probes = 100_000;
        for (int i = 0; i < Probes; i++)
        {
            if (filter.MayHold((random.NextInt64(1L << 40) * 3) + 2))
            {
                said++;
            }
        }

        Assert.True(said < Probes / 8, $"{said:N0} of {Probes:N0} empty cells reported as maybe held");
    }
}
