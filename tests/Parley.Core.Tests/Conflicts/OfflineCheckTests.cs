using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Conflicts;

public sealed class OfflineCheckTests
{
    [Fact]
    public void each_pair_is_reported_once_operations_in_input_order_zones_in_input_order_then_later_operations()
    {
        // Zones listed z3, z1, z2; all three cover the same spot, so every ordering the index might use is possible.
        var zones = new[] { "z3", "z1", "z2" }.Select(id => Zone(id, "blue", ZoneKind.Protected, Volume(Box(10, 10, 11, 11)))).ToList();
        var operations = new List<Operation>
        {
            Operation("o1", "red", "strike", Volume(Box(10.2, 10.2, 10.3, 10.3))),
            Operation("o2", "green", "strike", Volume(Box(10.25, 10.25, 10.35, 10.35))),
            Operation("o3", "red", "flight", Volume(Box(40, 40, 40.1, 40.1))),
        };

        var found = OfflineCheck.Run(Agreement.Default(), zones, operations, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(
        [
            new CheckedConflict("o1", "z3", null), new CheckedConflict("o1", "z1", null), new CheckedConflict("o1", "z2", null),
            new CheckedConflict("o1", null, "o2"),
            new CheckedConflict("o2", "z3", null), new CheckedConflict("o2", "z1", null), new CheckedConflict("o2", "z2", null),
        ], found);
    }
}
