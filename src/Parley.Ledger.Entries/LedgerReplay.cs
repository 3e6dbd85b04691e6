using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Parley.Core;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;

namespace Parley.Ledger.Entries;

/// <summary>The state as a projection of the ledger: replaying the entries in order rebuilds it.</summary>
public static class LedgerReplay
{
    /// <summary>Replays every record onto a fresh theater, checking each commitment against its opening.</summary>
    /// <exception cref="InvalidDataException">An entry is malformed or does not match its openings; the message names it.</exception>
    public static Theater Replay(IEnumerable<LedgerRecord> records)
    {
        Theater? theater = null;
        foreach (var record in records)
        {
            theater = Apply(theater, record);
        }

        return theater ?? throw new InvalidDataException("the ledger is empty: it has no agreement.put entry");
    }

    /// <summary>Applies one record; the first must put the agreement.</summary>
    public static Theater Apply(Theater? theater, LedgerRecord record)
    {
        JsonObject entry;
        try
        {
            entry = JsonNode.Parse(record.Entry)!.AsObject();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException)
        {
            throw Bad(record, "is not a JSON object");
        }

        var items = entry["items"] as JsonArray ?? throw Bad(record, "has no items");
        if (items.Count != record.Openings.Count)
        {
            throw Bad(record, $"has {items.Count} items but {record.Openings.Count} openings");
        }

        for (int i = 0; i < items.Count; i++)
        {
            var commitment = items[i]?["commitment"]?.GetValue<string>();
            if (commitment != Convert.ToBase64String(SHA256.HashData(record.Openings[i])))
            {
                throw Bad(record, $"item {i} does not match its opening");
            }

            var content = JsonNode.Parse(record.Openings[i])?["content"]?.AsObject() ?? throw Bad(record, $"item {i} has no content");
            theater = ApplyContent(theater, content, record, i);
        }

        return theater ?? throw Bad(record, "comes before the agreement.put entry");
    }

    private static Theater? ApplyContent(Theater? theater, JsonObject content, LedgerRecord record, int item)
    {
        string? type = content["type"]?.GetValue<string>();
        if (type == "agreement")
        {
            // A text given again restates the version its amendments amended: they stay in force on it.
            var amendments = theater?.Amendments.All.ToList() ?? [];
            var agreement = AgreementReader.Parse(content["source"]!.GetValue<string>());
            var next = new Theater(AmendmentReader.InForce(agreement, amendments));
            amendments.ForEach(next.Amendments.Upsert);
            if (theater is not null)
            {
                foreach (var zone in theater.Zones)
                {
                    next.Upsert(zone);
                }

                foreach (var operation in theater.Operations)
                {
                    next.Upsert(operation);
                }

                foreach (var incident in theater.Incidents.All)
                {
                    next.Incidents.Upsert(incident);
                }
            }

            return next;
        }

        if (theater is null)
        {
            throw Bad(record, "comes before the agreement.put entry");
        }

        try
        {
            switch (type)
            {
                case "zone":
                    {
                        using var doc = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(content["feature"]!.ToJsonString()));
                        var zone = FeatureReader.ReadStoredZones(doc.RootElement, theater.Agreement)[0];
                        theater.Upsert(zone with { Version = content["version"]!.GetValue<long>() });
                        break;
                    }

                case "operation":
                    {
                        using var doc = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(content["feature"]!.ToJsonString()));
                        var operation = FeatureReader.ReadStoredOperations(doc.RootElement, theater.Agreement)[0];
                        theater.Upsert(operation with
                        {
                            Version = content["version"]!.GetValue<long>(),
                            State = OperationStates.Parse(content["state"]!.GetValue<string>()),
                            InBreach = OperationStates.InBreach(doc.RootElement),
                        });
                        break;
                    }

                case LedgerEntries.AmendmentItem:
                    try
                    {
                        theater.Apply(new StateChange(amendments: [AmendmentRecords.FromNode(content)]));
                    }
                    catch (FormatException)
                    {
                        throw Bad(record, $"item {item} is not an amendment record");
                    }

                    break;
                case "zone-withdrawal":
                    theater.Remove(new ZoneId(content["id"]!.GetValue<string>()));
                    break;
                case ConcurrenceRecords.Type:
                    try
                    {
                        theater.Requests.Upsert(ConcurrenceRecords.FromContent(content));
                    }
                    catch (FormatException)
                    {
                        throw Bad(record, $"item {item} is not a concurrence request record");
                    }

                    break;
                case "submission" or ComplianceFacts.OperationType or ComplianceFacts.RequestType:
                    // The signed request behind the entry's change, and its compliance facts: evidence, not state.
                    break;
                case var incident when IncidentRecords.IsIncidentType(incident):
                    try
                    {
                        IncidentRecords.Apply(theater, content);
                    }
                    catch (FormatException e)
                    {
                        throw Bad(record, $"item {item} does not replay: {e.Message}");
                    }

                    break;
                default:
                    throw Bad(record, $"item {item} has an unknown type '{type}'");
            }
        }
        catch (InputRejectedException e)
        {
            throw Bad(record, $"item {item} does not read: {e.Errors[0].Field}");
        }

        return theater;
    }

    private static InvalidDataException Bad(LedgerRecord record, string what) => new($"ledger entry {record.Index} {what}");
}
