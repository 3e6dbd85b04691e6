using System.Globalization;
using CsCheck;
using Parley.Ledger.Entries.Compliance;

namespace Parley.Ledger.Entries.Tests.Compliance;

/// <summary>The ledger's times read directly give what <see cref="DateTimeOffset.Parse(string, IFormatProvider, DateTimeStyles)"/> gives, or fail as it fails.</summary>
public sealed class LedgerTimePropertyTests
{
    [Fact]
    public void a_time_reads_as_the_framework_reads_it()
    {
        Gen.Int.Select(seed =>
        {
            var r = new Random(seed);
            var time = new DateTime(r.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
            string text = time.ToString(r.Next(9) switch
            {
                0 => "yyyy-MM-ddTHH:mm:ssZ",
                8 => "yyyy-MM-ddTHH:mm:ss.fffffffZ",
                int n => "yyyy-MM-ddTHH:mm:ss." + new string('f', n) + "Z",
            }, CultureInfo.InvariantCulture);

            // Some texts changed a little: a digit, a separator, the zone, the length.
            if (r.Next(3) == 0)
            {
                var chars = text.ToCharArray();
                chars[r.Next(chars.Length)] = "0123456789:-.TZz+ x"[r.Next(19)];
                text = new string(chars);
            }
            else if (r.Next(4) == 0)
            {
                text = r.Next(2) == 0 ? text[..^1] + "+02:00" : text[..r.Next(text.Length)];
            }

            return (Text: text, Universal: r.Next(2) == 0);
        }).Sample(c =>
        {
            var styles = c.Universal ? DateTimeStyles.AssumeUniversal : DateTimeStyles.None;
            DateTimeOffset? want = DateTimeOffset.TryParse(c.Text, CultureInfo.InvariantCulture, styles, out var parsed) ? parsed : null;
            DateTimeOffset? got;
            try
            {
                got = LedgerTime.Parse(c.Text, c.Universal);
            }
            catch (FormatException)
            {
                got = null;
            }

            Assert.Equal(want, got);
            Assert.Equal(want?.Offset, got?.Offset);
        }, iter: 100_000);
    }
}
