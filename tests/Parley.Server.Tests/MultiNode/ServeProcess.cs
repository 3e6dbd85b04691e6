using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Parley.Server.Tests.MultiNode;

/// <summary>
/// One <c>parley serve</c> child process (<c>dotnet parley.dll serve …</c>): started, waited for until it says where it
/// listens and answers <c>/health</c>, killed on dispose. Its output is kept, so that a failing test can show the
/// server's own account of an error.
/// </summary>
internal sealed partial class ServeProcess : IAsyncDisposable
{
    private const int KeptLines = 400;

    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private ServeProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>The node's name in messages, e.g. <c>node 1</c>.</summary>
    public string Name { get; }

    /// <summary>Where the node listens: a loopback address on a port of its own.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote (standard output and error), oldest first.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>The errors the process logged (a failed request, an exception), each cut to its first line: the exception's type and message.</summary>
    public IReadOnlyList<string> Errors => [.. Output.Where(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)).Select(Summary)];

    private static string Summary(string line)
    {
        int exception = line.IndexOf("Exception: ", StringComparison.Ordinal);
        if (exception >= 0)
        {
            int start = line.LastIndexOf(' ', exception) + 1;
            int end = line.IndexOf("   at ", exception, StringComparison.Ordinal);
            return line[start..(end < 0 ? line.Length : end)].Trim();
        }

        return line.Length > 300 ? line[..300] + "…" : line;
    }

    /// <summary>The built <c>parley.dll</c>: beside the tests (the build copies it there), or under <c>src/Parley.Cli/bin</c>.</summary>
    public static string Dll { get; } = Parley.Tests.Shared.ParleyDll.Find();

    /// <summary>Starts <c>parley <paramref name="args"/></c> and waits until it listens and answers <c>/health</c> (up to 60 s).</summary>
    public static async Task<ServeProcess> StartAsync(string name, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var info = Parley.Tests.Shared.ParleyDll.StartInfo(Dll, args);
        var node = new ServeProcess(name, Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet"));
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        node._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException($"{name} ended before it listened"));
                return;
            }

            node.Keep(e.Data);
            if (Listening().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        node._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                node.Keep(e.Data);
            }
        };
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        node._process.StandardInput.Close();

        try
        {
            node.BaseAddress = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            using var health = await http.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
            health.EnsureSuccessStatusCode();
            return node;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or HttpRequestException)
        {
            await node.DisposeAsync();
            throw new InvalidOperationException($"{name} did not start ({e.Message}):\n{string.Join('\n', node.Output)}", e);
        }
    }

    /// <summary>Kills the process without warning (SIGKILL) and waits for it to be gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Keep(string line)
    {
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > KeptLines)
            {
                _output.Dequeue();
            }
        }
    }

    [GeneratedRegex(@"^Parley listening on (http://\S+)$")]
    private static partial Regex Listening();
}
