using CsCheck;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Tests.Support;

namespace Parley.Core.Tests.Conflicts;

/// <summary>
/// A theater loaded at once (<see cref="Theater.Load"/>) against one built by upserting each zone, then each
/// operation: the same zones and operations, the same conflicts exact and as their owners see them, even when ids
/// repeat (perhaps under another kind) and owners come in any order.
/// </summary>
public sealed class TheaterLoadPropertyTests
{
    private static readonly string[] Owners = ["blue", "red", "aid"];
    private static readonly string[] Kinds = ["strike", "flight", "ground-movement", "humanitarian-movement"];

    private static Volume RandomVolume(Random r)
    {
        var shape = ShapeGen.Make(r, Region.Mid, ShapeGen.Uniform(r, 10, 10.5), ShapeGen.Uniform(r, 40, 40.5), ShapeGen.LogUniform(r, 0.005, 0.2));
        double floor = Math.Round(ShapeGen.Uniform(r, 0, 3000) / 100) * 100;
        var start = Fixtures.T0.AddHours(r.Next(0, 48));
        return new Volume(shape, new AltitudeBand(floor, floor + 1000), new TimeWindow(start, r.Next(4) == 0 ? null : start.AddHours(r.Next(1, 12))));
    }

    private sealed record Case(List<Zone> Zones, List<Operation> Operations);

    private static readonly Gen<Case> Cases = ShapeGen.FromRandom(r =>
    {
        var zones = Enumerable.Range(0, r.Next(0, 60)).Select(_ => new Zone
        {
            Id = new ZoneId($"z{r.Next(40)}"), // repeats: the last declaration counts
            Owner = new PartyId(Owners[r.Next(3)]),
            Kind = (ZoneKind)r.Next(3),
            Volume = RandomVolume(r),
            Visibility = (Visibility)r.Next(3),
        }).ToList();
        var operations = Enumerable.Range(0, r.Next(1, 40)).Select(_ => new Operation
        {
            Id = new OperationId($"o{r.Next(30)}"),
            Owner = new PartyId(Owners[r.Next(3)]),
            Kind = Kinds[r.Next(4)],
            Volume = RandomVolume(r),
        }).ToList();
        return new Case(zones, operations);
    });

    [Fact]
    public void a_loaded_theater_finds_what_a_theater_built_one_by_one_finds()
    {
        Cases.Sample(c =>
        {
            var built = new Theater(Agreement.Default());
            foreach (var zone in c.Zones)
            {
                built.Upsert(zone);
            }

            foreach (var operation in c.Operations)
            {
                built.Upsert(operation);
            }

            var loaded = new Theater(Agreement.Default());
            loaded.Load(c.Zones, c.Operations);

            Assert.Equal(built.ZoneCount, loaded.ZoneCount);
            Assert.Equal(built.OperationCount, loaded.OperationCount);
            Assert.Equal(built.Zones.OrderBy(z => z.Id.Value), loaded.Zones.OrderBy(z => z.Id.Value));
            Assert.Equal(built.Operations.OrderBy(o => o.Id.Value), loaded.Operations.OrderBy(o => o.Id.Value));
            foreach (var operation in c.Operations)
            {
                Assert.Equal(Describe(built.FindConflicts(operation)), Describe(loaded.FindConflicts(operation)));
                Assert.Equal(Describe(built.FindConflictsFor(operation)), Describe(loaded.FindConflictsFor(operation)));
            }
        }, iter: 300);
    }

    private static List<string> Describe(IEnumerable<Conflict> conflicts) =>
        [.. conflicts.Select(c => $"{c.Operation.Id} {c.Zone?.Id} {c.OtherOperation?.Id} {c.Exact}").Order(StringComparer.Ordinal)];
}
