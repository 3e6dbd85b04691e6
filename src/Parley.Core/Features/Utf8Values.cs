using System.Runtime.CompilerServices;

namespace Parley.Core.Features;

/// <summary>
/// Fast readings of the commonest JSON values straight from their UTF-8 bytes, each exact where it answers:
/// a caller falls back to the general reading whenever one says no.
/// </summary>
internal static class Utf8Values
{
    // 10^0 … 10^22: every one is exact in a double.
    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    private const ulong ExactMantissa = 1UL << 53;

    /// <summary>
    /// The value of a JSON number token without an exponent whose digits, read as an integer, fit in 53 bits, with at
    /// most 22 decimals: that integer and the power of ten are exact doubles, so one division rounds correctly,
    /// giving the value every correct parser gives (Clinger's fast path). False for any other form.
    /// </summary>
    /// <param name="token">A number token as the JSON reader validated it.</param>
    /// <param name="value">The value, when true.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseDecimal(ReadOnlySpan<byte> token, out double value)
    {
        value = 0;
        int i = 0;
        bool negative = token.Length > 0 && token[0] == '-';
        if (negative)
        {
            i = 1;
        }

        ulong mantissa = 0;
        int digits = 0, decimals = 0;
        for (; i < token.Length; i++)
        {
            uint digit = unchecked((uint)(token[i] - '0'));
            if (digit > 9)
            {
                break;
            }

            mantissa = unchecked((mantissa * 10) + digit);
            digits++;
        }

        if (i < token.Length && token[i] == '.')
        {
            for (i++; i < token.Length; i++)
            {
                uint digit = unchecked((uint)(token[i] - '0'));
                if (digit > 9)
                {
                    break;
                }

                mantissa = unchecked((mantissa * 10) + digit);
                digits++;
                decimals++;
            }
        }

        // An exponent, more digits than a ulong holds, or a mantissa beyond 2^53: the general parser decides.
        if (i != token.Length || digits == 0 || digits > 19 || mantissa > ExactMantissa || decimals >= PowersOfTen.Length)
        {
            return false;
        }

        double magnitude = decimals == 0 ? mantissa : mantissa / PowersOfTen[decimals];
        value = negative ? -magnitude : magnitude;
        return true;
    }

    /// <summary>
    /// A time of the form <c>yyyy-MM-ddTHH:mm:ssZ</c> (the commonest RFC 3339 form: whole seconds, UTC), as
    /// <see cref="FeatureReader.TryParseTime"/> reads it. False for any other form or an impossible date.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseUtcSeconds(ReadOnlySpan<byte> text, out DateTimeOffset time)
    {
        time = default;
        if (text.Length != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z')
        {
            return false;
        }

        if (!Digits(text, 0, 4, out int year) || !Digits(text, 5, 2, out int month) || !Digits(text, 8, 2, out int day) ||
            !Digits(text, 11, 2, out int hour) || !Digits(text, 14, 2, out int minute) || !Digits(text, 17, 2, out int second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        time = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        for (int i = start; i < start + count; i++)
        {
            uint digit = unchecked((uint)(text[i] - '0'));
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return true;
    }
}
