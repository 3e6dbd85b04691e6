using System.Diagnostics;
using System.Globalization;
using Parley.Core.Agreements;
using Parley.Core.Features;

namespace Parley.Benchmarks;

/// <summary>
/// <c>read</c>: how fast a GeoJSON file of zones becomes zones — the streaming reader (in parallel on every core)
/// against the reference reader (a <c>JsonDocument</c> of the whole file, then <see cref="FeatureReader"/>), each in
/// a fresh process with <c>parley</c>'s collector (server GC), as <c>parley check</c> reads: the first reading of a
/// process is the one a command makes, the later ones show the code once compiled and the heap warm.
/// </summary>
public static class ReadRun
{
    private const string ChildMode = "read-child";

    public static int Run(string zonesPath, int runs, int passes)
    {
        long bytes = new FileInfo(zonesPath).Length;
        Console.WriteLine($"# read — {Machine.Describe()}");
        Console.WriteLine($"# {zonesPath}: {bytes / 1e6:F1} MB; each row a fresh process (server GC); the file is read into memory first (its time apart); " +
            "the streaming reader runs as parley check runs it (no collection while it reads), the reference as the server runs it");
        Console.WriteLine();
        Console.WriteLine("| run | load (1 min) | reader | file read (s) | first reading (s) | MB/s | CPU (s) | later readings, best (s) | MB/s | zones |");
        Console.WriteLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        for (int run = 1; run <= runs; run++)
        {
            foreach (var reader in run == 1 ? new[] { "reference", "streaming" } : ["streaming"])
            {
                string load = Machine.LoadAverage().Split(' ')[0];
                var result = Child(zonesPath, reader, reader == "reference" ? 1 : passes);
                double first = result.Seconds[0];
                Console.WriteLine($"| {run} | {load} | {reader} | {result.FileSeconds:F2} | {first:F2} | **{bytes / 1e6 / first:F0}** | {result.CpuSeconds[0]:F1} | " +
                    (result.Seconds.Length > 1 ? $"{result.Seconds.Skip(1).Min():F2} | {bytes / 1e6 / result.Seconds.Skip(1).Min():F0}" : "– | –") + $" | {result.Count:N0} |");
            }
        }

        return 0;
    }

    private sealed record Result(double FileSeconds, double[] Seconds, double[] CpuSeconds, int Count);

    private static Result Child(string zonesPath, string reader, int passes)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ReadRun).Assembly.Location);
        }

        foreach (var arg in new[] { ChildMode, "--zones", zonesPath, "--reader", reader, "--passes", passes.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_gcServer"] = "1"; // as parley runs
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the {reader} reader failed (exit {process.ExitCode})");
        }

        var fields = output.Trim().Split(' ');
        var numbers = fields.Skip(2).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return new Result(numbers[0], [.. numbers.Skip(1).Where((_, i) => i % 2 == 0)], [.. numbers.Skip(1).Where((_, i) => i % 2 == 1)],
            int.Parse(fields[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The child: reads the file, then reads zones from it <paramref name="passes"/> times; one line on stdout.</summary>
    public static int RunChild(string zonesPath, string reader, int passes)
    {
        var agreement = Agreement.Default();
        var clock = Stopwatch.StartNew();
        var bytes = File.ReadAllBytes(zonesPath);
        double file = clock.Elapsed.TotalSeconds;
        var timings = new List<string>();
        int count = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            clock.Restart();
            if (reader == "reference")
            {
                using var document = FeatureReader.ParseJson(bytes);
                count = FeatureReader.ReadZones(document.RootElement, agreement).Count;
            }
            else
            {
                // As parley check reads: no collection while it reads (Parley.Cli's LoadingRegion, 2.5 bytes a byte read).
                bool region = GC.TryStartNoGCRegion(Math.Clamp((long)(bytes.Length * 2.5), 64L << 20, 8L << 30));
                count = StreamingFeatureReader.ReadZones(bytes, agreement).Count;
                if (region && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
                {
                    GC.EndNoGCRegion();
                }
            }

            double seconds = clock.Elapsed.TotalSeconds;
            timings.Add(string.Create(CultureInfo.InvariantCulture, $"{seconds:F4} {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F4}"));
            GC.Collect();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{reader} {count} {file:F4} {string.Join(' ', timings)}"));
        return 0;
    }
}
