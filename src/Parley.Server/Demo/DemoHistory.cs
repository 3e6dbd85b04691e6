using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Workflow;
using Parley.Server.Theaters;
using Parley.Server.Workflow;

namespace Parley.Server.Demo;

/// <summary>
/// The demo's week before the day it is loaded: red's patrol and blue's reconnaissance flown, red's transit flights past
/// blue's air base asked, concurred, refused or left to expire, incidents reported, answered, left unanswered and graded.
/// Each step is decided by the center at its own instant, the clock held there (<see cref="DemoClock"/>), in order; a
/// deadline that falls between two steps is kept at that deadline, by the same sweeps the center's tick runs.
/// </summary>
internal sealed class DemoHistory(TheaterRegistry registry, DemoClock clock, Agreement agreement, IReadOnlyList<Operation> operations, CancellationToken cancellationToken)
{
    private readonly DateTimeOffset _today = new(clock.RealNow.UtcDateTime.Date, TimeSpan.Zero);

    private JsonDocument? _incidents;

    /// <summary>The operations the week declares; the others are submitted on the day the demo is loaded.</summary>
    public static readonly IReadOnlySet<string> Declared = new HashSet<string>(StringComparer.Ordinal) { "red-patrol-4", "blue-recon-5" };

    /// <summary>Writes the week, from the agreement's zones (already declared) on; the clock is released after.</summary>
    public async Task WriteAsync(JsonDocument incidents)
    {
        _incidents = incidents;
        try
        {
            // Day -7: the flights of the next morning declared.
            await AtAsync(7, 16, 0, (t, now) => Lifecycle.Submit(t, Operation("red-patrol-4"), now).Decision);
            await AtAsync(7, 16, 20, (t, now) => Lifecycle.Submit(t, Operation("blue-recon-5"), now).Decision);

            // Day -6: the patrol and the reconnaissance flown; aid's ambulance turned back at dawn; the monitors see an
            // aircraft circling; a transit concurred.
            await AtAsync(6, 6, 0, (t, now) => Lifecycle.Activate(t, t.FindOperation(new OperationId("red-patrol-4"))!, now));
            await AtAsync(6, 7, 0, (t, now) => Lifecycle.Activate(t, t.FindOperation(new OperationId("blue-recon-5"))!, now));
            await ReportAsync(6, 8, 30, "inc-demo-ambulance");
            await ReportAsync(6, 9, 10, "inc-demo-overflight");
            await AtAsync(6, 10, 0, (t, now) => Lifecycle.Complete(t, t.FindOperation(new OperationId("red-patrol-4"))!, now));
            await TransitAsync(1, 6, 10, 30, answer: AnswerKind.Concur, after: 15);
            await ReplyAsync(6, 16, 0, "inc-demo-overflight", "red", ReplyKind.Explain, "the declared air patrol NE", "red-patrol-4");

            // Day -5: blue's field hospital struck; a transit refused; the ambulance report graded.
            await ReportAsync(5, 10, 0, "inc-demo-hospital");
            await TransitAsync(2, 5, 11, 0, answer: AnswerKind.Refuse, after: 20);
            await GradeAsync(5, 15, 0, "inc-demo-ambulance", IncidentGrade.Weak, "one account, not seen by a patrol");

            // Day -4: red denies the strike; aid's convoy held; a transit left unanswered expires.
            await ReplyAsync(4, 9, 0, "inc-demo-hospital", "red", ReplyKind.Deny, "no red aircraft or artillery was tasked in that area that morning", null);
            await ReportAsync(4, 12, 0, "inc-demo-convoy");
            await TransitAsync(3, 4, 16, 0, answer: null, after: 0);

            // Day -3: red's silence on the ambulance is due in the morning; the hospital graded; blue admits the convoy's stop; blue
            // reports a drone over its school; a transit concurred.
            await GradeAsync(3, 10, 0, "inc-demo-hospital", IncidentGrade.Fair,
                "two independent staff accounts and fresh craters seen by a patrol; the attacker is not established");
            await ReplyAsync(3, 15, 0, "inc-demo-convoy", "blue", ReplyKind.Admit, "a checkpoint held the convoy against standing orders", null);
            await ReportAsync(3, 16, 0, "inc-demo-drone");
            await TransitAsync(4, 3, 18, 0, answer: AnswerKind.Concur, after: 10);

            // Day -2: red denies the drone; a transit refused; shelling near Ajaccio reported, during red's suspension there.
            await ReplyAsync(2, 10, 0, "inc-demo-drone", "red", ReplyKind.Deny, "no red aircraft was airborne in the south that afternoon", null);
            await TransitAsync(5, 2, 11, 0, answer: AnswerKind.Refuse, after: 25);
            await ReportAsync(2, 18, 0, "inc-demo-shelling");

            // Day -1: red reports shelling near its bridge; the drone graded; a transit concurred; blue asks what red saw.
            await ReportAsync(1, 8, 0, "inc-demo-mortar");
            await GradeAsync(1, 11, 0, "inc-demo-drone", IncidentGrade.Contested, "blue's photographs and red's flight logs disagree; no patrol saw the aircraft");
            await TransitAsync(6, 1, 12, 0, answer: AnswerKind.Concur, after: 25);
            await ReplyAsync(1, 17, 0, "inc-demo-mortar", "blue", ReplyKind.RequestInformation, "which positions did red's observers see firing, and when", null);
        }
        finally
        {
            clock.Release();
        }
    }

    /// <summary>The instant <paramref name="daysBack"/> days before the day the demo is loaded, at the time given (UTC).</summary>
    private DateTimeOffset At(int daysBack, int hour, int minute) => _today.AddDays(-daysBack).AddHours(hour).AddMinutes(minute);

    private Operation Operation(string id) => operations.First(o => o.Id.Value == id);

    /// <summary>Moves the clock to the instant, keeping every deadline passed on the way at its own instant; then decides the step there.</summary>
    private async Task AtAsync(int daysBack, int hour, int minute, Func<Theater, DateTimeOffset, Decision?> step)
    {
        var instant = At(daysBack, hour, minute);
        await SweepUntilAsync(instant);
        clock.Hold(instant);
        await registry.WriteAsync(agreement.Id, (theater, now) => (step(theater, now), 0), cancellationToken);
    }

    private async Task SweepUntilAsync(DateTimeOffset instant)
    {
        while (await registry.ReadAsync(agreement.Id, NextDeadline, cancellationToken) is { } due && due <= instant)
        {
            clock.Hold(due);
            await ConcurrenceClock.ExpireAsync(registry, agreement.Id, due, cancellationToken);
            await IncidentClock.RecordAsync(registry, agreement.Id, due, cancellationToken);
        }
    }

    private static DateTimeOffset? NextDeadline(Theater theater) =>
        (theater.Requests.NextDeadline, theater.Incidents.NextDeadline) switch
        {
            ({ } a, { } b) => a < b ? a : b,
            (var a, var b) => a ?? b,
        };

    private Task ReportAsync(int daysBack, int hour, int minute, string id)
    {
        var feature = _incidents!.RootElement.GetProperty("features").EnumerateArray().First(f => f.GetProperty("id").GetString() == id);
        var report = IncidentReader.Read(feature, agreement, new PartyId(feature.GetProperty("properties").GetProperty("reporter").GetString()!));
        return AtAsync(daysBack, hour, minute, (t, now) => IncidentLifecycle.Report(t, report, now).Decision);
    }

    private Task ReplyAsync(int daysBack, int hour, int minute, string id, string party, ReplyKind reply, string reason, string? operation) =>
        AtAsync(daysBack, hour, minute, (t, now) =>
            IncidentLifecycle.Reply(t, t.Incidents.Find(new IncidentId(id))!, new PartyId(party), reply, reason, operation is null ? null : new OperationId(operation), now).Decision);

    private Task GradeAsync(int daysBack, int hour, int minute, string id, IncidentGrade grade, string reason) =>
        AtAsync(daysBack, hour, minute, (t, now) => IncidentLifecycle.Grade(t, t.Incidents.Find(new IncidentId(id))!, new PartyId("unmo"), grade, reason, now).Decision);

    /// <summary>
    /// Red's transit flight <paramref name="n"/> past blue's air base (the route of red-flight-2, three hours after it is
    /// asked, for an hour): blue answers after <paramref name="after"/> minutes, or never.
    /// </summary>
    private async Task TransitAsync(int n, int daysBack, int hour, int minute, AnswerKind? answer, int after)
    {
        var id = new OperationId($"red-transit-{n}");
        var asked = At(daysBack, hour, minute);
        var route = Operation("red-flight-2");
        var transit = route with
        {
            Id = id, Name = $"Red transit flight {n} past Campo dell'Oro",
            Volume = route.Volume with { Time = new TimeWindow(asked.AddHours(3), asked.AddHours(4)) },
        };
        await AtAsync(daysBack, hour, minute, (t, now) => Lifecycle.Submit(t, transit, now).Decision);
        if (answer is { } kind)
        {
            await AtAsync(daysBack, hour, minute + after, (t, now) =>
            {
                var request = t.Requests.All.First(r => r.Operation == id && r.IsOpen);
                string? reason = kind == AnswerKind.Concur ? null : "the air base launches its own flights in that hour";
                return Lifecycle.Answer(t, request, request.Affected, kind, reason, null, now).Decision;
            });
        }
    }
}
