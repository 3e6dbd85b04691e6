using Parley.Core;
using Parley.Tests.Shared;

namespace Parley.Core.Tests;

/// <summary>
/// The core's domain values are immutable: every public type of Parley.Core is, by the rule of
/// <see cref="Mutability"/>, or it is marked <see cref="MutableAttribute"/> with the reason.
/// </summary>
public sealed class MutabilityTests
{
    private static readonly Type[] CoreTypes = [.. Mutability.CheckedTypes(typeof(MutableAttribute).Assembly)];

    [Fact]
    public void every_public_type_of_the_core_is_immutable_or_marked_mutable_with_its_reason()
    {
        var unmarked = CoreTypes
            .Where(t => Mutability.MutableAttributeOf(t) is null)
            .Select(t => (Type: t, Problems: Mutability.Problems(t)))
            .Where(t => t.Problems.Count > 0)
            .Select(t => $"{t.Type.FullName}: {string.Join("; ", t.Problems)}")
            .ToList();
        Assert.True(unmarked.Count == 0, "mutable but not marked [Mutable(\"why\")]:\n" + string.Join("\n", unmarked));
    }

    [Fact]
    public void a_type_marked_mutable_says_why_and_is_mutable()
    {
        var marked = CoreTypes.Where(t => Mutability.MutableAttributeOf(t) is not null).ToList();
        Assert.NotEmpty(marked);
        Assert.All(marked, t => Assert.False(string.IsNullOrWhiteSpace(Mutability.MutableAttributeOf(t)), $"{t.FullName} gives no reason"));
        Assert.All(marked, t => Assert.True(Mutability.Problems(t).Count > 0, $"{t.FullName} is marked mutable but is immutable: remove the mark"));
    }

    [Fact]
    public void the_rule_finds_each_kind_of_state_that_can_change_and_passes_an_immutable_record()
    {
        Assert.Empty(Mutability.Problems(typeof(Samples.Immutable)));
        Assert.Contains("property Name has a public setter", Mutability.Problems(typeof(Samples.Settable)));
        Assert.Contains("field _count is not readonly", Mutability.Problems(typeof(Samples.Counter)));
        Assert.Contains(Mutability.Problems(typeof(Samples.WithList)), p => p.StartsWith("property Items holds a List<String>", StringComparison.Ordinal));
        Assert.Contains(Mutability.Problems(typeof(Samples.WithArray)), p => p.StartsWith("property Bytes holds an array", StringComparison.Ordinal));
        Assert.Contains(Mutability.Problems(typeof(Samples.HoldsCounter)), p => p.StartsWith("property Counter holds a mutable Counter", StringComparison.Ordinal));
        Assert.Contains(Mutability.Problems(typeof(Samples.HoldsCounters)), p => p.StartsWith("property Counters holds a mutable Counter", StringComparison.Ordinal));
    }
}

#pragma warning disable CA1034, CA1819, CA1002, CA1051 // public nested samples of exactly what the rule must find
/// <summary>Public types of this test assembly, each with one kind of state that can change (or none).</summary>
public static class Samples
{
    public sealed record Immutable(string Name, IReadOnlyList<string> Tags, DateTimeOffset At)
    {
        public int Count { get; init; }
    }

    public sealed class Settable
    {
        public string Name { get; set; } = "";
    }

    public sealed class Counter
    {
        private int _count;

        public int Next() => ++_count;
    }

    public sealed record WithList(List<string> Items);

    public sealed record WithArray(byte[] Bytes);

    public sealed record HoldsCounter(Counter Counter);

    public sealed record HoldsCounters(IReadOnlyList<Counter> Counters);
}
#pragma warning restore CA1034, CA1819, CA1002, CA1051
