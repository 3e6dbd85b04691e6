using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Parley.Tests.Shared;

/// <summary>Running PostgreSQL's own tools for a throwaway cluster (tests and benchmarks alike).</summary>
internal static class PostgresTools
{
    /// <summary>Runs <paramref name="tool"/> from <paramref name="bin"/> as the <c>postgres</c> user when this process is root (PostgreSQL refuses root).</summary>
    public static void RunAsPostgres(string bin, string tool, params string[] args)
    {
        string exe = Path.Combine(bin, tool);
        if (Environment.IsPrivilegedProcess)
        {
            Run("runuser", ["-u", "postgres", "--", exe, .. args]);
        }
        else
        {
            Run(exe, args);
        }
    }

    /// <summary>Runs a program to its end (three minutes at most); a failure throws with its output.</summary>
    public static void Run(string exe, params string[] args)
    {
        var info = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info) ?? throw new InvalidOperationException($"could not start {exe}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(180_000))
        {
            p.Kill();
            throw new InvalidOperationException($"{Path.GetFileName(exe)} timed out");
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(exe)} {string.Join(' ', args)} exited with {p.ExitCode}: {stderr.Result.Trim()} {stdout.Result.Trim()}");
        }
    }

    /// <summary>A loopback port free now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
