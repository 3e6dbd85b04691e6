using System.Globalization;
using CsCheck;
using Parley.Interop.OpenAir;

namespace Parley.Interop.Tests.OpenAir;

/// <summary>Coordinates written every way real files write them read back to the same point.</summary>
public sealed class OpenAirFieldPropertyTests
{
    [Fact]
    public void a_coordinate_written_in_degrees_minutes_seconds_or_decimal_minutes_reads_back_to_the_same_point()
    {
        var gen = Gen.Select(Gen.Double[-89.999, 89.999], Gen.Double[-179.999, 179.999], Gen.Int[0, 3]);
        gen.Sample((lat, lon, style) =>
        {
            string text = $"{Part(Math.Abs(lat), 2, style)}{(style == 1 ? "" : " ")}{(lat < 0 ? 'S' : 'N')} {Part(Math.Abs(lon), style == 1 ? 2 : 3, style)}{(style == 1 ? "" : " ")}{(lon < 0 ? 'W' : 'E')}";
            var (x, y, _) = OpenAirFields.Coordinate(text);
            // Whole seconds are within half a second; decimal minutes within their last digit.
            double tolerance = style == 2 ? 0.00051 / 60 : 0.5001 / 3600;
            Assert.True(Math.Abs(x - lon) <= tolerance && Math.Abs(y - lat) <= tolerance, $"{text} read as {x}, {y}");
        }, iter: 2000);
    }

    /// <summary>Style 0: DD:MM:SS with a space before the hemisphere; 1: no space and two-digit longitude degrees where they fit; 2: DD:MM.mmm; 3: DD:MM:SS.s.</summary>
    private static string Part(double degrees, int width, int style)
    {
        int d = (int)degrees;
        if (style != 2 && Math.Round((degrees - d) * 3600 * (style == 3 ? 10 : 1)) >= 3600 * (style == 3 ? 10 : 1))
        {
            (d, degrees) = (d + 1, d + 1);
        }

        double minutes = (degrees - d) * 60;
        string dd = d.ToString(new string('0', d >= 100 ? 3 : width), CultureInfo.InvariantCulture);
        if (style == 2)
        {
            return $"{dd}:{minutes.ToString("00.000", CultureInfo.InvariantCulture)}".Replace(":60.000", ":59.999", StringComparison.Ordinal);
        }

        // Round the whole angle to the written precision first, so that 59.99 seconds carries into the minutes.
        double tenths = Math.Round((degrees - d) * 3600 * (style == 3 ? 10 : 1));
        int seconds10 = (int)tenths;
        int unit = style == 3 ? 10 : 1;
        int m = Math.Min(59, seconds10 / (60 * unit));
        int rest = Math.Min((60 * unit) - 1, seconds10 - (m * 60 * unit));
        string ss = style == 3 ? (rest / 10.0).ToString("00.0", CultureInfo.InvariantCulture) : rest.ToString("00", CultureInfo.InvariantCulture);
        return $"{dd}:{m:00}:{ss}";
    }
}
