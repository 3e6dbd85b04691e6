using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Interop.Export;
using Parley.Server.Theaters;
using Parley.Server.Configuration;

namespace Parley.Server.Tak;

/// <summary>
/// The TAK streaming service (<c>parley serve --cot-listen</c>): each connection gets its party's picture as CoT drawings
/// (TAK protocol 0, XML events back to back), then every change: new and changed items when a commit wakes it or at the
/// latest after <see cref="CotFeedOptions.PollInterval"/>, a <c>t-x-d-d</c> deletion when an item ends, is withdrawn,
/// leaves the live states or stops being visible, and open-ended items again before their refresh horizon.
/// </summary>
/// <remarks>
/// Plain TCP only on loopback, for the party the endpoint names; elsewhere TLS 1.2+ with a client certificate whose
/// SHA-256 fingerprint maps to a party. What a client sends is read and dropped. Reads the theater only through
/// <see cref="TheaterRegistry.ReadAsync{T}"/>; logs name the party and the peer, never an item.
/// </remarks>
public sealed class CotFeed(TheaterRegistry registry, ParleyServerOptions options, TimeProvider time, ILogger<CotFeed> log) : IHostedService, IDisposable
{
    private readonly List<(TcpListener Listener, CotListener Config)> _listeners = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private X509Certificate2? _certificate;

    /// <summary>Where each endpoint listens, once started (port 0 resolved).</summary>
    public IReadOnlyList<IPEndPoint> Endpoints => [.. _listeners.Select(l => (IPEndPoint)l.Listener.LocalEndpoint)];

    /// <summary>Refuses a configuration that would serve in the clear beyond loopback, or TLS without a certificate or known clients.</summary>
    /// <exception cref="ArgumentException">The endpoints and certificates do not fit.</exception>
    public static void Validate(ParleyServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var listener in options.Cot.Listeners)
        {
            if (listener.Party is not null && !IPAddress.IsLoopback(listener.Endpoint.Address))
            {
                throw new ArgumentException($"--cot-listen {listener.Party}@{listener.Endpoint}: plain TCP is only allowed on loopback; " +
                    "elsewhere name no party and give --certificate and a --cot-client fingerprint per client (TLS)", nameof(options));
            }

            if (listener.Party is null && (options.CertificatePath is null || options.Cot.Clients.Count == 0))
            {
                throw new ArgumentException($"--cot-listen {listener.Endpoint}: TLS needs the server's --certificate and at least one --cot-client FINGERPRINT=PARTY", nameof(options));
            }
        }
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Cot.Listeners.Count == 0)
        {
            return Task.CompletedTask;
        }

        Validate(options);
        if (options.Cot.Listeners.Any(l => l.Party is null))
        {
            _certificate = Parley.Server.Security.Transport.LoadCertificate(options);
        }

        foreach (var config in options.Cot.Listeners)
        {
            var listener = new TcpListener(config.Endpoint);
            listener.Start();
            _listeners.Add((listener, config));
            _loops.Add(AcceptAsync(listener, config, _stop.Token));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        foreach (var (listener, _) in _listeners)
        {
            listener.Stop();
        }

        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stop.Dispose();
        _certificate?.Dispose();
        foreach (var (listener, _) in _listeners)
        {
            listener.Dispose();
        }
    }

    private async Task AcceptAsync(TcpListener listener, CotListener config, CancellationToken stop)
    {
        var connections = new List<Task>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop);
                connections.Add(ServeAsync(client, config, stop));
                connections.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping.
        }

        await Task.WhenAll(connections).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ServeAsync(TcpClient client, CotListener config, CancellationToken stop)
    {
        var peer = client.Client.RemoteEndPoint;
        using (client)
        {
            try
            {
                client.NoDelay = true;
                Stream stream = client.GetStream();
                string? agreement = config.Agreement, party = config.Party;
                if (party is null)
                {
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    stream = tls;
                    CotClient? known = null;
                    using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    handshake.CancelAfter(TimeSpan.FromSeconds(10));
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = _certificate,
                        ClientCertificateRequired = true,
                        EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                        // The fingerprint is the trust: a client certificate is accepted when the options map it to a party.
                        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                        {
                            known = certificate is null ? null : Known(certificate);
                            return known is not null;
                        },
                    }, handshake.Token);
                    (agreement, party) = (known!.Agreement, known.Party);
                }

                await using (stream)
                {
                    log.LogInformation("TAK client {Peer} connected for {Party}", peer, party);
                    await FeedAsync(stream, agreement, new PartyId(party), stop);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
            {
                log.LogInformation("TAK client {Peer} closed: {Reason}", peer, e.GetType().Name);
            }
        }
    }

    private CotClient? Known(X509Certificate certificate)
    {
        string fingerprint = Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
        return options.Cot.Clients.FirstOrDefault(c => c.Fingerprint == fingerprint);
    }

    private async Task FeedAsync(Stream stream, string? agreement, PartyId party, CancellationToken stop)
    {
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var drain = DrainAsync(stream, closed);
        var sent = new Dictionary<string, Sent>(StringComparer.Ordinal);
        var horizon = options.Cot.RefreshHorizon;
        try
        {
            while (!closed.IsCancellationRequested)
            {
                // Take the wake-up before reading, so that a commit in between is not missed.
                var wake = registry.Signals.StateChanged.Next;
                var now = time.GetUtcNow();
                var items = await PictureAsync(agreement, party, now, closed.Token);
                using var batch = new MemoryStream();
                var current = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in items)
                {
                    string signature = $"{item.Value.Version}|{(item.Value is Operation o ? o.State : default)}";
                    current.Add(item.Key);
                    if (sent.TryGetValue(item.Key, out var was) && was.Signature == signature && (item.Value.Volume.Time.End is not null || was.Stale - now > horizon / 2))
                    {
                        continue;
                    }

                    var events = item.Value is Zone zone ? CotWriter.Events(item.Agreement, zone, now, horizon) : CotWriter.Events(item.Agreement, (Operation)item.Value, now, horizon);
                    foreach (var e in events)
                    {
                        batch.Write(e.Xml);
                    }

                    // Parts a new version no longer has (a corridor that became one polygon) are deleted.
                    foreach (var uid in was?.Uids.Except(events.Select(e => e.Uid)) ?? [])
                    {
                        batch.Write(CotWriter.Delete(uid, was!.Type, now));
                    }

                    sent[item.Key] = new Sent(signature, events[0].Stale, [.. events.Select(e => e.Uid)], events[0].Type);
                }

                // Items that ended, were withdrawn, left the live states or are no longer visible.
                foreach (var (key, was) in sent.Where(s => !current.Contains(s.Key)).ToList())
                {
                    foreach (var uid in was.Uids)
                    {
                        batch.Write(CotWriter.Delete(uid, was.Type, now));
                    }

                    sent.Remove(key);
                }

                if (batch.Length > 0)
                {
                    await stream.WriteAsync(batch.GetBuffer().AsMemory(0, (int)batch.Length), closed.Token);
                    await stream.FlushAsync(closed.Token);
                }

                var poll = Task.Delay(options.Cot.PollInterval, time, closed.Token);
                await Task.WhenAny(wake, poll, drain);
                if (drain.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            await closed.CancelAsync();
            await drain.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Reads and drops what the client sends (pings, its own position); completes when it hangs up.</summary>
    private static async Task DrainAsync(Stream stream, CancellationTokenSource closed)
    {
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, closed.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The live items the party may see now, in every agreement served to it.</summary>
    private async Task<List<Item>> PictureAsync(string? agreement, PartyId party, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = agreement is not null ? [new AgreementId(agreement)] : registry.AgreementIds;
        var items = new List<Item>();
        foreach (var id in ids)
        {
            items.AddRange(await registry.ReadAsync(id, theater =>
            {
                var list = new List<Item>();
                if (theater.Agreement.FindParty(party) is null)
                {
                    return list;
                }

                foreach (var zone in theater.Zones)
                {
                    if (zone.IsVisibleTo(party) && Current(zone, now))
                    {
                        list.Add(new Item(id, "z:" + zone.Id.Value, zone));
                    }
                }

                foreach (var operation in theater.Operations)
                {
                    if (Theater.IsLive(operation.State) && operation.IsVisibleTo(party) && Current(operation, now))
                    {
                        list.Add(new Item(id, "o:" + operation.Id.Value, operation));
                    }
                }

                return list;
            }, cancellationToken));
        }

        return items;
    }

    private static bool Current(Declaration d, DateTimeOffset now) => d.Volume.Time.End is not { } end || end > now;

    private sealed record Item(AgreementId Agreement, string LocalKey, Declaration Value)
    {
        public string Key => Agreement.Value + "/" + LocalKey;
    }

    private sealed record Sent(string Signature, DateTimeOffset Stale, string[] Uids, string Type);
}
