using NetTopologySuite;
using NetTopologySuite.Geometries;

namespace Parley.Core.Geometry;

/// <summary>The one NetTopologySuite configuration Parley uses: WGS84 (SRID 4326), floating precision, overlay NG.</summary>
public static class GeometryServices
{
    /// <summary>The shared services instance.</summary>
    public static readonly NtsGeometryServices Instance = new(
        NetTopologySuite.Geometries.Implementation.CoordinateArraySequenceFactory.Instance,
        new PrecisionModel(PrecisionModels.Floating),
        4326,
        GeometryOverlay.NG,
        new CoordinateEqualityComparer());

    /// <summary>The factory for SRID 4326.</summary>
    public static GeometryFactory Factory { get; } = Instance.CreateGeometryFactory(4326);
}
