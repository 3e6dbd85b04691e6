using System.Text.Json.Nodes;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Ports;
using Parley.Core.Model;

namespace Parley.Core.Decisions;

/// <summary>
/// The events a lifecycle change raises, for the parties concerned, committed with the change: a request opened
/// (to the party asked), a request closed (to the submitter), an operation's new state or breach marks (to its owner).
/// </summary>
/// <remarks>
/// Each payload names only what its recipient may know: the party asked gets the request and its own zone or
/// operation (the asking operation is read through <c>GET /requests/{id}</c>, under the disclosure policy); the
/// submitter gets the answer and who gave it, not the item it was about.
/// </remarks>
public static class LifecycleEvents
{
    /// <summary>The events of a change's requests and operations, compared with <paramref name="theater"/> before it.</summary>
    public static List<EventAppend> For(Theater theater, StateChange changes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(theater);
        ArgumentNullException.ThrowIfNull(changes);
        var events = new List<EventAppend>();
        foreach (var request in changes.Requests)
        {
            var before = theater.Requests.Find(request.Id);
            if (before is null && request.IsOpen)
            {
                events.Add(new EventAppend(request.Affected, "request.opened", Json(new JsonObject
                {
                    ["request"] = request.Id, ["submitter"] = request.Submitter.Value, ["target_type"] = request.TargetType,
                    ["target_id"] = request.TargetId, ["opened"] = FeatureWriter.Time(request.Opened), ["deadline"] = FeatureWriter.Time(request.Deadline),
                }), now));
            }
            else if (!request.IsOpen && (before is null || before.IsOpen))
            {
                events.Add(new EventAppend(request.Submitter, "request.closed", Json(new JsonObject
                {
                    ["request"] = request.Id, ["operation"] = request.Operation.Value, ["affected"] = request.Affected.Value,
                    ["state"] = RequestStates.Name(request.State), ["reason"] = request.Reason, ["counter_proposal"] = request.CounterProposal?.Value,
                }), now));
            }
        }

        foreach (var operation in changes.Operations)
        {
            var before = theater.FindOperation(operation.Id);
            if (before is null || before.State != operation.State || !before.InBreach.SequenceEqual(operation.InBreach))
            {
                var payload = new JsonObject
                {
                    ["operation"] = operation.Id.Value, ["state"] = OperationStates.Name(operation.State), ["version"] = operation.Version,
                };
                if (operation.InBreach.Count > 0 || before?.InBreach.Count > 0)
                {
                    // The terms it breaches without the concurrence they ask for (empty: the mark is lifted).
                    payload["in_breach"] = new JsonArray([.. operation.InBreach.Select(t => (JsonNode)t)]);
                }

                events.Add(new EventAppend(operation.Owner, "operation.state", Json(payload), now));
            }
        }

        return events;
    }

    private static string Json(JsonObject payload) => payload.ToJsonString();
}
