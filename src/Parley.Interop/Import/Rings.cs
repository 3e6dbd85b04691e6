namespace Parley.Interop.Import;

/// <summary>Rings as RFC 7946 wants them: closed, without repeated vertices, shells counter-clockwise and holes clockwise.</summary>
public static class Rings
{
    /// <summary>Decimals kept in written coordinates: 1e-7 degrees is about a centimetre.</summary>
    public const int Decimals = 7;

    /// <summary>
    /// The ring rounded to <see cref="Decimals"/>, without consecutive repeats, closed, and turned counter-clockwise when it
    /// is a <paramref name="shell"/> (clockwise when a hole); null when fewer than three distinct vertices remain.
    /// </summary>
    public static double[]? Normalize(double[] packed, bool shell)
    {
        var list = new List<double>(packed.Length + 2);
        for (int i = 0; i + 1 < packed.Length; i += 2)
        {
            double x = Math.Round(packed[i], Decimals), y = Math.Round(packed[i + 1], Decimals);
            if (list.Count >= 2 && list[^2] == x && list[^1] == y)
            {
                continue;
            }

            list.Add(x);
            list.Add(y);
        }

        // Drop a closing vertex (and any repeat of the first at the end) before counting distinct vertices.
        while (list.Count >= 4 && list[^2] == list[0] && list[^1] == list[1])
        {
            list.RemoveRange(list.Count - 2, 2);
        }

        if (list.Count < 6)
        {
            return null;
        }

        list.Add(list[0]);
        list.Add(list[1]);
        var ring = list.ToArray();
        if ((SignedArea(ring) > 0) != shell)
        {
            Reverse(ring);
        }

        return ring;
    }

    /// <summary>Twice the signed area in square degrees: positive when counter-clockwise.</summary>
    public static double SignedArea(double[] ring)
    {
        double sum = 0;
        for (int i = 0; i + 3 < ring.Length; i += 2)
        {
            sum += (ring[i] * ring[i + 3]) - (ring[i + 2] * ring[i + 1]);
        }

        return sum;
    }

    private static void Reverse(double[] ring)
    {
        int n = ring.Length / 2;
        for (int i = 0, j = n - 1; i < j; i++, j--)
        {
            (ring[2 * i], ring[2 * j]) = (ring[2 * j], ring[2 * i]);
            (ring[(2 * i) + 1], ring[(2 * j) + 1]) = (ring[(2 * j) + 1], ring[(2 * i) + 1]);
        }
    }
}
