using System.Text.Json.Nodes;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Ledger.Entries;

/// <summary>
/// The compliance facts a decision records in its ledger entry, beside the items that record the change itself: one per
/// operation changed (its owner, its state before and after, when) and one per concurrence request opened or changed
/// (its two parties, when it was opened, its deadline, how and when it closed). From these, and from the incidents' own
/// items, anyone holding the ledger and its openings computes the compliance figures.
/// </summary>
/// <remarks>
/// A fact names no place and no declaration: no geometry, no zone or operation id (a request's id is opaque and names
/// neither party's item). It is shared with the parties it is about and with the agreement's observers (the monitors who
/// read compliance), owned by the operation's owner or, for a request, by the center; the center's administrator opens
/// them all.
/// </remarks>
public static class ComplianceFacts
{
    /// <summary>The item type of an operation's fact.</summary>
    public const string OperationType = "operation-fact";

    /// <summary>The item type of a concurrence request's fact.</summary>
    public const string RequestType = "request-fact";

    /// <summary>The content of an operation's fact: owner, state before (null for a new one) and after, and when.</summary>
    public static JsonObject Operation(Operation operation, OperationState? from, DateTimeOffset at, Agreement agreement)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(agreement);
        return new JsonObject
        {
            ["type"] = OperationType,
            ["owner"] = operation.Owner.Value,
            ["visibility"] = "parties",
            ["shared_with"] = Parties(Observers(agreement)),
            ["from"] = from is { } before ? OperationStates.Name(before) : null,
            ["state"] = OperationStates.Name(operation.State),
            ["at"] = FeatureWriter.Time(at),
        };
    }

    /// <summary>The content of a request's fact: its two parties, what it is about (a zone, an operation, a term), its times and state.</summary>
    public static JsonObject Request(ConcurrenceRequest request, Agreement agreement)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(agreement);
        return new JsonObject
        {
            ["type"] = RequestType,
            ["owner"] = LedgerEntries.Center.Value,
            ["visibility"] = "parties",
            ["shared_with"] = Parties([request.Submitter, request.Affected, .. Observers(agreement)]),
            ["id"] = request.Id,
            ["submitter"] = request.Submitter.Value,
            ["affected"] = request.Affected.Value,
            ["target_type"] = request.TargetType,
            ["opened"] = FeatureWriter.Time(request.Opened),
            ["deadline"] = FeatureWriter.Time(request.Deadline),
            ["state"] = RequestStates.Name(request.State),
            ["closed"] = request.Closed is { } closed ? FeatureWriter.Time(closed) : null,
            ["version"] = request.Version,
        };
    }

    /// <summary>The agreement's observers: the monitors every fact is shared with.</summary>
    public static IEnumerable<PartyId> Observers(Agreement agreement)
    {
        ArgumentNullException.ThrowIfNull(agreement);
        return agreement.PartiesOf(PartyRole.Observer);
    }

    /// <summary>Party ids as a JSON array, each once, in ordinal order.</summary>
    internal static JsonArray Parties(IEnumerable<PartyId> parties) =>
        new([.. parties.Select(p => p.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(p => (JsonNode?)JsonValue.Create(p))]);
}
