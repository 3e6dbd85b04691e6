using System.Text.Json.Nodes;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Workflow;

namespace Parley.Ledger.Entries;

/// <summary>A concurrence request as a ledger item's content, and back (for replay).</summary>
public static class ConcurrenceRecords
{
    /// <summary>The item type.</summary>
    public const string Type = "concurrence-request";

    /// <summary>The content of a request's ledger item.</summary>
    public static JsonObject ToContent(ConcurrenceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new JsonObject
        {
            ["type"] = Type,
            ["owner"] = LedgerEntries.Center.Value,
            ["visibility"] = "private",
            ["affected"] = request.Affected.Value,
            ["id"] = request.Id,
            ["operation"] = request.Operation.Value,
            ["operation_version"] = request.OperationVersion,
            ["submitter"] = request.Submitter.Value,
            ["target_type"] = request.TargetType,
            ["target_id"] = request.TargetId,
            ["opened"] = FeatureWriter.Time(request.Opened),
            ["deadline"] = FeatureWriter.Time(request.Deadline),
            ["state"] = RequestStates.Name(request.State),
            ["closed"] = request.Closed is { } closed ? FeatureWriter.Time(closed) : null,
            ["reason"] = request.Reason,
            ["counter_proposal"] = request.CounterProposal?.Value,
            ["version"] = request.Version,
        };
    }

    /// <summary>The request a ledger item's content records.</summary>
    /// <exception cref="FormatException">The content is not a request record.</exception>
    public static ConcurrenceRequest FromContent(JsonObject content)
    {
        ArgumentNullException.ThrowIfNull(content);
        try
        {
            return new ConcurrenceRequest
            {
                Id = (string)content["id"]!,
                Operation = new OperationId((string)content["operation"]!),
                OperationVersion = (long)content["operation_version"]!,
                Submitter = new PartyId((string)content["submitter"]!),
                Affected = new PartyId((string)content["affected"]!),
                TargetType = (string)content["target_type"]!,
                TargetId = (string)content["target_id"]!,
                Opened = Time((string)content["opened"]!),
                Deadline = Time((string)content["deadline"]!),
                State = RequestStates.Parse((string)content["state"]!),
                Closed = content["closed"] is JsonValue closed ? Time((string)closed!) : null,
                Reason = (string?)content["reason"],
                CounterProposal = content["counter_proposal"] is JsonValue counter ? new OperationId((string)counter!) : null,
                Version = (long)content["version"]!,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new FormatException($"not a concurrence request record: {e.Message}", e);
        }
    }

    private static DateTimeOffset Time(string text) =>
        DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
}
