using System.Globalization;
using CsCheck;
using Parley.Core.Agreements;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;

namespace Parley.Core.Tests.Workflow;

/// <summary>
/// Random sequences of everything parties can do in one small hot area — submit, modify, cancel, activate,
/// complete, answer, declare and withdraw zones, let deadlines pass — checked after every step against the
/// brute-force invariant (every pair, every zone) and the allowed state transitions.
/// </summary>
public sealed class LifecyclePropertyTests
{
    private static readonly Agreement Pact = Agreement.Default("pact") with
    {
        Parties = [new Party(new PartyId("blue"), "Blue", PartyRole.Member), new Party(new PartyId("red"), "Red", PartyRole.Member), new Party(new PartyId("aid"), "Aid", PartyRole.Member)],
        ConcurrenceDeadline = TimeSpan.FromMinutes(30),
    };

    // The same parties under terms that bind in the hot area: red's strikes confined to its western half, blue's flights
    // suspended over its north-east corner, red's strikes and aid's movements limited a day (concurrence and refusal).
    private static readonly Agreement Termed = AgreementReader.Parse("""
        {"id":"pact","parties":[{"id":"blue"},{"id":"red"},{"id":"aid"}],"concurrence_deadline_minutes":30,
         "terms":[
          {"id":"red-west","type":"designated-area","parties":["red"],"kinds":["strike"],"on_breach":"concurrence",
           "areas":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[9.9,44.9],[10.06,44.9],[10.06,45.2],[9.9,45.2],[9.9,44.9]]]},"properties":{}}},
          {"id":"blue-grounded","type":"suspension","parties":["blue"],"kinds":["flight"],
           "area":{"type":"Polygon","coordinates":[[[10.05,45.05],[10.2,45.05],[10.2,45.2],[10.05,45.2],[10.05,45.05]]]}},
          {"id":"red-one-strike","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":1,"on_breach":"concurrence"},
          {"id":"aid-one-move","type":"limit","parties":["aid"],"kinds":["ground-movement"],"max_per_day":1}]}
        """);

    private static readonly string[] Parties = ["blue", "red", "aid"];

    private static readonly Dictionary<OperationState, OperationState[]> Allowed = new()
    {
        [OperationState.Accepted] = [OperationState.Accepted, OperationState.AwaitingConcurrence, OperationState.Concurred, OperationState.Active, OperationState.Cancelled],
        [OperationState.AwaitingConcurrence] = [OperationState.AwaitingConcurrence, OperationState.Accepted, OperationState.Concurred, OperationState.Refused, OperationState.Expired, OperationState.Cancelled],
        [OperationState.Concurred] = [OperationState.Concurred, OperationState.Accepted, OperationState.AwaitingConcurrence, OperationState.Active, OperationState.Cancelled],
        [OperationState.Refused] = [OperationState.Refused, OperationState.Accepted, OperationState.AwaitingConcurrence, OperationState.Concurred, OperationState.Cancelled],
        [OperationState.Expired] = [OperationState.Expired, OperationState.Accepted, OperationState.AwaitingConcurrence, OperationState.Concurred, OperationState.Cancelled],
        [OperationState.Active] = [OperationState.Active, OperationState.Completed, OperationState.Cancelled],
        [OperationState.Completed] = [OperationState.Completed],
        [OperationState.Cancelled] = [OperationState.Cancelled],
    };

    [Fact]
    public void no_interleaving_leaves_a_conflict_without_concurrence_or_takes_a_forbidden_transition()
    {
        var seen = new HashSet<string>();
        Gen.Int.Sample(seed => Scenario(Pact, new Random(seed), steps: 80, seen), iter: 150, threads: 1);

        // The runs reach every state and every way a request closes, so the invariant was tested where it matters.
        foreach (var state in Enum.GetValues<OperationState>().Where(s => s != OperationState.Proposed))
        {
            Assert.Contains(OperationStates.Name(state), seen);
        }

        foreach (var state in Enum.GetValues<RequestState>())
        {
            Assert.Contains("request:" + RequestStates.Name(state), seen);
        }
    }

    [Fact]
    public void no_interleaving_under_terms_and_amendments_leaves_a_breach_without_concurrence_or_mark_or_activates_one()
    {
        var seen = new HashSet<string>();
        Gen.Int.Sample(seed => Scenario(Termed, new Random(seed), steps: 80, seen), iter: 120, threads: 1);

        // Breaches were refused, put to the other parties, concurred with, and found on operations that settled late.
        Assert.Contains("refused-by-term", seen);
        Assert.Contains("request:term:concurred", seen);
        Assert.Contains("request:term:open", seen);
        Assert.Contains("marked", seen);
        Assert.Contains("active", seen);
        Assert.Contains("amended", seen);
    }

    private static void Scenario(Agreement pact, Random random, int steps, HashSet<string> seen)
    {
        var theater = new Theater(pact);
        var now = new DateTimeOffset(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);
        int serial = 0;
        for (int step = 0; step < steps; step++)
        {
            var before = theater.Operations.ToDictionary(o => o.Id, o => o.State);
            Decision? changes = null;
            try
            {
                changes = Act(theater, random, ref now, ref serial, amend: pact.Terms.Count > 0);
            }
            catch (DomainException)
            {
                // A refused transition changes nothing.
            }
            catch (InputRejectedException)
            {
            }
            catch (Parley.Core.Terms.TermBreachException)
            {
                seen.Add("refused-by-term"); // refused: nothing changes
            }

            if (changes is not null)
            {
                // An operation started only when no term it breaches lacks the concurrence it asks for.
                foreach (var started in changes.State.Operations.Where(o => o.State == OperationState.Active && before.GetValueOrDefault(o.Id) != OperationState.Active))
                {
                    var earlier = theater.FindOperation(started.Id)!;
                    Assert.Empty(earlier.InBreach);
                    Assert.Empty(Parley.Core.Terms.TermChecks.Unexcused(theater, earlier));
                }
            }

            if (changes is not null)
            {
                theater.Apply(changes.State);
            }

            var violations = Invariants.Check(theater);
            Assert.True(violations.Count == 0, $"step {step}: {string.Join("; ", violations)}");
            foreach (var operation in theater.Operations)
            {
                if (before.TryGetValue(operation.Id, out var previous))
                {
                    Assert.True(Allowed[previous].Contains(operation.State), $"step {step}: '{operation.Id}' went from {previous} to {operation.State}");
                }
                else
                {
                    Assert.True(operation.State is OperationState.Accepted or OperationState.AwaitingConcurrence or OperationState.Concurred, $"new '{operation.Id}' is {operation.State}");
                }
            }

            seen.UnionWith(theater.Operations.Select(o => OperationStates.Name(o.State)));
            seen.UnionWith(theater.Requests.All.Select(r => "request:" + RequestStates.Name(r.State)));
            seen.UnionWith(theater.Requests.All.Where(r => r.TargetType == "term").Select(r => "request:term:" + RequestStates.Name(r.State)));
            if (theater.Operations.Any(o => o.InBreach.Count > 0))
            {
                seen.Add("marked");
            }

            if (theater.Agreement.Version > 1)
            {
                seen.Add("amended");
            }

            foreach (var request in theater.Requests.All.Where(r => r.IsOpen))
            {
                Assert.Equal(OperationState.AwaitingConcurrence, theater.FindOperation(request.Operation)!.State);
            }
        }
    }

    // Amendments that change what binds the hot area: a grounding of red's flights over its south-west corner, added and
    // removed, and red's daily strikes set to 0, 1 or 2.
    private static readonly string[] Amendments =
    [
        """{"reason":"ground red","signing_deadline":"2026-12-31T00:00:00Z","add_terms":[{"id":"red-grounded","type":"suspension","parties":["red"],"kinds":["flight"],"area":{"type":"Polygon","coordinates":[[[9.9,44.9],[10.04,44.9],[10.04,45.04],[9.9,45.04],[9.9,44.9]]]}}]}""",
        """{"reason":"lift it","signing_deadline":"2026-12-31T00:00:00Z","remove_terms":["red-grounded"]}""",
        """{"reason":"no strikes","signing_deadline":"2026-12-31T00:00:00Z","replace_terms":[{"id":"red-one-strike","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":0,"on_breach":"concurrence"}]}""",
        """{"reason":"two strikes","signing_deadline":"2026-12-31T00:00:00Z","replace_terms":[{"id":"red-one-strike","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":2,"on_breach":"concurrence"}]}""",
    ];

    private static Decision? Act(Theater theater, Random random, ref DateTimeOffset now, ref int serial, bool amend)
    {
        string party = Parties[random.Next(Parties.Length)];
        var operations = theater.Operations.ToList();
        var own = operations.Where(o => o.Owner.Value == party).ToList();
        switch (random.Next(amend ? 13 : 11))
        {
            case 11:
                {
                    var open = theater.Amendments.Pending.FirstOrDefault();
                    if (open is null)
                    {
                        return Lifecycle.Propose(theater, new PartyId(party), Amendments[random.Next(Amendments.Length)], now).Decision;
                    }

                    return random.Next(5) == 0
                        ? Lifecycle.RefuseAmendment(theater, open.Id, new PartyId(party), "not now", now).Decision
                        : Lifecycle.Sign(theater, open.Id, new PartyId(party), now).Decision;
                }

            case 12:
                return Lifecycle.AmendmentsDue(theater, now);
            case 0 or 1 or 2:
                return Lifecycle.Submit(theater, RandomOperation(random, $"op-{++serial}", party), now).Decision;
            case 3:
                {
                    if (own.Count == 0)
                    {
                        return null;
                    }

                    var current = Pick(random, own);
                    return Lifecycle.Modify(theater, current, RandomOperation(random, current.Id.Value, party), now).Decision;
                }
            case 4:
                return own.Count == 0 ? null : Lifecycle.Cancel(theater, Pick(random, own), now);
            case 5:
                return own.Count == 0 ? null : random.Next(2) == 0 ? Lifecycle.Activate(theater, Pick(random, own), now) : Lifecycle.Complete(theater, Pick(random, own), now);
            case 6 or 7:
                {
                    var open = theater.Requests.All.Where(r => r.IsOpen).ToList();
                    if (open.Count == 0)
                    {
                        return null;
                    }

                    var request = Pick(random, open);
                    var kind = (AnswerKind)random.Next(3);
                    var counter = kind == AnswerKind.CounterPropose ? RandomOperation(random, "counter", request.Submitter.Value) : null;
                    return Lifecycle.Answer(theater, request, request.Affected, kind, kind == AnswerKind.Concur ? null : "not there", counter, now).Decision;
                }

            case 8:
                {
                    var zones = theater.Zones.Where(z => z.Owner.Value == party).ToList();
                    if (zones.Count > 0 && random.Next(3) == 0)
                    {
                        return Lifecycle.WithdrawZone(theater, Pick(random, zones), now);
                    }

                    var zone = RandomZone(random, zones.Count > 0 && random.Next(2) == 0 ? Pick(random, zones).Id.Value : $"zone-{++serial}", party);
                    var existing = theater.FindZone(zone.Id);
                    return Lifecycle.DeclareZone(theater, zone with { Version = (existing?.Version ?? 0) + 1 }, now);
                }

            case 9:
                now += TimeSpan.FromMinutes(random.Next(5, 40));
                return Lifecycle.ExpireDue(theater, now);
            default:
                return null;
        }
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    // Everything within a few kilometres of one point: airborne operations of different parties are always within
    // the separation minima, so most pairs conflict when their hours and altitudes meet.
    private static string Box(Random random)
    {
        double west = 10 + (random.Next(8) * 0.01), south = 45 + (random.Next(8) * 0.01);
        double east = west + 0.005 + (random.Next(4) * 0.01), north = south + 0.005 + (random.Next(4) * 0.01);
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"type":"Polygon","coordinates":[[[{{west}},{{south}}],[{{east}},{{south}}],[{{east}},{{north}}],[{{west}},{{north}}],[{{west}},{{south}}]]]}""");
    }

    private static Operation RandomOperation(Random random, string id, string owner)
    {
        string kind = random.Next(4) switch { 0 => "strike", 1 => "ground-movement", _ => "flight" };
        int hour = 8 + random.Next(4), alt = random.Next(3) * 400;
        string properties = string.Create(CultureInfo.InvariantCulture,
            $$"""{"kind":"{{kind}}","owner":"{{owner}}","alt_min_m":{{alt}},"alt_max_m":{{alt + 300}},"start":"2026-12-01T{{hour:00}}:00:00Z","end":"2026-12-01T{{hour + 1 + random.Next(2):00}}:00:00Z"}""");
        string json = $$"""{"type":"Feature","id":"{{id}}","geometry":{{Box(random)}},"properties":{{properties}}}""";
        using var document = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(json));
        return FeatureReader.ReadOperations(document.RootElement, Pact)[0];
    }

    private static Zone RandomZone(Random random, string id, string owner)
    {
        string kind = random.Next(2) == 0 ? "protected" : "restricted";
        string properties = $$"""{"kind":"{{kind}}","owner":"{{owner}}","start":"2026-11-01T00:00:00Z"}""";
        string json = $$"""{"type":"Feature","id":"{{id}}","geometry":{{Box(random)}},"properties":{{properties}}}""";
        using var document = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(json));
        return FeatureReader.ReadZones(document.RootElement, Pact)[0];
    }
}
