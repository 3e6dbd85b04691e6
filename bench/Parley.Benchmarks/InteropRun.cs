using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Interop.Export;
using Parley.Interop.Import;
using Parley.Interop.OpenAir;
using Parley.Server.Configuration;
using Parley.Server;
using Parley.Server.Security;
using Parley.Server.Tak;
using Parley.Server.Theaters;

namespace Parley.Benchmarks;

/// <summary>
/// <c>interop</c>: importing a national OpenAir file, exporting 10,000 zones as KML, a TAK client's initial picture of
/// 10,000 items and the feed's push latency; each beside what a user would otherwise run on the same data in the same run
/// (reading the zones as Parley's own GeoJSON, the GeoJSON export and the zone listing).
/// </summary>
internal static class InteropRun
{
    private const string Agreement = "bench-interop";

    public static int Run(string openAirFile, int zones, int repeats, int pushes)
    {
        Console.WriteLine($"interop benchmark: {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Load()}");
        Import(openAirFile, repeats);
        Export(zones, repeats);
        TakAsync(zones, repeats, pushes).GetAwaiter().GetResult();
        return 0;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? "load " + File.ReadAllText("/proc/loadavg").Trim() : "";

    private static void Import(string file, int repeats)
    {
        byte[] bytes = File.ReadAllBytes(file);
        var options = new ImportOptions { DefaultStart = new DateTimeOffset(2026, 3, 19, 0, 0, 0, TimeSpan.Zero) };
        ImportResult Once() => ZoneImporter.Convert("openair", OpenAirReader.Read(OpenAirText.Decode(bytes)), KindMapping.OpenAirDefault, options);

        var clock = Stopwatch.StartNew();
        var result = Once();
        double cold = clock.Elapsed.TotalMilliseconds;
        var warm = Times(repeats, () => Once());
        byte[] collection = result.ToFeatureCollection();
        var native = Times(repeats, () =>
        {
            using var document = FeatureReader.ParseJson(collection);
            FeatureReader.ReadZones(document.RootElement, Parley.Core.Agreements.Agreement.Default(), new PartyId("blue"));
        });
        Console.WriteLine($"import openair {Path.GetFileName(file)} ({bytes.Length / 1024:N0} KiB, {result.Features.Count} airspaces, {result.Features.Sum(f => f.Utf8.Length) / 1024:N0} KiB of GeoJSON out):");
        Console.WriteLine($"  in process, first call (JIT included): {cold:F0} ms; warm median {Median(warm):F1} ms, max {warm.Max():F1} ms over {repeats}");
        Console.WriteLine($"  alternative, the same zones read as Parley GeoJSON (FeatureReader): warm median {Median(native):F1} ms");

        // The command a user runs: a new process, JIT and all.
        string parley = Path.Combine(AppContext.BaseDirectory, "parley.dll");
        string output = Path.Combine(Path.GetTempPath(), "parley-bench-import.geojson");
        var command = Times(Math.Min(repeats, 5), () => RunProcess(parley, $"import openair \"{file}\" --out \"{output}\" --start 2026-03-19T00:00:00Z"));
        var help = Times(Math.Min(repeats, 5), () => RunProcess(parley, "--help"));
        Console.WriteLine($"  `parley import openair FILE --out OUT` as a process: median {Median(command):F0} ms (the process alone, `parley --help`: {Median(help):F0} ms)");
    }

    private static void RunProcess(string dll, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
    }

    private static Picture Sample(int zones) => new(
        new AgreementId(Agreement), new PartyId("blue"), DateTimeOffset.UtcNow,
        [.. new TheaterGenerator().Zones(zones).Select(z => z with { Visibility = Visibility.Public }).OrderBy(z => z.Id.Value, StringComparer.Ordinal)],
        [], []);

    private static void Export(int zones, int repeats)
    {
        var picture = Sample(zones);
        int circles = picture.Zones.Count(z => z.Volume.Footprint.Kind == Parley.Core.Geometry.ShapeKind.Point);
        int solids = picture.Zones.Count(z => double.IsFinite(z.Volume.Altitude.MinMetres) && z.Volume.Altitude.MinMetres > 0);
        byte[] kml = KmlWriter.ToBytes(picture);
        var kmlTimes = Times(repeats, () => KmlWriter.ToBytes(picture));
        var geojson = Times(repeats, () => Parley.Interop.Export.GeoJsonExport.ToBytes(picture));
        Console.WriteLine($"export {zones:N0} zones ({circles:N0} circles, {solids:N0} solids above the surface) in process:");
        Console.WriteLine($"  KML: median {Median(kmlTimes):F0} ms, max {kmlTimes.Max():F0} ms, {kml.Length / 1024 / 1024.0:F1} MiB");
        Console.WriteLine($"  alternative, the same picture as GeoJSON: median {Median(geojson):F0} ms");
    }

    private static async Task TakAsync(int count, int repeats, int pushes)
    {
        string data = Path.Combine(Path.GetTempPath(), "parley-bench-interop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        string agreementFile = Path.Combine(data, "agreement.json");
        await File.WriteAllTextAsync(agreementFile, $$"""{"id":"{{Agreement}}","parties":[{"id":"blue","role":"member"},{"id":"red","role":"member"},{"id":"aid","role":"member"}],"max_vertices":100000}""");
        var app = await ParleyApp.StartAsync(new ParleyServerOptions
        {
            DataDirectory = data, Urls = "http://127.0.0.1:0", ConsoleLogging = false, AgreementFiles = [agreementFile], RateLimitPerSecond = 0,
            Cot = new CotFeedOptions { Listeners = [CotListener.Parse($"{Agreement}/blue@127.0.0.1:0")] },
        });
        try
        {
            var registry = app.Services.GetRequiredService<TheaterRegistry>();
            // Public and open-ended: every zone is on the feed (the generator's windows lie in 2025).
            var zones = new TheaterGenerator().Zones(count).Select(z => z with
            {
                Visibility = Visibility.Public,
                Volume = z.Volume with { Time = new TimeWindow(z.Volume.Time.Start, null) },
            }).ToList();
            foreach (var owned in zones.GroupBy(z => z.Owner))
            {
                await registry.WriteAsync(new AgreementId(Agreement), (theater, now) =>
                    (Parley.Core.Workflow.Lifecycle.DeclareZones(theater, owned.Key, [.. owned], now), 0));
            }

            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenKeys.Issue(data, Agreement, "blue", Roles.Operator, TimeSpan.FromHours(1)));
            var exportKml = await TimesAsync(repeats, () => http.GetByteArrayAsync($"/v1/agreements/{Agreement}/export.kml"));
            var listing = await TimesAsync(repeats, () => http.GetByteArrayAsync($"/v1/agreements/{Agreement}/zones"));
            Console.WriteLine($"over HTTP, {count:N0} zones visible to the caller:");
            Console.WriteLine($"  GET export.kml: median {Median(exportKml):F0} ms, max {exportKml.Max():F0} ms; alternative, GET zones (GeoJSON listing): median {Median(listing):F0} ms");

            var endpoint = app.Services.GetRequiredService<CotFeed>().Endpoints[0];
            var initial = await TimesAsync(repeats, async () =>
            {
                using var client = new TcpClient();
                await client.ConnectAsync(endpoint);
                await ReadEventsAsync(client.GetStream(), count, null);
            });
            Console.WriteLine($"  TAK initial picture ({count:N0} drawings, connect to last byte): median {Median(initial):F0} ms, max {initial.Max():F0} ms");

            // Push latency: a signed declaration through the API until its drawing arrives on an open connection.
            using var feed = new TcpClient();
            await feed.ConnectAsync(endpoint);
            var stream = feed.GetStream();
            await ReadEventsAsync(stream, count, null);
            using var key = DevelopmentKeys.For(data, Agreement, "blue");
            var latencies = new List<double>();
            for (int i = 0; i < pushes; i++)
            {
                string id = $"push-{i}";
                string body = $$$"""{"type":"Feature","id":"{{{id}}}","geometry":{"type":"Polygon","coordinates":[[[31,31],[31.01,31],[31.01,31.01],[31,31.01],[31,31]]]},"properties":{"kind":"protected","start":"2026-01-01T00:00:00Z","visibility":"public"}}""";
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/agreements/{Agreement}/zones") { Content = new StringContent(body, Encoding.UTF8, "application/geo+json") };
                await SignedRequests.SignAsync(request, Agreement, key, DateTimeOffset.UtcNow);
                var clock = Stopwatch.StartNew();
                using var response = await http.SendAsync(request);
                response.EnsureSuccessStatusCode();
                await ReadEventsAsync(stream, 1, $"zone.{id}\"");
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine($"  TAK push, signed POST of a zone to its drawing on the feed: median {Median(latencies):F0} ms, max {latencies.Max():F0} ms over {pushes} (poll interval {new CotFeedOptions().PollInterval.TotalMilliseconds:F0} ms)");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Reads until <paramref name="events"/> events have ended (or, with <paramref name="marker"/>, until it has been seen).</summary>
    private static async Task ReadEventsAsync(Stream stream, int events, string? marker)
    {
        var buffer = new byte[1 << 16];
        byte[] end = "</event>"u8.ToArray();
        int seen = 0, matched = 0;
        var tail = new StringBuilder();
        while (true)
        {
            int read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                throw new IOException("the feed closed");
            }

            for (int i = 0; i < read; i++)
            {
                matched = buffer[i] == end[matched] ? matched + 1 : buffer[i] == end[0] ? 1 : 0;
                if (matched == end.Length)
                {
                    seen++;
                    matched = 0;
                }
            }

            if (marker is not null)
            {
                tail.Append(Encoding.UTF8.GetString(buffer, 0, read));
                if (tail.ToString().Contains(marker, StringComparison.Ordinal))
                {
                    return;
                }
            }
            else if (seen >= events)
            {
                return;
            }
        }
    }

    private static List<double> Times(int n, Action action)
    {
        var times = new List<double>(n);
        for (int i = 0; i < n; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return times;
    }

    private static async Task<List<double>> TimesAsync(int n, Func<Task> action)
    {
        var times = new List<double>(n);
        for (int i = 0; i < n; i++)
        {
            var clock = Stopwatch.StartNew();
            await action();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return times;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
