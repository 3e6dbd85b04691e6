using System.Collections.Immutable;
using Parley.Core.Conflicts;
using Parley.Core.Model;
using Parley.Core.Notifications;
using Parley.Core.Ports;
using Parley.Core.Probing;
using Parley.Core.Workflow;

namespace Parley.Core.Decisions;

/// <summary>
/// Everything one accepted command changes, decided by the core on an agreement's current state: the state change,
/// the events it raises for the parties concerned (lifecycle, subscriptions, probing alerts), the touches of hidden
/// zones it records, and what the ledger names it. The server turns it into a ledger entry and commits it, as it is.
/// </summary>
/// <remarks>
/// Immutable, and made only by the core (<see cref="Lifecycle"/>, <see cref="Subscribing"/>, <see cref="Probes"/>,
/// <see cref="ForAgreement"/>): nothing outside the core adds to a decision.
/// </remarks>
public sealed record Decision
{
    /// <summary>The command that records an agreement's text (after which a state is loaded anew).</summary>
    public const string AgreementCommand = "agreement.put";

    /// <summary>The submitter of what the center decides on its own (expiries, agreement texts).</summary>
    public static readonly PartyId Center = new("center");

    internal Decision(string command, PartyId submitter, StateChange state, ImmutableArray<EventAppend> events,
        ImmutableArray<ProbeTouch> touches = default, ImmutableArray<ProbingAlert> alerts = default, string? agreementText = null, DateTimeOffset? time = null)
    {
        Command = command;
        Submitter = submitter;
        State = state;
        Events = events.IsDefault ? [] : events;
        Touches = touches.IsDefault ? [] : touches;
        Alerts = alerts.IsDefault ? [] : alerts;
        AgreementText = agreementText;
        Time = time;
    }

    /// <summary>What the ledger names the command, e.g. <c>zone.declare</c>.</summary>
    public string Command { get; }

    /// <summary>The party whose command this is (<see cref="Center"/> for the center's own).</summary>
    public PartyId Submitter { get; }

    /// <summary>The declarations, requests, subscriptions and amendments it changes.</summary>
    public StateChange State { get; }

    /// <summary>The events it raises, in the order they are appended to the agreement's outbox.</summary>
    public ImmutableArray<EventAppend> Events { get; }

    /// <summary>Touches of zones hidden from the requester that its answer carried (the probing budget and the owners' reports).</summary>
    public ImmutableArray<ProbeTouch> Touches { get; }

    /// <summary>The mapping alerts those touches raised (also among <see cref="Events"/>, for their owners).</summary>
    public ImmutableArray<ProbingAlert> Alerts { get; }

    /// <summary>The time the core decided at, when it decided a change (the compliance facts the ledger records carry it).</summary>
    public DateTimeOffset? Time { get; }

    /// <summary>The agreement text this command records, for <see cref="AgreementCommand"/>.</summary>
    public string? AgreementText { get; }

    /// <summary>
    /// Whether the ledger records it: declarations, amendments, a party's subscriptions (whose content stays private to
    /// it, in the request's opening), or an agreement text. Touches and events alone are kept, not recorded.
    /// </summary>
    public bool IsRecorded => !State.IsEmpty || AgreementText is not null;

    /// <summary>Whether there is nothing to commit.</summary>
    public bool IsEmpty => !IsRecorded && Events.IsEmpty && Touches.IsEmpty;

    /// <summary>
    /// Whether it changes the agreement a state is read under — an agreement text, or an amendment — so that a process that
    /// missed it loads the state anew rather than applying the change.
    /// </summary>
    public bool ChangesAgreement => AgreementText is not null || State.HasAmendments;

    /// <summary>A command that changes nothing (a check that touched no hidden zone, a refusal).</summary>
    public static Decision Nothing(string command, PartyId submitter) => new(command, submitter, StateChange.None, []);

    /// <summary>The command recording an agreement's text: public, the first entry of its ledger and of every new version.</summary>
    public static Decision ForAgreement(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(AgreementCommand, Center, StateChange.None, [], agreementText: text);
    }

    /// <summary>
    /// The decision of a command that changes <paramref name="state"/>, with the events the change raises, read against
    /// <paramref name="theater"/> as it stands before the change.
    /// </summary>
    internal static Decision Of(Theater theater, string command, PartyId submitter, StateChange state, DateTimeOffset now)
    {
        if (!state.HasDeclarations && !state.HasAmendments)
        {
            return new(command, submitter, state, [], time: now);
        }

        var events = AmendmentEvents.For(theater, state, now);
        if (state.HasDeclarations)
        {
            events.AddRange(LifecycleEvents.For(theater, state, now));
            events.AddRange(SubscriptionEvents.For(theater, state, now));
        }

        return new(command, submitter, state, [.. events], time: now);
    }

    /// <summary>This decision with the touches of one request and the alerts they raised, whose events come first.</summary>
    internal Decision WithTouches(ImmutableArray<ProbeTouch> touches, ImmutableArray<ProbingAlert> alerts, IEnumerable<EventAppend> alertEvents) =>
        new(Command, Submitter, State, [.. alertEvents, .. Events], touches, alerts, AgreementText, Time);
}
