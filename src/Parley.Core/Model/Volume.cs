using Parley.Core.Geometry;

namespace Parley.Core.Model;

/// <summary>A closed altitude band in metres above mean sea level.</summary>
public readonly record struct AltitudeBand
{
    /// <summary>Creates a band; <paramref name="minMetres"/> must not exceed <paramref name="maxMetres"/>.</summary>
    public AltitudeBand(double minMetres, double maxMetres)
    {
        if (!(minMetres <= maxMetres))
        {
            throw new ArgumentOutOfRangeException(nameof(minMetres), "The lower altitude must not exceed the upper one.");
        }

        MinMetres = minMetres;
        MaxMetres = maxMetres;
    }

    /// <summary>Lower bound, included.</summary>
    public double MinMetres { get; }

    /// <summary>Upper bound, included.</summary>
    public double MaxMetres { get; }

    /// <summary>Vertical gap between two bands in metres (0 when they overlap or touch).</summary>
    public double GapTo(AltitudeBand other) => Math.Max(0, Math.Max(other.MinMetres - MaxMetres, MinMetres - other.MaxMetres));
}

/// <summary>A half-open time window [start, end) in UTC; a missing end is open-ended.</summary>
public readonly record struct TimeWindow
{
    /// <summary>Creates a window; the end, when given, must be after the start.</summary>
    public TimeWindow(DateTimeOffset start, DateTimeOffset? end)
    {
        if (end is { } e && e <= start)
        {
            throw new ArgumentOutOfRangeException(nameof(end), "The end must be after the start.");
        }

        Start = start.ToUniversalTime();
        End = end?.ToUniversalTime();
    }

    /// <summary>First instant included.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>First instant excluded; null when open-ended.</summary>
    public DateTimeOffset? End { get; }

    /// <summary>Start as UTC ticks.</summary>
    public long StartTicks => Start.UtcTicks;

    /// <summary>End as UTC ticks, <see cref="long.MaxValue"/> when open-ended.</summary>
    public long EndTicks => End?.UtcTicks ?? long.MaxValue;

    /// <summary>Whether two half-open windows share an instant (back-to-back windows do not).</summary>
    public bool Overlaps(TimeWindow other) => StartTicks < other.EndTicks && other.StartTicks < EndTicks;
}

/// <summary>A 4D extent: a footprint, an altitude band and a time window.</summary>
public sealed record Volume(Shape Footprint, AltitudeBand Altitude, TimeWindow Time);
