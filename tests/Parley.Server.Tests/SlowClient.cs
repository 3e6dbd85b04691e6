using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Parley.Server.Tests;

/// <summary>
/// A client that sends a signed write over a plain TCP connection at the pace it is told, and keeps every byte the
/// server sends back: what a slow (or hostile) client sees on the wire, including anything after the first answer.
/// </summary>
internal static class SlowClient
{
    /// <summary>The request line and headers of <paramref name="party"/>'s signed POST of <paramref name="body"/> to <paramref name="path"/>.</summary>
    public static async Task<string> HeadAsync(RunningServer server, string path, byte[] body, string party, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, path)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/geo+json");
        using (var key = Parley.Server.Security.DevelopmentKeys.For(server.DataDirectory, "demo", party))
        {
            await Parley.Server.Security.SignedRequests.SignAsync(request, "demo", key, DateTimeOffset.UtcNow, ct);
        }

        var head = new StringBuilder()
            .Append("POST ").Append(path).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(server.BaseAddress.Authority).Append("\r\n")
            .Append("Authorization: Bearer ").Append(server.Token(party)).Append("\r\n")
            .Append("Content-Type: application/geo+json\r\n")
            .Append("Content-Length: ").Append(body.Length).Append("\r\n");
        foreach (var (name, values) in request.Headers)
        {
            head.Append(name).Append(": ").Append(string.Join(",", values)).Append("\r\n");
        }

        return head.Append("\r\n").ToString();
    }

    /// <summary>
    /// Sends <paramref name="head"/>, then <paramref name="body"/> in <paramref name="pieces"/> pieces with
    /// <paramref name="pause"/> before each piece after the first, stopping once the server has answered; then
    /// everything the server sent until it closed the connection or was quiet for <paramref name="quiet"/>.
    /// </summary>
    public static async Task<string> SendAsync(RunningServer server, string head, byte[] body, int pieces, TimeSpan pause, TimeSpan quiet, CancellationToken ct)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port, ct);
        var stream = socket.GetStream();
        var received = new MemoryStream();
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[8192];
            while (true)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                // Quiet for that long after an answer: nothing more is coming.
                if (answered.Task.IsCompleted)
                {
                    wait.CancelAfter(quiet);
                }

                int read;
                try
                {
                    read = await stream.ReadAsync(buffer, wait.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException && !ct.IsCancellationRequested)
                {
                    return;
                }

                if (read == 0)
                {
                    return;
                }

                lock (received)
                {
                    received.Write(buffer, 0, read);
                }

                answered.TrySetResult();
            }
        }, ct);

        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        int size = (body.Length + pieces - 1) / pieces;
        for (int at = 0; at < body.Length && !answered.Task.IsCompleted; at += size)
        {
            if (at > 0)
            {
                await Task.WhenAny(answered.Task, Task.Delay(pause, ct));
                if (answered.Task.IsCompleted)
                {
                    break;
                }
            }

            try
            {
                await stream.WriteAsync(body.AsMemory(at, Math.Min(size, body.Length - at)), ct);
            }
            catch (IOException)
            {
                break; // the server closed the exchange after its answer
            }
        }

        await reading.WaitAsync(quiet + TimeSpan.FromSeconds(30), ct);
        lock (received)
        {
            return Encoding.UTF8.GetString(received.ToArray());
        }
    }

    /// <summary>Keeps the server's log lines at warning and above.</summary>
    public sealed class Warnings : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(Warnings owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message}");
                }
            }
        }
    }
}
