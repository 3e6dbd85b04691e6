using System.Diagnostics;
using System.Text;

namespace Parley.Cli.Tests.Support;

/// <summary>The built <c>parley</c> command, run as a child process with <c>dotnet parley.dll</c>.</summary>
public static class ParleyBinary
{
    private static readonly Lazy<string> DllPath = new(Parley.Tests.Shared.ParleyDll.Find);

    public static string Dll => DllPath.Value;

    public static ProcessStartInfo StartInfo(params string[] args) => Parley.Tests.Shared.ParleyDll.StartInfo(Dll, args);

    /// <summary>Runs to completion and returns the exit status and the whole output.</summary>
    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs to completion with extra environment variables.</summary>
    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = StartInfo(args);
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"parley {string.Join(' ', args)} did not finish within 60 s");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
