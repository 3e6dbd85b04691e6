using System.Text;
using System.Text.Json;
using CsCheck;
using Parley.Core.Model;
using Parley.Ledger.Entries.Compliance;

namespace Parley.Ledger.Entries.Tests.Compliance;

/// <summary>
/// The compliance figures against a brute-force model that counts straight from the domain's own record of a random
/// history (every operation's change of state, the requests and incidents as they end up), for the center and for each
/// party's view; and the recomputation from what a party holds (its openings alone) against the center's report of what
/// that party may see, byte for byte but the time of generation.
/// </summary>
public sealed class ComplianceReportPropertyTests
{
    private static readonly string?[] Viewers = [null, "blue", "red", "aid", "unmo", "registrar"];

    private static readonly string[] Reported = ["blue", "red", "aid", "unmo"];

    [Fact]
    public void the_figures_of_every_view_are_those_of_the_brute_force_model()
    {
        int withIncidents = 0, withRequests = 0, withActivations = 0, answeredThenWithdrawn = 0;
        Gen.Int.Sample(seed =>
        {
            var history = ComplianceHistory.Make(new Random(seed), 140);
            var r = new Random(seed);
            var period = r.Next(2) == 0 ? CompliancePeriod.Day : CompliancePeriod.Week;
            var query = ComplianceQuery.For(period, ComplianceHistory.Start.AddDays(r.Next(0, 4)), history.Now.AddDays(r.Next(-2, 2)), null);
            foreach (var viewer in Viewers)
            {
                var ledger = Feed(history, viewer: null);
                var admits = viewer is null ? ComplianceReport.Everything : ComplianceReport.OpenableBy(new PartyId(viewer));
                var actual = Figures(ComplianceReport.Write(ledger, query, admits, DateTimeOffset.UnixEpoch));
                var expected = Model(history, query, viewer);
                Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
                foreach (var (key, value) in expected)
                {
                    Assert.True(value == actual[key], $"{viewer ?? "center"} {key}: expected {value}, got {actual[key]}");
                }
            }

            Interlocked.Add(ref withIncidents, history.Theater.Incidents.All.Any(i => i.Replies.Count > 0 && i.Grades.Count > 0) ? 1 : 0);
            Interlocked.Add(ref withRequests, history.Theater.Requests.All.Select(q => q.State).Distinct().Count() >= 3 ? 1 : 0);
            Interlocked.Add(ref withActivations, history.Transitions.Any(t => t.To == OperationState.Active) ? 1 : 0);
            Interlocked.Add(ref answeredThenWithdrawn, history.Answers.Keys.Any(id => history.Theater.Requests.All.Any(q => q.Id == id && q.State == RequestState.Withdrawn)) ? 1 : 0);
        }, iter: 40);

        // The histories reached what the figures count.
        Assert.True(withIncidents > 20 && withRequests > 20 && withActivations > 20 && answeredThenWithdrawn > 5,
            $"{withIncidents} / {withRequests} / {withActivations} / {answeredThenWithdrawn}");
    }

    [Fact]
    public void a_partys_recomputation_from_its_own_openings_is_the_centers_report_of_what_it_may_see()
    {
        Gen.Int.Sample(seed =>
        {
            var history = ComplianceHistory.Make(new Random(seed), 120);
            var query = ComplianceQuery.For(CompliancePeriod.Day, null, null, history.Ledger.Count > 0 ? history.Now : null);
            var center = Feed(history, viewer: null);
            foreach (var viewer in Viewers)
            {
                var own = Feed(history, viewer);
                var served = ComplianceReport.Write(center, query, viewer is null ? ComplianceReport.Everything : ComplianceReport.OpenableBy(new PartyId(viewer)), DateTimeOffset.UnixEpoch);
                var recomputed = ComplianceReport.Write(own, query, ComplianceReport.Everything, DateTimeOffset.UnixEpoch);
                Assert.Equal(Encoding.UTF8.GetString(served), Encoding.UTF8.GetString(recomputed));
            }
        }, iter: 25);
    }

    [Fact]
    public void an_opening_that_does_not_match_its_commitment_is_refused_by_name()
    {
        var history = ComplianceHistory.Make(new Random(7), 40);
        var ledger = new ComplianceLedger();
        var first = history.Ledger[0];
        ledger.Add(0, first.Entry, ComplianceHistory.Openings(first, null));
        var second = history.Ledger[1];
        // A changed value, and text that is not JSON at all.
        foreach (var change in new Func<byte[], byte[]>[]
        {
            o => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(o).Replace("\"salt\":\"", "\"salt\":\"A", StringComparison.Ordinal)),
            o => [.. o, (byte)' ', (byte)'x'],
        })
        {
            var tampered = second.Openings.Select((o, i) => (i, i == 0 ? change(o) : o)).ToList();
            var error = Assert.Throws<InvalidDataException>(() => ledger.Add(1, second.Entry, tampered));
            Assert.Contains("entry 1", error.Message, StringComparison.Ordinal);
            Assert.Contains("item 0", error.Message, StringComparison.Ordinal);
        }

        Assert.Throws<InvalidDataException>(() => ledger.Add(5, second.Entry, []));

        // The same opening in another JSON form (spaces, members out of order) is checked in its canonical form, and taken.
        var reordered = second.Openings.Select((o, i) => (i, Reordered(o))).ToList();
        ledger.Add(1, second.Entry, reordered);
        Assert.Equal(2, ledger.Size);
    }

    [Theory]
    [InlineData(100, 126, "large increase")]
    [InlineData(100, 125, "moderate increase")]
    [InlineData(100, 110, "moderate increase")]
    [InlineData(100, 109, "limited change")]
    [InlineData(100, 75, "limited change")]
    [InlineData(100, 74, "decrease")]
    [InlineData(0, 0, "limited change")]
    [InlineData(0, 1, "large increase")]
    [InlineData(4, 5, "moderate increase")]
    [InlineData(4, 3, "limited change")]
    public void a_change_falls_in_the_band_its_percentage_names(long previous, long current, string band)
    {
        Assert.Equal(band, ComplianceReport.Band(previous, current));
    }

    private static ComplianceLedger Feed(ComplianceHistory history, string? viewer)
    {
        var ledger = new ComplianceLedger();
        foreach (var append in history.Ledger)
        {
            ledger.Add(append.Index, append.Entry, ComplianceHistory.Openings(append, viewer));
        }

        return ledger;
    }

    /// <summary>Every figure of a document, keyed party/start/section/figure, as (count, of, pending, previous).</summary>
    private static Dictionary<string, (long Count, long? Of, long? Pending, long Previous)> Figures(byte[] document)
    {
        using var json = JsonDocument.Parse(document);
        var result = new Dictionary<string, (long, long?, long?, long)>(StringComparer.Ordinal);
        foreach (var party in json.RootElement.GetProperty("parties").EnumerateArray())
        {
            foreach (var period in party.GetProperty("periods").EnumerateArray())
            {
                foreach (var section in period.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object))
                {
                    foreach (var figure in section.Value.EnumerateObject())
                    {
                        string key = $"{party.GetProperty("party").GetString()}/{period.GetProperty("start").GetString()}/{section.Name}/{figure.Name}";
                        var f = figure.Value;
                        result[key] = f.TryGetProperty("seconds", out var seconds)
                            ? (seconds.ValueKind == JsonValueKind.Null ? -1 : seconds.GetInt64(), f.GetProperty("of").GetInt64(), f.GetProperty("pending").GetInt64(), 0)
                            : (f.GetProperty("count").GetInt64(), Long(f.GetProperty("of")), Long(f.GetProperty("pending")), f.GetProperty("change").GetProperty("previous").GetInt64());
                    }
                }
            }
        }

        return result;
    }

    private static long? Long(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt64();

    /// <summary>The figures counted straight from the domain's record, as <paramref name="viewer"/> (null: the center) may see them.</summary>
    private static Dictionary<string, (long Count, long? Of, long? Pending, long Previous)> Model(ComplianceHistory history, ComplianceQuery query, string? viewer)
    {
        var result = new Dictionary<string, (long, long?, long?, long)>(StringComparer.Ordinal);
        var length = query.Length;
        int periods = (int)((query.To - query.From) / length);
        bool observer = viewer == "unmo";
        bool Sees(params string[] parties) => viewer is null || observer || parties.Contains(viewer);
        DateTimeOffset StartOf(int k) => query.From + (length * (k - 1));
        bool In(DateTimeOffset t, int k) => t >= StartOf(k) && t < StartOf(k + 1);

        // A request counts as its party answered it, even when withdrawn after (its operation changed or ended).
        var requests = history.Theater.Requests.All.Where(q => Sees(q.Submitter.Value, q.Affected.Value))
            .Select(q => q.State == RequestState.Withdrawn && history.Answers.TryGetValue(q.Id, out var answered) ? answered : q).ToList();
        var transitions = history.Transitions.Where(t => Sees(t.Owner.Value)).ToList();
        var incidents = history.Theater.Incidents.All.Where(i => viewer is null || i.Audience.Contains(new PartyId(viewer))).ToList();

        foreach (var party in Reported)
        {
            for (int k = 1; k <= periods; k++)
            {
                string at = Parley.Core.Features.FeatureWriter.Time(StartOf(k));
                void Put(string section, string name, Func<int, long> count, long? of, long? pending) =>
                    result[$"{party}/{at}/{section}/{name}"] = (count(k), of, pending, count(k - 1));

                // Concurrence: requests to the party, by the period they were opened in.
                List<ConcurrenceRequest> Received(int p) => [.. requests.Where(q => q.Affected.Value == party && In(q.Opened, p))];
                bool Answered(ConcurrenceRequest q) => q.State is RequestState.Concurred or RequestState.Refused or RequestState.CounterProposed;
                var received = Received(k);
                long open = received.Count(q => q.IsOpen);
                Put("concurrence", "received", p => Received(p).Count, null, open);
                Put("concurrence", "answered_in_time", p => Received(p).Count(q => Answered(q) && q.Closed < q.Deadline), received.Count, open);
                Put("concurrence", "answered_late", p => Received(p).Count(q => Answered(q) && q.Closed >= q.Deadline), received.Count, open);
                foreach (var (name, state) in new[] { ("concurred", RequestState.Concurred), ("refused", RequestState.Refused), ("countered", RequestState.CounterProposed), ("expired", RequestState.Expired), ("withdrawn", RequestState.Withdrawn) })
                {
                    Put("concurrence", name, p => Received(p).Count(q => q.State == state), received.Count, open);
                }

                var times = received.Where(Answered).Select(q => (q.Closed!.Value - q.Opened).Ticks / TimeSpan.TicksPerSecond).Order().ToList();
                result[$"{party}/{at}/concurrence/answer_time_median_s"] = (times.Count == 0 ? -1 : times[(times.Count - 1) / 2], times.Count, open, 0);
                result[$"{party}/{at}/concurrence/answer_time_p90_s"] = (times.Count == 0 ? -1 : times[(int)Math.Ceiling(0.9 * times.Count) - 1], times.Count, open, 0);

                // Operations: changes of state in the period, and how many stood in a state at its end.
                var mine = transitions.Where(t => t.Owner.Value == party).ToList();
                long Into(int p, OperationState s) => mine.Count(t => In(t.At, p) && t.From != t.To && t.To == s);
                long Stock(int p, params OperationState[] states) => states.Sum(s =>
                    mine.Count(t => t.At < StartOf(p + 1) && t.To == s) - mine.Count(t => t.At < StartOf(p + 1) && t.From == s));
                long Decided(int p) => Into(p, OperationState.Accepted) + Into(p, OperationState.Concurred) + Into(p, OperationState.Refused) + Into(p, OperationState.Expired);
                long awaiting = Stock(k, OperationState.AwaitingConcurrence);
                Put("operations", "submitted", p => mine.Count(t => In(t.At, p) && t.From is null), null, awaiting);
                Put("operations", "decided", Decided, null, awaiting);
                foreach (var (name, state) in new[] { ("accepted", OperationState.Accepted), ("concurred", OperationState.Concurred), ("refused", OperationState.Refused), ("expired", OperationState.Expired) })
                {
                    Put("operations", name, p => Into(p, state), Decided(k), awaiting);
                }

                Put("operations", "awaiting", p => Stock(p, OperationState.AwaitingConcurrence),
                    Stock(k, OperationState.Proposed, OperationState.Accepted, OperationState.AwaitingConcurrence, OperationState.Concurred, OperationState.Active), null);
                Put("operations", "activated", p => Into(p, OperationState.Active),
                    Stock(k - 1, OperationState.Accepted, OperationState.Concurred) + Into(k, OperationState.Accepted) + Into(k, OperationState.Concurred),
                    Stock(k, OperationState.Accepted, OperationState.Concurred));

                // Incidents: by the period they were reported in.
                var id = new PartyId(party);
                List<Incident> Against(int p) => [.. incidents.Where(i => i.Suspects(id) && In(i.Reported, p))];
                string Status(Incident i) => i.IsConfirmedAgainst(id) ? "confirmed" : i.Grade is { } g ? IncidentNames.Name(g) : "ungraded";
                var against = Against(k);
                long ungraded = against.Count(i => Status(i) == "ungraded");
                long awaited = against.Count(i => i.StandingOf(id) == ReplyStanding.Awaited);
                Put("incidents", "reported", p => incidents.Count(i => i.Report.Reporter == id && In(i.Reported, p)), null, null);
                Put("incidents", "against", p => Against(p).Count, null, ungraded);
                foreach (var status in new[] { "confirmed", "fair", "weak", "contested", "discounted", "ungraded" })
                {
                    Put("incidents", status, p => Against(p).Count(i => Status(i) == status), against.Count, ungraded);
                }

                Put("incidents", "notified_sites_affected", p => Against(p).Count(i => i.Correlation.Sites.Any(s => s.Owner != id)), against.Count, null);
                Put("incidents", "replied_in_time", p => Against(p).Count(i => i.StandingOf(id) == ReplyStanding.Replied), against.Count, awaited);
                Put("incidents", "replied_late", p => Against(p).Count(i => i.StandingOf(id) == ReplyStanding.RepliedLate), against.Count, awaited);
                Put("incidents", "never_replied", p => Against(p).Count(i => i.StandingOf(id) == ReplyStanding.Silent), against.Count, awaited);
            }
        }

        return result;
    }

    /// <summary>The JSON text with its top-level members in reverse order, indented: the same JSON, not canonical.</summary>
    private static byte[] Reordered(byte[] opening)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(opening)!.AsObject();
        var members = node.Select(m => m.Key).Reverse().ToList();
        var reversed = new System.Text.Json.Nodes.JsonObject();
        foreach (string key in members)
        {
            reversed[key] = node[key]!.DeepClone();
        }

        return Encoding.UTF8.GetBytes(reversed.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }
}
