using System.Net;
using System.Text.Json;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// Red declared public zones <c>blue-schооl-2</c> (Cyrillic о) and <c>blue-school-2</c> + U+2060 beside blue's
/// <c>blue-school-2</c>: ids held any text. A declaration or submission whose id is outside the id grammar is now
/// refused with a problem naming <c>id</c> and the character, and nothing is stored. A repeated name in a signed body
/// was reported as <c>malformed JSON at line , byte :</c>; it names the feature, the field, the line and the byte.
/// </summary>
public sealed class Bug_look_alike_ids_were_accepted_over_http
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("blue-sch\u043E\u043El-2", "U+043E")]
    [InlineData("blue-school-2\u2060", "U+2060")]
    [InlineData("blue-school-2\u202E", "U+202E")]
    [InlineData("blue-\u200Bschool-2", "U+200B")]
    [InlineData("blue-school\u200D-2", "U+200D")]
    public async Task a_look_alike_zone_id_is_refused_and_nothing_is_stored(string id, string codePoint)
    {
        await using var server = await RunningServer.StartAsync();
        using var red = server.Client("red");
        string body = Json.Zone(id, "protected", Json.Box(30, 50, 30.01, 50.01), ""","visibility":"public" """);
        var response = await red.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(body), Ct);
        var problem = await Problem.AssertAsync(response, 400);
        Assert.Equal("id", Problem.FirstField(problem));
        Assert.Contains(codePoint, problem.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);

        using var blue = server.Client("blue");
        var zones = JsonDocument.Parse(await blue.GetStringAsync("/v1/agreements/demo/zones?limit=10000", Ct)).RootElement.GetProperty("features");
        Assert.DoesNotContain(zones.EnumerateArray(), z => z.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task a_look_alike_operation_id_is_refused()
    {
        await using var server = await RunningServer.StartAsync();
        using var red = server.Client("red");
        var response = await red.PostAsync("/v1/agreements/demo/operations",
            RunningServer.GeoJson(Json.Operation("red-op\u200B1", "strike", Json.Box(30, 50, 30.01, 50.01))), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("id", Problem.FirstField(await Problem.AssertAsync(response, 400)));
    }

    [Fact]
    public async Task a_repeated_name_in_a_signed_body_names_the_feature_field_line_and_byte()
    {
        await using var server = await RunningServer.StartAsync();
        using var red = server.Client("red");
        string body = "{\"type\":\"FeatureCollection\",\"features\":[\n" +
            Json.Zone("r1", "protected", Json.Box(30, 50, 30.01, 50.01)).Replace("\"kind\":\"protected\"", "\"kind\":\"protected\",\"kind\":\"restricted\"", StringComparison.Ordinal) + "]}";
        var response = await red.PostAsync("/v1/agreements/demo/zones", RunningServer.GeoJson(body), Ct);
        var problem = await Problem.AssertAsync(response, 400);
        var error = problem.GetProperty("errors")[0];
        Assert.Equal("features[0].properties.kind", error.GetProperty("field").GetString());
        Assert.Equal("r1", error.GetProperty("feature").GetString());
        Assert.Matches("at line 2, byte [0-9]+:", error.GetProperty("message").GetString());
    }
}
