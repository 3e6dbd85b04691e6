using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Parley.Cli.Client;

/// <summary>Sends a witness's cosignature lines to <c>POST …/ledger/cosignatures?size=N</c>.</summary>
internal sealed class CosignatureClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _path;

    public CosignatureClient(Uri server, string agreement, string token)
    {
        if (!server.AbsolutePath.EndsWith('/'))
        {
            server = new Uri(server.AbsoluteUri + "/");
        }

        _http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(100) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _path = $"v1/agreements/{Uri.EscapeDataString(agreement)}/ledger/cosignatures";
        Server = server;
    }

    public Uri Server { get; }

    /// <summary>Posts <paramref name="lines"/> on the checkpoint of <paramref name="size"/>; a refusal becomes a <see cref="CliException"/>.</summary>
    public async Task PostAsync(long size, string lines, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new StringContent(lines, Encoding.UTF8, "text/plain");
            using var response = await _http.PostAsync($"{_path}?size={size}", content, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
            {
                return;
            }

            throw ParleyClient.Refusal(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
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

    public void Dispose() => _http.Dispose();
}
