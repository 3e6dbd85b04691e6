using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Core.Ports;
using Parley.Ledger;
using Parley.Server.Api;

namespace Parley.Benchmarks;

/// <summary>
/// The folder <c>parley ledger export</c> writes for the administrator (checkpoint signed by the center, hash tiles, entry
/// bundles, every opening as the openings route serves it, verifier key), written from a benchmark ledger and kept for the
/// next run; then <c>parley report compliance --ledger DIR --key VKEY --format json</c> timed on it, in process.
/// </summary>
internal static class ComplianceExport
{
    private const string Center = "bench-center";
    private const string Stamp = "stamp";
    private const string Expected = "expected.json";

    /// <summary>Whether <paramref name="directory"/> holds a complete export of the ledger a run of <paramref name="entries"/> and <paramref name="seed"/> makes.</summary>
    public static bool Holds(string directory, int entries, int seed) =>
        File.Exists(Path.Combine(directory, "checkpoint")) && File.Exists(Path.Combine(directory, Expected)) &&
        File.Exists(Path.Combine(directory, Stamp)) && File.ReadAllText(Path.Combine(directory, Stamp)) == StampOf(entries, seed);

    private static string StampOf(int entries, int seed) => $"entries {entries} seed {seed}\n";

    /// <summary>Writes the export of <paramref name="ledger"/>, and the report it must give (<paramref name="expected"/>), the checkpoint last.</summary>
    public static double Write(string directory, IReadOnlyList<LedgerAppend> ledger, string agreement, int entries, int seed, byte[] expected)
    {
        long t0 = Stopwatch.GetTimestamp();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        var tree = new MerkleTree();
        foreach (var append in ledger)
        {
            tree.Append(append.Entry);
        }

        long size = ledger.Count;
        foreach (var tile in Tiles.HashTilesFor(size))
        {
            Save(directory, tile, Tiles.HashTile(tree, tile));
        }

        foreach (var bundle in Tiles.EntryBundlesFor(size))
        {
            long first = Tiles.FirstEntry(bundle);
            Save(directory, bundle, Tiles.EntryBundle([.. Enumerable.Range(0, bundle.Width).Select(i => ledger[(int)(first + i)].Entry)]));
        }

        // One line per entry, as the openings route serves a page's entries and the export writes them.
        using (var openings = new FileStream(Path.Combine(directory, "openings.jsonl"), FileMode.Create))
        {
            foreach (var append in ledger)
            {
                var views = append.Openings.Select((o, i) => new OpeningView(i, JsonDocument.Parse(o).RootElement.Clone())).ToList();
                openings.Write(JsonSerializer.SerializeToUtf8Bytes(new OpeningsResponse(append.Index, views), WireJson.Default.OpeningsResponse));
                openings.WriteByte((byte)'\n');
            }
        }

        using var signer = new NoteSigner(Center, NoteSigner.NewSeed());
        string text = new Checkpoint($"{Center}/{agreement}", size, tree.Root(size), []).ToText();
        File.WriteAllBytes(Path.Combine(directory, Expected), expected);
        File.WriteAllText(Path.Combine(directory, "vkey"), signer.Verifier + "\n");
        File.WriteAllText(Path.Combine(directory, Stamp), StampOf(entries, seed));
        File.WriteAllText(Path.Combine(directory, "checkpoint"), new SignedNote(text, [signer.Sign(text)]).ToString());
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    /// <summary>
    /// Runs the command <paramref name="runs"/> times; the seconds of each run, and whether every run printed the document
    /// the facts kept at the center give (apart from when it was generated).
    /// </summary>
    public static (List<double> Seconds, bool Same) Recompute(string directory, int runs)
    {
        string expected = WithoutGenerated(File.ReadAllText(Path.Combine(directory, Expected)));
        var seconds = new List<double>();
        bool same = true;
        for (int run = 0; run < runs; run++)
        {
            Machine.Collect();
            var stdout = new StringWriter(CultureInfo.InvariantCulture);
            var stderr = new StringWriter(CultureInfo.InvariantCulture);
            long t0 = Stopwatch.GetTimestamp();
            int code = Parley.Cli.Cli.RunAsync(
                ["report", "compliance", "--ledger", directory, "--key", Path.Combine(directory, "vkey"), "--format", "json"], stdout, stderr).GetAwaiter().GetResult();
            seconds.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            if (code != 0)
            {
                Console.Error.WriteLine($"parley report compliance exited with {code}: {stderr}");
                return (seconds, false);
            }

            same &= WithoutGenerated(stdout.ToString().Trim()) == expected;
            Console.Error.WriteLine($"recomputed from the export in {seconds[^1]:F2} s");
        }

        return (seconds, same);
    }

    private static string WithoutGenerated(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove("generated");
        return node.ToJsonString();
    }

    private static void Save(string directory, TileId tile, byte[] bytes)
    {
        string path = Path.Combine(directory, tile.Path.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>The command a user runs, for the record.</summary>
    public static string Command(string directory) =>
        new StringBuilder("parley report compliance --ledger ").Append(directory).Append(" --key ").Append(Path.Combine(directory, "vkey")).Append(" --format json").ToString();
}
