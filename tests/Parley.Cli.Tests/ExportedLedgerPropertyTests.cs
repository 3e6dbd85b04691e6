using System.Text;
using System.Text.Json;
using CsCheck;
using Parley.Cli.Ledger;
using Parley.Cli.Terminal;
using Parley.Core.Ports;
using Parley.Ledger;
using Parley.Ledger.Entries.Compliance;
using Parley.Ledger.Entries.Tests.Compliance;

namespace Parley.Cli.Tests;

/// <summary>
/// The recomputation from an export reads its openings in blocks and checks its bundles on several threads, a few ahead
/// of the one it adds: on random ledgers, random views and random block sizes, it gives the facts the entries give read
/// one by one (the same report, byte for byte), and refuses a changed opening or entry by the same first entry at fault.
/// </summary>
public sealed class ExportedLedgerPropertyTests
{
    private static readonly string?[] Viewers = [null, "blue", "red", "aid", "unmo"];

    [Fact]
    public void the_chunked_recomputation_is_the_entries_read_one_by_one()
    {
        int refused = 0, bundles = 0;
        Gen.Int.Sample(seed =>
        {
            var r = new Random(seed);
            var history = ComplianceHistory.Make(r, r.Next(40, 700));
            string? viewer = Viewers[r.Next(Viewers.Length)];
            var openings = history.Ledger.Select(a => ComplianceHistory.Openings(a, viewer).ToList()).ToList();
            var entries = history.Ledger.Select(a => a.Entry).ToList();
            int fault = r.Next(3) == 0 ? r.Next(entries.Count) : -1;
            if (fault >= 0)
            {
                Tamper(r, entries, openings, fault);
            }

            // One by one: the reference.
            var sequential = new ComplianceLedger();
            string? expectedError = null;
            try
            {
                for (int i = 0; i < entries.Count; i++)
                {
                    sequential.Add(i, entries[i], openings[i]);
                }
            }
            catch (InvalidDataException e)
            {
                expectedError = e.Message;
            }

            string directory = Path.Combine(Path.GetTempPath(), "parley-export-" + Guid.NewGuid().ToString("N"));
            try
            {
                Write(directory, entries, openings, r);
                int block = r.Next(3) == 0 ? 1 << 22 : r.Next(16, 6_000);
                ComplianceLedger chunked;
                try
                {
                    chunked = ExportedLedger.ReadAsync(directory, null, new ProgressLine(TextWriter.Null), block, CancellationToken.None).GetAwaiter().GetResult();
                }
                catch (CliException e)
                {
                    Assert.True(expectedError is not null, $"seed {seed}: refused where the entries read one by one are not: {e.Message}");
                    Assert.Equal($"{directory}: {expectedError}", e.Message);
                    Interlocked.Increment(ref refused);
                    return;
                }

                Assert.True(expectedError is null, $"seed {seed}: accepted where the entries read one by one are refused: {expectedError}");
                Assert.Equal(sequential.Size, chunked.Size);
                Assert.Equal(sequential.LastEntry, chunked.LastEntry);
                foreach (var period in new[] { CompliancePeriod.Day, CompliancePeriod.Week })
                {
                    var query = ComplianceQuery.For(period, null, null, sequential.LastEntry);
                    Assert.Equal(
                        Encoding.UTF8.GetString(ComplianceReport.Write(sequential, query, ComplianceReport.Everything, DateTimeOffset.UnixEpoch)),
                        Encoding.UTF8.GetString(ComplianceReport.Write(chunked, query, ComplianceReport.Everything, DateTimeOffset.UnixEpoch)));
                }

                if (entries.Count > Tiles.Width)
                {
                    Interlocked.Increment(ref bundles);
                }
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }, iter: 30);

        // The runs reached both answers, and ledgers of several bundles.
        Assert.True(refused > 0 && bundles > 5, $"{refused} refused, {bundles} of several bundles");
    }

    /// <summary>An opening swapped for another item's, or an entry's bytes changed so that it no longer reads or no longer matches.</summary>
    private static void Tamper(Random r, List<byte[]> entries, List<List<(int Item, byte[] Opening)>> openings, int at)
    {
        if (openings[at].Count > 0 && r.Next(2) == 0)
        {
            var (item, opening) = openings[at][r.Next(openings[at].Count)];
            var other = openings[r.Next(openings.Count)].FirstOrDefault(o => !o.Opening.AsSpan().SequenceEqual(opening));
            openings[at][openings[at].FindIndex(o => o.Item == item)] = (item, other.Opening ?? [.. opening, (byte)' ', (byte)'x']);
        }
        else
        {
            var bytes = entries[at].ToArray();
            bytes[r.Next(bytes.Length)] ^= 0x20;
            entries[at] = bytes;
        }
    }

    /// <summary>The folder <c>parley ledger export</c> writes: entry bundles, the openings file (as the route serves the openings), a signed checkpoint.</summary>
    private static void Write(string directory, List<byte[]> entries, List<List<(int Item, byte[] Opening)>> openings, Random r)
    {
        Directory.CreateDirectory(directory);
        var tree = new MerkleTree();
        foreach (var entry in entries)
        {
            tree.Append(entry);
        }

        foreach (var bundle in Tiles.EntryBundlesFor(entries.Count))
        {
            long first = Tiles.FirstEntry(bundle);
            string path = Path.Combine(directory, bundle.Path.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, Tiles.EntryBundle([.. entries.Skip((int)first).Take(bundle.Width)]));
        }

        using (var file = File.Create(Path.Combine(directory, "openings.jsonl")))
        {
            for (int i = 0; i < entries.Count; i++)
            {
                // Mostly as the export writes a line; some lines as another writer might (members in another order,
                // spaces, other escapes), which the reader must read the same.
                bool other = r.Next(4) == 0;
                var options = new JsonWriterOptions { Encoder = other ? System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping : null };
                using (var line = new Utf8JsonWriter(file, options))
                {
                    line.WriteStartObject();
                    if (!other)
                    {
                        line.WriteNumber("index", i);
                    }

                    line.WriteStartArray("openings");
                    foreach (var (item, opening) in openings[i])
                    {
                        line.WriteStartObject();
                        if (!other)
                        {
                            line.WriteNumber("item", item);
                        }

                        line.WritePropertyName("opening");
                        if (IsJson(opening))
                        {
                            using var parsed = JsonDocument.Parse(opening);
                            parsed.RootElement.WriteTo(line); // as the route serves it: escaped as its serializer escapes
                        }
                        else
                        {
                            line.WriteStringValue(Encoding.UTF8.GetString(opening));
                        }

                        if (other)
                        {
                            line.WriteNumber("item", item);
                        }

                        line.WriteEndObject();
                    }

                    line.WriteEndArray();
                    if (other)
                    {
                        line.WriteNumber("index", i);
                    }

                    line.WriteEndObject();
                }

                // Lines end as the export ends them, or as an editor may have saved them; some blank lines between.
                file.Write(r.Next(10) == 0 ? "\r\n"u8 : "\n"u8);
                if (r.Next(20) == 0)
                {
                    file.Write("\n"u8);
                }
            }
        }

        using var signer = new NoteSigner("test-center", NoteSigner.NewSeed());
        string text = new Checkpoint("test-center/compliance", entries.Count, tree.Root(entries.Count), []).ToText();
        File.WriteAllText(Path.Combine(directory, "checkpoint"), new SignedNote(text, [signer.Sign(text)]).ToString());
    }

    private static bool IsJson(byte[] bytes)
    {
        try
        {
            using var _ = JsonDocument.Parse(bytes);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
