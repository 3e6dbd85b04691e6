using Parley.Core.Agreements;
using Parley.Core.Features;
using Parley.Core.Model;

namespace Parley.Core.Tests.Features;

public sealed class AmendmentReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);

    private static readonly Agreement InForce = AgreementReader.Parse(AgreementTermsReaderTests.Yaml);

    private const string Limit = """{"id":"red-strike-scale-back","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":2}""";

    [Fact]
    public void a_proposal_in_yaml_is_read_with_its_change_reason_deadline_and_effective_time()
    {
        var read = AmendmentReader.ReadProposal("""
            reason: two strikes a day, and the southern area closed
            signing_deadline: 2026-12-03T00:00:00Z
            effective: 2026-12-04T00:00:00Z
            replace_terms:
              - { id: red-strike-scale-back, type: limit, parties: [red], kinds: [strike], max_per_day: 2 }
            remove_terms: [red-air-grounded-north]
            separation: { lateral_m: 5000 }
            concurrence_deadline_minutes: 45
            probing_budget: { per_day: 100 }
            rules:
              - { operation: strike, zones: [protected, restricted] }
            """, InForce, Now);

        Assert.Equal("two strikes a day, and the southern area closed", read.Reason);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero), read.SigningDeadline);
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), read.Effective);
        var after = read.Change.ApplyTo(InForce, InForce.Version + 1);
        Assert.Equal(3, after.Version);
        Assert.Equal(["red-strikes-in-designated-areas", "red-strike-scale-back"], after.Terms.Select(t => t.Id));
        Assert.Equal(2, after.FindTerm("red-strike-scale-back")!.MaxPerDay);
        Assert.Equal(new SeparationMinima(5000, InForce.Separation.VerticalMetres), after.Separation);
        Assert.Equal(TimeSpan.FromMinutes(45), after.ConcurrenceDeadline);
        Assert.Equal(new ProbingBudget(InForce.ProbingBudget.PerHour, 100), after.ProbingBudget);
        Assert.Single(after.ZoneRules);

        // The kept changes read back to the same agreement.
        var again = AmendmentReader.ReadChanges(read.ChangesJson, InForce).ApplyTo(InForce, 3);
        Assert.Equal(AgreementWriter.GovernedJson(after), AgreementWriter.GovernedJson(again));
        Assert.Equal(read.ChangesJson, AmendmentReader.WriteChanges(AmendmentReader.ReadChanges(read.ChangesJson, InForce)));
    }

    [Fact]
    public void an_added_term_comes_last_and_effective_defaults_to_on_signature()
    {
        var read = AmendmentReader.ReadProposal($$"""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z","effective":"on_signature","add_terms":[{{Limit.Replace("red-strike-scale-back", "new-limit", StringComparison.Ordinal)}}]}""", InForce, Now);
        Assert.Null(read.Effective);
        Assert.Equal("new-limit", read.Change.ApplyTo(InForce, 3).Terms[^1].Id);
    }

    [Theory]
    [InlineData("""{"signing_deadline":"2026-12-02T00:00:00Z","remove_terms":["red-strike-scale-back"]}""", "reason")]
    [InlineData("""{"reason":"","signing_deadline":"2026-12-02T00:00:00Z","remove_terms":["red-strike-scale-back"]}""", "reason")]
    [InlineData("""{"reason":"r","remove_terms":["red-strike-scale-back"]}""", "signing_deadline")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-11-30T00:00:00Z","remove_terms":["red-strike-scale-back"]}""", "signing_deadline")]
    [InlineData("""{"reason":"r","signing_deadline":"2030-01-01T00:00:00Z","remove_terms":["red-strike-scale-back"]}""", "signing_deadline")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z","effective":"soon","remove_terms":["red-strike-scale-back"]}""", "effective")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z"}""", "$")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z","remove_terms":["nothing-of-that-name"]}""", "remove_terms")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z","add_terms":[{"id":"red-strike-scale-back","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":2}]}""", "add_terms[0].id")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z","replace_terms":[{"id":"brand-new","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":2}]}""", "replace_terms[0].id")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z","replace_terms":[{"id":"red-strike-scale-back","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":2}],"remove_terms":["red-strike-scale-back"]}""", "$")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z","replace_terms":[{"id":"red-strike-scale-back","type":"limit","parties":["red"],"kinds":["strike"],"max_per_dai":2}]}""", "replace_terms[0].max_per_dai")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z","rules":[{"operation":"raid","zones":["protected"]}]}""", "operation_kinds")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z","separation":{"lateral_m":-1}}""", "separation.lateral_m")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z","parties":[]}""", "parties")]
    [InlineData("""{"reason":"r","signing_deadline":"2026-12-02T00:00:00Z","version":3,"concurrence_deadline_minutes":5}""", "version")]
    [InlineData("""[1,2]""", "$")]
    [InlineData("""{"reason": """, "$")]
    public void a_bad_proposal_is_refused_naming_the_field(string proposal, string field)
    {
        var e = Assert.Throws<InputRejectedException>(() => AmendmentReader.ReadProposal(proposal, InForce, Now));
        Assert.True(e.Errors.Any(x => x.Field == field), $"expected {field}; got {string.Join("; ", e.Errors)}");
    }

    [Fact]
    public void an_amendment_record_reads_back_as_it_was_written()
    {
        var amendment = new Amendment
        {
            Id = "am-3", Proposer = new PartyId("red"), Changes = """{"remove_terms":["red-strike-scale-back"]}""", Reason = "no longer needed",
            BaseVersion = 2, Proposed = Now, SigningDeadline = Now.AddDays(1), Effective = Now.AddDays(2),
            Signatories = [new PartyId("blue"), new PartyId("red")], Signatures = [new AmendmentSignature(new PartyId("red"), Now)],
            State = AmendmentState.Lapsed, Closed = Now.AddHours(3), RefusedBy = new PartyId("blue"), LapseReason = "refused by blue: no", Revision = 2,
        };
        var back = AmendmentRecords.FromJson(AmendmentRecords.ToJson(amendment));
        Assert.Equal(AmendmentRecords.ToJson(amendment), AmendmentRecords.ToJson(back));
        Assert.Equal(amendment.Signatures, back.Signatures);
        Assert.Equal(amendment.Effective, back.Effective);
        Assert.Throws<FormatException>(() => AmendmentRecords.FromJson("""{"id":"am-1"}"""));
    }
}
