using System.Buffers;
using System.IO.Pipelines;

namespace Parley.Server.Http;

/// <summary>Reads request bodies whole, so that a request abandoned mid-body still leaves the exchange clean.</summary>
internal static class RequestBodies
{
    /// <summary>
    /// The whole body of <paramref name="request"/>. When <paramref name="cancellationToken"/> fires (the request's time
    /// limit) the pending read is cancelled through the body reader itself rather than through the read's token: a read
    /// cancelled by its token leaves Kestrel's reader marked as reading, so that it cannot drain the rest of the body
    /// after the 503, logs an error and aborts the connection under the answer.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <exception cref="BadHttpRequestException">413 over the size limit, 408 when the body arrives too slowly.</exception>
    public static async Task<MemoryStream> ReadAllAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var reader = request.BodyReader;
        using var registration = cancellationToken.Register(static r => ((PipeReader)r!).CancelPendingRead(), reader);
        var body = new MemoryStream();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = await reader.ReadAsync(CancellationToken.None);
            var buffer = result.Buffer;
            foreach (var segment in buffer)
            {
                body.Write(segment.Span);
            }

            reader.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                return body;
            }
        }
    }
}
