namespace Parley.Core.Features;

/// <summary>
/// Reads RFC 3339 times (§5.6 <c>date-time</c>): <c>yyyy-MM-ddTHH:mm:ss</c>, an optional fraction of 1 to 9 digits,
/// and a zone offset (<c>Z</c>, <c>z</c> or <c>±hh:mm</c>). The separator may be <c>T</c>, <c>t</c> or a space.
/// </summary>
/// <remarks>
/// Parley keeps times to the tick (100 ns): digits after the seventh (Go's <c>RFC3339Nano</c>, Java's
/// <c>Instant</c> write nine) are dropped, which rounds toward the earlier tick. A point with no digit after it
/// (<c>08:00:00.Z</c>) and a missing offset are refused: RFC 3339 allows neither, and a time with no offset would
/// be read in some reader's own zone.
/// </remarks>
internal static class Rfc3339
{
    /// <summary>The most fraction digits read.</summary>
    public const int MaxFractionDigits = 9;

    /// <summary>The time, as UTC, when <paramref name="text"/> is an RFC 3339 date-time with an offset.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset time)
    {
        time = default;
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || text[10] is not ('T' or 't' or ' ') || text[13] != ':' || text[16] != ':')
        {
            return false;
        }

        if (!Digits(text, 0, 4, out int year) || !Digits(text, 5, 2, out int month) || !Digits(text, 8, 2, out int day) ||
            !Digits(text, 11, 2, out int hour) || !Digits(text, 14, 2, out int minute) || !Digits(text, 17, 2, out int second))
        {
            return false;
        }

        int at = 19;
        long ticks = 0;
        if (text[at] == '.')
        {
            at++;
            int digits = 0;
            long scale = TimeSpan.TicksPerSecond;
            while (at < text.Length && char.IsAsciiDigit(text[at]))
            {
                digits++;
                if (digits > MaxFractionDigits)
                {
                    return false;
                }

                scale /= 10; // 0 after the seventh digit: finer than a tick, dropped
                ticks += (text[at] - '0') * scale;
                at++;
            }

            if (digits == 0)
            {
                return false;
            }
        }

        TimeSpan offset;
        var zone = text[at..];
        if (zone is "Z" or "z")
        {
            offset = TimeSpan.Zero;
        }
        else if (zone.Length == 6 && zone[0] is '+' or '-' && zone[3] == ':' &&
                 Digits(zone, 1, 2, out int offsetHours) && Digits(zone, 4, 2, out int offsetMinutes) && offsetHours <= 23 && offsetMinutes <= 59)
        {
            offset = new TimeSpan(offsetHours, offsetMinutes, 0) * (zone[0] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        long local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + ticks;
        long utc = local - offset.Ticks;
        if (utc < DateTime.MinValue.Ticks || utc > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        time = new DateTimeOffset(utc, TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> text, int start, int count, out int value)
    {
        value = 0;
        for (int i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                return false;
            }

            value = (value * 10) + (text[i] - '0');
        }

        return true;
    }
}
