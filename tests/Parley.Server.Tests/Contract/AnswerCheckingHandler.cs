using System.Net.Http.Headers;

namespace Parley.Server.Tests.Contract;

/// <summary>
/// Checks, on the client's side, every answer a server in another process sends (the multi-node tests' <c>parley serve</c>
/// nodes), feeding it to an <see cref="AnswerRecorder"/> as the in-process servers' pipeline does.
/// </summary>
/// <remarks>
/// The body is buffered so that the test still reads it; an event stream is never buffered (it does not end), and a
/// body larger than the recorder keeps is checked for its status and media type only.
/// </remarks>
public sealed class AnswerCheckingHandler(AnswerRecorder recorder, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private const long MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>A client of the server at <paramref name="baseAddress"/> whose answers are checked, sending through <paramref name="inner"/>.</summary>
    public static HttpClient Wrap(AnswerRecorder recorder, HttpMessageHandler inner, Uri baseAddress, AuthenticationHeaderValue? authorization = null)
    {
        var client = new HttpClient(new AnswerCheckingHandler(recorder, inner)) { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Authorization = authorization;
        return client;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        string? media = response.Content.Headers.ContentType?.MediaType;
        long? length = response.Content.Headers.ContentLength;
        byte[] body = [];
        bool truncated;
        if (media == "text/event-stream" || length > MaxBodyBytes)
        {
            truncated = length is not 0;
        }
        else
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            truncated = body.Length > MaxBodyBytes;
            if (truncated)
            {
                body = [];
            }
        }

        var headers = response.Headers.Select(h => h.Key).Concat(response.Content.Headers.Select(h => h.Key)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        string contentType = response.Content.Headers.ContentType?.ToString() ?? "";
        recorder.Record(new RecordedAnswer(request.Method.Method, request.RequestUri?.AbsolutePath ?? "/", (int)response.StatusCode,
            contentType.Length == 0 ? null : contentType, body, truncated, headers, Endpoint: null));
        return response;
    }
}
