using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Parley.Cli.Terminal;

namespace Parley.Cli.Client;

/// <summary>A small HTTP client for one agreement of a Parley server; refusals become <see cref="CliException"/>.</summary>
internal sealed class ParleyClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _agreementPath;
    private readonly string _agreement;
    private readonly Parley.Server.Security.SubmissionKey? _key;

    // A write that failed on the way (no answer, a timeout, a gateway error) is sent again under the same
    // idempotency key: the server answers a retry of an accepted write with its first answer.
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)];

    // A 429 or 503 with Retry-After is retried after the wait asked, a read as well as a write, so long as the wait is
    // no longer than this and the call has not been made this many times.
    internal static readonly TimeSpan LongestRetryAfter = TimeSpan.FromSeconds(30);
    internal const int MostAttempts = 4;

    private readonly Func<TimeSpan, CancellationToken, Task> _delay;

    public ParleyClient(Uri server, string agreement, string token, Parley.Server.Security.SubmissionKey? key = null, HttpMessageHandler? handler = null,
        Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _agreement = agreement;
        _key = key;
        _delay = delay ?? Task.Delay;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = server;
        _http.Timeout = TimeSpan.FromSeconds(100);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
        _agreementPath = $"v1/agreements/{Uri.EscapeDataString(agreement)}/";
        Server = server;
    }

    public Uri Server { get; }

    /// <summary>GET a path under the agreement; returns the JSON body text.</summary>
    public Task<string> GetAsync(string relative, CancellationToken cancellationToken) =>
        RetryingAsync(_ => Task.FromResult(new HttpRequestMessage(HttpMethod.Get, _agreementPath + relative)), write: false, cancellationToken);

    /// <summary>POST GeoJSON to a path under the agreement, signed, retried safely; returns the JSON body text.</summary>
    public Task<string> PostGeoJsonAsync(string relative, byte[] body, CancellationToken cancellationToken) =>
        PostSignedAsync(relative, body, "application/geo+json", ifMatch: null, cancellationToken);

    /// <summary>POST JSON to a path under the agreement as an update of the version <paramref name="ifMatch"/>, signed, retried safely.</summary>
    public Task<string> PostJsonAsync(string relative, byte[] body, string? ifMatch, CancellationToken cancellationToken) =>
        PostSignedAsync(relative, body, "application/json", ifMatch, cancellationToken);

    /// <summary>GET a path under the agreement; returns the JSON body text and the ETag.</summary>
    public async Task<(string Body, string? ETag)> GetWithETagAsync(string relative, CancellationToken cancellationToken)
    {
        string? etag = null;
        string body = await RetryingAsync(_ => Task.FromResult(new HttpRequestMessage(HttpMethod.Get, _agreementPath + relative)), write: false, cancellationToken,
            r => etag = r.Headers.ETag?.Tag);
        return (body, etag);
    }

    private async Task<string> PostSignedAsync(string relative, byte[] body, string contentType, string? ifMatch, CancellationToken cancellationToken)
    {
        if (_key is null)
        {
            throw new InvalidOperationException("a write needs a submission key");
        }

        string idempotencyKey = Guid.NewGuid().ToString("N");
        return await RetryingAsync(async _ =>
        {
            // Signed anew for each attempt (a fresh nonce), under the same idempotency key: the server answers it once.
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Server, _agreementPath + relative)) { Content = content };
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            if (ifMatch is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            }

            await Parley.Server.Security.SignedRequests.SignAsync(request, _agreement, _key, DateTimeOffset.UtcNow, cancellationToken);
            return request;
        }, write: true, cancellationToken);
    }

    /// <summary>
    /// Sends the request <paramref name="build"/> makes for each attempt: again after the server's <c>Retry-After</c>
    /// on 429 and 503 (when no longer than <see cref="LongestRetryAfter"/>), and, for a write, after a short pause when
    /// the answer was lost; at most <see cref="MostAttempts"/> attempts.
    /// </summary>
    private async Task<string> RetryingAsync(Func<int, Task<HttpRequestMessage>> build, bool write, CancellationToken cancellationToken,
        Action<HttpResponseMessage>? inspect = null)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await SendAsync(await build(attempt), cancellationToken, inspect);
            }
            catch (CliException e) when (attempt + 1 < MostAttempts && Wait(e, write, attempt) is { } wait)
            {
                await _delay(wait, cancellationToken);
            }
        }
    }

    private static TimeSpan? Wait(CliException e, bool write, int attempt) =>
        e.RetryAfter is { } asked ? (asked <= LongestRetryAfter ? asked : null)
        : write && e.Transient && attempt < RetryDelays.Length ? RetryDelays[attempt]
        : null;

    public void Dispose()
    {
        _http.Dispose();
        _key?.Dispose();
    }

    private async Task<string> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken, Action<HttpResponseMessage>? inspect = null)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new CliException(ExitCodes.Failure, $"cannot reach the server at {Server}: {e.Message}") { Transient = true };
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException(ExitCodes.Failure, $"the server at {Server} did not answer within {_http.Timeout.TotalSeconds:F0} s") { Transient = true };
            }

            using (response)
            {
                inspect?.Invoke(response);
                string body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    var refusal = Refusal(response.StatusCode, body);
                    refusal.Transient = response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
                    if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is { } retryAfter)
                    {
                        refusal.RetryAfter = retryAfter.Delta ?? (retryAfter.Date is { } date ? Max(date - DateTimeOffset.UtcNow, TimeSpan.Zero) : null);
                    }

                    throw refusal;
                }

                return body;
            }
        }
    }

    /// <summary>One clear line from a problem document (RFC 9457): status, title or detail, and the first field error.</summary>
    internal static CliException Refusal(HttpStatusCode status, string body)
    {
        int code = (int)status;
        string? title = null, detail = null, fieldError = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                title = Text(root, "title");
                detail = Text(root, "detail");
                if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
                {
                    var first = errors[0];
                    if (first.ValueKind == JsonValueKind.Object)
                    {
                        string? feature = Text(first, "feature"), field = Text(first, "field"), message = Text(first, "message");
                        fieldError = feature is null ? $"{field}: {message}" : $"feature '{feature}': {field}: {message}";
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not a problem document: the status line says enough.
        }

        string reason = detail ?? fieldError ?? "";
        string hint = status == HttpStatusCode.Unauthorized ? " (the token is missing, expired, or not from the party's identity provider or this server's data folder: see 'parley token')" : "";
        bool callerError = code is >= 400 and < 500;
        return new CliException(callerError ? ExitCodes.InvalidInput : ExitCodes.Failure,
            $"{(callerError ? "the server refused the request" : "the server failed")}: {code} {title ?? status.ToString()}" +
            (reason.Length > 0 ? ": " + reason : "") + hint);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
