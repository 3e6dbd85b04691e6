using System.Diagnostics;
using System.Globalization;
using System.Text;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Workflow;

namespace Parley.Benchmarks.Throughput;

/// <summary>
/// What the agreement's terms cost a decision: the in-process decision (<see cref="Lifecycle.Submit"/>) of the spread and
/// hot-traffic scenarios, on a theater holding the scenario's load, under the benchmark agreement as it is and with 50
/// terms in force that bind every operation of the load — measured in the same run, rounds of each interleaved.
/// </summary>
/// <remarks>
/// The 50 terms: 15 designated areas around the scenario's region (each decision proves containment), 20 suspensions
/// of areas beside it over the load's days (each decision tests touching), 15 limits of a million a day, 8 of them over
/// an area (each decision counts the owner's day); <c>--limits N</c> trades limits for suspensions. <c>--warmup S</c> (5)
/// seconds of decisions with both agreements come first, so that what is timed runs at its final tier of compilation. None is breached, so both agreements reach the same decisions and the
/// difference is the terms' checking alone. Decisions are not applied: every probe is decided against the same theater.
/// It prints the median round of each agreement and the best one (on a shared machine, the round nothing preempted).
/// </remarks>
internal static class TermsRun
{
    private static readonly DateTimeOffset Now = new(2026, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public static int Run(Options options, int seed)
    {
        int load = options.Int("load", 20_000), probes = options.Int("probes", 2_000), rounds = options.Int("rounds", 7);
        int limits = Math.Clamp(options.Int("limits", 15), 0, 35);
        double warmup = options.Int("warmup", 5);
        Console.WriteLine($"terms: in-process decisions, {load:N0} operations in the theater, {probes:N0} decisions a round, {rounds} rounds of each agreement, interleaved, after {warmup:F0} s of warm-up; {limits} of the 50 terms are limits");
        foreach (var scenario in new[] { Scenario.Spread, Scenario.HotTraffic })
        {
            var operations = DecisionWorkload.Parse(DecisionWorkload.Operations(scenario, load + probes, seed, "t"));
            var plain = Fill(DecisionWorkload.Agreement, operations.AsSpan(0, load));
            var withTerms = Fill(AgreementReader.Parse(AgreementWithTerms(scenario, limits)), operations.AsSpan(0, load));
            if (withTerms.Agreement.Terms.Count != 50)
            {
                throw new InvalidOperationException($"{withTerms.Agreement.Terms.Count} terms, not 50");
            }

            var probeOps = operations[load..];
            Decide(plain, probeOps, compare: withTerms);

            // Until the code is compiled at its final tier: a fast decision reaches it only after many calls.
            long warm = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(warm).TotalSeconds < warmup)
            {
                Decide(plain, probeOps);
                Decide(withTerms, probeOps);
            }
            var without = new List<double>();
            var with = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                without.Add(Decide(plain, probeOps));
                with.Add(Decide(withTerms, probeOps));
            }

            // The median round, and the best: on a shared machine a round that nothing preempted is the cost itself.
            double a = Median(without), b = Median(with), bestA = without.Min(), bestB = with.Min();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {scenario,-10} without terms {a,8:F2} µs/decision   with 50 terms {b,8:F2} µs/decision   ratio {b / a:F3} (+{(b / a - 1) * 100:F1} %)   best rounds {bestA:F2} / {bestB:F2}, ratio {bestB / bestA:F3} (+{(bestB / bestA - 1) * 100:F1} %)   rounds {string.Join(' ', without.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))} | {string.Join(' ', with.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}"));
        }

        return 0;
    }

    /// <summary>A theater under <paramref name="agreement"/> holding <paramref name="operations"/> as decided one after another.</summary>
    private static Theater Fill(Agreement agreement, ReadOnlySpan<Operation> operations)
    {
        var theater = new Theater(agreement);
        foreach (var operation in operations)
        {
            theater.Apply(Lifecycle.Submit(theater, operation, Now).Decision.State);
        }

        return theater;
    }

    /// <summary>Microseconds per decision of every probe against <paramref name="theater"/>; with <paramref name="compare"/>, checks both reach the same states.</summary>
    private static double Decide(Theater theater, Operation[] probes, Theater? compare = null)
    {
        long start = Stopwatch.GetTimestamp();
        foreach (var probe in probes)
        {
            var verdict = Lifecycle.Submit(theater, probe, Now).Verdict;
            if (compare is not null && Lifecycle.Submit(compare, probe, Now).Verdict.Operation.State != verdict.Operation.State)
            {
                throw new InvalidOperationException($"the terms changed the decision of {probe.Id}: they must bind without a breach");
            }
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / probes.Length;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>The benchmark agreement with 50 terms that bind every operation of <paramref name="scenario"/> and none breached.</summary>
    private static string AgreementWithTerms(Scenario scenario, int limits)
    {
        // The region the scenario's operations lie in, and the days they start on.
        var (w, s, e, n) = scenario == Scenario.Spread ? (30.0, 30.0, 40.0, 40.0) : (34.99, 34.99, 35.02, 35.02);
        const string start = "2027-01-01T00:00:00Z", end = "2027-04-01T00:00:00Z";
        var terms = new List<string>();
        for (int i = 0; i < 15; i++)
        {
            double m = 0.01 * (i + 1);
            terms.Add($$$"""{"id":"designated-{{{i}}}","type":"designated-area","parties":["blue","red"],"kinds":["flight","strike"],"areas":{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{{{Box(w - m, s - m, e + m, n + m)}}},"properties":{}}]},"on_breach":"refuse"}""");
        }

        for (int i = 0; i < 35 - limits; i++)
        {
            double x = e + 0.5 + (0.1 * i);
            terms.Add($$$"""{"id":"suspension-{{{i}}}","type":"suspension","parties":["blue","red"],"kinds":["flight","strike"],"area":{{{Box(x, s, x + 0.05, n)}}},"start":"{{{start}}}","end":"{{{end}}}","on_breach":"refuse"}""");
        }

        for (int i = 0; i < limits; i++)
        {
            string area = i < (limits + 1) / 2 ? $",\"area\":{Box(w - 0.1, s - 0.1, e + 0.1, n + 0.1)}" : "";
            terms.Add($$$"""{"id":"limit-{{{i}}}","type":"limit","parties":["blue","red"],"kinds":["flight","strike"],"max_per_day":1000000{{{area}}},"on_breach":"concurrence"}""");
        }

        var text = new StringBuilder(DecisionWorkload.AgreementText.TrimEnd());
        text.Length -= 1; // the closing brace
        text.Append(",\n  \"terms\": [").AppendJoin(",\n    ", terms).Append("]\n}");
        return text.ToString();
    }

    private static string Box(double w, double s, double e, double n) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"type":"Polygon","coordinates":[[[{{w}},{{s}}],[{{e}},{{s}}],[{{e}},{{n}}],[{{w}},{{n}}],[{{w}},{{s}}]]]}""");
}
