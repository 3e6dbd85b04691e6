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
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 2], Gen.Int[0, 5], Gen.Double[0, 1], Gen.Double[0, 1], Gen.Double[0.01, 0.3], Gen.Int[0, 3], Gen.Bool)
           .Select((action, party, key, x, y, size, kind, isPublic) => new Step(action, party, key, x, y, size, kind, isPublic));

    private static string Party(int i) => ((char)('a' + i)).ToString();

    private static string Box(double x, double y, double s) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $$"""{"type":"Polygon","coordinates":[[[{{x}},{{y}}],[{{x + s}},{{y}}],[{{x + s}},{{y + s}}],[{{x}},{{y + s}}],[{{x}},{{y}}]]]}""");

    [Fact]
    public void replaying_the_ledger_of_any_history_rebuilds_the_same_zones_and_operations()
    {
        StepGen.Array[1, 30].Sample(steps =>
        {
            string data = Path.Combine(Path.GetTempPath(), "parley-replay-" + Guid.NewGuid().ToString("N"));
            try
            {
                Run(data, steps).GetAwaiter().GetResult();
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(data, recursive: true);
            }
        }, iter: 25);
    }

    private static async Task Run(string data, Step[] steps)
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

                default:
                    {
                        string kind = step.Kind switch { 0 => "strike", 1 => "flight", 2 => "ground-movement", _ => "humanitarian-movement" };
                        string opProps = $$"""{"kind":"{{kind}}","owner":"{{owner}}","start":"2026-01-01T00:00:00Z","end":"2026-01-02T00:00:00Z","visibility":"{{visibility}}"}""";
                        using var doc = FeatureReader.ParseJson(System.Text.Encoding.UTF8.GetBytes(
                            $$"""{"type":"Feature","id":"o{{n++}}","geometry":{{Box(step.X, step.Y, step.Size)}},"properties":{{opProps}}}"""));
                        var op = FeatureReader.ReadOperations(doc.RootElement, agreement)[0];
                        await registry.WriteAsync(id, (t, _) => (Lifecycle.Submit(t, op, Now).Decision, 0));
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
        var (zones, operations) = await registry.ReadAsync(id, t => (Snapshot(t.Zones), Snapshot(t.Operations)));
        Assert.Equal(zones, Snapshot(replayed.Zones));
        Assert.Equal(operations, Snapshot(replayed.Operations));

        // And the store's own state tables (the snapshot a restart loads) agree as well.
        Assert.Equal(zones, Snapshot(await store.LoadZonesAsync(agreement)));
        Assert.Equal(operations, Snapshot(await store.LoadOperationsAsync(agreement)));
    }

    private static List<string> Snapshot(IEnumerable<Zone> zones) => [.. zones.Select(z => $"{FeatureWriter.ToJson(z)}#{z.Version}").Order(StringComparer.Ordinal)];

    private static List<string> Snapshot(IEnumerable<Operation> operations) => [.. operations.Select(o => $"{FeatureWriter.ToJson(o)}#{o.Version}").Order(StringComparer.Ordinal)];
}
