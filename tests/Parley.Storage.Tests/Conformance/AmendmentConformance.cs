using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Storage.Tests.Sqlite;
using Parley.Tests.Support;

namespace Parley.Storage.Tests.Conformance;

/// <summary>
/// Terms and amendments in the store: amendments kept whole as their commits leave them, in the order proposed; requests
/// about a term; operations' breach marks; and a commit of an amendment read as a change of the agreement by another
/// instance catching up.
/// </summary>
public abstract class AmendmentConformance(IStoreBackend backend) : ConformanceTest(backend)
{
    private static readonly AgreementId Agreement = Samples.Agreement.Id;
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);

    private static Amendment Proposal(string id, DateTimeOffset proposed) => new()
    {
        Id = id, Proposer = new PartyId("red"), Changes = """{"remove_terms":["red-strike-scale-back"]}""", Reason = "no longer needed",
        BaseVersion = 1, Proposed = proposed, SigningDeadline = proposed.AddDays(1),
        Signatories = [new PartyId("blue"), new PartyId("red")], Signatures = [new AmendmentSignature(new PartyId("red"), proposed)],
    };

    [Fact]
    public async Task amendments_are_kept_as_their_last_commit_left_them_in_the_order_proposed()
    {
        var first = Proposal("am-1", Now);
        var second = Proposal("am-2", Now.AddMinutes(1)) with { Effective = Now.AddDays(2) };
        var tenth = Proposal("am-10", Now.AddMinutes(1));
        await using (var store = await OpenAsync())
        {
            var propose = new CommitBuilder();
            propose.UpsertAmendments.AddRange([first, tenth, second]);
            await store.CommitAsync(Agreement, propose, Ct);

            var sign = new CommitBuilder();
            sign.UpsertAmendments.Add(first with
            {
                Signatures = [.. first.Signatures, new AmendmentSignature(new PartyId("blue"), Now.AddHours(1))],
                State = AmendmentState.InForce, Closed = Now.AddHours(1), Revision = 2,
            });
            sign.UpsertAmendments.Add(second with { State = AmendmentState.Lapsed, Closed = Now.AddHours(1), LapseReason = "am-1 came first", Revision = 2 });
            await store.CommitAsync(Agreement, sign, Ct);
            await store.CommitAsync(new AgreementId("theater-2"), Added(Proposal("am-1", Now)), Ct);
        }

        await using var reopened = await OpenAsync();
        var kept = await reopened.LoadAmendmentsAsync(Agreement, Ct);
        Assert.Equal(["am-1", "am-2", "am-10"], kept.Select(a => a.Id));
        Assert.Equal(AmendmentState.InForce, kept[0].State);
        Assert.Equal(["red", "blue"], kept[0].Signatures.Select(s => s.Party.Value));
        Assert.Equal(AmendmentState.Lapsed, kept[1].State);
        Assert.Equal("am-1 came first", kept[1].LapseReason);
        Assert.Equal(AmendmentRecords.ToJson(tenth), AmendmentRecords.ToJson(kept[2]));
        Assert.Single(await reopened.LoadAmendmentsAsync(new AgreementId("theater-2"), Ct));
        Assert.Empty(await reopened.LoadAmendmentsAsync(new AgreementId("nowhere"), Ct));
    }

    [Fact]
    public async Task a_request_about_a_term_and_an_operations_breach_marks_are_kept()
    {
        var operation = Samples.EveryOperationKind()[0] with { InBreach = ["red-air-grounded-north", "red-strike-scale-back"] };
        var request = new ConcurrenceRequest
        {
            Id = "cr-1", Operation = operation.Id, OperationVersion = 1, Submitter = operation.Owner, Affected = new PartyId("aid"),
            TargetType = "term", TargetId = "red-strike-scale-back", Opened = Now, Deadline = Now.AddMinutes(30),
        };
        await using (var store = await OpenAsync())
        {
            var change = new CommitBuilder();
            change.UpsertOperations.Add(operation);
            change.UpsertRequests.Add(request);
            await store.CommitAsync(Agreement, change, Ct);
        }

        await using var reopened = await OpenAsync();
        Assert.Equal(operation.InBreach, (await reopened.LoadOperationsAsync(Samples.Agreement, Ct)).Single(o => o.Id == operation.Id).InBreach);
        var kept = Assert.Single(await reopened.LoadRequestsAsync(Agreement, Ct));
        Assert.Equal(("term", "red-strike-scale-back"), (kept.TargetType, kept.TargetId));
    }

    [Fact]
    public async Task another_instance_reads_a_commit_of_an_amendment_as_a_change_of_the_agreement()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        await first.CommitAsync(Agreement, Added(Samples.Square("z1")), Ct);
        long seen = await second.ReadHeadAsync(Agreement, Ct);

        var declared = await second.ReadChangesAsync(Samples.Agreement, 0, Ct);
        Assert.False(declared!.AgreementChanged);

        await first.CommitAsync(Agreement, Added(Proposal("am-1", Now)), Ct);
        var changes = await second.ReadChangesAsync(Samples.Agreement, seen, Ct);
        Assert.NotNull(changes);
        Assert.True(changes.AgreementChanged);
        Assert.Equal(seen + 1, changes.Head);
    }

    private static CommitBuilder Added(Amendment amendment)
    {
        var change = new CommitBuilder();
        change.UpsertAmendments.Add(amendment);
        return change;
    }

    private static CommitBuilder Added(Zone zone)
    {
        var change = new CommitBuilder();
        change.UpsertZones.Add(zone);
        return change;
    }
}
