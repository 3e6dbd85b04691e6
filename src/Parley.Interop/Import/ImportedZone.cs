namespace Parley.Interop.Import;

/// <summary>The horizontal extent of an imported zone, before it becomes a GeoJSON geometry.</summary>
public abstract record ZoneOutline
{
    /// <summary>Polygons in longitude/latitude, each a list of packed rings (shell first), not necessarily closed or oriented.</summary>
    public sealed record Polygons(IReadOnlyList<IReadOnlyList<double[]>> Parts) : ZoneOutline;

    /// <summary>A circle: kept as a circle (a Point with <c>radius_m</c>).</summary>
    public sealed record Circle(double Lon, double Lat, double RadiusMetres) : ZoneOutline;

    /// <summary>A corridor: a line with a half-width (a LineString with <c>corridor_m</c>).</summary>
    public sealed record Corridor(double[] Line, double HalfWidthMetres) : ZoneOutline;
}

/// <summary>An activation window; a missing bound is the import's default start, or open-ended.</summary>
public readonly record struct ActivationWindow(DateTimeOffset? Start, DateTimeOffset? End);

/// <summary>One volume of an airspace or geographical zone as a source format describes it.</summary>
public sealed record ImportedZone
{
    /// <summary>Where in the source: <c>line 12</c> or <c>features[3].geometry[1]</c>.</summary>
    public required string Location { get; init; }

    /// <summary>The source's identifier (ED-269/ED-318), if any.</summary>
    public string? Identifier { get; init; }

    /// <summary>The name, kept as given.</summary>
    public string? Name { get; init; }

    /// <summary>The source's class or restriction type, the key of the kind mapping (<c>R</c>, <c>CTR</c>, <c>PROHIBITED</c>).</summary>
    public required string SourceClass { get; init; }

    /// <summary>The horizontal extent.</summary>
    public required ZoneOutline Outline { get; init; }

    /// <summary>The floor as given.</summary>
    public required VerticalLimit Floor { get; init; }

    /// <summary>The ceiling as given.</summary>
    public required VerticalLimit Ceiling { get; init; }

    /// <summary>When the zone is active; empty: from the import's start, open-ended.</summary>
    public IReadOnlyList<ActivationWindow> Windows { get; init; } = [];

    /// <summary>Things the reader had to decide that the user must know (a schedule widened to its envelope, a sentinel read as unlimited).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Source attributes kept in the feature's <c>source</c> property (class, type, frequency, country, reasons …).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
}
