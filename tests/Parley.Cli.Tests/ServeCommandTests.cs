using System.Net;
using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests;

public sealed class ServeCommandTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Serve_reports_where_it_listens_and_stops_when_cancelled()
    {
        // The banner ends with the agreements line, once the server listens; the deadline only bounds a hang.
        using var stdout = new LineWatcher("agreements: ");
        using var stderr = new StringWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var serving = Cli.RunAsync(["serve", "--data", _data.Path, "--urls", "http://127.0.0.1:0", "--demo", "--quiet"], stdout, stderr, stop.Token);

        await Task.WhenAny(stdout.Seen, serving).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(stdout.Seen.IsCompleted, $"no banner; stdout: {stdout.Text}; stderr: {stderr}");
        Assert.Equal("agreements: demo", await stdout.Seen);
        string? url = stdout.Text.Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => l.StartsWith("Parley listening on ", StringComparison.Ordinal))?["Parley listening on ".Length..];
        Assert.True(url is not null, $"no listening line; stdout: {stdout.Text}; stderr: {stderr}");
        using (var http = new HttpClient())
        {
            using var health = await http.GetAsync(url + "/health", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        await stop.CancelAsync();
        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
    }

    /// <summary>Standard output that keeps its text and completes <see cref="Seen"/> with the first whole line starting with a prefix.</summary>
    private sealed class LineWatcher(string prefix) : TextWriter
    {
        private readonly Lock _gate = new();
        private readonly System.Text.StringBuilder _text = new();
        private readonly TaskCompletionSource<string> _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _lineStart;

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public Task<string> Seen => _seen.Task;

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return _text.ToString();
                }
            }
        }

        public override void Write(char value)
        {
            string? line = null;
            lock (_gate)
            {
                _text.Append(value);
                if (value == '\n')
                {
                    line = _text.ToString(_lineStart, _text.Length - _lineStart).Trim();
                    _lineStart = _text.Length;
                }
            }

            if (line is not null && line.StartsWith(prefix, StringComparison.Ordinal))
            {
                _seen.TrySetResult(line);
            }
        }

        public override void Write(string? value)
        {
            foreach (char c in value ?? "")
            {
                Write(c);
            }
        }
    }

    [Fact]
    public async Task Serve_refuses_plain_http_off_loopback_with_status_2()
    {
        var result = await InProcess.RunAsync("serve", "--data", _data.Path, "--urls", "http://0.0.0.0:5999");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("loopback", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_a_missing_agreement_file_with_status_2()
    {
        var result = await InProcess.RunAsync("serve", "--data", _data.Path, "--urls", "http://127.0.0.1:0", "--agreement", Path.Combine(_data.Path, "absent.yaml"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("absent.yaml", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_an_invalid_agreement_file_with_status_2()
    {
        string file = Path.Combine(_data.Path, "bad.yaml");
        await File.WriteAllTextAsync(file, "name: no id here\n", TestContext.Current.CancellationToken);

        var result = await InProcess.RunAsync("serve", "--data", _data.Path, "--urls", "http://127.0.0.1:0", "--agreement", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("id", result.Stderr, StringComparison.Ordinal);
    }
}
