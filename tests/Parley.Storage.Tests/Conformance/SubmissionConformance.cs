using Parley.Tests.Support;
using Parley.Core.Model;
using Parley.Core.Ports;
using Parley.Storage.Tests.Sqlite;

namespace Parley.Storage.Tests.Conformance;

/// <summary>Nonces and idempotent answers are committed with the write they belong to, or not at all.</summary>
public abstract class SubmissionConformance(IStoreBackend backend) : ConformanceTest(backend)
{
    private static readonly AgreementId Pact = Samples.Agreement.Id;
    private static readonly PartyId Blue = new("blue");
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static CommitBuilder Declare(string zone, string nonce, KeptAnswer? answer = null)
    {
        var changes = new CommitBuilder { Submitter = Blue, Submission = new SignedSubmission("ed25519:k", nonce, Now, [1, 2], [3]), Answer = answer };
        changes.UpsertZones.Add(Samples.Square(zone));
        return changes;
    }

    private static KeptAnswer Answer(string key, byte fingerprint, DateTimeOffset created) =>
        new(Blue, key, [fingerprint], [.. "an opaque record"u8, fingerprint], created);

    [Fact]
    public async Task a_nonce_is_spent_by_its_commit_and_a_second_commit_with_it_writes_nothing()
    {
        await using var store = await OpenAsync();
        Assert.False(await store.IsNonceSpentAsync(Pact, Blue, "nonce-aaaaaaaaaaaaaaaa", Ct));
        await store.CommitAsync(Pact, Declare("z1", "nonce-aaaaaaaaaaaaaaaa"), Ct);
        Assert.True(await store.IsNonceSpentAsync(Pact, Blue, "nonce-aaaaaaaaaaaaaaaa", Ct));
        Assert.False(await store.IsNonceSpentAsync(Pact, new PartyId("red"), "nonce-aaaaaaaaaaaaaaaa", Ct));

        await Assert.ThrowsAnyAsync<Exception>(() => store.CommitAsync(Pact, Declare("z2", "nonce-aaaaaaaaaaaaaaaa"), Ct));
        var zones = await store.LoadZonesAsync(Samples.Agreement, Ct);
        Assert.Equal(["z1"], zones.Select(z => z.Id.Value));

        // The nonces a replay could still reuse are those signed since a time: this one was signed at Now.
        Assert.Equal([(Blue, "nonce-aaaaaaaaaaaaaaaa", Now)], await store.LoadNoncesAsync(Pact, Now.AddHours(-1), Ct));
        Assert.Empty(await store.LoadNoncesAsync(Pact, Now.AddSeconds(1), Ct));
    }

    [Fact]
    public async Task an_answer_is_kept_with_its_write_across_reopening_and_only_within_the_retention()
    {
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync(Pact, Declare("z1", "nonce-bbbbbbbbbbbbbbbb", Answer("key-1", 7, Now)), Ct);
        }

        await using var reopened = await OpenAsync();
        var kept = await reopened.FindAnswerAsync(Pact, Blue, "key-1", Now.AddHours(-24), Ct);
        Assert.NotNull(kept);
        Assert.Equal([7], kept.Fingerprint);
        Assert.Equal([.. "an opaque record"u8, (byte)7], kept.Record);
        Assert.Null(await reopened.FindAnswerAsync(Pact, Blue, "key-1", Now.AddSeconds(1), Ct));
        Assert.Null(await reopened.FindAnswerAsync(Pact, new PartyId("red"), "key-1", Now.AddHours(-24), Ct));

        // A key past its retention may name a new write.
        await reopened.CommitAsync(Pact, Declare("z2", "nonce-cccccccccccccccc", Answer("key-1", 9, Now.AddDays(2))), Ct);
        Assert.Equal([9], (await reopened.FindAnswerAsync(Pact, Blue, "key-1", Now.AddDays(1), Ct))!.Fingerprint);
    }
}
