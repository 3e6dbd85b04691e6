using System.Globalization;
using System.Net;

namespace Parley.Server.Configuration;

/// <summary>
/// A TAK streaming endpoint: plain TCP on a loopback address for the one party it names, or TLS with client certificates
/// (each mapped to a party by its fingerprint) when it names none.
/// </summary>
/// <param name="Agreement">The agreement served; null: every agreement the party belongs to.</param>
/// <param name="Party">The party a plain loopback endpoint serves; null: TLS, the party from the client's certificate.</param>
/// <param name="Endpoint">Where to listen (port 0: any free port).</param>
public sealed record CotListener(string? Agreement, string? Party, IPEndPoint Endpoint)
{
    /// <summary>Parses <c>[[AGREEMENT/]PARTY@]ADDRESS:PORT</c>, e.g. <c>blue@127.0.0.1:8087</c> or <c>0.0.0.0:8089</c>.</summary>
    /// <exception cref="ArgumentException">Not in that form.</exception>
    public static CotListener Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string? agreement = null, party = null;
        string address = text;
        int at = text.LastIndexOf('@');
        if (at >= 0)
        {
            (agreement, party) = Who(text[..at], text);
            address = text[(at + 1)..];
        }

        if (!IPEndPoint.TryParse(address.Replace("localhost", "127.0.0.1", StringComparison.OrdinalIgnoreCase), out var endpoint) || address.LastIndexOf(':') < 0 ||
            !int.TryParse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new ArgumentException($"--cot-listen '{text}': expected [PARTY@]ADDRESS:PORT, e.g. blue@127.0.0.1:8087", nameof(text));
        }

        return new CotListener(agreement, party, endpoint);
    }

    internal static (string? Agreement, string Party) Who(string who, string text)
    {
        int slash = who.IndexOf('/', StringComparison.Ordinal);
        string? agreement = slash >= 0 ? who[..slash] : null;
        string party = slash >= 0 ? who[(slash + 1)..] : who;
        return party.Length == 0 || agreement is { Length: 0 }
            ? throw new ArgumentException($"'{text}': the party is [AGREEMENT/]PARTY", nameof(text))
            : (agreement, party);
    }
}

/// <summary>A TAK client certificate, by its SHA-256 fingerprint, and the party it speaks for.</summary>
/// <param name="Fingerprint">SHA-256 of the certificate (DER), upper-case hex without separators.</param>
/// <param name="Agreement">The agreement served; null: every agreement the party belongs to.</param>
/// <param name="Party">The party.</param>
public sealed record CotClient(string Fingerprint, string? Agreement, string Party)
{
    /// <summary>Parses <c>SHA256=[AGREEMENT/]PARTY</c>; the fingerprint in hex, colons allowed.</summary>
    /// <exception cref="ArgumentException">Not in that form.</exception>
    public static CotClient Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        string fingerprint = equals < 0 ? "" : Normalize(text[..equals]);
        if (fingerprint.Length != 64 || !fingerprint.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"--cot-client '{text}': expected SHA256-FINGERPRINT=[AGREEMENT/]PARTY (64 hex digits)", nameof(text));
        }

        var (agreement, party) = CotListener.Who(text[(equals + 1)..], text);
        return new CotClient(fingerprint, agreement, party);
    }

    /// <summary>A fingerprint as compared: upper-case hex, no colons or spaces.</summary>
    public static string Normalize(string fingerprint) =>
        fingerprint.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
}

/// <summary>The TAK feed: where it listens, which certificates it knows, and how it refreshes.</summary>
public sealed record CotFeedOptions
{
    /// <summary>The endpoints (<c>--cot-listen</c>); none: no feed.</summary>
    public IReadOnlyList<CotListener> Listeners { get; init; } = [];

    /// <summary>Client certificates and their parties (<c>--cot-client</c>), for TLS endpoints.</summary>
    public IReadOnlyList<CotClient> Clients { get; init; } = [];

    /// <summary>How far ahead an open-ended item's drawing is stale; it is sent again before then.</summary>
    public TimeSpan RefreshHorizon { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a connection looks at the theater when no commit woke it (items that end, changes made elsewhere).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);
}
