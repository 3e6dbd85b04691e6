using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;

namespace Parley.Ledger.Entries.Tests.Compliance;

/// <summary>
/// A random history of one agreement, made of the core's own decisions over some days, written into ledger entries as
/// the server writes them; with, beside the ledger, the domain's own record of what happened (every operation's change of
/// state and when, the requests and incidents as they end up) for the brute-force model of the figures.
/// </summary>
internal sealed class ComplianceHistory
{
    public const string AgreementText = """
        {"id":"pact","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"},{"id":"unmo","role":"observer"},{"id":"registrar","role":"admin"}],
         "concurrence_deadline_minutes":90,"incident_reply_deadline_hours":30}
        """;

    public static readonly Agreement Pact = AgreementReader.Parse(AgreementText);

    public static readonly string[] Members = ["blue", "red", "aid"];

    public static readonly DateTimeOffset Start = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero); // a Monday

    public List<LedgerAppend> Ledger { get; } = [];

    public List<(PartyId Owner, OperationState? From, OperationState To, DateTimeOffset At)> Transitions { get; } = [];

    /// <summary>Each request as its party answered it (concurred, refused or countered), by id, whatever became of it after.</summary>
    public Dictionary<string, ConcurrenceRequest> Answers { get; } = [];

    public Theater Theater { get; } = new(Pact);

    public DateTimeOffset Now { get; private set; } = Start;

    public static ComplianceHistory Make(Random r, int steps)
    {
        var history = new ComplianceHistory();
        history.Record(Decision.ForAgreement(AgreementText));
        for (int i = 0; i < steps; i++)
        {
            history.Now += TimeSpan.FromMinutes(r.Next(1, 240));
            history.Step(r, i);
        }

        return history;
    }

    private static Shape Near(Random r, double size) =>
        Shape.Circle(20 + (r.NextDouble() * 0.2), 40 + (r.NextDouble() * 0.2), size);

    private void Step(Random r, int i)
    {
        var party = new PartyId(Members[r.Next(3)]);
        var window = new TimeWindow(Now.AddHours(r.Next(-48, 48)), Now.AddHours(50));
        try
        {
            switch (r.Next(10))
            {
                case 0:
                    Record(Lifecycle.DeclareZone(Theater, new Zone
                    {
                        Id = new ZoneId($"z{i}"), Owner = party, Kind = r.Next(3) == 0 ? ZoneKind.Restricted : ZoneKind.Protected,
                        Volume = new Volume(Near(r, 2000), new AltitudeBand(0, 500), new TimeWindow(Start.AddDays(-1), null)),
                        Visibility = (Visibility)r.Next(3), SharedWith = [],
                    }, Now));
                    break;
                case 1 or 2:
                    Record(Lifecycle.Submit(Theater, new Operation
                    {
                        Id = new OperationId($"o{i}"), Owner = party, Kind = r.Next(2) == 0 ? "strike" : "flight",
                        Volume = new Volume(Near(r, 3000), new AltitudeBand(0, 3000), window), Visibility = (Visibility)r.Next(3),
                    }, Now).Decision);
                    break;
                case 3:
                    if (Theater.Requests.All.Where(q => q.IsOpen).OrderBy(q => q.Id, StringComparer.Ordinal).FirstOrDefault() is { } open)
                    {
                        var kind = (AnswerKind)r.Next(2);
                        Record(Lifecycle.Answer(Theater, open, open.Affected, kind, kind == AnswerKind.Refuse ? "no" : null, null, Now).Decision);
                    }

                    break;
                case 4:
                    // Ending an operation withdraws the requests it still holds, answered ones too.
                    if (r.Next(3) == 0 && Theater.Operations.Where(o => o.Owner == party && o.State is OperationState.Active).FirstOrDefault() is { } flying)
                    {
                        Record(Lifecycle.Complete(Theater, flying, Now));
                    }
                    else if (r.Next(4) == 0 && Theater.Operations.Where(o => o.Owner == party && o.State is OperationState.Concurred or OperationState.AwaitingConcurrence).FirstOrDefault() is { } waiting)
                    {
                        Record(Lifecycle.Cancel(Theater, waiting, Now));
                    }
                    else if (Theater.Operations.Where(o => o.Owner == party && o.State is OperationState.Accepted or OperationState.Concurred).FirstOrDefault() is { } ready)
                    {
                        Record(Lifecycle.Activate(Theater, ready, Now));
                    }

                    break;
                case 5 or 6:
                    {
                        var suspected = Members.Where(m => m != party.Value && r.Next(2) == 0).Select(m => new PartyId(m)).ToList();
                        var report = new IncidentReport
                        {
                            Id = new IncidentId($"inc{i}"), Reporter = r.Next(4) == 0 ? new PartyId("unmo") : party,
                            Kind = (IncidentKind)r.Next(6), Area = Near(r, 500 + r.Next(5000)), Window = new TimeWindow(Now.AddHours(-3), Now.AddHours(-1)),
                            Visibility = (Visibility)r.Next(3),
                        };
                        report = report with { Suspected = [.. suspected.Where(s => s != report.Reporter)] };
                        Record(IncidentLifecycle.Report(Theater, report, Now).Decision);
                        break;
                    }

                case 7:
                    if (Theater.Incidents.All.Where(x => x.Report.Suspected.Count > 0).OrderBy(x => x.Id.Value, StringComparer.Ordinal).Skip(r.Next(3)).FirstOrDefault() is { } incident)
                    {
                        var replier = incident.Report.Suspected[r.Next(incident.Report.Suspected.Count)];
                        var kind = (ReplyKind)r.Next(4);
                        var own = Theater.Operations.FirstOrDefault(o => o.Owner == replier);
                        if (kind == ReplyKind.Explain && own is null)
                        {
                            kind = ReplyKind.Admit;
                        }

                        Record(IncidentLifecycle.Reply(Theater, incident, replier, kind, "because", kind == ReplyKind.Explain ? own!.Id : null, Now).Decision);
                    }

                    break;
                case 8:
                    if (Theater.Incidents.All.OrderBy(x => x.Id.Value, StringComparer.Ordinal).Skip(r.Next(3)).FirstOrDefault() is { } graded)
                    {
                        Record(IncidentLifecycle.Grade(Theater, graded, new PartyId(r.Next(2) == 0 ? "unmo" : "registrar"), (IncidentGrade)r.Next(4), "seen", Now).Decision);
                    }

                    break;
                default:
                    Record(Lifecycle.ExpireDue(Theater, Now));
                    Record(IncidentLifecycle.RecordSilences(Theater, Now));
                    break;
            }
        }
        catch (Exception e) when (e is Parley.Core.DomainException or Parley.Core.InputRejectedException)
        {
            // A step the rules refuse changes nothing, as at the center.
        }
    }

    private void Record(Decision decision)
    {
        if (!decision.IsRecorded)
        {
            return;
        }

        foreach (var operation in decision.State.Operations)
        {
            Transitions.Add((operation.Owner, Theater.FindOperation(operation.Id)?.State, operation.State, decision.Time ?? Now));
        }

        foreach (var request in decision.State.Requests)
        {
            if (request.State is RequestState.Concurred or RequestState.Refused or RequestState.CounterProposed)
            {
                Answers.TryAdd(request.Id, request);
            }
        }

        Ledger.AddRange(LedgerEntries.Build(Ledger.Count, Pact.Id, decision, null, Theater, Now));
        if (decision.AgreementText is null)
        {
            Theater.Apply(decision.State);
        }
    }

    /// <summary>The openings <paramref name="party"/> may open of an entry (null: every one), by item, as the ledger's openings route decides.</summary>
    public static IReadOnlyList<(int Item, byte[] Opening)> Openings(LedgerAppend append, string? party)
    {
        var result = new List<(int, byte[])>();
        for (int i = 0; i < append.Openings.Count; i++)
        {
            if (party is null || MayOpen(append.Openings[i], party))
            {
                result.Add((i, append.Openings[i]));
            }
        }

        return result;
    }

    private static bool MayOpen(byte[] opening, string party)
    {
        using var document = JsonDocument.Parse(opening);
        var content = document.RootElement.GetProperty("content");
        if (content.GetProperty("type").GetString() == "agreement")
        {
            return true;
        }

        var properties = content.TryGetProperty("feature", out var feature) ? feature.GetProperty("properties") : content;
        string? visibility = properties.TryGetProperty("visibility", out var v) ? v.GetString() : "private";
        return properties.GetProperty("owner").GetString() == party || visibility == "public" ||
               (visibility == "parties" && properties.TryGetProperty("shared_with", out var shared) && shared.EnumerateArray().Any(p => p.GetString() == party));
    }
}
