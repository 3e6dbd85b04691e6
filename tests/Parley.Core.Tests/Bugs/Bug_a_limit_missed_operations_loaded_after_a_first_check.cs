using Parley.Core.Conflicts;
using Parley.Core.Features;
using Parley.Core.Model;
using Parley.Core.Terms;
using static Parley.Core.Tests.Support.Fixtures;

namespace Parley.Core.Tests.Bugs;

/// <summary>
/// A daily limit checked once on an empty theater made the theater's book of operations by day, empty; operations then
/// loaded in bulk (<see cref="Theater.Load"/>, which fills the indexes whole when the theater is empty) never reached that
/// book, so the limit counted none of them and let the owner go over it.
/// </summary>
public class Bug_a_limit_missed_operations_loaded_after_a_first_check
{
    private static readonly DateTimeOffset Day = new(2026, 12, 9, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void operations_loaded_after_a_limit_was_checked_count_against_it()
    {
        var theater = new Theater(AgreementReader.Parse("""
            {"id":"p","parties":[{"id":"red"},{"id":"blue"}],"terms":[{"id":"one","type":"limit","parties":["red"],"kinds":["strike"],"max_per_day":1,"on_breach":"concurrence"}]}
            """));
        Operation Strike(string id, OperationState state) => Operation(id, "red", "strike", Volume(Box(10, 40, 10.1, 40.1), 0, 1000, Day, Day.AddHours(1)), state);

        Assert.Empty(TermChecks.Breaches(theater, Strike("first", OperationState.Proposed)));
        theater.Load([], [Strike("loaded", OperationState.Accepted)]);

        Assert.Equal("one", Assert.Single(TermChecks.Breaches(theater, Strike("second", OperationState.Proposed))).Term);
        Assert.Equal("one", Assert.Single(TermChecks.BreachesByScan(theater, Strike("second", OperationState.Proposed))).Term);
    }
}
