using CsCheck;
using Parley.Core.Conflicts;
using Parley.Core.Decisions;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Ledger.Entries;
using Parley.Server.Theaters;
using Parley.Storage.Sqlite;

namespace Parley.Server.Tests;

/// <summary>The state is a projection of the ledger: any history of accepted commands replays to the same state.</summary>
public sealed class ReplayPropertyTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const string AgreementText = """{"id":"p","parties":[{"id":"a"},{"id":"b"},{"id":"c"}]}""";

    private sealed record Step(int Action, int Party, int Key, double X, double Y, double Size, int Kind, bool Public);

    private static readonly Gen<Step> StepGen =
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, 2], Gen.Int[0, 5], Gen.Double[0, 1], Gen.Double[0, 1], Gen.Double[0.01, 0.3], Gen.Int[0, 3], Gen.Bool)
           .Select((action, party, key, x, y, size, kind, isPublic) => new Step(action, party, key, x, y, size, kind, isPublic));

    // Every history carries, somewhere among its random steps, one proposal followed by the other two parties'
    // signatures, so that amendments come into force in most histories by construction and not by the chance of
    // drawing the three steps in order.
    private static readonly Gen<Step[]> HistoryGen =
        Gen.Select(StepGen.Array[0, 30], Gen.Int[0, 30], Gen.Int[0, 2], Gen.Int[0, 3])
           .Select((steps, at, proposer, key) =>
           {
               var signing = new[]
               {
                   new Step(5, proposer, key, 0, 0, 0.1, 0, false),
                   new Step(6, (proposer + 1) % 3, 0, 0, 0, 0.1, 0, false),
                   new Step(6, (proposer + 2) % 3, 0, 0, 0, 0.1, 0, false),
               };
               int i = Math.Min(at, steps.Length);
               return (Step[])[.. steps[..i], .. signing, .. steps[i..]];
           });

    private static string Party(int i) => ((char)('a' + i)).ToString();

    private static string Box(double x, double y, double s) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $$"""{"type":"Polygon","coordinates":[[[{{x}},{{y}}],[{{x + s}},{{y}}],[{{x + s}},{{y + s}}],[{{x}},{{y + s}}],[{{x}},{{y}}]]]}""");

    // Amendments the parties propose: a suspension of a's strikes over part of the area (added, then lifted), and limits of
    // b's flights; each proposal is its proposer's signature, and every other party must sign.
    private static readonly string[] Amendments =
    [
        """{"reason":"ground a","signing_deadline":"2026-01-05T00:00:00Z","add_terms":[{"id":"a-grounded","type":"suspension","parties":["a"],"kinds":["strike","flight"],"area":{"type":"Polygon","coordinates":[[[0,0],[0.5,0],[0.5,0.5],[0,0.5],[0,0]]]}}]}""",
        """{"reason":"lift it","signing_deadline":"2026-01-05T00:00:00Z","remove_terms":["a-grounded"]}""",
        """{"reason":"b scales back","signing_deadline":"2026-01-05T00:00:00Z","add_terms":[{"id":"b-few","type":"limit","parties":["b"],"kinds":["flight"],"max_per_day":1,"on_breach":"concurrence"}]}""",
        """{"reason":"longer answers","signing_deadline":"2026-01-05T00:00:00Z","concurrence_deadline_minutes":90,"separation":{"lateral_m":5000}}""",
    ];

    [Fact]
    public void replaying_the_ledger_of_any_history_rebuilds_the_same_zones_operations_and_agreement_version()
    {
        int amended = 0;
        HistoryGen.Sample(steps =>
        {
            string data = Path.Combine(Path.GetTempPath(), "parley-replay-" + Guid.NewGuid().ToString("N"));
            try
            {
                if (Run(data, steps).GetAwaiter().GetResult() > 1)
                {
                    Interlocked.Increment(ref amended);
                }
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(data, recursive: true);
            }
        }, iter: 25);

        // Some histories brought amendments into force, so the replay of versions was tested.
        Assert.True(amended > 0, "no history brought an amendment into force");
    }

    private static async Task<int> Run(string data, Step[] steps)
    {
        await using var store = new SqliteStore(Path.Combine(data, "parley.db"));
        var registry = new TheaterRegistry(store, new byte[32], "test.center", TimeProvider.System);
        await registry.InitializeAsync();
        var agreement = await registry.PutAgreementAsync(AgreementText);
        var id = agreement.Id;
        int n = 0;
        foreach (var step in steps)
        {
            string owner = Party(step.Party);
            string visibility = step.Public ? "public" : "private";
            string props = $$"""{"kind":"{{(step.Kind switch { 0 => "protected", 1 => "restricted", _ => "designated" })}}","owner":"{{owner}}","start":"2026-01-01T00:00:00Z","visibility":"{{visibility}}"}""";
            switch (step.Action)
            {
                case 0 or 1:
                    {
                        using var doc = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(
                            $$"""{"type":"Feature","id":"z{{step.Key}}","geometry":{{Box(step.X, step.Y, step.Size)}},"properties":{{props}}}"""));
                        var zone = FeatureReader.ReadZones(doc.RootElement, agreement)[0];
                        await registry.WriteAsync(id, (t, _) =>
                        {
                            var current = t.FindZone(zone.Id);
                            var next = zone with { Version = (current?.Version ?? 0) + 1 };
                            return (Lifecycle.DeclareZone(t, next, Now, current is null ? "zone.declare" : "zone.replace"), 0);
                        });
                        break;
                    }

                case 2:
                    await registry.WriteAsync(id, (t, _) =>
                    {
                        return t.FindZone(new ZoneId($"z{step.Key}")) is { } zone
                            ? (Lifecycle.WithdrawZone(t, zone, Now), 0)
                            : ((Decision?)null, 0);
                    });
                    break;

                case 5:
                    await Write(registry, id, (t, _) => Lifecycle.Propose(t, new PartyId(owner), Amendments[step.Key % Amendments.Length], Now).Decision);
                    break;

                case 6:
                    await Write(registry, id, (t, _) => t.Amendments.Pending.LastOrDefault() is { } pending
                        ? Lifecycle.Sign(t, pending.Id, new PartyId(owner), Now).Decision
                        : null);
                    break;

                default:
                    {
                        string kind = step.Kind switch { 0 => "strike", 1 => "flight", 2 => "ground-movement", _ => "humanitarian-movement" };
                        string opProps = $$"""{"kind":"{{kind}}","owner":"{{owner}}","start":"2026-01-01T00:00:00Z","end":"2026-01-02T00:00:00Z","visibility":"{{visibility}}"}""";
                        using var doc = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(
                            $$"""{"type":"Feature","id":"o{{n++}}","geometry":{{Box(step.X, step.Y, step.Size)}},"properties":{{opProps}}}"""));
                        var op = FeatureReader.ReadOperations(doc.RootElement, agreement)[0];
                        await Write(registry, id, (t, _) => Lifecycle.Submit(t, op, Now).Decision);
                        break;
                    }
            }
        }

        var records = new List<LedgerRecord>();
        await foreach (var record in store.ReadLedgerAsync(id))
        {
            records.Add(record);
        }

        var replayed = LedgerReplay.Replay(records);
        var (zones, operations, agreementInForce) = await registry.ReadAsync(id, t => (Snapshot(t.Zones), Snapshot(t.Operations), t.Agreement));
        Assert.Equal(zones, Snapshot(replayed.Zones));
        Assert.Equal(operations, Snapshot(replayed.Operations));
        Assert.Equal(agreementInForce.Version, replayed.Agreement.Version);
        Assert.Equal(AgreementWriter.GovernedJson(agreementInForce), AgreementWriter.GovernedJson(replayed.Agreement));

        // A process loading the store anew runs under the same version.
        var reloaded = new TheaterRegistry(store, new byte[32], "test.center", TimeProvider.System);
        await reloaded.InitializeAsync();
        Assert.Equal(AgreementWriter.GovernedJson(agreementInForce), AgreementWriter.GovernedJson(reloaded.Find(id)!));

        // And the store's own state tables (the snapshot a restart loads) agree as well.
        Assert.Equal(zones, Snapshot(await store.LoadZonesAsync(agreement)));
        Assert.Equal(operations, Snapshot(await store.LoadOperationsAsync(agreement)));
        return agreementInForce.Version;
    }

    /// <summary>A write that may be refused on its merits (a breach, a term that is not there, a signature given twice): nothing changes then.</summary>
    private static async Task Write(TheaterRegistry registry, AgreementId id, Func<Theater, DateTimeOffset, Decision?> decide)
    {
        try
        {
            await registry.WriteAsync(id, (t, now) => (decide(t, now), 0));
        }
        catch (Exception e) when (e is Parley.Core.DomainException or Parley.Core.InputRejectedException or Parley.Core.Terms.TermBreachException)
        {
        }
    }

    private static List<string> Snapshot(IEnumerable<Zone> zones) => [.. zones.Select(z => $"{FeatureWriter.ToJson(z)}#{z.Version}").Order(StringComparer.Ordinal)];

    private static List<string> Snapshot(IEnumerable<Operation> operations) => [.. operations.Select(o => $"{FeatureWriter.ToJson(o)}#{o.Version}").Order(StringComparer.Ordinal)];
}
