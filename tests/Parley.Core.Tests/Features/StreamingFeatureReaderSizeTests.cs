using System.Globalization;
using System.Text;
using CsCheck;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Core.Tests.Features;

/// <summary>
/// The parallel reader at the sizes where splitting work over the cores goes wrong: no feature, one, two, and one
/// fewer, as many and one more than the machine has cores, in one chunk, in about a chunk per feature and in
/// chunks of a few bytes. It reads what the reference reads, in the same order, and refuses what it refuses,
/// naming the same feature and field.
/// </summary>
public sealed class StreamingFeatureReaderSizeTests
{
    private static readonly Agreement Rules = Agreement.Default();

    public static TheoryData<int> Sizes()
    {
        int cores = Environment.ProcessorCount;
        return [.. new[] { 0, 1, 2, cores - 1, cores, cores + 1 }.Where(n => n >= 0).Distinct()];
    }

    /// <summary>A valid zone (or operation) numbered i: a circle, a square or a corridor somewhere, at some time.</summary>
    private static readonly Gen<Func<int, bool, string>> AnyFeature =
        Gen.Select(Gen.Int[0, 2], Gen.Double[-170, 170], Gen.Double[-80, 80], Gen.Int[0, 2], Gen.Int[0, 364], Gen.Int[-1, 48], Gen.Int[0, 2])
            .Select(p => (Func<int, bool, string>)((i, zone) =>
            {
                var (shape, lon, lat, kind, day, hours, owner) = p;
                string x = lon.ToString("R", CultureInfo.InvariantCulture), y = lat.ToString("R", CultureInfo.InvariantCulture);
                var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(day);
                var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{{\"type\":\"Feature\",\"id\":\"f{i}\",\"geometry\":");
                text.Append(shape switch
                {
                    0 => $"{{\"type\":\"Point\",\"coordinates\":[{x},{y}]}}",
                    1 => string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"Polygon\",\"coordinates\":[[[{x},{y}],[{lon + 1},{y}],[{lon + 1},{lat + 1}],[{x},{lat + 1}],[{x},{y}]]]}}"),
                    _ => string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"LineString\",\"coordinates\":[[{x},{y}],[{lon + 0.5},{lat + 0.25}]]}}"),
                });
                text.Append(CultureInfo.InvariantCulture, $",\"properties\":{{\"kind\":\"{(zone ? new[] { "protected", "restricted", "designated" } : ["strike", "flight", "ground-movement"])[kind]}\"");
                text.Append(CultureInfo.InvariantCulture, $",\"owner\":\"{new[] { "blue", "red", "aid" }[owner]}\",\"start\":\"{start:yyyy-MM-ddTHH:mm:ssZ}\"");
                if (hours >= 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $",\"end\":\"{start.AddHours(hours + 1):yyyy-MM-ddTHH:mm:ssZ}\"");
                }

                text.Append(shape switch { 0 => ",\"radius_m\":250", 2 => ",\"corridor_m\":100", _ => "" });
                return text.Append("}}").ToString();
            }));

    private static byte[] Collection(IEnumerable<string> features) =>
        Encoding.UTF8.GetBytes("{\"type\":\"FeatureCollection\",\"features\":[" + string.Join(",", features) + "]}");

    /// <summary>One chunk; about one feature a chunk (so as many chunks as features); chunks of a few bytes.</summary>
    private static readonly Gen<int> Chunking = Gen.OneOf(Gen.Const(StreamingFeatureReader.DefaultChunkBytes), Gen.Int[150, 400], Gen.Int[1, 40]);

    private static List<string> ReadFast(byte[] utf8, bool zones, int chunkBytes, List<(int Done, int Total)>? reports = null)
    {
        var progress = reports is null ? null : new Recorder(reports);
        return zones
            ? [.. StreamingFeatureReader.Read<Zone>(utf8, Rules, null, true, progress, chunkBytes).Select(FeatureWriter.ToJson)]
            : [.. StreamingFeatureReader.Read<Operation>(utf8, Rules, null, false, progress, chunkBytes).Select(FeatureWriter.ToJson)];
    }

    private static List<string> ReadReference(byte[] utf8, bool zones)
    {
        using var document = FeatureReader.ParseJson(utf8);
        return zones
            ? [.. FeatureReader.ReadZones(document.RootElement, Rules).Select(FeatureWriter.ToJson)]
            : [.. FeatureReader.ReadOperations(document.RootElement, Rules).Select(FeatureWriter.ToJson)];
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void a_collection_of_this_size_is_read_whole_and_in_order_as_the_core_reader_reads_it(int size)
    {
        Gen.Select(AnyFeature.Array[size], Gen.Bool, Chunking).Sample((features, zones, chunkBytes) =>
        {
            var utf8 = Collection(features.Select((f, i) => f(i, zones)));
            var reports = new List<(int Done, int Total)>();
            var read = ReadFast(utf8, zones, chunkBytes, reports);

            Assert.Equal(size, read.Count);
            Assert.Equal(ReadReference(utf8, zones), read);
            Assert.All(reports, r => Assert.InRange(r.Done, 0, r.Total));
            Assert.Equal((size, size), reports[^1]); // the last report is exact
        }, iter: 60);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void a_bad_feature_anywhere_in_a_collection_of_this_size_is_refused_as_the_core_reader_refuses_it(int size)
    {
        if (size == 0)
        {
            return; // nothing to spoil
        }

        Gen.Select(AnyFeature.Array[size], Gen.Int[0, size - 1], Gen.Bool, Chunking).Sample((features, bad, zones, chunkBytes) =>
        {
            var texts = features.Select((f, i) => f(i, zones)).ToArray();
            // The end before the start: the start a year later, or an end at the first instant of the year.
            texts[bad] = texts[bad].Contains("\"end\"", StringComparison.Ordinal)
                ? texts[bad].Replace("\"start\":\"2026-", "\"start\":\"2027-", StringComparison.Ordinal)
                : texts[bad].Replace("\"start\":", "\"end\":\"2026-01-01T00:00:00Z\",\"start\":", StringComparison.Ordinal);

            var utf8 = Collection(texts);
            var fast = Assert.Throws<InputRejectedException>(() => ReadFast(utf8, zones, chunkBytes));
            var reference = Assert.Throws<InputRejectedException>(() => ReadReference(utf8, zones));

            Assert.Equal(reference.Errors, fast.Errors);
            Assert.Equal(new InputError($"f{bad}", $"features[{bad}].properties.end", "must be after start"), fast.Errors[0]);
        }, iter: 40);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void a_repeated_id_in_a_collection_of_this_size_is_refused_at_its_second_use(int size)
    {
        if (size < 2)
        {
            return; // a repeat needs two features
        }

        Gen.Select(AnyFeature.Array[size], Gen.Int[0, size - 1], Gen.Int[0, size - 1], Gen.Bool, Chunking).Where((_, a, b, _, _) => a != b).Sample((features, a, b, zones, chunkBytes) =>
        {
            var texts = features.Select((f, i) => f(i, zones)).ToArray();
            int first = Math.Min(a, b), second = Math.Max(a, b);
            texts[second] = texts[second].Replace($"\"id\":\"f{second}\"", $"\"id\":\"f{first}\"", StringComparison.Ordinal);

            var utf8 = Collection(texts);
            var error = Assert.Single(Assert.Throws<InputRejectedException>(() => ReadFast(utf8, zones, chunkBytes)).Errors);
            Assert.Equal($"f{first}", error.FeatureId);
            Assert.Equal($"features[{second}].id", error.Field);
            Assert.StartsWith("duplicate id", error.Message, StringComparison.Ordinal);
            Assert.Equal(Assert.Throws<InputRejectedException>(() => ReadReference(utf8, zones)).Errors, [error]);
        }, iter: 40);
    }

    private sealed class Recorder(List<(int Done, int Total)> reports) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
