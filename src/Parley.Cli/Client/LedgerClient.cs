using System.Net;
using System.Net.Http.Headers;
using Parley.Cli.Terminal;

namespace Parley.Cli.Client;

/// <summary>Reads one agreement's ledger (and the caller's view of its state) as exact bytes.</summary>
internal sealed class LedgerClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _agreementPath;

    public LedgerClient(Uri server, string agreement, string token)
    {
        if (!server.AbsolutePath.EndsWith('/'))
        {
            server = new Uri(server.AbsoluteUri + "/");
        }

        _http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(100) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _agreementPath = $"v1/agreements/{Uri.EscapeDataString(agreement)}/";
        Server = server;
        Agreement = agreement;
    }

    public Uri Server { get; }

    public string Agreement { get; }

    /// <summary>GET a path under the agreement's ledger; a refusal becomes a <see cref="CliException"/>.</summary>
    public async Task<byte[]> LedgerAsync(string relative, CancellationToken cancellationToken) =>
        await TryLedgerAsync(relative, cancellationToken) ?? throw new CliException(ExitCodes.Failure, $"the server has no ledger/{relative}");

    /// <summary>GET a path under the agreement's ledger; null when the server answers 404 or cannot build it (5xx).</summary>
    public async Task<byte[]?> TryLedgerAsync(string relative, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(_agreementPath + "ledger/" + relative, cancellationToken);
        if (status == HttpStatusCode.OK)
        {
            return body;
        }

        if (status == HttpStatusCode.NotFound || (int)status >= 500)
        {
            return null;
        }

        throw ParleyClient.Refusal(status, System.Text.Encoding.UTF8.GetString(body));
    }

    /// <summary>GET a path under the agreement (zones, operations) as text.</summary>
    public async Task<string> AgreementTextAsync(string relative, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(_agreementPath + relative, cancellationToken);
        string text = System.Text.Encoding.UTF8.GetString(body);
        return status == HttpStatusCode.OK ? text : throw ParleyClient.Refusal(status, text);
    }

    /// <summary>Posts a witness's cosignature lines on the checkpoint of <paramref name="size"/>; a refusal becomes a <see cref="CliException"/>.</summary>
    public async Task PostCosignaturesAsync(long size, string lines, CancellationToken cancellationToken)
    {
        using var content = new System.Net.Http.StringContent(lines, System.Text.Encoding.UTF8, "text/plain");
        var (status, body) = await SendAsync(HttpMethod.Post, $"{_agreementPath}ledger/cosignatures?size={size}", content, cancellationToken);
        if (status is not (HttpStatusCode.Created or HttpStatusCode.OK))
        {
            throw ParleyClient.Refusal(status, System.Text.Encoding.UTF8.GetString(body));
        }
    }

    public void Dispose() => _http.Dispose();

    private Task<(HttpStatusCode Status, byte[] Body)> SendAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    // An audit reads one request per entry it may open: past the center's per-party rate limit it waits as told.
    private const int RateLimitedRetries = 60;

    private async Task<(HttpStatusCode Status, byte[] Body)> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                using var request = new HttpRequestMessage(method, path) { Content = content };
                using var response = await _http.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.TooManyRequests && content is null && attempt < RateLimitedRetries)
                {
                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                    continue;
                }

                return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken));
            }
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Failure, $"cannot reach the server at {Server}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Failure, $"the server at {Server} did not answer within {_http.Timeout.TotalSeconds:F0} s");
        }
    }
}
