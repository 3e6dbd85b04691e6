using System.Diagnostics;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;

namespace Parley.Benchmarks;

/// <summary>
/// <c>check-files</c>: reads generated GeoJSON files with Parley's own reader (validation included), indexes
/// them and checks every operation against the zones and each other — the work of <c>parley check</c>,
/// in process, without printing the conflicts. Also proves the generated files are valid input.
/// </summary>
public static class FileCheckRun
{
    public static int Run(string zonesPath, string operationsPath)
    {
        var agreement = Agreement.Default();
        var total = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        Console.Error.WriteLine($"reading {zonesPath}");
        IReadOnlyList<Parley.Core.Model.Zone> zones;
        using (var doc = FeatureReader.ParseJson(File.ReadAllBytes(zonesPath)))
        {
            zones = FeatureReader.ReadZones(doc.RootElement, agreement);
        }

        double readZones = clock.Elapsed.TotalSeconds;
        clock.Restart();
        Console.Error.WriteLine($"reading {operationsPath}");
        IReadOnlyList<Parley.Core.Model.Operation> operations;
        using (var doc = FeatureReader.ParseJson(File.ReadAllBytes(operationsPath)))
        {
            operations = FeatureReader.ReadOperations(doc.RootElement, agreement);
        }

        double readOperations = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var theater = new Theater(agreement);
        foreach (var z in zones)
        {
            theater.Upsert(z);
        }

        foreach (var op in operations)
        {
            theater.Upsert(op);
        }

        double index = clock.Elapsed.TotalSeconds;
        clock.Restart();
        Console.Error.WriteLine($"checking {operations.Count:N0} operations against {zones.Count:N0} zones");
        long conflicts = 0;
        Parallel.For(0, operations.Count, () => 0L, (i, _, n) => n + theater.FindConflicts(operations[i]).Count, n => Interlocked.Add(ref conflicts, n));
        double check = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"# check-files — {Machine.Describe()}");
        Console.WriteLine();
        Console.WriteLine("| zones | operations | read zones (s) | read operations (s) | index (s) | check (s) | total (s) | conflicts | peak RSS |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {zones.Count:N0} | {operations.Count:N0} | {readZones:F1} | {readOperations:F1} | {index:F1} | {check:F1} | {total.Elapsed.TotalSeconds:F1} | {conflicts:N0} | {Machine.Mib(Environment.WorkingSet > 0 ? PeakResident() : 0)} |");
        return 0;
    }

    private static long PeakResident()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
