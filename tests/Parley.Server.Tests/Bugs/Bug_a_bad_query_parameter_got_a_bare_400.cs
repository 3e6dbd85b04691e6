using System.Net;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// A query parameter the framework could not bind (<c>size=abc</c>, <c>index=abc</c>, a number beyond its type) was
/// answered with the framework's bare 400, naming nothing. It is now an RFC 9457 problem naming the parameter.
/// </summary>
public sealed class Bug_a_bad_query_parameter_got_a_bare_400
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("proof/inclusion?index=abc&size=1", "index")]
    [InlineData("proof/inclusion?index=0&size=abc", "size")]
    [InlineData("proof/inclusion?index=0&size=99999999999999999999", "size")]
    [InlineData("proof/consistency?from=1&to=1.5", "to")]
    [InlineData("proof/consistency?from=x&to=1", "from")]
    [InlineData("openings?from=0&count=abc", "count")]
    [InlineData("openings?from=abc&count=1", "from")]
    [InlineData("openings?from=0&count=3000000000", "count")]
    public async Task a_parameter_that_is_not_a_number_of_its_range_gets_a_problem_naming_it(string query, string parameter)
    {
        await using var server = await RunningServer.StartAsync();
        using var red = server.Client("red");
        var response = await red.GetAsync("/v1/agreements/demo/ledger/" + query, Ct);
        var problem = await Problem.AssertAsync(response, 400);
        Assert.Equal(parameter, Problem.FirstField(problem));
        Assert.Contains("whole number", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_number_in_range_but_beyond_the_tree_is_still_named_by_the_route()
    {
        await using var server = await RunningServer.StartAsync();
        using var red = server.Client("red");
        var response = await red.GetAsync("/v1/agreements/demo/ledger/proof/inclusion?index=0&size=99999999", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("size", Problem.FirstField(await Problem.AssertAsync(response, 400)));
    }
}
