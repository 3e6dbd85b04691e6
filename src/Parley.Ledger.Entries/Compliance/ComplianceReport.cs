using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Ledger.Entries.Compliance;

/// <summary>The length of a compliance period.</summary>
public enum CompliancePeriod
{
    /// <summary>A UTC day.</summary>
    Day,

    /// <summary>An ISO week: Monday 00:00 UTC to the next Monday.</summary>
    Week,
}

/// <summary>What a compliance report covers: whole periods from <see cref="From"/> to <see cref="To"/>.</summary>
/// <param name="Period">Days or weeks.</param>
/// <param name="From">The start of the first period (aligned).</param>
/// <param name="To">The end of the last period (aligned).</param>
public sealed record ComplianceQuery(CompliancePeriod Period, DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>Most periods one report covers.</summary>
    public const int MaxPeriods = 400;

    /// <summary>How many periods a report has when the bounds are not given.</summary>
    public const int DefaultPeriods = 7;

    /// <summary>One period's length.</summary>
    public TimeSpan Length => Period == CompliancePeriod.Day ? TimeSpan.FromDays(1) : TimeSpan.FromDays(7);

    /// <summary>
    /// The query for <paramref name="from"/> and <paramref name="to"/> when given (<paramref name="from"/> aligned down to
    /// its period's start, <paramref name="to"/> up to its period's end), else the <see cref="DefaultPeriods"/> periods up
    /// to the end of the one holding <paramref name="lastEntry"/> (a function of the ledger alone, so that a report and its
    /// recomputation from an export cover the same periods).
    /// </summary>
    /// <exception cref="Parley.Core.InputRejectedException">The bounds are reversed or span too many periods.</exception>
    public static ComplianceQuery For(CompliancePeriod period, DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset? lastEntry)
    {
        var length = period == CompliancePeriod.Day ? TimeSpan.FromDays(1) : TimeSpan.FromDays(7);
        var end = to is { } t ? Up(t, period) : Up((lastEntry ?? DateTimeOffset.UnixEpoch).AddTicks(1), period);
        var start = from is { } f ? Down(f, period) : end - (length * DefaultPeriods);
        if (start >= end)
        {
            throw new Parley.Core.InputRejectedException(new Parley.Core.InputError(null, "from", "must be before to (whole periods from the start of from's to the end of to's)"));
        }

        if ((end - start) / length > MaxPeriods)
        {
            throw new Parley.Core.InputRejectedException(new Parley.Core.InputError(null, "from", $"at most {MaxPeriods} periods in one report"));
        }

        return new ComplianceQuery(period, start, end);
    }

    /// <summary>The start of the period holding <paramref name="time"/>.</summary>
    public static DateTimeOffset Down(DateTimeOffset time, CompliancePeriod period)
    {
        var day = new DateTimeOffset(time.UtcDateTime.Date, TimeSpan.Zero);
        return period == CompliancePeriod.Day ? day : day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
    }

    /// <summary>The end of the period holding the instant just before <paramref name="time"/> (a boundary stays itself).</summary>
    public static DateTimeOffset Up(DateTimeOffset time, CompliancePeriod period)
    {
        var start = Down(time, period);
        return start == time ? start : start + (period == CompliancePeriod.Day ? TimeSpan.FromDays(1) : TimeSpan.FromDays(7));
    }
}

/// <summary>
/// The compliance figures of every party, period by period, computed from a <see cref="ComplianceLedger"/> and what a
/// viewer may open of it, and written as one JSON document: the route's answer and the offline recomputation's output
/// are this document (they differ only in <c>generated</c>). The formula of every figure is in docs/compliance.md.
/// </summary>
/// <remarks>
/// Every figure is <c>{"count", "of", "pending", "change"}</c>: what is counted, its denominator (null where the figure is
/// a count of its own), how many of the denominator are still open (by the ledger), and the band of change against the
/// previous period. Figures about items the viewer may not open are not there: a figure counts only what its viewer may
/// open, and never places.
/// </remarks>
public static class ComplianceReport
{
    /// <summary>The bands of change against the previous period, in order of the thresholds.</summary>
    public static readonly IReadOnlyList<string> Bands = ["large increase", "moderate increase", "limited change", "decrease"];

    /// <summary>The document, for a viewer who may open what <paramref name="admits"/> accepts (every fact: the center, or an export's holder).</summary>
    public static byte[] Write(ComplianceLedger ledger, ComplianceQuery query, Func<FactAudience, bool> admits, DateTimeOffset generated)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(admits);
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w, ledger, query, admits, generated);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The viewer filter of a party: the items it may open, as the ledger's openings route decides.</summary>
    public static Func<FactAudience, bool> OpenableBy(PartyId party) => audience => audience.Admits(party.Value);

    /// <summary>The viewer filter of the center (its administrator) and of an export's holder: every fact at hand.</summary>
    public static readonly Func<FactAudience, bool> Everything = _ => true;

    private static void Write(Utf8JsonWriter w, ComplianceLedger ledger, ComplianceQuery query, Func<FactAudience, bool> admits, DateTimeOffset generated)
    {
        var visible = ledger.Audiences.Select(admits).ToArray();
        var figures = new Figures(ledger, query, visible);
        w.WriteStartObject();
        w.WriteString("agreement", ledger.Agreement?.Id.Value);
        w.WriteString("generated", FeatureWriter.Time(generated));
        w.WriteNumber("ledger_size", ledger.Size);
        if (ledger.LastEntry is { } last)
        {
            w.WriteString("last_entry", FeatureWriter.Time(last));
        }
        else
        {
            w.WriteNull("last_entry");
        }

        w.WriteString("period", query.Period == CompliancePeriod.Day ? "day" : "week");
        w.WriteString("from", FeatureWriter.Time(query.From));
        w.WriteString("to", FeatureWriter.Time(query.To));
        w.WriteStartArray("parties");
        var indexes = ledger.PartyNames.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        foreach (var (party, role) in Parties(ledger))
        {
            int index = indexes.GetValueOrDefault(party, -1);
            w.WriteStartObject();
            w.WriteString("party", party);
            w.WriteString("role", role);
            w.WriteStartArray("periods");
            for (int k = 1; k < figures.Periods; k++)
            {
                w.WriteStartObject();
                w.WriteString("start", FeatureWriter.Time(figures.Start(k)));
                w.WriteString("end", FeatureWriter.Time(figures.Start(k + 1)));
                figures.WriteConcurrence(w, index, k);
                figures.WriteOperations(w, index, k);
                figures.WriteIncidents(w, index, k);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The parties reported on: the agreement's members and observers, in its order.</summary>
    private static IEnumerable<(string Party, string Role)> Parties(ComplianceLedger ledger) =>
        (ledger.Agreement?.Parties ?? []).Where(p => p.Role != PartyRole.Administrator)
            .Select(p => (p.Id.Value, p.Role == PartyRole.Member ? "member" : "observer"));

    /// <summary>The counts behind the figures, computed once per report for every party and period.</summary>
    private sealed class Figures
    {
        private readonly ComplianceQuery _query;
        private readonly int _parties;

        // Periods: 0 is the one before the first reported (for the change), 1 … n the reported ones.
        public int Periods { get; }

        private readonly long _origin, _length;
        private readonly Count[,,] _requests; // [party, period, RequestCount]
        private readonly List<long>[,] _answerTimes;
        private readonly long[,,] _operationFlows; // [party, period, state + 1 into; 0 = new]
        private readonly long[,,] _decisionsInto; // [party, period, state]
        private readonly long[,,] _stockAtEnd; // [party, period, state]
        private readonly Count[,,] _incidents;

        public Figures(ComplianceLedger ledger, ComplianceQuery query, bool[] visible)
        {
            _query = query;
            _parties = ledger.PartyNames.Count;
            _length = query.Length.Ticks;
            _origin = query.From.UtcTicks - _length;
            Periods = (int)((query.To.UtcTicks - _origin) / _length);
            int p = Math.Max(1, _parties);
            _requests = new Count[p, Periods, (int)RequestFigure.Count];
            _answerTimes = new List<long>[p, Periods];
            _operationFlows = new long[p, Periods, 10];
            _decisionsInto = new long[p, Periods, 9];
            _stockAtEnd = new long[p, Periods, 9];
            _incidents = new Count[p, Periods, (int)IncidentFigure.Count];
            Requests(ledger, visible);
            Operations(ledger, visible);
            Incidents(ledger, visible);
        }

        public DateTimeOffset Start(int period) => new(_origin + (period * _length), TimeSpan.Zero);

        /// <summary>The period of a time, or -1 before the first, Periods past the last.</summary>
        private int PeriodOf(long ticks) => ticks < _origin ? -1 : (int)Math.Min(Periods, (ticks - _origin) / _length);

        private void Requests(ComplianceLedger ledger, bool[] visible)
        {
            foreach (var r in ledger.Requests)
            {
                int k = PeriodOf(r.Opened);
                if (!visible[r.Audience] || k < 0 || k >= Periods)
                {
                    continue;
                }

                var state = (RequestState)r.State;
                bool answered = state is RequestState.Concurred or RequestState.Refused or RequestState.CounterProposed;
                Add(_requests, r.Affected, k, RequestFigure.Received, pending: state == RequestState.Open);
                Add(_requests, r.Affected, k, state switch
                {
                    RequestState.Concurred => RequestFigure.Concurred,
                    RequestState.Refused => RequestFigure.Refused,
                    RequestState.CounterProposed => RequestFigure.Countered,
                    RequestState.Expired => RequestFigure.Expired,
                    RequestState.Withdrawn => RequestFigure.Withdrawn,
                    _ => RequestFigure.Open,
                }, pending: false);
                if (answered)
                {
                    Add(_requests, r.Affected, k, r.Closed < r.Deadline ? RequestFigure.InTime : RequestFigure.Late, pending: false);
                    (_answerTimes[r.Affected, k] ??= []).Add((r.Closed - r.Opened) / TimeSpan.TicksPerSecond);
                }
            }
        }

        private void Operations(ComplianceLedger ledger, bool[] visible)
        {
            var delta = new long[Math.Max(1, _parties), Periods + 1, 9]; // changes of stock, by the period they fall in (+1: before the first)
            foreach (var o in ledger.Operations)
            {
                if (!visible[o.Audience])
                {
                    continue;
                }

                int k = PeriodOf(o.At);
                if (k < Periods)
                {
                    if (o.From >= 0)
                    {
                        delta[o.Owner, k + 1, o.From]--;
                    }

                    delta[o.Owner, k + 1, o.To]++;
                }

                if (k < 0 || k >= Periods || o.From == o.To)
                {
                    continue;
                }

                _operationFlows[o.Owner, k, o.From + 1]++;
                _decisionsInto[o.Owner, k, o.To]++;
            }

            for (int party = 0; party < _parties; party++)
            {
                var stock = new long[9];
                for (int k = 0; k <= Periods; k++)
                {
                    for (int s = 0; s < 9; s++)
                    {
                        stock[s] += delta[party, k, s];
                    }

                    if (k >= 1)
                    {
                        for (int s = 0; s < 9; s++)
                        {
                            _stockAtEnd[party, k - 1, s] = stock[s];
                        }
                    }
                }
            }
        }

        private void Incidents(ComplianceLedger ledger, bool[] visible)
        {
            foreach (var incident in ledger.Incidents)
            {
                int k = PeriodOf(incident.Reported);
                if (!visible[incident.Audience] || k < 0 || k >= Periods)
                {
                    continue;
                }

                Add(_incidents, incident.Reporter, k, IncidentFigure.Reported, pending: false);
                foreach (int party in incident.Suspected)
                {
                    bool admitted = incident.Replies.Any(r => r.Party == party && r.Kind == ReplyKind.Admit);
                    bool graded = admitted || incident.Grade is not null;
                    var firstReply = incident.Replies.Where(r => r.Party == party).Select(r => (long?)r.At).FirstOrDefault();
                    bool silent = incident.Silent.Contains(party);
                    bool awaited = firstReply is null && !silent;
                    Add(_incidents, party, k, IncidentFigure.Against, pending: !graded);
                    Add(_incidents, party, k, admitted ? IncidentFigure.Confirmed : incident.Grade switch
                    {
                        IncidentGrade.Fair => IncidentFigure.Fair,
                        IncidentGrade.Weak => IncidentFigure.Weak,
                        IncidentGrade.Contested => IncidentFigure.Contested,
                        IncidentGrade.Discounted => IncidentFigure.Discounted,
                        _ => IncidentFigure.Ungraded,
                    }, pending: false);
                    if (incident.SiteOwners.Any(o => o != party))
                    {
                        Add(_incidents, party, k, IncidentFigure.SitesAffected, pending: false);
                    }

                    Add(_incidents, party, k, firstReply is { } at ? at < incident.Deadline ? IncidentFigure.RepliedInTime : IncidentFigure.RepliedLate
                        : silent ? IncidentFigure.NeverReplied : IncidentFigure.Awaited, pending: awaited);
                }
            }
        }

        private static void Add(Count[,,] counts, int party, int period, RequestFigure figure, bool pending) =>
            Add(counts, party, period, (int)figure, pending);

        private static void Add(Count[,,] counts, int party, int period, IncidentFigure figure, bool pending) =>
            Add(counts, party, period, (int)figure, pending);

        private static void Add(Count[,,] counts, int party, int period, int figure, bool pending)
        {
            counts[party, period, figure].Value++;
            if (pending)
            {
                counts[party, period, figure].Pending++;
            }
        }

        public void WriteConcurrence(Utf8JsonWriter w, int party, int k)
        {
            w.WriteStartObject("concurrence");
            long R(int period, RequestFigure f) => party < 0 ? 0 : _requests[party, period, (int)f].Value;
            long received = R(k, RequestFigure.Received), open = party < 0 ? 0 : _requests[party, k, (int)RequestFigure.Received].Pending;
            Figure(w, "received", received, null, open, R(k - 1, RequestFigure.Received));
            foreach (var (name, figure) in new[]
            {
                ("answered_in_time", RequestFigure.InTime), ("answered_late", RequestFigure.Late), ("concurred", RequestFigure.Concurred),
                ("refused", RequestFigure.Refused), ("countered", RequestFigure.Countered), ("expired", RequestFigure.Expired),
                ("withdrawn", RequestFigure.Withdrawn),
            })
            {
                Figure(w, name, R(k, figure), received, open, R(k - 1, figure));
            }

            var times = party < 0 ? null : _answerTimes[party, k];
            times?.Sort();
            Seconds(w, "answer_time_median_s", times, t => t[(t.Count - 1) / 2], open);
            Seconds(w, "answer_time_p90_s", times, t => t[(int)Math.Ceiling(0.9 * t.Count) - 1], open);
            w.WriteEndObject();
        }

        public void WriteOperations(Utf8JsonWriter w, int party, int k)
        {
            w.WriteStartObject("operations");
            long Into(int period, OperationState s) => party < 0 ? 0 : _decisionsInto[party, period, (int)s];
            long Stock(int period, params OperationState[] states) => party < 0 ? 0 : states.Sum(s => _stockAtEnd[party, period, (int)s]);
            long Submitted(int period) => party < 0 ? 0 : _operationFlows[party, period, 0];
            long Decided(int period) => Into(period, OperationState.Accepted) + Into(period, OperationState.Concurred) +
                                        Into(period, OperationState.Refused) + Into(period, OperationState.Expired);
            long awaiting = Stock(k, OperationState.AwaitingConcurrence);
            Figure(w, "submitted", Submitted(k), null, awaiting, Submitted(k - 1));
            Figure(w, "decided", Decided(k), null, awaiting, Decided(k - 1));
            foreach (var (name, state) in new[]
            {
                ("accepted", OperationState.Accepted), ("concurred", OperationState.Concurred),
                ("refused", OperationState.Refused), ("expired", OperationState.Expired),
            })
            {
                Figure(w, name, Into(k, state), Decided(k), awaiting, Into(k - 1, state));
            }

            OperationState[] live = [OperationState.Proposed, OperationState.Accepted, OperationState.AwaitingConcurrence, OperationState.Concurred, OperationState.Active];
            Figure(w, "awaiting", awaiting, Stock(k, live), null, Stock(k - 1, OperationState.AwaitingConcurrence));

            // Those that could be activated in the period: approved at its start, or approved during it.
            long approvedBefore = Stock(k - 1, OperationState.Accepted, OperationState.Concurred);
            long ready = approvedBefore + Into(k, OperationState.Accepted) + Into(k, OperationState.Concurred);
            Figure(w, "activated", Into(k, OperationState.Active), ready, Stock(k, OperationState.Accepted, OperationState.Concurred), Into(k - 1, OperationState.Active));
            w.WriteEndObject();
        }

        public void WriteIncidents(Utf8JsonWriter w, int party, int k)
        {
            w.WriteStartObject("incidents");
            long I(int period, IncidentFigure f) => party < 0 ? 0 : _incidents[party, period, (int)f].Value;
            long against = I(k, IncidentFigure.Against), ungraded = party < 0 ? 0 : _incidents[party, k, (int)IncidentFigure.Against].Pending;
            long awaited = party < 0 ? 0 : _incidents[party, k, (int)IncidentFigure.Awaited].Pending;
            Figure(w, "reported", I(k, IncidentFigure.Reported), null, null, I(k - 1, IncidentFigure.Reported));
            Figure(w, "against", against, null, ungraded, I(k - 1, IncidentFigure.Against));
            foreach (var (name, figure) in new[]
            {
                ("confirmed", IncidentFigure.Confirmed), ("fair", IncidentFigure.Fair), ("weak", IncidentFigure.Weak),
                ("contested", IncidentFigure.Contested), ("discounted", IncidentFigure.Discounted), ("ungraded", IncidentFigure.Ungraded),
            })
            {
                Figure(w, name, I(k, figure), against, ungraded, I(k - 1, figure));
            }

            Figure(w, "notified_sites_affected", I(k, IncidentFigure.SitesAffected), against, null, I(k - 1, IncidentFigure.SitesAffected));
            Figure(w, "replied_in_time", I(k, IncidentFigure.RepliedInTime), against, awaited, I(k - 1, IncidentFigure.RepliedInTime));
            Figure(w, "replied_late", I(k, IncidentFigure.RepliedLate), against, awaited, I(k - 1, IncidentFigure.RepliedLate));
            Figure(w, "never_replied", I(k, IncidentFigure.NeverReplied), against, awaited, I(k - 1, IncidentFigure.NeverReplied));
            w.WriteEndObject();
        }

        private static void Seconds(Utf8JsonWriter w, string name, List<long>? times, Func<List<long>, long> pick, long pending)
        {
            w.WriteStartObject(name);
            if (times is { Count: > 0 })
            {
                w.WriteNumber("seconds", pick(times));
            }
            else
            {
                w.WriteNull("seconds");
            }

            w.WriteNumber("of", times?.Count ?? 0);
            w.WriteNumber("pending", pending);
            w.WriteEndObject();
        }

        private static void Figure(Utf8JsonWriter w, string name, long count, long? of, long? pending, long previous)
        {
            w.WriteStartObject(name);
            w.WriteNumber("count", count);
            Nullable(w, "of", of);
            Nullable(w, "pending", pending);
            w.WriteStartObject("change");
            w.WriteNumber("previous", previous);
            w.WriteString("band", Band(previous, count));
            w.WriteEndObject();
            w.WriteEndObject();
        }

        private static void Nullable(Utf8JsonWriter w, string name, long? value)
        {
            if (value is { } v)
            {
                w.WriteNumber(name, v);
            }
            else
            {
                w.WriteNull(name);
            }
        }
    }

    /// <summary>
    /// The band of the change from <paramref name="previous"/> to <paramref name="current"/>: more than +25 % a large
    /// increase, +10 to +25 % moderate, −25 to +10 % limited, less than −25 % a decrease; from none to some, a large increase.
    /// </summary>
    public static string Band(long previous, long current)
    {
        if (previous == 0)
        {
            return current > 0 ? Bands[0] : Bands[2];
        }

        // Compared in whole numbers (×100), so that a band's edge is where the words say it is.
        long change = (current - previous) * 100;
        return change > 25 * previous ? Bands[0]
            : change >= 10 * previous ? Bands[1]
            : change >= -25 * previous ? Bands[2]
            : Bands[3];
    }

    private struct Count
    {
        public long Value;
        public long Pending;
    }

    private enum RequestFigure
    {
        Received, InTime, Late, Concurred, Refused, Countered, Expired, Withdrawn, Open, Count,
    }

    private enum IncidentFigure
    {
        Reported, Against, Confirmed, Fair, Weak, Contested, Discounted, Ungraded, SitesAffected, RepliedInTime, RepliedLate, NeverReplied, Awaited, Count,
    }

    /// <summary>Parses <c>day</c> or <c>week</c>.</summary>
    public static bool TryParsePeriod(string? text, out CompliancePeriod period)
    {
        period = text == "week" ? CompliancePeriod.Week : CompliancePeriod.Day;
        return text is "day" or "week";
    }

    /// <summary>Reads a bound: a date (<c>2026-12-07</c>, its 00:00 UTC) or an RFC 3339 time.</summary>
    public static bool TryParseBound(string? text, out DateTimeOffset bound)
    {
        if (text is not null && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            bound = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return true;
        }

        if (text is not null && text.Length >= 20 && text.Contains('T', StringComparison.Ordinal) &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) &&
            (text.EndsWith('Z') || text[^6] is '+' or '-'))
        {
            bound = time.ToUniversalTime();
            return true;
        }

        bound = default;
        return false;
    }
}
