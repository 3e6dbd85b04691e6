using CsCheck;
using Parley.Core.Geometry;
using Parley.Core.Tests.Support;

namespace Parley.Core.Tests.Geometry;

/// <summary>
/// The proximity decision right at the distance, where the plane's bounds cannot settle it and the ellipsoid must:
/// thresholds a hair either side of the true distance, against the brute-force <see cref="GeometryOracle"/>; and the
/// search that stops early against the full search it shortens.
/// </summary>
public class ProximityPropertyTests
{
    [Theory]
    [InlineData(Region.Mid)]
    [InlineData(Region.Antimeridian)]
    public void within_distance_agrees_with_the_brute_force_model_just_either_side_of_the_distance(Region region)
    {
        // Relative offsets of 1e-6 to 1e-2: inside the plane's band of doubt (some 1e-3) and just outside it.
        var gen = ShapeGen.Pair(region).Select(Gen.Double[-6, -2], Gen.Bool, (pair, exponent, above) => (pair.A, pair.B, exponent, above));
        gen.Sample((a, b, exponent, above) =>
        {
            double baseDistance = GeometryOracle.BaseDistance(a, b);
            double reach = baseDistance * (1 + ((above ? 1 : -1) * Math.Pow(10, exponent)));
            if (baseDistance == 0 || Math.Abs(baseDistance - reach) <= 0.001 + (1e-9 * reach))
            {
                return; // on the decision boundary, within the model's own precision
            }

            // The reach is split between the buffers and the extra distance as the index splits it.
            double extra = reach - a.BufferMetres - b.BufferMetres;
            if (extra < 0)
            {
                return;
            }

            bool expected = baseDistance <= reach;
            Assert.Equal(expected, ShapeRelations.WithinDistance(a, b, extra));
            Assert.Equal(expected, ShapeRelations.WithinDistance(b, a, extra));
        }, iter: 1000, print: t => $"A: {ShapeGen.Describe(t.Item1)}\nB: {ShapeGen.Describe(t.Item2)}\noffset 1e{t.Item3:R}, above {t.Item4}");
    }

    [Fact]
    public void the_search_that_stops_early_answers_as_the_full_search_does()
    {
        var gen = ShapeGen.FromRandom(r =>
        {
            double lat = ShapeGen.Uniform(r, -75, 75), lon = ShapeGen.Uniform(r, -179, 179);
            double length = ShapeGen.LogUniform(r, 0.0005, 0.4), heading = ShapeGen.Uniform(r, 0, 2 * Math.PI);
            var piece = new Proximity.Piece(lon, lat, lon + (length * Math.Cos(heading)), lat + (length * Math.Sin(heading)));
            double px = lon + ShapeGen.Uniform(r, -0.3, 0.3), py = lat + ShapeGen.Uniform(r, -0.3, 0.3);
            double offset = (r.Next(2) == 0 ? 1 : -1) * ShapeGen.LogUniform(r, 1e-9, 1e-2);
            return (piece, px, py, offset);
        });
        gen.Sample(t =>
        {
            var (piece, px, py, offset) = t;
            double full = Proximity.PointToPiece(px, py, piece, Geodesy.Distance);
            double metres = full * (1 + offset);
            var point = Shape.Circle(px, py, 0);
            var segment = Shape.Corridor([piece.Ax, piece.Ay, piece.Bx, piece.By], 0);
            Assert.True(LocalFrame.TryCreate(point, segment, out var frame));
            double length = frame.PieceLengthBound(piece.Ax, piece.Ay, piece.Bx, piece.By, frame.ShiftOf(segment));
            Assert.Equal(full <= metres, Proximity.PointToPieceWithin(px, py, piece, metres, length));
            Assert.Equal(full <= metres, Proximity.PointToPiece(px, py, piece, Geodesy.Distance, stopAt: metres) <= metres);
        }, iter: 3000);
    }

    [Fact]
    public void a_box_is_said_within_reach_only_when_all_of_it_is()
    {
        // A box near a point or a short route; the reach a hair either side of the farthest corner's true distance
        // to its nearest segment alone (the test the index relies on) or to the whole geometry.
        var gen = ShapeGen.FromRandom(r =>
        {
            double lat = ShapeGen.Uniform(r, -75, 75), lon = ShapeGen.Uniform(r, -179.5, 179.5);
            double w = ShapeGen.LogUniform(r, 0.0005, 0.05), h = ShapeGen.LogUniform(r, 0.0005, 0.05);
            double bx = lon + ShapeGen.Uniform(r, -0.05, 0.05), by = lat + ShapeGen.Uniform(r, -0.05, 0.05);
            var box = new GeoBox(bx, by, bx + w, by + h);
            Shape shape;
            if (r.Next(2) == 0)
            {
                shape = Shape.Circle(lon, lat, 0);
            }
            else
            {
                int n = r.Next(2, 5);
                var path = new double[2 * n];
                for (int i = 0; i < n; i++)
                {
                    path[2 * i] = lon + ShapeGen.Uniform(r, -0.05, 0.05);
                    path[(2 * i) + 1] = lat + ShapeGen.Uniform(r, -0.05, 0.05);
                }

                shape = Shape.Corridor(path, 0);
            }

            double offset = (r.Next(2) == 0 ? 1 : -1) * ShapeGen.LogUniform(r, 1e-7, 1e-2);
            return (box, shape, offset);
        });
        gen.Sample(t =>
        {
            var (box, shape, offset) = t;
            var corners = new[] { (box.MinX, box.MinY), (box.MaxX, box.MinY), (box.MinX, box.MaxY), (box.MaxX, box.MaxY) };
            double farthest = corners.Max(c => GeometryOracle.BaseDistance(Shape.Circle(c.Item1, c.Item2, 0), shape));
            double metres = farthest * (1 + offset);
            if (!LocalFrame.TryCreateAround(shape, 20_000, out var frame) || !frame.Covers(box))
            {
                return; // the index asks only about boxes inside its query's plane
            }

            if (frame.BoxWithin(box, shape, metres))
            {
                Assert.True(farthest <= metres + 0.001, FormattableString.Invariant($"said within {metres:R} m, a corner is {farthest:R} m away"));
            }

            if (offset < 0)
            {
                Assert.False(frame.BoxWithin(box, shape, metres));
            }
        }, iter: 3000);
    }
}
