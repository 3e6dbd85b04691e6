namespace Parley.Interop.Import;

/// <summary>What a vertical limit is measured from.</summary>
public enum VerticalReference
{
    /// <summary>The ground or the surface itself (<c>GND</c>, <c>SFC</c>).</summary>
    Surface,

    /// <summary>Above mean sea level.</summary>
    MeanSeaLevel,

    /// <summary>Above the ground.</summary>
    Ground,

    /// <summary>A flight level: a pressure altitude on the 1013.25 hPa standard datum.</summary>
    FlightLevel,

    /// <summary>Height above the WGS84 ellipsoid (ED-318 <c>WGS84</c>).</summary>
    Ellipsoid,

    /// <summary>No limit (<c>UNL</c>).</summary>
    Unlimited,
}

/// <summary>A floor or ceiling as the source gives it: a reference, a value in metres from it, and the source's text.</summary>
/// <param name="Reference">What the value is measured from.</param>
/// <param name="Metres">The value converted to metres (for a flight level: the standard-atmosphere altitude, FL × 30.48 m).</param>
/// <param name="Text">The limit as written in the source, kept in the imported feature.</param>
public sealed record VerticalLimit(VerticalReference Reference, double Metres, string Text)
{
    /// <summary>Metres in a foot (exact).</summary>
    public const double MetresPerFoot = 0.3048;

    /// <summary>Metres in a nautical mile (exact).</summary>
    public const double MetresPerNauticalMile = 1852;

    /// <summary>The surface.</summary>
    public static VerticalLimit Surface(string text) => new(VerticalReference.Surface, 0, text);

    /// <summary>No limit.</summary>
    public static VerticalLimit Unlimited(string text) => new(VerticalReference.Unlimited, double.PositiveInfinity, text);
}
