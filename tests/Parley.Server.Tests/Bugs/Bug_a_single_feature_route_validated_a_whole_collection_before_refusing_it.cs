using System.Globalization;
using System.Net;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// <c>/check</c>, which takes one Feature, read and validated a whole FeatureCollection (18 s for 10 MiB) before
/// refusing it as not one operation. The routes that take one Feature (check, submit, modify, a zone's replacement)
/// now look at the body's <c>type</c> first and refuse a collection unread.
/// </summary>
public sealed class Bug_a_single_feature_route_validated_a_whole_collection_before_refusing_it
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A collection whose features are all wrong: read, each would be refused for its geometry.</summary>
    private static string BadCollection(int features) =>
        """{"type":"FeatureCollection","features":[""" +
        string.Join(",", Enumerable.Range(0, features).Select(i =>
            Json.Operation("o" + i.ToString(CultureInfo.InvariantCulture), "strike", """{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"""))) +
        "]}";

    [Theory]
    [InlineData("POST", "/v1/agreements/demo/check")]
    [InlineData("POST", "/v1/agreements/demo/operations")]
    [InlineData("PUT", "/v1/agreements/demo/operations/o0")]
    [InlineData("PUT", "/v1/agreements/demo/zones/o0")]
    public async Task a_collection_sent_to_a_route_that_takes_one_feature_is_refused_naming_type_not_its_features(string method, string path)
    {
        await using var server = await RunningServer.StartAsync();
        using var red = server.Client("red");
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = RunningServer.GeoJson(BadCollection(3)) };
        request.Headers.TryAddWithoutValidation("If-Match", "*");
        var response = await red.SendAsync(request, Ct);
        var problem = await Problem.AssertAsync(response, 400);
        Assert.Equal("type", Problem.FirstField(problem));
        Assert.Equal(1, problem.GetProperty("errors").GetArrayLength());
        Assert.Contains("one Feature", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_declaration_route_still_reads_a_collection()
    {
        await using var server = await RunningServer.StartAsync();
        using var red = server.Client("red");
        var response = await red.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(BadCollection(2)), Ct);
        var problem = await Problem.AssertAsync(response, 400);
        Assert.StartsWith("features[0].", Problem.FirstField(problem), StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.Created, response.StatusCode);
    }
}
