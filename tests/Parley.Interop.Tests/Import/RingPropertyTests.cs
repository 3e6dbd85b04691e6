using CsCheck;
using Parley.Interop.Import;

namespace Parley.Interop.Tests.Import;

/// <summary>Ring normalization against a brute-force model: the same cycle of distinct vertices, closed, turned as asked.</summary>
public sealed class RingPropertyTests
{
    [Fact]
    public void a_normalized_ring_is_closed_has_no_repeats_turns_as_asked_and_visits_the_same_vertices_in_cycle()
    {
        // Convex polygons (distinct angles around a centre) with vertices repeated, the ring left open or closed, either way round.
        var gen = Gen.Select(Gen.Int[3, 12], Gen.Bool, Gen.Bool, Gen.Bool, Gen.Int[0, int.MaxValue]);
        gen.Sample((n, closed, reversed, shell, seed) =>
        {
            var random = new Random(seed);
            var angles = Enumerable.Range(0, n).Select(i => (i + (random.NextDouble() * 0.8)) * 2 * Math.PI / n).ToList();
            var vertices = angles.Select(a => (Math.Round(10 + Math.Cos(a), 6), Math.Round(50 + Math.Sin(a), 6))).ToList();
            if (reversed)
            {
                vertices.Reverse();
            }

            var input = new List<double>();
            foreach (var (x, y) in vertices)
            {
                int copies = random.Next(3) == 0 ? 2 : 1;
                for (int c = 0; c < copies; c++)
                {
                    input.Add(x);
                    input.Add(y);
                }
            }

            if (closed)
            {
                input.Add(vertices[0].Item1);
                input.Add(vertices[0].Item2);
            }

            var ring = Rings.Normalize([.. input], shell);
            Assert.NotNull(ring);
            Assert.Equal(ring[0], ring[^2]);
            Assert.Equal(ring[1], ring[^1]);
            var output = Enumerable.Range(0, (ring.Length / 2) - 1).Select(i => (ring[2 * i], ring[(2 * i) + 1])).ToList();
            Assert.Equal(n, output.Count);
            Assert.Equal(shell, Rings.SignedArea(ring) > 0);

            // The model: the distinct vertices in input order, as a cycle, either way round.
            var forward = vertices;
            var backward = Enumerable.Reverse(vertices).ToList();
            int start = forward.IndexOf(output[0]);
            Assert.True(start >= 0);
            bool same = Enumerable.Range(0, n).All(i => output[i] == forward[(start + i) % n]) ||
                Enumerable.Range(0, n).All(i => output[i] == backward[(backward.IndexOf(output[0]) + i) % n]);
            Assert.True(same, "the vertices are not the input's cycle");
        }, iter: 2000);
    }

    [Fact]
    public void a_ring_of_fewer_than_three_distinct_vertices_is_refused()
    {
        Assert.Null(Rings.Normalize([1, 1, 2, 2, 1, 1], shell: true));
        Assert.Null(Rings.Normalize([1, 1, 1, 1, 2, 2, 2, 2], shell: true));
    }
}
