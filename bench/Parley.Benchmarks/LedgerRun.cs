using Parley.Tests.Support;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Parley.Ledger;

namespace Parley.Benchmarks;

/// <summary>
/// The ledger's costs: proof generation at 10 M leaves, full verification of 1 M entries, and append
/// throughput of the tree (hashing included) in memory.
/// </summary>
internal static class LedgerRun
{
    public static int Run(int proofLeaves, int verifyEntries, int proofs)
    {
        Console.WriteLine($"# ledger — {Machine.Describe()}");
        Console.WriteLine();
        DurableAppends().GetAwaiter().GetResult();
        ProofGeneration(proofLeaves, proofs);
        FullVerification(verifyEntries);
        return 0;
    }

    /// <summary>
    /// Entries appended durably (SQLite, WAL, synchronous=FULL) through the store's group commit: each batch is
    /// one transaction and one flush; leaf hashing and the in-memory tree are included.
    /// </summary>
    private static async Task DurableAppends()
    {
        Console.WriteLine("## Durable appends (store group commit: one transaction per batch)");
        Console.WriteLine();
        Console.WriteLine("| batch size | entries | time (s) | entries/s |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (var (batchSize, total) in new[] { (1, 2_000), (10, 20_000), (100, 100_000), (1_000, 200_000), (10_000, 200_000) })
        {
            string folder = Path.Combine(Path.GetTempPath(), "parley-ledger-bench-" + Guid.NewGuid().ToString("N"));
            try
            {
                await using var store = new Parley.Storage.Sqlite.SqliteStore(Path.Combine(folder, "parley.db"));
                await store.InitializeAsync();
                var agreement = new Parley.Core.Model.AgreementId("bench");
                var tree = new MerkleTree();
                long start = Stopwatch.GetTimestamp();
                for (int done = 0; done < total; done += batchSize)
                {
                    var batch = new List<Parley.Tests.Support.CommitBuilder>(batchSize);
                    for (int i = 0; i < batchSize; i++)
                    {
                        long index = tree.Size + i;
                        var entry = Encoding.UTF8.GetBytes($$"""{"agreement":"bench","command":"zone.declare","items":[{"commitment":"{{Convert.ToBase64String(SHA256.HashData(BitConverter.GetBytes(index)))}}","owner":"blue","visibility":"private"}],"submitter":"blue","time":"2026-12-01T08:00:00Z"}""");
                        var changes = new Parley.Tests.Support.CommitBuilder();
                        changes.Ledger.Add(new Parley.Core.Ports.LedgerAppend(index, entry, [new byte[64]]));
                        batch.Add(changes);
                    }

                    await store.CommitBatchAsync(agreement, batch);
                    foreach (var changes in batch)
                    {
                        tree.Append(changes.Ledger[0].Entry);
                    }
                }

                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {batchSize:N0} | {total:N0} | {seconds:F2} | {total / seconds:N0} |"));
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(folder, recursive: true);
            }
        }

        Console.WriteLine();
    }

    private static void ProofGeneration(int leaves, int proofs)
    {
        var tree = new MerkleTree();
        var progress = new Progress($"appending {leaves:N0} leaf hashes", leaves);
        var leaf = new byte[32];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < leaves; i++)
        {
            BitConverter.TryWriteBytes(leaf, i);
            tree.AppendLeafHash(leaf);
            progress.Report(i + 1);
        }

        double appendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        progress.Done();

        var random = new Random(7);
        var inclusion = new LatencySample(proofs);
        var consistency = new LatencySample(proofs);
        for (int i = 0; i < proofs; i++)
        {
            long size = random.NextInt64(1, leaves + 1);
            long index = random.NextInt64(0, size);
            long t0 = Stopwatch.GetTimestamp();
            var proof = tree.InclusionProof(index, size);
            inclusion.Add(Stopwatch.GetTimestamp() - t0);
            GC.KeepAlive(proof);

            long from = random.NextInt64(1, size + 1);
            t0 = Stopwatch.GetTimestamp();
            var c = tree.ConsistencyProof(from, size);
            consistency.Add(Stopwatch.GetTimestamp() - t0);
            GC.KeepAlive(c);
        }

        var inc = inclusion.Summarise();
        var con = consistency.Summarise();
        Console.WriteLine($"## Proofs at {leaves:N0} leaves ({proofs:N0} random proofs each)");
        Console.WriteLine();
        Console.WriteLine("| what | p50 (µs) | p99 (µs) | max (µs) | mean (µs) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| inclusion proof | {inc.P50:F1} | {inc.P99:F1} | {inc.Max:F1} | {inc.Mean:F1} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| consistency proof | {con.P50:F1} | {con.P99:F1} | {con.Max:F1} | {con.Mean:F1} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Tree append (leaf hash given, interior hashing included): {leaves / appendSeconds:N0} leaves/s ({appendSeconds:F1} s for {leaves:N0})."));
        Console.WriteLine();
    }

    /// <summary>
    /// What an auditor does with an exported log: hash every entry, rebuild the tree, compare the root with the
    /// signed checkpoint, and check every inline opening against its commitment.
    /// </summary>
    private static void FullVerification(int entries)
    {
        Console.Error.WriteLine($"preparing {entries:N0} entries");
        using var signer = new NoteSigner("bench.parley/demo", NoteSigner.NewSeed());
        var log = new List<byte[]>(entries);
        var producer = new MerkleTree();
        for (int i = 0; i < entries; i++)
        {
            // A realistic public item: a 10-vertex zone's opening inline, its commitment beside it.
            string opening = $$"""{"content":{"feature":{"geometry":{"coordinates":[[[35.1,33.1],[35.2,33.1],[35.25,33.15],[35.2,33.2],[35.15,33.22],[35.1,33.2],[35.05,33.18],[35.03,33.15],[35.05,33.12],[35.08,33.1],[35.1,33.1]]],"type":"Polygon"},"id":"z{{i}}","properties":{"kind":"protected","owner":"blue","start":"2026-01-01T00:00:00Z","visibility":"public"},"type":"Feature"},"type":"zone","version":1},"salt":"AAAAAAAAAAAAAAAAAAAAAA=="}""";
            string commitment = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(opening)));
            var entry = Encoding.UTF8.GetBytes($$"""{"agreement":"demo","command":"zone.declare","items":[{"commitment":"{{commitment}}","opening":{{opening}},"owner":"blue","visibility":"public"}],"submitter":"blue","time":"2026-12-01T08:00:00Z"}""");
            log.Add(entry);
            producer.Append(entry);
        }

        string text = new Checkpoint("bench.parley/demo", entries, producer.Root(entries), []).ToText();
        string note = new SignedNote(text, [signer.Sign(text)]).ToString();
        var key = VerifierKey.Parse(signer.Verifier.ToString());
        long bytes = log.Sum(e => (long)e.Length);

        long start = Stopwatch.GetTimestamp();
        var parsed = SignedNote.Parse(note);
        if (!parsed.Signatures.Any(s => key.Verifies(parsed.Text, s)))
        {
            throw new InvalidOperationException("signature");
        }

        var checkpoint = Checkpoint.Parse(parsed.Text);
        var tree = new MerkleTree();
        int checkedCommitments = 0;
        foreach (var entry in log)
        {
            tree.Append(entry);
            using var doc = System.Text.Json.JsonDocument.Parse(entry);
            foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
            {
                if (item.TryGetProperty("opening", out var opening))
                {
                    var canonical = CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(opening.GetRawText()));
                    if (Convert.ToBase64String(SHA256.HashData(canonical)) != item.GetProperty("commitment").GetString())
                    {
                        throw new InvalidOperationException("commitment");
                    }

                    checkedCommitments++;
                }
            }
        }

        bool rootMatches = tree.Root(checkpoint.Size).AsSpan().SequenceEqual(checkpoint.RootHash);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine($"## Full verification of {entries:N0} entries ({bytes / 1e6:N0} MB)");
        Console.WriteLine();
        Console.WriteLine("| what | time (s) | entries/s | root matches | commitments checked |");
        Console.WriteLine("|---|---:|---:|---|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| signature, leaf hashes, tree, root, RFC 8785 canonicalisation and SHA-256 of every inline opening | {seconds:F1} | {entries / seconds:N0} | {rootMatches} | {checkedCommitments:N0} |"));
        Console.WriteLine();
    }
}
