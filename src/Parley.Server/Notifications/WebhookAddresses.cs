using System.Net;
using System.Net.Sockets;

namespace Parley.Server.Notifications;

/// <summary>
/// Where a webhook may connect: public unicast addresses, and the private networks the party's agreement names for it.
/// Checked when a subscription is made and again as each connection is opened, against the addresses the host resolves
/// to then; the connection goes to an address so checked, never to a name resolved a second time, so a host that
/// resolves to a public address first and to an inside one later (DNS rebinding) is refused all the same.
/// </summary>
/// <remarks>Thread-safe. Nothing here logs or returns an address: a refusal says which kind of address, not which.</remarks>
internal sealed class WebhookAddresses(Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
{
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve = resolve ?? ((host, ct) => Dns.GetHostAddressesAsync(host, ct));

    // Prefixes that are not public unicast: loopback, private, shared, link-local, unspecified, multicast, reserved,
    // documentation and benchmarking ranges, and translation prefixes whose embedded IPv4 address is checked apart.
    private static readonly (IPNetwork Network, string Kind)[] NotPublic =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared (carrier-grade NAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "reserved"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "reserved"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("100::/64"), "discard"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("2001::/23"), "reserved"),
        (IPNetwork.Parse("fc00::/7"), "private (unique local)"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>Null when <paramref name="address"/> is public unicast; otherwise the kind of address it is.</summary>
    public static string? NonPublicKind(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return NonPublicKind(address.MapToIPv4());
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && (Nat64.Contains(address) || SixToFour.Contains(address)))
        {
            // The IPv4 address inside: the last 32 bits of NAT64, bits 16–47 of 6to4.
            var bytes = address.GetAddressBytes();
            var inner = Nat64.Contains(address) ? new IPAddress(bytes.AsSpan(12, 4)) : new IPAddress(bytes.AsSpan(2, 4));
            return NonPublicKind(inner);
        }

        if (address.Equals(IPAddress.Broadcast))
        {
            return "broadcast";
        }

        foreach (var (network, kind) in NotPublic)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>Null when a webhook may connect to <paramref name="address"/>; otherwise why not.</summary>
    public static string? Refusal(IPAddress address, IReadOnlyList<IPNetwork> allowed)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(allowed);
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (NonPublicKind(plain) is not { } kind)
        {
            return null;
        }

        foreach (var network in allowed)
        {
            if (network.BaseAddress.AddressFamily == plain.AddressFamily && network.Contains(plain))
            {
                return null;
            }
        }

        return $"the webhook's host resolves to a {kind} address, which the agreement does not allow for this party";
    }

    /// <summary>The networks a party's webhooks may reach besides public addresses, parsed (the reader checked them).</summary>
    public static IReadOnlyList<IPNetwork> Networks(IReadOnlyList<string> prefixes) => [.. prefixes.Select(p => IPNetwork.Parse(p))];

    /// <summary>
    /// Null when every address the host of <paramref name="webhook"/> resolves to now may be reached, or when it resolves
    /// to none (each delivery checks again); otherwise why not.
    /// </summary>
    public async Task<string?> RefusalAsync(Uri webhook, IReadOnlyList<IPNetwork> allowed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(webhook.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }

        return addresses.Select(a => Refusal(a, allowed)).FirstOrDefault(r => r is not null);
    }

    /// <summary>
    /// An HTTP handler whose every connection resolves the host, refuses it unless every address may be reached, and
    /// connects to those addresses only. No proxy (a proxy would connect elsewhere), no redirects, no cookies.
    /// </summary>
    public SocketsHttpHandler Handler(IReadOnlyList<IPNetwork> allowed, TimeSpan timeout) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        ConnectTimeout = timeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowed, cancellationToken),
    };

    private async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, IReadOnlyList<IPNetwork> allowed, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(endpoint.Host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new HttpRequestException("the webhook's host resolves to no address");
        }

        // Every address, not only the one connected to: a host with one inside address is refused whole.
        if (addresses.Select(a => Refusal(a, allowed)).FirstOrDefault(r => r is not null) is { } refusal)
        {
            throw new HttpRequestException(refusal);
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }

        throw new HttpRequestException("the webhook's host refused the connection", last);
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        string bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return IPAddress.TryParse(bare, out var literal) ? [literal] : await _resolve(bare, cancellationToken);
    }
}
