using System.Buffers.Binary;
using System.Security.Cryptography;
using Parley.Core.Agreements;
using Parley.Core.Model;

namespace Parley.Core.Probing;

/// <summary>
/// The recent touches of one agreement, for the probing budget and the mapping alert. Pure: time is passed in.
/// </summary>
/// <remarks>
/// A party's budget counts its touching requests (not rows): once those of the last hour reach
/// <see cref="ProbingBudget.PerHour"/> or those of the last day reach <see cref="ProbingBudget.PerDay"/>, every
/// further check and submission is refused until enough of them leave the window. The mapping alert fires
/// when one requester has touched one zone with at least <see cref="SuspicionThreshold"/> distinct small
/// operations within an hour, at most once per (requester, zone) per hour.
/// Not thread-safe: the caller serialises access (the agreement's lock).
/// </remarks>
[Mutable("remembers the recent touching requests and the alerts raised, to count budgets and raise each alert once an hour")]
public sealed class ProbingWatch
{
    /// <summary>The short window of the budget and of the mapping alert.</summary>
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>The long window of the budget.</summary>
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);

    /// <summary>Distinct small operations around one zone within an hour that raise an alert.</summary>
    public const int SuspicionThreshold = 5;

    private readonly List<ProbeTouch> _recent = [];
    private readonly Dictionary<(PartyId Requester, ZoneId Zone), DateTimeOffset> _lastAlert = [];

    /// <summary>Starts from the touches of the last day and the alerts already raised (after a restart).</summary>
    public ProbingWatch(IEnumerable<ProbeTouch> recent, IEnumerable<ProbingAlert> alerts)
    {
        _recent.AddRange(recent.OrderBy(t => t.Time));
        foreach (var alert in alerts)
        {
            Remember(alert);
        }
    }

    /// <summary>
    /// Null when <paramref name="requester"/> may ask now; otherwise how long until it may (until enough of its
    /// counted requests leave the binding window).
    /// </summary>
    public TimeSpan? Refusal(PartyId requester, DateTimeOffset now, ProbingBudget budget)
    {
        Prune(now);
        var times = RequestTimes(requester);
        TimeSpan? wait = null;
        var lastHour = times.Where(t => t > now - Hour).ToList();
        if (lastHour.Count >= budget.PerHour)
        {
            // The oldest requests must leave the hour until one fewer than the budget remain.
            wait = lastHour[lastHour.Count - budget.PerHour] + Hour - now;
        }

        var lastDay = times.Where(t => t > now - Day).ToList();
        if (lastDay.Count >= budget.PerDay)
        {
            var dayWait = lastDay[lastDay.Count - budget.PerDay] + Day - now;
            wait = wait is { } w && w > dayWait ? w : dayWait;
        }

        return wait;
    }

    /// <summary>The alerts that recording <paramref name="touches"/> (one request's) at <paramref name="now"/> would raise; changes nothing.</summary>
    public List<ProbingAlert> Suspicions(IReadOnlyList<ProbeTouch> touches, DateTimeOffset now)
    {
        var alerts = new List<ProbingAlert>();
        foreach (var touch in touches.Where(t => t.Small).DistinctBy(t => (t.Requester, t.Zone)))
        {
            if (_lastAlert.TryGetValue((touch.Requester, touch.Zone), out var last) && last > now - Hour)
            {
                continue;
            }

            var window = _recent.Concat(touches)
                .Where(t => t.Small && t.Requester == touch.Requester && t.Zone == touch.Zone && t.Time > now - Hour)
                .ToList();
            int distinct = window.Select(t => t.Probe).Distinct(StringComparer.Ordinal).Count();
            if (distinct >= SuspicionThreshold)
            {
                alerts.Add(new ProbingAlert(touch.Requester, touch.Zone, touch.ZoneOwner, distinct, window.Min(t => t.Time), now));
            }
        }

        return alerts;
    }

    /// <summary>Records one request's touches and the alerts they raised, once they are committed.</summary>
    public void Record(IReadOnlyList<ProbeTouch> touches, IReadOnlyList<ProbingAlert> alerts)
    {
        _recent.AddRange(touches);
        foreach (var alert in alerts)
        {
            Remember(alert);
        }
    }

    /// <summary>
    /// A fingerprint of an operation's footprint and time window: equal for repeated questions about the same
    /// volume, so that asking the same thing twice is not counted as two probes.
    /// </summary>
    public static string Fingerprint(Volume volume)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var number = new byte[8];
        void Add(double value)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(number, value);
            hash.AppendData(number);
        }

        var footprint = volume.Footprint;
        Add((int)footprint.Kind);
        Add(footprint.BufferMetres);
        foreach (var path in footprint.Paths)
        {
            Add(path.Length);
            foreach (double coordinate in path)
            {
                Add(coordinate);
            }
        }

        Add(volume.Time.StartTicks);
        Add(volume.Time.EndTicks);
        return Convert.ToHexStringLower(hash.GetHashAndReset(), 0, 16);
    }

    private void Remember(ProbingAlert alert)
    {
        var key = (alert.Requester, alert.Zone);
        if (!_lastAlert.TryGetValue(key, out var last) || last < alert.To)
        {
            _lastAlert[key] = alert.To;
        }
    }

    /// <summary>The time of each of the requester's touching requests, oldest first.</summary>
    private List<DateTimeOffset> RequestTimes(PartyId requester) =>
        [.. _recent.Where(t => t.Requester == requester).DistinctBy(t => t.Request).Select(t => t.Time).Order()];

    private void Prune(DateTimeOffset now)
    {
        _recent.RemoveAll(t => t.Time <= now - Day);
        foreach (var (key, at) in _lastAlert.ToList())
        {
            if (at <= now - Hour)
            {
                _lastAlert.Remove(key);
            }
        }
    }
}
