using System.Globalization;

namespace Parley.Ledger.Entries.Compliance;

/// <summary>
/// The times a ledger entry and its facts write, read: the form Parley writes them in (<c>2026-01-05T00:02:19Z</c>, up to
/// seven fraction digits) read directly, every other form through <see cref="DateTimeOffset.Parse(string, IFormatProvider, DateTimeStyles)"/>
/// as before. Reading a million entries reads several million times.
/// </summary>
internal static class LedgerTime
{
    /// <summary>The time <paramref name="text"/> states; without an offset, UTC when <paramref name="assumeUniversal"/> is set, else local.</summary>
    /// <exception cref="FormatException">The text is not a time.</exception>
    public static DateTimeOffset Parse(string text, bool assumeUniversal) =>
        TryParseUtc(text, out var time) ? time
        : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, assumeUniversal ? DateTimeStyles.AssumeUniversal : DateTimeStyles.None);

    // yyyy-MM-ddTHH:mm:ss[.f{1,7}]Z
    private static bool TryParseUtc(ReadOnlySpan<char> text, out DateTimeOffset time)
    {
        time = default;
        if (text.Length < 20 || text[^1] != 'Z' || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':'
            || !Digits(text, 0, 4, out int year) || !Digits(text, 5, 2, out int month) || !Digits(text, 8, 2, out int day)
            || !Digits(text, 11, 2, out int hour) || !Digits(text, 14, 2, out int minute) || !Digits(text, 17, 2, out int second))
        {
            return false;
        }

        long ticks = 0;
        if (text.Length > 20)
        {
            int fraction = text.Length - 21;
            if (text[19] != '.' || fraction is < 1 or > 7 || !Digits(text, 20, fraction, out int value))
            {
                return false;
            }

            ticks = value;
            for (int i = fraction; i < 7; i++)
            {
                ticks *= 10;
            }
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        time = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(ticks));
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> text, int start, int count, out int value)
    {
        value = 0;
        foreach (char c in text.Slice(start, count))
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
