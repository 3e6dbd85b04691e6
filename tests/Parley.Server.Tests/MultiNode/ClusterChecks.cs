using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Ledger;
using Parley.Ledger.Entries;
using Parley.Server.Security;

namespace Parley.Server.Tests.MultiNode;

/// <summary>What the database holds for the agreement: its ledger, checked gapless, and the state replayed from it.</summary>
/// <param name="Records">The ledger records in index order.</param>
/// <param name="Tree">The Merkle tree of their entries.</param>
/// <param name="Theater">The state the ledger replays to; null when it does not replay.</param>
internal sealed record ClusterTruth(IReadOnlyList<LedgerRecord> Records, MerkleTree Tree, Theater? Theater);

/// <summary>
/// The checks of a multi-node run. Each adds what it finds wrong to a list of failures rather than stopping at the
/// first, so that one run names every way the nodes disagree.
/// </summary>
internal static class ClusterChecks
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Reads the ledger from the database, checks that its indices run 0…n−1, and replays it (which checks every commitment against its opening).</summary>
    public static async Task<ClusterTruth> ReadTruthAsync(NodeCluster cluster, List<string> failures)
    {
        var records = new List<LedgerRecord>();
        await foreach (var record in cluster.Store.ReadLedgerAsync(new AgreementId(cluster.AgreementId), 0, Ct))
        {
            records.Add(record);
        }

        var tree = new MerkleTree();
        for (int i = 0; i < records.Count; i++)
        {
            if (records[i].Index != i)
            {
                failures.Add($"the database's ledger is not gapless: entry {i} has index {records[i].Index}");
                break;
            }

            tree.Append(records[i].Entry);
        }

        Theater? theater = null;
        try
        {
            theater = LedgerReplay.Replay(records);
        }
        catch (InvalidDataException e)
        {
            failures.Add($"the database's ledger does not replay: {e.Message}");
        }

        return new ClusterTruth(records, tree, theater);
    }

    /// <summary>The workflow invariant on the state the ledger replays to: no conflict goes ahead without concurrence.</summary>
    public static void CheckInvariant(ClusterTruth truth, List<string> failures)
    {
        if (truth.Theater is { } theater)
        {
            failures.AddRange(Invariants.Check(theater).Select(v => "invariant: " + v));
        }
    }

    /// <summary>
    /// No half-applied write: the zones, operations and requests the database's tables hold are exactly those the
    /// ledger replays to, at the same versions and states.
    /// </summary>
    public static async Task CheckTablesMatchLedgerAsync(NodeCluster cluster, ClusterTruth truth, List<string> failures)
    {
        if (truth.Theater is not { } theater)
        {
            return;
        }

        var agreement = theater.Agreement;
        var zones = await cluster.Store.LoadZonesAsync(agreement, Ct);
        var operations = await cluster.Store.LoadOperationsAsync(agreement, Ct);
        var requests = await cluster.Store.LoadRequestsAsync(agreement.Id, Ct);
        Compare("zones table", zones.Select(z => $"{z.Id} v{z.Version}"), theater.Zones.Select(z => $"{z.Id} v{z.Version}"), failures);
        Compare("operations table", operations.Select(o => $"{o.Id} v{o.Version} {OperationStates.Name(o.State)}"),
            theater.Operations.Select(o => $"{o.Id} v{o.Version} {OperationStates.Name(o.State)}"), failures);
        Compare("requests table", requests.Select(r => $"{r.Id} v{r.Version} {RequestStates.Name(r.State)}"),
            theater.Requests.All.Select(r => $"{r.Id} v{r.Version} {RequestStates.Name(r.State)}"), failures);
    }

    /// <summary>Every write a node acknowledged is in the state the ledger replays to (at its version or later; a deletion, absent).</summary>
    public static void CheckAcknowledged(ClusterTruth truth, IReadOnlyList<AcknowledgedWrite> acknowledged, List<string> failures)
    {
        if (truth.Theater is not { } theater)
        {
            return;
        }

        var lost = new List<string>();
        foreach (var item in acknowledged.GroupBy(a => (a.Type, a.Id)))
        {
            bool deleted = item.Any(a => a.Deletion);
            long version = item.Max(a => a.Version);
            long? held = item.Key.Type switch
            {
                "zone" => theater.FindZone(new ZoneId(item.Key.Id))?.Version,
                "operation" => theater.FindOperation(new OperationId(item.Key.Id))?.Version,
                _ => theater.Requests.Find(item.Key.Id)?.Version,
            };
            if (deleted ? held is not null : held is null || held < version)
            {
                lost.Add(deleted ? $"{item.Key.Type} {item.Key.Id} (deleted) is still there"
                    : $"{item.Key.Type} {item.Key.Id} v{version} is {(held is null ? "missing" : $"at v{held}")}");
            }
        }

        if (lost.Count > 0)
        {
            failures.Add($"{lost.Count} of {acknowledged.Count} acknowledged writes are not in the committed state: {string.Join("; ", lost.Take(5))}");
        }
    }

    /// <summary>
    /// Within 5 s of the last write, each node's view, party by party (zones, operations, requests), is the same on
    /// every node, and the items a party owns or is asked about are those of the committed state, in the same states
    /// and versions. (A node may learn of other nodes' commits a little later than they land; it may not stay behind.)
    /// </summary>
    public static async Task CheckNodeViewsAsync(NodeCluster cluster, IReadOnlyList<int> nodes, ClusterTruth truth, List<string> failures)
    {
        // Polls with a deadline: the nodes are processes of their own, which no clock of the test drives.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var found = new List<string>();
            await ReadNodeViewsAsync(cluster, nodes, truth, found);
            if (found.Count == 0 || DateTime.UtcNow >= deadline)
            {
                failures.AddRange(found.Select(f => f + " (after 5 s of waiting)"));
                return;
            }

            await Task.Delay(250, Ct);
        }
    }

    private static async Task ReadNodeViewsAsync(NodeCluster cluster, IReadOnlyList<int> nodes, ClusterTruth truth, List<string> failures)
    {
        string a = cluster.AgreementId;
        foreach (var party in HotAreaWorkload.Parties)
        {
            var bodies = new Dictionary<int, string>();
            foreach (int node in nodes)
            {
                using var client = cluster.Client(node, party, Roles.Approver);
                try
                {
                    string zones = await client.GetStringAsync($"/v1/agreements/{a}/zones", Ct);
                    string operations = await client.GetStringAsync($"/v1/agreements/{a}/operations", Ct);
                    string requests = await client.GetStringAsync($"/v1/agreements/{a}/requests", Ct);
                    bodies[node] = zones + "\n" + operations + "\n" + requests;
                    if (truth.Theater is { } theater)
                    {
                        var p = new PartyId(party);
                        string where = $"{cluster.Nodes[node].Name}, {party}'s";
                        Compare($"{where} zones", Features(zones).Where(f => f.Owner == party).Select(f => f.Id),
                            theater.Zones.Where(z => z.Owner == p).Select(z => z.Id.Value), failures);
                        Compare($"{where} operations", Features(operations).Where(f => f.Owner == party).Select(f => $"{f.Id} {f.State}"),
                            theater.Operations.Where(o => o.Owner == p).Select(o => $"{o.Id} {OperationStates.Name(o.State)}"), failures);
                        Compare($"{where} requests",
                            JsonDocument.Parse(requests).RootElement.GetProperty("requests").EnumerateArray()
                                .Select(r => $"{r.GetProperty("id").GetString()} v{r.GetProperty("version").GetInt64()} {r.GetProperty("state").GetString()}"),
                            theater.Requests.All.Where(r => r.Submitter == p || r.Affected == p).Select(r => $"{r.Id} v{r.Version} {RequestStates.Name(r.State)}"), failures);
                    }
                }
                catch (HttpRequestException e)
                {
                    failures.Add($"{cluster.Nodes[node].Name}: {party}'s view could not be read: {e.Message}");
                }
            }

            var distinct = bodies.GroupBy(b => b.Value).ToList();
            if (distinct.Count > 1)
            {
                failures.Add($"{party}'s view differs between nodes: {string.Join(" | ", distinct.Select(g => string.Join(", ", g.Select(b => cluster.Nodes[b.Key].Name))))}");
            }
        }
    }

    /// <summary>
    /// Each node serves the one ledger the database holds: the same checkpoint key; within 5 s a checkpoint of exactly
    /// the database's size, signed by that key, whose root is the database's; entries as stored; inclusion proofs of
    /// a sample of entries and consistency proofs from earlier sizes that verify against it.
    /// </summary>
    public static async Task CheckLedgerOnNodesAsync(NodeCluster cluster, IReadOnlyList<int> nodes, ClusterTruth truth, List<string> failures)
    {
        string a = cluster.AgreementId;
        long size = truth.Tree.Size;
        var keys = new Dictionary<int, string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        foreach (int node in nodes)
        {
            string name = cluster.Nodes[node].Name;
            using var client = cluster.Client(node, HotAreaWorkload.Parties[0], Roles.Monitor);
            try
            {
                string keyText = await client.GetStringAsync($"/v1/agreements/{a}/ledger/key", Ct);
                keys[node] = keyText;
                var key = VerifierKey.Parse(keyText);
                var (note, checkpoint) = await CheckpointAsync(client, a, size, deadline);
                if (checkpoint is null)
                {
                    failures.Add($"{name} has no checkpoint; the database holds {size} entries");
                    continue;
                }

                if (!note!.Signatures.Any(s => key.Verifies(note.Text, s)))
                {
                    failures.Add($"{name}'s checkpoint is not signed by its key");
                }

                if (checkpoint.Size > size)
                {
                    failures.Add($"{name}'s checkpoint covers {checkpoint.Size} entries, more than the database's {size}");
                    continue;
                }

                bool sameRoot = truth.Tree.Root(checkpoint.Size).AsSpan().SequenceEqual(checkpoint.RootHash);
                if (checkpoint.Size < size)
                {
                    failures.Add($"{name}'s checkpoint covers {checkpoint.Size} entries within 5 s; the database holds {size}" +
                        (sameRoot ? " (its root is the database's at that size)" : " and its root is not the database's at that size: the node's tree forked"));
                    continue;
                }

                if (!sameRoot)
                {
                    failures.Add($"{name}'s checkpoint of {size} entries has a root that is not the database's");
                    continue;
                }

                await CheckProofsAsync(client, a, name, truth, failures);
            }
            catch (Exception e) when (e is HttpRequestException or FormatException or JsonException)
            {
                failures.Add($"{name}: its ledger could not be read: {e.Message}");
            }
        }

        if (keys.Values.Distinct().Count() > 1)
        {
            failures.Add("the nodes publish different checkpoint keys");
        }
    }

    private static async Task CheckProofsAsync(HttpClient client, string a, string name, ClusterTruth truth, List<string> failures)
    {
        long size = truth.Tree.Size;
        var sample = size <= 40 ? [.. Enumerable.Range(0, (int)size).Select(i => (long)i)]
            : Enumerable.Range(0, 40).Select(i => i * (size - 1) / 39).Distinct().ToList();
        foreach (long index in sample)
        {
            byte[] served = await client.GetByteArrayAsync($"/v1/agreements/{a}/ledger/entries/{index}", Ct);
            if (!served.AsSpan().SequenceEqual(truth.Records[(int)index].Entry))
            {
                failures.Add($"{name} serves entry {index} differently from the database");
                return;
            }

            var proof = await client.GetFromJsonAsync<JsonElement>(string.Create(CultureInfo.InvariantCulture, $"/v1/agreements/{a}/ledger/proof/inclusion?index={index}&size={size}"), Ct);
            try
            {
                ProofVerifier.VerifyInclusion((ulong)index, (ulong)size, Merkle.LeafHash(served), Hashes(proof), truth.Tree.Root(size));
            }
            catch (ProofException e)
            {
                failures.Add($"{name}: the inclusion proof of entry {index} does not verify: {e.Message}");
                return;
            }
        }

        foreach (long from in new[] { 1, size / 2, size - 1 }.Where(s => s >= 1 && s < size).Distinct())
        {
            var proof = await client.GetFromJsonAsync<JsonElement>(string.Create(CultureInfo.InvariantCulture, $"/v1/agreements/{a}/ledger/proof/consistency?from={from}&to={size}"), Ct);
            try
            {
                ProofVerifier.VerifyConsistency((ulong)from, (ulong)size, truth.Tree.Root(from), truth.Tree.Root(size), Hashes(proof));
            }
            catch (ProofException e)
            {
                failures.Add($"{name}: the consistency proof from {from} to {size} does not verify: {e.Message}");
                return;
            }
        }
    }

    private static List<byte[]> Hashes(JsonElement proof) =>
        [.. proof.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!))];

    /// <summary>The node's latest checkpoint, waiting until <paramref name="deadline"/> for one of at least <paramref name="size"/> entries; null when it has none.</summary>
    private static async Task<(SignedNote? Note, Checkpoint? Checkpoint)> CheckpointAsync(HttpClient client, string a, long size, DateTime deadline)
    {
        // Polls with a deadline: the node signs on its own interval, in a process of its own.
        while (true)
        {
            using var response = await client.GetAsync($"/v1/agreements/{a}/ledger/checkpoint", Ct);
            (SignedNote?, Checkpoint?) latest = (null, null);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var note = SignedNote.Parse(await response.Content.ReadAsStringAsync(Ct));
                latest = (note, Checkpoint.Parse(note.Text));
            }

            if (latest.Item2?.Size >= size || DateTime.UtcNow >= deadline)
            {
                return latest;
            }

            await Task.Delay(100, Ct);
        }
    }

    /// <summary>
    /// Every stream, on whichever node, receives within <paramref name="within"/> exactly its party's committed events
    /// (as the database holds them): each once, in order, none missing; and the last state it was told of each of the
    /// party's operations is the committed one.
    /// </summary>
    public static async Task CheckEventsAsync(NodeCluster cluster, IReadOnlyList<(int Node, string Party, EventStream Stream)> streams, ClusterTruth truth,
        TimeSpan within, List<string> failures)
    {
        var deadline = DateTime.UtcNow + within;
        foreach (var (node, party, stream) in streams)
        {
            var stored = await cluster.Store.ReadEventsAsync(new AgreementId(cluster.AgreementId), new PartyId(party), 0, 1_000_000, Ct);
            long last = stored.Count == 0 ? 0 : stored[^1].Sequence;
            var left = deadline - DateTime.UtcNow;
            bool arrived = await stream.WaitForAsync(last, left > TimeSpan.Zero ? left : TimeSpan.Zero);
            var received = stream.Received.Select(e => e.Id).ToList();
            var expected = stored.Select(e => e.Sequence).ToList();
            string where = $"{cluster.Nodes[node].Name}, {party}'s stream";
            if (!received.SequenceEqual(expected))
            {
                var missing = expected.Except(received).ToList();
                int duplicates = received.Count - received.Distinct().Count();
                bool ordered = received.Zip(received.Skip(1)).All(p => p.First < p.Second);
                failures.Add($"{where} received {received.Count} of {expected.Count} events{(arrived ? "" : $" within {within.TotalSeconds:0} s")}: " +
                    $"{missing.Count} missing{(missing.Count > 0 ? $" (first {string.Join(", ", missing.Take(5))})" : "")}, {duplicates} duplicated, " +
                    $"{(ordered ? "in order" : "out of order")}{(stream.Ended is { } ended ? $"; the stream ended: {ended}" : "")}");
                continue;
            }

            if (truth.Theater is { } theater)
            {
                var events = stream.Received;
                foreach (var operation in theater.Operations.Where(o => o.Owner.Value == party))
                {
                    var told = events.LastOrDefault(e => e.Type == "operation.state" && e.Data.GetProperty("operation").GetString() == operation.Id.Value);
                    string state = OperationStates.Name(operation.State);
                    if (told?.Data.GetProperty("state").GetString() != state)
                    {
                        failures.Add($"{where} last said {operation.Id} is {told?.Data.GetProperty("state").GetString() ?? "(nothing)"}; it is {state}");
                        break;
                    }
                }
            }
        }
    }

    private static void Compare(string what, IEnumerable<string> actual, IEnumerable<string> expected, List<string> failures)
    {
        var have = actual.Order(StringComparer.Ordinal).ToList();
        var want = expected.Order(StringComparer.Ordinal).ToList();
        if (have.SequenceEqual(want))
        {
            return;
        }

        var extra = have.Except(want).ToList();
        var missing = want.Except(have).ToList();
        failures.Add($"{what} differ from the committed state ({have.Count} vs {want.Count}): " +
            $"{missing.Count} missing{(missing.Count > 0 ? $" e.g. [{string.Join("; ", missing.Take(3))}]" : "")}, " +
            $"{extra.Count} not committed or stale{(extra.Count > 0 ? $" e.g. [{string.Join("; ", extra.Take(3))}]" : "")}");
    }

    private static IEnumerable<(string Id, string Owner, string? State)> Features(string collection) =>
        JsonDocument.Parse(collection).RootElement.GetProperty("features").EnumerateArray().Select(f =>
        {
            var properties = f.GetProperty("properties");
            return (f.GetProperty("id").GetString()!, properties.GetProperty("owner").GetString()!,
                properties.TryGetProperty("state", out var state) ? state.GetString() : null);
        });
}
