using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Parley.Server.Configuration;

namespace Parley.Server.Tests.Contract;

/// <summary>
/// Sits in front of a test server's whole pipeline and checks every answer it sends, whoever asked, against the
/// checked-in OpenAPI document (<see cref="ContractDocument"/>); the violations are kept for the server's owner to fail on.
/// Servers in other processes (the multi-node tests) have their answers fed in by their clients' <see cref="AnswerCheckingHandler"/>.
/// </summary>
public sealed class AnswerRecorder : IStartupFilter
{
    // Larger bodies are checked for their status and media type only: the tests that send them test limits, not shapes.
    private const int MaxBodyBytes = 4 * 1024 * 1024;

    private readonly ConcurrentQueue<string> _violations = new();
    private int _checked;

    /// <summary>How many answers were checked.</summary>
    public int Checked => _checked;

    /// <summary>Every answer that the document does not describe, one line each.</summary>
    public IReadOnlyCollection<string> Violations => _violations;

    /// <summary><paramref name="options"/> with this recorder in front of the server's pipeline.</summary>
    public ParleyServerOptions Watch(ParleyServerOptions options) => options with
    {
        ConfigureServices = services =>
        {
            options.ConfigureServices?.Invoke(services);
            services.AddSingleton<IStartupFilter>(this);
        },
    };

    /// <summary>Checks one answer against the document and keeps what is wrong with it.</summary>
    public void Record(RecordedAnswer answer)
    {
        Interlocked.Increment(ref _checked);
        foreach (var violation in ContractDocument.Shared.Check(answer))
        {
            _violations.Enqueue(violation);
        }
    }

    /// <summary>Fails the test when any answer checked is not as the document describes it.</summary>
    public void AssertDescribed()
    {
        if (!_violations.IsEmpty)
        {
            Assert.Fail($"{_violations.Count} answer(s) of {Checked} not as docs/openapi.json describes them:\n" +
                string.Join("\n", _violations.Distinct().Take(40)));
        }
    }

    /// <inheritdoc />
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(RecordAsync);
        next(app);
    };

    private async Task RecordAsync(HttpContext http, RequestDelegate next)
    {
        var original = http.Response.Body;
        var copy = new CopyingStream(original, MaxBodyBytes);
        http.Response.Body = copy;
        try
        {
            await next(http);
            await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && http.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away: there is no answer to check
        }
        finally
        {
            http.Response.Body = original;
        }

        if (http.Response.StatusCode == StatusCodes.Status499ClientClosedRequest && http.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away before the answer: nothing was sent to check
        }

        var answer = new RecordedAnswer(http.Request.Method, http.Request.Path.Value ?? "/", http.Response.StatusCode, http.Response.ContentType,
            copy.Copy, copy.Truncated, http.Response.Headers.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase), http.GetEndpoint());
        Record(answer);
    }

    /// <summary>Writes through to the response and keeps a copy of the first bytes.</summary>
    private sealed class CopyingStream(Stream inner, int max) : Stream
    {
        private readonly MemoryStream _copy = new();

        public byte[] Copy => _copy.ToArray();

        public bool Truncated { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        // Kept once written: bytes the server refuses to send (past a Content-Length) were never part of the answer.
        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Keep(buffer.AsSpan(offset, count));
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Keep(buffer.Span);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            int room = (int)Math.Max(0, max - _copy.Length);
            _copy.Write(bytes[..Math.Min(room, bytes.Length)]);
            Truncated |= bytes.Length > room;
        }
    }
}

/// <summary>One answer as the server sent it.</summary>
/// <param name="Method">The request's method.</param>
/// <param name="Path">The request's path.</param>
/// <param name="Status">The status sent.</param>
/// <param name="ContentType">The Content-Type sent, if any.</param>
/// <param name="Body">The body's bytes (the first ones when <paramref name="Truncated"/>).</param>
/// <param name="Truncated">Whether the body was longer than what was kept.</param>
/// <param name="Headers">The names of the headers sent.</param>
/// <param name="Endpoint">The endpoint that answered, if routing found one.</param>
public sealed record RecordedAnswer(string Method, string Path, int Status, string? ContentType, byte[] Body, bool Truncated,
    IReadOnlySet<string> Headers, Endpoint? Endpoint);
