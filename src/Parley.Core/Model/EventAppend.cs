namespace Parley.Core.Model;

/// <summary>An event for one party, appended to the agreement's outbox in the transaction of the change that raised it.</summary>
/// <param name="Recipient">The only party that may read it.</param>
/// <param name="Type">The event type, e.g. <c>probing.suspected</c>.</param>
/// <param name="Payload">The event as a JSON object; never anything the recipient may not see.</param>
/// <param name="Created">When it was raised.</param>
public sealed record EventAppend(PartyId Recipient, string Type, string Payload, DateTimeOffset Created);
