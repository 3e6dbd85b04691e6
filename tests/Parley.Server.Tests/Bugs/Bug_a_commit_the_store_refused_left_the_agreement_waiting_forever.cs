using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Core.Workflow;
using Parley.Server.Theaters;
using Parley.Storage.Sqlite;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// When the store refused a batch's commit (a constraint, a disk error), the committer loaded the agreement anew while
/// it still held the failed write: loading waits for that very write, so the batch never ended and every later read and
/// write of the agreement waited forever. The write is now let go before the state is loaded again.
/// </summary>
public sealed class Bug_a_commit_the_store_refused_left_the_agreement_waiting_forever
{
    private sealed class RefusingStore(IParleyStore inner) : DelegatingStore(inner)
    {
        public int Refusals { get; set; }

        public override async Task<IAgreementWrite> BeginWriteAsync(AgreementId agreement, CancellationToken cancellationToken = default) =>
            new Refusing(this, await Inner.BeginWriteAsync(agreement, cancellationToken));

        private sealed class Refusing(RefusingStore store, IAgreementWrite inner) : DelegatingWrite(inner)
        {
            public override Task CommitAsync(IReadOnlyList<Commit> batch, CancellationToken cancellationToken = default)
            {
                if (store.Refusals > 0)
                {
                    store.Refusals--;
                    throw new InvalidOperationException("the store refused the commit");
                }

                return Inner.CommitAsync(batch, cancellationToken);
            }
        }
    }

    [Fact]
    public async Task a_refused_commit_fails_its_write_and_the_agreement_serves_the_next_one()
    {
        var ct = TestContext.Current.CancellationToken;
        string folder = Path.Combine(Path.GetTempPath(), "parley-refused-commit-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var sqlite = new SqliteStore(Path.Combine(folder, "parley.db"));
            var store = new RefusingStore(sqlite);
            var registry = new TheaterRegistry(store, new byte[32], "test.center", TimeProvider.System);
            await registry.InitializeAsync(ct);
            var agreement = await registry.PutAgreementAsync("""{"id":"p","parties":[{"id":"blue"}]}""", ct);
            var zone = Parley.Core.Features.FeatureReader.ReadZones(System.Text.Json.JsonDocument.Parse(
                Json.Zone("z1", "protected", Json.Box(10, 40, 10.1, 40.1))).RootElement, agreement, new PartyId("blue"))[0];

            store.Refusals = 1;
            var refused = registry.WriteAsync(agreement.Id, (t, now) => (Lifecycle.DeclareZone(t, zone, now), 0), ct);
            await Assert.ThrowsAsync<InvalidOperationException>(() => refused.WaitAsync(TimeSpan.FromMinutes(1), ct));

            await registry.WriteAsync(agreement.Id, (t, now) => (Lifecycle.DeclareZone(t, zone, now), 0), ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
            Assert.Equal(1, await registry.ReadAsync(agreement.Id, t => t.ZoneCount, ct).WaitAsync(TimeSpan.FromMinutes(1), ct));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
