using System.Globalization;
using CsCheck;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Geometry;
using Parley.Core.Model;
using Parley.Core.Terms;
using Parley.Core.Workflow;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Terms;

/// <summary>
/// Daily limits read from the theater's counts against the scan they replaced, kept as the reference model
/// (<see cref="TermChecks.BreachesByScan"/>: every operation of the owner's day tested against the term): random
/// sequences of upserts, removals, state changes, marks and amendments coming into force, each followed by decisions
/// of new operations and of modifications, alone and with other operations changed by the same decision.
/// </summary>
public sealed class LimitCountPropertyTests
{
    private static readonly DateTimeOffset Day = new(2026, 12, 9, 0, 0, 0, TimeSpan.Zero);

    // Limits over areas (a box, a concave polygon), in a window and band, for one party or two; a designated area and a
    // suspension beside them, so that limits are read among other terms.
    private const string Pact = """
        {"id":"pact","version":1,"parties":[{"id":"blue"},{"id":"red"},{"id":"aid"}],"signatories":["blue","red"],
         "terms":[
          {"id":"red-strikes","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":2,"on_breach":"concurrence"},
          {"id":"box-cap","type":"limit","parties":["red","blue"],"kinds":["strike","flight"],"max_per_day":1,"on_breach":"concurrence",
           "area":{"type":"Polygon","coordinates":[[[10,40],[11,40],[11,41],[10,41],[10,40]]]}},
          {"id":"wide","type":"designated-area","parties":["blue"],"kinds":["strike"],"on_breach":"concurrence",
           "areas":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[9,39],[12,39],[12,42],[9,42],[9,39]]]},"properties":{}}},
          {"id":"morning-flights","type":"limit","parties":["red"],"kinds":["flight"],"max_per_day":2,"on_breach":"concurrence",
           "start":"2026-12-09T06:00:00Z","end":"2026-12-10T12:00:00Z","alt_min_m":0,"alt_max_m":2000},
          {"id":"north","type":"suspension","parties":["red"],"kinds":["flight"],"on_breach":"concurrence",
           "area":{"type":"Polygon","coordinates":[[[10,41.4],[11,41.4],[11,41.5],[10,41.5],[10,41.4]]]}},
          {"id":"vee-cap","type":"limit","parties":["blue"],"kinds":["flight","strike"],"max_per_day":1,"on_breach":"concurrence",
           "area":{"type":"Polygon","coordinates":[[[10.2,40.2],[10.8,40.2],[10.5,40.5],[10.8,40.8],[10.2,40.8],[10.2,40.2]]]}}]}
        """;

    // What amendments add, replace and remove: the theater's counts are made again for each version in force.
    private static readonly string[] Changes =
    [
        """{"add_terms":[{"id":"blue-flights","type":"limit","parties":["blue"],"kinds":["flight"],"max_per_day":1,"on_breach":"concurrence"}]}""",
        """{"replace_terms":[{"id":"red-strikes","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":1,"on_breach":"concurrence","area":{"type":"Polygon","coordinates":[[[10.4,40.4],[10.9,40.4],[10.9,40.9],[10.4,40.9],[10.4,40.4]]]}}]}""",
        """{"remove_terms":["box-cap"]}""",
        """{"replace_terms":[{"id":"red-strikes","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":3,"on_breach":"concurrence"}]}""",
    ];

    private static readonly OperationState[] States = Enum.GetValues<OperationState>();

    [Fact]
    public void the_counted_limits_agree_with_the_scan_after_any_sequence_of_changes()
    {
        int breaches = 0, quiet = 0, amended = 0, released = 0;
        Gen.Int.Sample(seed =>
        {
            var r = new Random(seed);
            var theater = new Theater(AgreementReader.Parse(Pact));
            for (int step = 0; step < 40; step++)
            {
                switch (r.Next(10))
                {
                    case < 5:
                        theater.Upsert(RandomOperation(r, theater));
                        break;
                    case 5 or 6:
                        if (theater.Operations.ToList() is { Count: > 0 } all)
                        {
                            var existing = all[r.Next(all.Count)];
                            theater.Upsert(existing with { State = States[r.Next(States.Length)], InBreach = Marks(r, theater) });
                        }

                        break;
                    case 7:
                        theater.Remove(new OperationId($"o{r.Next(12)}"));
                        break;
                    case 8:
                        if (r.Next(4) == 0 && Amend(theater, r))
                        {
                            Interlocked.Increment(ref amended);
                        }

                        break;
                    default:
                        break;
                }

                for (int probe = 0; probe < 3; probe++)
                {
                    var candidate = RandomOperation(r, theater) with { State = OperationState.Proposed, InBreach = [] };
                    var counted = Describe(TermChecks.Breaches(theater, candidate));
                    Assert.Equal(Describe(TermChecks.BreachesByScan(theater, candidate)), counted);
                    Interlocked.Increment(ref counted.Any(b => b.Contains("operations", StringComparison.Ordinal)) ? ref breaches : ref quiet);

                    // The same decision changing others: what it changes is read as it leaves them.
                    var changed = new Dictionary<OperationId, Operation>();
                    for (int n = r.Next(4); n > 0; n--)
                    {
                        var other = RandomOperation(r, theater);
                        changed[other.Id] = other;
                    }

                    var view = ChangedOperations.Of(changed, r.Next(3) == 0 ? ChangedOperations.Of(new Dictionary<OperationId, Operation> { [candidate.Id] = RandomOperation(r, theater) with { Id = candidate.Id } }) : null);
                    Assert.Equal(Describe(TermChecks.BreachesByScan(theater, candidate, view)), Describe(TermChecks.Breaches(theater, candidate, view)));

                    // The marks such a change lifts: read from the marked operations of each day touched, as from the whole day.
                    var pairs = changed.Values.Select(o => (theater.FindOperation(o.Id), o)).ToList();
                    var lifted = TermDecisions.Released(theater, pairs, ChangedOperations.Of(changed));
                    Assert.Equal(Describe(ReleasedByScan(theater, pairs, ChangedOperations.Of(changed))), Describe(lifted));
                    Interlocked.Add(ref released, lifted.Count);
                }
            }
        }, iter: 120, threads: 1);

        // The runs went over the limits and stayed under them, and amendments brought new versions into force.
        Assert.True(breaches >= 200, $"only {breaches} decisions went over a limit");
        Assert.True(quiet >= 200, $"only {quiet} decisions stayed under every limit");
        Assert.True(amended >= 20, $"only {amended} amendments came into force");
        Assert.True(released >= 50, $"only {released} marks were lifted");
    }

    [Fact]
    public void an_operation_counted_before_an_amendment_is_counted_under_the_new_limits_after_it()
    {
        var theater = new Theater(AgreementReader.Parse(Pact));
        theater.Upsert(Strike("s1", "red", 10.5, 40.5, OperationState.Accepted));
        theater.Upsert(Strike("s2", "red", 10.1, 40.1, OperationState.Accepted));
        Assert.Equal(["red-strikes"], TermChecks.Breaches(theater, Strike("s3", "red", 12, 43, OperationState.Proposed)).Select(b => b.Term));

        // A limit of one a day within a smaller area: only s1 lies in it, so a strike there breaches it and one elsewhere does not.
        Assert.True(Amend(theater, Changes[1]));
        Assert.Contains("red-strikes", TermChecks.Breaches(theater, Strike("s3", "red", 10.6, 40.6, OperationState.Proposed)).Select(b => b.Term));
        Assert.DoesNotContain("red-strikes", TermChecks.Breaches(theater, Strike("s3", "red", 12, 43, OperationState.Proposed)).Select(b => b.Term));
    }

    private static Operation Strike(string id, string owner, double x, double y, OperationState state) =>
        Operation(id, owner, "strike", Volume(Box(x, y, x + 0.05, y + 0.05), 0, 1000, Day.AddHours(8), Day.AddHours(9)), state);

    private static Operation RandomOperation(Random r, Theater theater)
    {
        string owner = r.Next(3) switch { 0 => "red", 1 => "blue", _ => "aid" };
        string kind = r.Next(3) == 0 ? "flight" : "strike";
        var start = Day.AddDays(r.Next(2)).AddHours(r.Next(24)).AddMinutes(r.Next(2) * 30);
        var end = start.AddHours(1 + r.Next(30));
        double x = 9.7 + (r.NextDouble() * 1.6), y = 39.7 + (r.NextDouble() * 1.9), size = 0.01 + (r.NextDouble() * 0.4);
        Shape footprint = r.Next(4) switch
        {
            0 => Shape.Circle(x, y, 100 + (r.NextDouble() * 30_000)),
            1 => Shape.Corridor([x, y, x + size, y - size, x + (2 * size), y], 50 + (r.NextDouble() * 5_000)),
            _ => Box(x, y, x + size, y + size),
        };
        double floor = r.Next(2) == 0 ? 0 : 1500 + (r.NextDouble() * 2000);
        return Operation($"o{r.Next(12)}", owner, kind, Volume(footprint, floor, floor + 100 + (r.NextDouble() * 3000), start, end), States[r.Next(States.Length)])
            with { InBreach = Marks(r, theater) };
    }

    private static List<string> Marks(Random r, Theater theater) =>
        r.Next(4) == 0 ? [.. theater.Agreement.Terms.Select(t => t.Id).Where(_ => r.Next(2) == 0)] : [];

    private static bool Amend(Theater theater, Random r) => Amend(theater, Changes[r.Next(Changes.Length)]);

    /// <summary>Brings an amendment into force, when its changes apply to the version in force.</summary>
    private static bool Amend(Theater theater, string changes)
    {
        try
        {
            AmendmentReader.ReadChanges(changes, theater.Agreement);
        }
        catch (InputRejectedException)
        {
            return false; // it removes or replaces a term this version no longer has, or adds one it has
        }

        var id = $"am-{theater.Amendments.Count + 1}";
        theater.Apply(new StateChange(amendments:
        [
            new Amendment
            {
                Id = id, Proposer = new PartyId("red"), Changes = changes, Reason = "a test", BaseVersion = theater.Agreement.Version,
                Proposed = Day, SigningDeadline = Day.AddDays(1), Signatories = [new PartyId("blue"), new PartyId("red")], State = AmendmentState.InForce,
            },
        ]));
        return true;
    }

    /// <summary>
    /// The reference for <c>TermDecisions.Released</c>: every operation of each day the change touches, read as it leaves
    /// them, the marked ones checked again by the scan, earliest first.
    /// </summary>
    private static List<Operation> ReleasedByScan(Theater theater, List<(Operation? Before, Operation After)> changed, ChangedOperations current)
    {
        var released = new Dictionary<OperationId, Operation>();
        var order = new List<Operation>();
        var limits = theater.Agreement.Terms.Where(t => t.Type == TermType.Limit).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var groups = changed.SelectMany(c => c.Before is null ? new[] { c.After } : new[] { c.Before, c.After })
            .Select(o => (o.Owner, Day: o.Volume.Time.StartTicks / TimeSpan.TicksPerDay)).Distinct().ToList();
        foreach (var (owner, day) in groups)
        {
            var marked = theater.Operations.Where(o => o.Owner == owner && o.Volume.Time.StartTicks / TimeSpan.TicksPerDay == day).Select(current.Current)
                .Where(o => Theater.IsLive(o.State) && o.InBreach.Count > 0)
                .OrderBy(o => o.Volume.Time.StartTicks).ThenBy(o => o.Id.Value, StringComparer.Ordinal).ToList();
            foreach (var operation in marked)
            {
                var stillOver = TermChecks.BreachesByScan(theater, operation with { InBreach = [] }, ChangedOperations.Of(released, current))
                    .Select(b => b.Term).ToHashSet(StringComparer.Ordinal);
                var kept = operation.InBreach.Where(t => !limits.Contains(t) ? theater.Agreement.FindTerm(t) is not null : stillOver.Contains(t)).ToList();
                if (kept.Count != operation.InBreach.Count)
                {
                    released[operation.Id] = operation with { InBreach = kept, Version = operation.Version + 1 };
                    order.Add(released[operation.Id]);
                }
            }
        }

        return order;
    }

    private static string[] Describe(IEnumerable<Operation> operations) =>
        [.. operations.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Id} v{o.Version} [{string.Join(",", o.InBreach)}]"))];

    private static string[] Describe(IReadOnlyList<TermBreach> breaches) =>
        [.. breaches.Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.Term} {b.Action}: {b.Reason}"))];
}
