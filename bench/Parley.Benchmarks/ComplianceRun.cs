using System.Diagnostics;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Ledger.Entries;
using Parley.Ledger.Entries.Compliance;

namespace Parley.Benchmarks;

/// <summary>
/// <c>compliance</c>: a ledger of the core's own decisions (zones, operations and their requests, incidents with replies
/// and grades), written as the server writes it; then the compliance report as the server answers it, from the facts kept
/// as entries arrive, against the recomputation a holder of an export runs (every entry and its openings read again,
/// then counted).
/// </summary>
public static class ComplianceRun
{
    private const string AgreementText = """
        {"id":"bench","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"},{"id":"unmo","role":"observer"}],
         "concurrence_deadline_minutes":60,"incident_reply_deadline_hours":48}
        """;

    private static readonly PartyId[] Members = [new("blue"), new("red"), new("aid")];

    public static int Run(int entries, int reports, int seed, string? export, int runs)
    {
        Console.WriteLine($"# compliance — {Machine.Describe()}");
        Console.WriteLine($"# seed {seed}: {entries:N0} ledger entries; load at start {Machine.LoadAverage()}");
        if (export is not null && ComplianceExport.Holds(export, entries, seed))
        {
            Console.WriteLine($"# the export in {export} is reused (written by an earlier run with the same entries and seed)");
            return FromExport(export, runs);
        }

        var (ledger, reported, makeSeconds) = Make(entries, seed);
        Machine.Collect();

        // The server: the facts were kept as the entries arrived; a report counts from them.
        var kept = new ComplianceLedger();
        long t0 = Stopwatch.GetTimestamp();
        foreach (var append in ledger)
        {
            kept.Add(append.Index, append.Entry, All(append));
        }

        double keepSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var now = kept.LastEntry ?? DateTimeOffset.UnixEpoch;
        var week = ComplianceQuery.For(CompliancePeriod.Day, null, null, kept.LastEntry);
        var whole = ComplianceQuery.For(CompliancePeriod.Week, kept.LastEntry!.Value.AddDays(-7 * 52), null, kept.LastEntry);
        double center = Time(reports, () => ComplianceReport.Write(kept, week, ComplianceReport.Everything, now));
        double party = Time(reports, () => ComplianceReport.Write(kept, week, ComplianceReport.OpenableBy(new PartyId("red")), now));
        double year = Time(reports, () => ComplianceReport.Write(kept, whole, ComplianceReport.Everything, now));

        // The holder of an export: every entry and its openings read again (openings checked against their commitments), then counted.
        t0 = Stopwatch.GetTimestamp();
        var again = new ComplianceLedger();
        foreach (var append in ledger)
        {
            again.Add(append.Index, append.Entry, All(append));
        }

        byte[] recomputed = ComplianceReport.Write(again, week, ComplianceReport.Everything, now);
        double recomputeSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        bool same = recomputed.AsSpan().SequenceEqual(ComplianceReport.Write(kept, week, ComplianceReport.Everything, now));

        Console.WriteLine();
        Console.WriteLine("| ledger entries | incidents | made in (s) | facts kept per entry (µs) | report, center, 7 days (ms) | report, a party, 7 days (ms) | report, center, 52 weeks (ms) | recomputed from the entries (s) | same document |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        Console.WriteLine($"| {ledger.Count:N0} | {reported:N0} | {makeSeconds:F1} | {keepSeconds * 1e6 / ledger.Count:F1} | {center:F1} | {party:F1} | {year:F1} | {recomputeSeconds:F2} | {(same ? "yes" : "NO")} |");
        Console.WriteLine();
        Console.WriteLine($"load average at the end: {Machine.LoadAverage()}");
        if (export is null)
        {
            return same ? 0 : 1;
        }

        double written = ComplianceExport.Write(export, ledger, "bench", entries, seed, recomputed);
        Console.WriteLine($"# export written to {export} in {written:F1} s");
        ledger.Clear();
        return FromExport(export, runs) == 0 && same ? 0 : 1;
    }

    /// <summary>The command a holder of the export runs, timed on the folder: reading and checking it, then the report.</summary>
    private static int FromExport(string export, int runs)
    {
        Console.WriteLine($"# load before the recomputation from the export: {Machine.LoadAverage()}");
        var (seconds, same) = ComplianceExport.Recompute(export, runs);
        Console.WriteLine();
        Console.WriteLine($"`{ComplianceExport.Command(export)}`, in process, {runs} runs:");
        Console.WriteLine();
        Console.WriteLine("| runs | best (s) | median (s) | worst (s) | same document as the center's |");
        Console.WriteLine("|---:|---:|---:|---:|---|");
        var sorted = seconds.Order().ToList();
        Console.WriteLine($"| {sorted.Count} | {sorted[0]:F2} | {sorted[sorted.Count / 2]:F2} | {sorted[^1]:F2} | {(same ? "yes" : "NO")} |");
        Console.WriteLine();
        Console.WriteLine($"load average at the end: {Machine.LoadAverage()}");
        return same ? 0 : 1;
    }

    private static IReadOnlyList<(int Item, byte[] Opening)> All(LedgerAppend append) =>
        [.. append.Openings.Select((opening, item) => (item, opening))];

    private static double Time(int repeats, Action run)
    {
        run();
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < repeats; i++)
        {
            run();
        }

        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds / repeats;
    }

    /// <summary>The ledger of a random history: about one entry every two minutes, so a million entries span four years' worth of days.</summary>
    private static (List<LedgerAppend> Ledger, int Incidents, double Seconds) Make(int target, int seed)
    {
        var agreement = AgreementReader.Parse(AgreementText);
        var theater = new Theater(agreement);
        var ledger = new List<LedgerAppend>(target + 16);
        var rng = new Random(seed);
        var now = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        var incidents = new List<IncidentId>();
        var operations = new List<OperationId>();
        var progress = new Progress($"writing {target:N0} ledger entries", target);
        long t0 = Stopwatch.GetTimestamp();

        void Record(Decision decision)
        {
            if (!decision.IsRecorded)
            {
                return;
            }

            ledger.AddRange(LedgerEntries.Build(ledger.Count, agreement.Id, decision, null, theater, now));
            if (decision.AgreementText is null)
            {
                theater.Apply(decision.State);
            }
        }

        Record(Decision.ForAgreement(AgreementText));
        for (int i = 0; ledger.Count < target; i++)
        {
            now += TimeSpan.FromSeconds(rng.Next(10, 230));
            var party = Members[rng.Next(3)];
            var visibility = (Visibility)rng.Next(3);
            Shape Near(double metres) => Shape.Circle(30 + (rng.NextDouble() * 10), 30 + (rng.NextDouble() * 10), metres);
            try
            {
                switch (rng.Next(20))
                {
                    case 0:
                        Record(Lifecycle.DeclareZone(theater, new Zone
                        {
                            Id = new ZoneId($"z{i}"), Owner = party, Kind = ZoneKind.Protected, Visibility = visibility,
                            Volume = new Volume(Near(2_000), new AltitudeBand(0, 500), new TimeWindow(now, null)),
                        }, now));
                        break;
                    case < 7:
                        Record(Lifecycle.Submit(theater, new Operation
                        {
                            Id = new OperationId($"o{i}"), Owner = party, Kind = "strike", Visibility = visibility,
                            Volume = new Volume(Near(3_000), new AltitudeBand(0, 3000), new TimeWindow(now.AddHours(1), now.AddHours(3))),
                        }, now).Decision);
                        operations.Add(new OperationId($"o{i}"));
                        break;
                    case < 9:
                        if (operations.Count > 0 && theater.FindOperation(operations[rng.Next(Math.Max(0, operations.Count - 50), operations.Count)]) is
                            { State: OperationState.Accepted or OperationState.Concurred } ready)
                        {
                            Record(Lifecycle.Activate(theater, ready, now));
                        }

                        break;
                    case < 13:
                        {
                            var suspect = Members[(Array.IndexOf(Members, party) + 1 + rng.Next(2)) % 3];
                            var id = new IncidentId($"inc{i}");
                            Record(IncidentLifecycle.Report(theater, new IncidentReport
                            {
                                Id = id, Reporter = rng.Next(4) == 0 ? new PartyId("unmo") : party, Kind = (IncidentKind)rng.Next(6),
                                Area = Near(200 + rng.Next(5_000)), Window = new TimeWindow(now.AddHours(-3), now.AddHours(-1)),
                                Suspected = [suspect], Visibility = visibility,
                            }, now).Decision);
                            incidents.Add(id);
                            break;
                        }

                    case < 16:
                        if (incidents.Count > 0 && theater.Incidents.Find(incidents[rng.Next(Math.Max(0, incidents.Count - 50), incidents.Count)]) is { } open &&
                            open.Replies.Count == 0)
                        {
                            var kind = rng.Next(3) == 0 ? ReplyKind.Admit : ReplyKind.Deny;
                            Record(IncidentLifecycle.Reply(theater, open, open.Report.Suspected[0], kind, "as recorded", null, now).Decision);
                        }

                        break;
                    case < 18:
                        if (incidents.Count > 0 && theater.Incidents.Find(incidents[rng.Next(Math.Max(0, incidents.Count - 50), incidents.Count)]) is { } graded)
                        {
                            Record(IncidentLifecycle.Grade(theater, graded, new PartyId("unmo"), (IncidentGrade)rng.Next(4), "seen", now).Decision);
                        }

                        break;
                    default:
                        // The deadlines' sweeps, now and then, as the server's timers run them.
                        if (i % 40 == 0)
                        {
                            Record(Lifecycle.ExpireDue(theater, now));
                            Record(IncidentLifecycle.RecordSilences(theater, now));
                        }

                        break;
                }
            }
            catch (Exception e) when (e is Parley.Core.DomainException or Parley.Core.InputRejectedException)
            {
                // A step the rules refuse changes nothing, as at the center.
            }

            if ((i & 0x3FFF) == 0)
            {
                progress.Report(ledger.Count);
            }
        }

        progress.Done();
        return (ledger, incidents.Count, Stopwatch.GetElapsedTime(t0).TotalSeconds);
    }
}
