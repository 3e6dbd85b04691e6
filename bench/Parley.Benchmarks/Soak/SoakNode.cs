using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Parley.Benchmarks.Soak;

/// <summary>
/// One <c>parley serve</c> node of the soak on PostgreSQL, with its operator's metrics listener: started, killed without
/// warning, started again on the same data folder (on a new port), its resident memory read from <c>/proc</c>.
/// </summary>
internal sealed class SoakNode(string name, string connectionString, string dataDirectory, string agreementFile) : IDisposable
{
    private readonly List<string> _errors = [];
    private Process? _process;

    public string Name { get; } = name;

    /// <summary>Where the API listens now (changes with each start).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Where its metrics are served, without a token.</summary>
    public Uri Metrics { get; private set; } = null!;

    public bool Running => _process is { HasExited: false };

    /// <summary>How many times it was started.</summary>
    public int Starts { get; private set; }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Starts the process and waits until it listens (up to 60 s).</summary>
    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        foreach (var arg in (string[])[Dll, "serve", "--store", "postgres", "--connection", connectionString, "--urls", "http://127.0.0.1:0",
            "--metrics-urls", "http://127.0.0.1:0", "--rate-limit", "0", "--data", dataDirectory, "--agreement", agreementFile])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Uri? api = null, metrics = null;
        void Line(string? line)
        {
            if (line is null)
            {
                listening.TrySetException(new InvalidOperationException($"{Name} ended before it listened"));
                return;
            }

            if (line.StartsWith("Parley listening on ", StringComparison.Ordinal))
            {
                api = new Uri(line["Parley listening on ".Length..].Trim());
            }
            else if (line.StartsWith("metrics on ", StringComparison.Ordinal))
            {
                metrics = new Uri(line["metrics on ".Length..].Trim());
            }
            else if (line.StartsWith("Press Ctrl+C", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
            else if (line.Contains("fail:", StringComparison.Ordinal) || line.Contains("Exception: ", StringComparison.Ordinal))
            {
                lock (_errors)
                {
                    _errors.Add(line.Length > 200 ? line[..200] : line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Line(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        (_process, Address, Metrics) = (process, api!, metrics!);
        Starts++;
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash or an out-of-memory kill would.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    /// <summary>Resident memory in MiB (VmRSS), or null when the process is not running.</summary>
    public double? ResidentMiB()
    {
        try
        {
            if (_process is not { HasExited: false } process)
            {
                return null;
            }

            foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return double.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
                }
            }
        }
        catch (IOException)
        {
            // Gone between the check and the read.
        }

        return null;
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
    }

    private static string Dll
    {
        get
        {
            string beside = Path.Combine(AppContext.BaseDirectory, "parley.dll");
            return File.Exists(beside) ? beside : throw new FileNotFoundException("parley.dll is not beside the benchmarks: build the solution first");
        }
    }
}
