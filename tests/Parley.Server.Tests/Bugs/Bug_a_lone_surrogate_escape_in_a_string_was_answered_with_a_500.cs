using System.Net;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// A JSON string holding a lone surrogate escape (<c>\ud800</c>, <c>\udc00</c>) in a feature's id, kind or name threw
/// when it was read as a .NET string (for a signed write, already in the check of the body's canonical form), and the
/// request was answered 500 instead of a 400 problem.
/// </summary>
public sealed class Bug_a_lone_surrogate_escape_in_a_string_was_answered_with_a_500
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{"type":"Feature","id":"\ud800x","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"protected","radius_m":5,"start":"2026-01-01T00:00:00Z"}}""")]
    [InlineData("""{"type":"Feature","id":"ok","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"\udc00","radius_m":5,"start":"2026-01-01T00:00:00Z"}}""")]
    [InlineData("""{"type":"Feature","id":"ok","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"kind":"protected","name":"\ud800","radius_m":5,"start":"2026-01-01T00:00:00Z"}}""")]
    public async Task a_lone_surrogate_escape_in_a_string_is_a_400_problem_not_a_500(string body)
    {
        await using var server = await RunningServer.StartAsync();
        using var blue = server.Client("blue");
        var response = await blue.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(body), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
