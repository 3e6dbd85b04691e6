using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Ledger;
using Parley.Ledger.Entries;

namespace Parley.Cli.Ledger;

/// <summary>
/// Replays a ledger as one party sees it: every commitment it can open (inline public openings and the
/// openings the center shows it) is checked, and the opened items rebuild the state that party may see.
/// </summary>
internal sealed class VisibleReplay(string agreement, PartyId? party = null)
{
    private readonly Dictionary<(string Kind, string Id), long> _lastEntry = [];
    private readonly List<long> _withheldOwn = [];
    private Theater? _theater;

    /// <summary>Openings checked against their commitments so far.</summary>
    public long Openings { get; private set; }

    /// <summary>Entries replayed so far.</summary>
    public long Entries { get; private set; }

    /// <summary>Whether entry bytes hold items that only the center's openings endpoint can open.</summary>
    public static bool HasClosedItems(byte[] entry)
    {
        try
        {
            return JsonNode.Parse(entry)?["items"] is JsonArray items && items.Any(i => i is JsonObject o && o["opening"] is null);
        }
        catch (JsonException)
        {
            return false; // Apply names the entry
        }
    }

    /// <summary>Checks and applies entry <paramref name="index"/> with the openings the center served for it (item, bytes).</summary>
    /// <exception cref="VerificationFailedException">An opening does not match its commitment, or the entry does not replay.</exception>
    public void Apply(long index, byte[] entryBytes, IReadOnlyList<(int Item, byte[] Opening)> served)
    {
        JsonObject entry;
        try
        {
            entry = JsonNode.Parse(entryBytes) as JsonObject ?? throw Fail(index, "is not a JSON object");
        }
        catch (JsonException)
        {
            throw Fail(index, "is not JSON");
        }

        if (entry["agreement"] is not JsonValue named || named.GetValueKind() != JsonValueKind.String || named.GetValue<string>() != agreement)
        {
            throw Fail(index, $"does not name the agreement '{agreement}'");
        }

        if (entry["items"] is not JsonArray items)
        {
            throw Fail(index, "has no items");
        }

        var opened = new SortedDictionary<int, byte[]>();
        var commitments = new string?[items.Count];
        for (int j = 0; j < items.Count; j++)
        {
            if (items[j] is not JsonObject item || item["commitment"] is not JsonValue c || c.GetValueKind() != JsonValueKind.String)
            {
                throw Fail(index, $"item {j} has no commitment");
            }

            commitments[j] = c.GetValue<string>();
            if (item["opening"] is { } inline)
            {
                byte[] bytes = CanonicalJson.Serialize(inline);
                if (Commit(bytes) != commitments[j])
                {
                    throw Fail(index, $"item {j}'s inline opening does not match its commitment");
                }

                opened[j] = bytes;
            }
        }

        foreach (var (item, raw) in served)
        {
            if (item < 0 || item >= items.Count)
            {
                throw Fail(index, $"the center served an opening for item {item}, which the entry does not have");
            }

            byte[] bytes;
            try
            {
                bytes = CanonicalJson.Canonicalize(raw);
            }
            catch (JsonException)
            {
                throw Fail(index, $"the center's opening of item {item} is not JSON");
            }

            if (Commit(bytes) != commitments[item])
            {
                throw Fail(index, $"the center's opening of item {item} does not match the item's commitment");
            }

            opened[item] = bytes;
        }

        for (int j = 0; j < items.Count; j++)
        {
            if (!opened.ContainsKey(j) && party is { } me && items[j]?["owner"] is JsonValue owner &&
                owner.GetValueKind() == JsonValueKind.String && owner.GetValue<string>() == me.Value)
            {
                _withheldOwn.Add(index); // the caller's own item that the center did not open for it
                break;
            }
        }

        var visible = new JsonArray();
        foreach (var j in opened.Keys)
        {
            visible.Add(items[j]!.DeepClone());
        }

        var record = new LedgerRecord(index, CanonicalJson.Serialize(new JsonObject { ["items"] = visible }), [.. opened.Values]);
        try
        {
            _theater = LedgerReplay.Apply(_theater, record);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or InvalidOperationException or FormatException or
                                   NullReferenceException or KeyNotFoundException or ArgumentException or Parley.Core.InputRejectedException)
        {
            throw new VerificationFailedException($"entry {index} does not replay: {e.Message}", index);
        }

        foreach (var bytes in opened.Values)
        {
            Remember(index, bytes);
        }

        Openings += opened.Count;
        Entries++;
    }

    /// <summary>
    /// Compares the replayed state that <paramref name="party"/> may see with the zones and operations the server
    /// reports to it (GeoJSON FeatureCollections); names the earliest entry behind a difference.
    /// </summary>
    public (int Zones, int Operations) Compare(PartyId party, string servedZones, string servedOperations)
    {
        var theater = _theater ?? throw new VerificationFailedException("the ledger has no agreement.put entry to replay from");
        var differences = new List<(long Entry, string Message)>();
        var zones = theater.Zones.Where(z => z.IsVisibleTo(party)).ToDictionary(z => z.Id.Value, z => Canonical(FeatureWriter.ToJson(z)));
        var operations = theater.Operations.Where(o => o.IsVisibleTo(party)).ToDictionary(o => o.Id.Value, o => Canonical(FeatureWriter.ToJson(o)));
        Diff("zone", zones, Served(servedZones), differences);
        Diff("operation", operations, Served(servedOperations), differences);
        if (differences.Count > 0)
        {
            var (entry, message) = differences.OrderBy(d => d.Entry).First();
            string more = differences.Count > 1 ? $" ({differences.Count - 1} more difference{(differences.Count == 2 ? "" : "s")})" : "";
            string withheld = _withheldOwn.Count == 0 ? "" :
                $"; note: the server did not open items of your own in entr{(_withheldOwn.Count == 1 ? "y" : "ies")} " +
                $"{string.Join(", ", _withheldOwn.Take(5))}{(_withheldOwn.Count > 5 ? ", …" : "")}, so the replay cannot follow those changes";
            throw new VerificationFailedException(message + more + withheld, entry == long.MaxValue ? null : entry);
        }

        return (zones.Count, operations.Count);
    }

    private void Diff(string kind, Dictionary<string, string> replayed, Dictionary<string, string> served, List<(long, string)> differences)
    {
        foreach (var (id, json) in replayed)
        {
            long entry = _lastEntry.GetValueOrDefault((kind, id), long.MaxValue);
            if (!served.TryGetValue(id, out var reported))
            {
                differences.Add((entry, $"entry {entry}: the {kind} '{id}' it records is in the replayed ledger but the server does not report it to you"));
            }
            else if (reported != json)
            {
                differences.Add((entry, $"entry {entry}: the {kind} '{id}' as the server reports it differs from the ledger's last record of it"));
            }
        }

        foreach (var id in served.Keys.Where(id => !replayed.ContainsKey(id)))
        {
            long entry = _lastEntry.GetValueOrDefault((kind, id), long.MaxValue);
            differences.Add((entry, entry == long.MaxValue
                ? $"the server reports the {kind} '{id}' but no entry you may open records it"
                : $"entry {entry}: the server reports the {kind} '{id}' that the ledger withdrew"));
        }
    }

    private void Remember(long index, byte[] opening)
    {
        var content = JsonNode.Parse(opening)?["content"];
        string? type = content?["type"]?.GetValue<string>();
        string? id = type switch
        {
            "zone" or "operation" => content?["feature"]?["id"]?.GetValue<string>(),
            "zone-withdrawal" => content?["id"]?.GetValue<string>(),
            _ => null,
        };
        if (id is not null)
        {
            _lastEntry[(type == "operation" ? "operation" : "zone", id)] = index;
        }
    }

    private static Dictionary<string, string> Served(string featureCollection)
    {
        using var document = JsonDocument.Parse(featureCollection);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var feature in document.RootElement.GetProperty("features").EnumerateArray())
        {
            string id = feature.GetProperty("id").GetString() ?? "";
            result[id] = Canonical(feature.GetRawText());
        }

        return result;
    }

    private static string Canonical(string json) => System.Text.Encoding.UTF8.GetString(CanonicalJson.Canonicalize(System.Text.Encoding.UTF8.GetBytes(json)));

    private static string Commit(byte[] opening) => Convert.ToBase64String(SHA256.HashData(opening));

    private static VerificationFailedException Fail(long index, string what) => new($"entry {index} {what}", index);
}
