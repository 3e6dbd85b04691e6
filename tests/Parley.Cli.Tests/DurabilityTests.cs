using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parley.Cli.Tests.Support;

namespace Parley.Cli.Tests;

/// <summary>A write acknowledged by <c>parley serve</c> survives the process being killed without warning.</summary>
[Trait("Lane", "Slow")]
public sealed partial class DurabilityTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_zone_acknowledged_with_201_comes_back_after_the_server_is_killed_and_restarted()
    {
        var ct = TestContext.Current.CancellationToken;
        string token = (await ParleyBinary.RunAsync("token", "--data", _data.Path, "--agreement", "demo", "--party", "blue", "--role", "operator")).Stdout.Trim();
        string keyFile = Path.Combine(_data.Path, "blue.pem");
        var keygen = await ParleyBinary.RunAsync("keygen", "--development", "--data", _data.Path, "--agreement", "demo", "--party", "blue", "--out", keyFile);
        Assert.True(keygen.ExitCode == 0, keygen.ToString());
        using var key = Parley.Server.Security.SubmissionKey.FromPem(await File.ReadAllTextAsync(keyFile, ct));
        Assert.Equal(key.PublicKey, keygen.Stdout.Trim());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        string url;
        using (var first = await StartServerAsync(ct))
        {
            url = first.Url;
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{url}/v1/agreements/demo/zones")
            {
                Content = new StringContent(Samples.DemoZone("durable-1"), Encoding.UTF8, "application/geo+json"),
            };
            await Parley.Server.Security.SignedRequests.SignAsync(request, "demo", key, DateTimeOffset.UtcNow, ct);
            using var created = await http.SendAsync(request, ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

            first.Process.Kill(entireProcessTree: true); // no graceful shutdown: the write must already be on disk
            await first.Process.WaitForExitAsync(ct);
        }

        using var second = await StartServerAsync(ct);
        using var response = await http.GetAsync($"{second.Url}/v1/agreements/demo/zones/durable-1", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var zone = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Equal("durable-1", zone.RootElement.GetProperty("id").GetString());
        Assert.Equal("Clinic durable-1", zone.RootElement.GetProperty("properties").GetProperty("name").GetString());
    }

    private async Task<RunningServer> StartServerAsync(CancellationToken ct)
    {
        var process = Process.Start(ParleyBinary.StartInfo("serve", "--data", _data.Path, "--urls", "http://127.0.0.1:0", "--demo", "--quiet"))!;
        var server = new RunningServer(process);
        var output = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }

                if (Listening().Match(line) is { Success: true } match)
                {
                    server.Url = match.Groups[1].Value;
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        if (server.Url.Length == 0)
        {
            server.Dispose();
            lock (output)
            {
                Assert.Fail($"parley serve did not report where it listens:\n{output}");
            }
        }

        // Keep draining standard output so the child never blocks on a full pipe.
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is not null)
            {
            }
        }, CancellationToken.None);

        using var http = new HttpClient();
        using var health = await http.GetAsync($"{server.Url}/health", ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        return server;
    }

    [GeneratedRegex(@"^Parley listening on (http://\S+)$")]
    private static partial Regex Listening();

    private sealed class RunningServer(Process process) : IDisposable
    {
        public Process Process { get; } = process;

        public string Url { get; set; } = "";

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(10_000);
            }

            Process.Dispose();
        }
    }
}
