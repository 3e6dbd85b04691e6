namespace Parley.Server.Notifications;

/// <summary>
/// The HTTP clients webhook delivery posts with: one per set of allowed private networks, so that a connection opened
/// for a party allowed to reach a network is never reused for a party that is not (connections are pooled per client).
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class WebhookClients(WebhookAddresses addresses, TimeSpan timeout) : IDisposable
{
    private readonly Dictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The client for webhooks of a party allowed <paramref name="networks"/> besides public addresses.</summary>
    public HttpClient For(IReadOnlyList<string> networks)
    {
        string key = string.Join(' ', networks);
        lock (_gate)
        {
            if (!_clients.TryGetValue(key, out var client))
            {
                client = new HttpClient(addresses.Handler(WebhookAddresses.Networks(networks), timeout))
                {
                    Timeout = timeout,
                    DefaultRequestHeaders = { { "User-Agent", "Parley-Webhooks/1" } },
                };
                _clients[key] = client;
            }

            return client;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var client in _clients.Values)
            {
                client.Dispose();
            }

            _clients.Clear();
        }
    }
}
