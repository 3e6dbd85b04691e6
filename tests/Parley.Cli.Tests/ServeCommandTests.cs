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
        using var captured = new StringWriter();
        var stdout = TextWriter.Synchronized(captured); // locks on itself, see Text() below
        using var stderr = new StringWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var serving = Cli.RunAsync(["serve", "--data", _data.Path, "--urls", "http://127.0.0.1:0", "--demo", "--quiet"], stdout, stderr, stop.Token);

        string? url = null;
        for (int i = 0; i < 300 && url is null && !serving.IsCompleted; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            url = Text().Split('\n').Select(l => l.Trim())
                .FirstOrDefault(l => l.StartsWith("Parley listening on ", StringComparison.Ordinal))?["Parley listening on ".Length..];
        }

        Assert.True(url is not null, $"no listening line; stdout: {Text()}; stderr: {stderr}");
        Assert.Contains("agreements: demo", Text(), StringComparison.Ordinal);
        using (var http = new HttpClient())
        {
            using var health = await http.GetAsync(url + "/health", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        await stop.CancelAsync();
        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        string Text()
        {
            lock (stdout)
            {
                return captured.ToString();
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
