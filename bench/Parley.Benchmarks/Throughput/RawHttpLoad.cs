using System.Buffers.Text;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Parley.Benchmarks.Throughput;

/// <summary>
/// The same closed-loop load as <see cref="HttpLoad"/>, sent the way pgbench sends its statements: every request
/// written out as HTTP/1.1 bytes before the run, one keep-alive connection per caller, the answer read to its last byte
/// by a minimal parser. The driver then costs the shared cores little, as pgbench does for PostgreSQL; the server does
/// exactly the same work for each request.
/// </summary>
internal static class RawHttpLoad
{
    public static async Task<LoadResult> RunAsync(BenchTarget server, Scenario scenario, SignedWrite[] writes, int clients,
        TimeSpan warmup, TimeSpan measure, double window)
    {
        var requests = new byte[writes.Length][];
        Parallel.For(0, writes.Length, i => requests[i] = Bytes(server, writes[i], server.Nodes[0]));
        var records = new RequestRecord[writes.Length];
        int next = -1, completed = 0;
        string? firstProblem = null;
        var counters = RunCounters.Start(server.Processes);
        long start = Stopwatch.GetTimestamp();
        long warmupEnd = start + HttpLoad.Ticks(warmup), deadline = warmupEnd + HttpLoad.Ticks(measure);

        async Task Caller(Uri node)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(node.Host, node.Port);
            var reader = new AnswerReader(socket);
            while (true)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= writes.Length || Stopwatch.GetTimestamp() >= deadline)
                {
                    return;
                }

                long t0 = Stopwatch.GetTimestamp();
                Outcome outcome;
                int size = 0;
                try
                {
                    await socket.SendAsync(requests[i]);
                    var (status, body) = await reader.ReadAsync();
                    size = body.Length;
                    outcome = HttpLoad.Classify(status, body);
                    if (outcome is not (Outcome.Accepted or Outcome.Awaiting))
                    {
                        Interlocked.CompareExchange(ref firstProblem, $"{status} {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 400)))}", null);
                    }
                }
                catch (Exception e) when (e is SocketException or IOException or InvalidDataException)
                {
                    outcome = Outcome.Error;
                    Interlocked.CompareExchange(ref firstProblem, e.Message, null);
                    records[i] = new RequestRecord { Start = t0, End = Stopwatch.GetTimestamp(), Outcome = outcome };
                    Interlocked.Increment(ref completed);
                    return;
                }

                records[i] = new RequestRecord { Start = t0, End = Stopwatch.GetTimestamp(), Outcome = outcome, Size = size };
                Interlocked.Increment(ref completed);
            }
        }

        var all = Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() => Caller(server.Nodes[i % server.Nodes.Count]))));
        await LiveProgress.WatchAsync(all, $"{server.Label} (raw) {LoadResult.ScenarioName(scenario)}", () => Volatile.Read(ref completed), start, warmupEnd, deadline);
        counters.Stop();
        if (firstProblem is not null)
        {
            Console.Error.WriteLine($"  first unexpected answer: {firstProblem}");
        }

        bool exhausted = Volatile.Read(ref next) >= writes.Length;
        long end = exhausted ? records.Where(r => r.Outcome != Outcome.None).Max(r => r.End) : deadline;
        return LoadResult.Build(server.Label + " (raw driver)", scenario, clients, records, start, warmupEnd, end, window,
            exhausted ? $"all {writes.Length:N0} prepared operations sent" : "time", counters, "answer bytes");
    }

    /// <summary>A signed write as the bytes of one HTTP/1.1 request, headers as <c>HttpLoad</c>'s client sends them.</summary>
    private static byte[] Bytes(BenchTarget server, SignedWrite write, Uri node)
    {
        var head = new StringBuilder()
            .Append("POST ").Append(DecisionWorkload.OperationsPath).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(node.Authority).Append("\r\n")
            .Append("Authorization: Bearer ").Append(server.Tokens[write.Party]).Append("\r\n")
            .Append("Content-Type: application/geo+json\r\n")
            .Append(Parley.Server.Security.SignedRequests.SignatureHeader).Append(": ").Append(write.Signature).Append("\r\n")
            .Append(Parley.Server.Security.SignedRequests.TimestampHeader).Append(": ").Append(write.Timestamp).Append("\r\n")
            .Append(Parley.Server.Security.SignedRequests.NonceHeader).Append(": ").Append(write.Nonce).Append("\r\n")
            .Append(Parley.Server.Security.SignedRequests.KeyHeader).Append(": ").Append(write.Key).Append("\r\n")
            .Append("Content-Length: ").Append(write.Body.Length).Append("\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. write.Body];
    }

    /// <summary>Reads HTTP/1.1 answers off one connection: the status, the headers to their end, the body by its Content-Length.</summary>
    private sealed class AnswerReader(Socket socket)
    {
        private byte[] _buffer = new byte[1 << 16];
        private int _start, _end;

        public async Task<(int Status, byte[] Body)> ReadAsync()
        {
            int headEnd;
            while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
            {
                await FillAsync();
            }

            var head = _buffer.AsSpan(_start, headEnd);
            if (head.Length < 12 || !Utf8Parser.TryParse(head[9..12], out int status, out _))
            {
                throw new InvalidDataException("not an HTTP/1.1 status line");
            }

            int length = 0;
            bool chunked = false;
            foreach (var line in Encoding.ASCII.GetString(head).Split("\r\n"))
            {
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                {
                    length = int.Parse(line.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && line.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = true;
                }
            }

            _start += headEnd + 4;
            return (status, chunked ? await ChunksAsync() : await TakeAsync(length));
        }

        private async Task<byte[]> TakeAsync(int length)
        {
            while (_end - _start < length)
            {
                await FillAsync();
            }

            byte[] bytes = _buffer.AsSpan(_start, length).ToArray();
            _start += length;
            return bytes;
        }

        /// <summary>A chunked body (answers Kestrel streams without a Content-Length): size lines in hex, the last of size 0.</summary>
        private async Task<byte[]> ChunksAsync()
        {
            var body = new List<byte>();
            while (true)
            {
                int lineEnd;
                while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
                {
                    await FillAsync();
                }

                int size = int.Parse(Encoding.ASCII.GetString(_buffer, _start, lineEnd).Split(';')[0], System.Globalization.NumberStyles.HexNumber,
                    System.Globalization.CultureInfo.InvariantCulture);
                _start += lineEnd + 2;
                body.AddRange(await TakeAsync(size));
                await TakeAsync(2);
                if (size == 0)
                {
                    return [.. body];
                }
            }
        }

        private async Task FillAsync()
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                (_end, _start) = (_end - _start, 0);
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            int read = await socket.ReceiveAsync(_buffer.AsMemory(_end));
            if (read == 0)
            {
                throw new IOException("the server closed the connection");
            }

            _end += read;
        }
    }
}
