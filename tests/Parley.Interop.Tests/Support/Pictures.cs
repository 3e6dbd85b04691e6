using Parley.Core.Conflicts;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Interop.Export;

namespace Parley.Interop.Tests.Support;

/// <summary>Small pictures with every kind of footprint, band and window.</summary>
internal static class Pictures
{
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    public static Zone Zone(string id, Shape shape, double min = double.NegativeInfinity, double max = double.PositiveInfinity, DateTimeOffset? end = null,
        ZoneKind kind = ZoneKind.Restricted, string owner = "blue", string? name = null) => new()
        {
            Id = new ZoneId(id), Owner = new PartyId(owner), Kind = kind, Name = name,
            Volume = new Volume(shape, new AltitudeBand(min, max), new TimeWindow(Start, end)),
        };

    public static Operation Operation(string id, Shape shape, double min, double max, DateTimeOffset? end, OperationState state = OperationState.Accepted, string owner = "red") => new()
    {
        Id = new OperationId(id), Owner = new PartyId(owner), Kind = "flight", State = state,
        Volume = new Volume(shape, new AltitudeBand(min, max), new TimeWindow(Start, end)),
    };

    public static Shape Box(double west, double south, double east, double north) =>
        Shape.Polygons([[new[] { west, south, east, south, east, north, west, north, west, south }]]);

    /// <summary>A polygon with a hole, a raised circle, a corridor, a box to the ground, an operation and a conflict cell.</summary>
    public static Picture Sample() => new(
        new AgreementId("demo"), new PartyId("red"), Start,
        [
            Zone("z-hole", Shape.Polygons([[new[] { 9.0, 42.0, 9.2, 42.0, 9.2, 42.2, 9.0, 42.2, 9.0, 42.0 }, new[] { 9.05, 42.05, 9.05, 42.1, 9.1, 42.1, 9.1, 42.05, 9.05, 42.05 }]]), 300, 1500, Start.AddHours(4), ZoneKind.Protected, name: "Field hospital & <depot>"),
            Zone("z-circle", Shape.Circle(9.3, 42.1, 2500), 500, 3000, kind: ZoneKind.Restricted),
            Zone("z-corridor", Shape.Corridor([9.4, 42.0, 9.5, 42.1, 9.6, 42.05], 1000), max: 2000, kind: ZoneKind.Designated),
            Zone("z-ground", Box(9.7, 42.0, 9.8, 42.1)),
        ],
        [Operation("op-1", Box(9.1, 42.1, 9.35, 42.15), 100, 2000, Start.AddHours(2))],
        [new ConflictView("op-1", "zone", "blue", "protected", null, "h-0123456789abcdef01234567", Disclosure.Cell(9.12, 42.12, 10_000), null)]);
}
