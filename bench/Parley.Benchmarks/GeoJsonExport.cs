using System.Diagnostics;
using System.Text.Json;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Benchmarks;

/// <summary>
/// <c>generate</c>: writes zones.geojson and operations.geojson (FeatureCollections in Parley's input model)
/// for timing <c>parley check</c> on large inputs.
/// </summary>
public static class GeoJsonExport
{
    private const int FlushBytes = 1 << 20;

    public static int Run(int zones, int operations, string outDirectory, int seed)
    {
        Directory.CreateDirectory(outDirectory);
        var generator = new TheaterGenerator(seed);
        string zonesPath = Path.Combine(outDirectory, "zones.geojson");
        string operationsPath = Path.Combine(outDirectory, "operations.geojson");
        var clock = Stopwatch.StartNew();
        long zoneBytes = Write(zonesPath, generator.Zones(zones), zones, "zones", FeatureWriter.Write);
        long operationBytes = Write(operationsPath, generator.Operations(operations), operations, "operations", FeatureWriter.Write);
        Console.Error.WriteLine($"wrote {zones:N0} zones ({zoneBytes / 1e6:F1} MB) and {operations:N0} operations ({operationBytes / 1e6:F1} MB) in {clock.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine(zonesPath);
        Console.WriteLine(operationsPath);
        return 0;
    }

    /// <summary>Streams a FeatureCollection, flushing about every megabyte; reports progress on stderr.</summary>
    public static long Write<T>(string path, IEnumerable<T> items, int count, string what, Action<Utf8JsonWriter, T> write)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using (var w = new Utf8JsonWriter(file, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            w.WriteString("type", "FeatureCollection");
            w.WriteStartArray("features");
            int written = 0;
            var progress = new Progress($"writing {what}", count);
            foreach (var item in items)
            {
                write(w, item);
                if (w.BytesPending >= FlushBytes)
                {
                    w.Flush();
                }

                progress.Report(++written);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            progress.Done();
        }

        return file.Length;
    }
}
