using System.Net.Http.Headers;
using System.Text;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// The zones handler looked for a top-level <c>features</c> member before the feature reader ran; that lookup decoded
/// every property name, threw on a name holding a lone surrogate escape, and the request was answered 500 instead of
/// a 400 problem.
/// </summary>
public sealed class Bug_a_lone_surrogate_escape_in_a_top_level_property_name_was_answered_with_a_500
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task a_lone_surrogate_escape_in_a_top_level_property_name_is_a_400_problem_not_a_500()
    {
        await using var server = await RunningServer.StartAsync();
        using var blue = server.Client("blue");
        var point = Json.Feature("bug-1", """{"type":"Point","coordinates":[0,0]}""", """{"kind":"protected","radius_m":50,"start":"2026-01-01T00:00:00Z"}""");
        var body = point.Replace("{\"type\"", "{\"\\udc00\\udc00\":1,\"type\"", StringComparison.Ordinal);
        Assert.StartsWith("{\"\\udc00\\udc00\"", body, StringComparison.Ordinal);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/geo+json");
        var response = await blue.PostAsync("/v1/agreements/demo/zones", content, Ct);
        var problem = await Problem.AssertAsync(response, 400);
        Assert.Equal("$", Problem.FirstField(problem));
    }
}
