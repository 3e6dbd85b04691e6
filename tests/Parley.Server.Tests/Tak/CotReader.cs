using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace Parley.Server.Tests.Tak;

/// <summary>One CoT event as a TAK client reads it.</summary>
internal sealed record CotItem(string Uid, string Type, DateTimeOffset Stale, double Lat, double Lon, IReadOnlyList<(double Lat, double Lon)> Links,
    double? Radius, double? MinElevation, double? MaxElevation, string? Deletes, string Xml);

/// <summary>
/// A minimal CoT stream reader for the tests, written apart from Parley's writer: TAK protocol 0 is XML events back to
/// back, so the stream is cut after each <c>&lt;/event&gt;</c> and each piece parsed on its own.
/// </summary>
internal sealed class CotReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[1 << 16];
    private readonly StringBuilder _pending = new();
    private readonly Queue<CotItem> _ready = new();

    /// <summary>Every event that arrives until none has for <paramref name="idle"/> (the first may take up to <paramref name="first"/>).</summary>
    public async Task<List<CotItem>> ReadUntilIdleAsync(TimeSpan idle, TimeSpan first)
    {
        var items = new List<CotItem>();
        var wait = first;
        while (await NextAsync(wait) is { } item)
        {
            items.Add(item);
            wait = idle;
        }

        return items;
    }

    /// <summary>The next event, or null when none comes within <paramref name="timeout"/>.</summary>
    public async Task<CotItem?> NextAsync(TimeSpan timeout)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(timeout);
        while (_ready.Count == 0)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(_buffer, cancel.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, read));
            string text = _pending.ToString();
            int end;
            int from = 0;
            while ((end = text.IndexOf("</event>", from, StringComparison.Ordinal)) >= 0)
            {
                _ready.Enqueue(Parse(text[from..(end + "</event>".Length)]));
                from = end + "</event>".Length;
            }

            _pending.Clear().Append(text[from..]);
        }

        return _ready.Dequeue();
    }

    /// <summary>The next event that <paramref name="match"/> accepts, skipping others, or null.</summary>
    public async Task<CotItem?> FirstAsync(Func<CotItem, bool> match, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (await NextAsync(until - DateTime.UtcNow) is not { } item)
            {
                return null;
            }

            if (match(item))
            {
                return item;
            }
        }

        return null;
    }

    private static CotItem Parse(string xml)
    {
        var e = XElement.Parse(xml.Trim());
        var point = e.Element("point")!;
        var detail = e.Element("detail");
        var links = detail?.Elements("link").Where(l => l.Attribute("point") is not null).Select(l =>
        {
            var parts = l.Attribute("point")!.Value.Split(',');
            return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
        }).ToList() ?? [];
        var ellipse = detail?.Element("shape")?.Element("ellipse");
        var fence = detail?.Element("__geofence");
        return new CotItem(
            e.Attribute("uid")!.Value, e.Attribute("type")!.Value,
            DateTimeOffset.Parse(e.Attribute("stale")!.Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal),
            double.Parse(point.Attribute("lat")!.Value, CultureInfo.InvariantCulture), double.Parse(point.Attribute("lon")!.Value, CultureInfo.InvariantCulture),
            links,
            ellipse is null ? null : double.Parse(ellipse.Attribute("major")!.Value, CultureInfo.InvariantCulture),
            Number(fence?.Attribute("minElevation")), Number(fence?.Attribute("maxElevation")),
            e.Attribute("type")!.Value == "t-x-d-d" ? detail?.Element("link")?.Attribute("uid")?.Value : null,
            xml);
    }

    private static double? Number(XAttribute? a) => a is null ? null : double.Parse(a.Value, CultureInfo.InvariantCulture);
}
