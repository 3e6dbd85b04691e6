using System.Diagnostics;
using System.Text;

namespace Parley.Tests.Shared;

/// <summary>Where the built <c>parley</c> command is, for tests that run it as a process of its own.</summary>
internal static class ParleyDll
{
    /// <summary>The path of <c>parley.dll</c>: beside the tests (a project reference copies it there), else the newest build under <c>src/Parley.Cli/bin</c>.</summary>
    public static string Find()
    {
        string beside = Path.Combine(AppContext.BaseDirectory, "parley.dll");
        if (File.Exists(beside) && File.Exists(Path.Combine(AppContext.BaseDirectory, "parley.runtimeconfig.json")))
        {
            return beside;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var bin = Path.Combine(dir.FullName, "src", "Parley.Cli", "bin");
            if (Directory.Exists(bin))
            {
                var found = Directory.EnumerateFiles(bin, "parley.dll", SearchOption.AllDirectories)
                    .Where(f => File.Exists(Path.ChangeExtension(f, ".runtimeconfig.json")))
                    .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
                if (found is not null)
                {
                    return found;
                }
            }
        }

        throw new FileNotFoundException("parley.dll was not found beside the tests nor under src/Parley.Cli/bin: build src/Parley.Cli first");
    }

    /// <summary>How to run <c>parley <paramref name="args"/></c> with its output read as UTF-8, without the caller's Parley settings.</summary>
    public static ProcessStartInfo StartInfo(string dll, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("PARLEY_TOKEN");
        info.Environment.Remove("PARLEY_CONNECTION");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return info;
    }
}
